/**
 * Many token installations on one HubSpot host (issue 15): two portals behind one base URL, told apart by their
 * bearer tokens as api.hubapi.com does (sandbox/hubspot/portals.ts). Each is added through the admin API under
 * its own portal id; a webhook names its portal (`portalId`), and its recompute writes that portal only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotPortals, type HubspotPortals } from '../../sandbox/hubspot/portals.ts';
import { startServer, type ParcoursServer } from '../../src/server/index.ts';
import { ADMIN_TOKEN, SECRET_KEY, admin, postHubspotWebhook, tempDb } from './harness.ts';

const APP_SECRET = 'test-app-client-secret-for-token-portals';
const HUB_IDS = [4_100_001, 4_100_002];

describe('token installations of several portals on one HubSpot host', () => {
  let portals: HubspotPortals;
  let srv: ParcoursServer;

  beforeAll(async () => {
    portals = await startHubspotPortals(HUB_IDS.map((hubId, i) => ({ seed: 70 + i, contacts: 25, hubId, accessToken: `test-token-portal-${hubId}` })));
    srv = await startServer({
      port: 0,
      schedule: false,
      env: { PARCOURS_DB: tempDb(), PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_SECRET_KEY: SECRET_KEY, HUBSPOT_BASE_URL: portals.url, HUBSPOT_CLIENT_SECRET: APP_SECRET, PARCOURS_LOG_LEVEL: 'error' },
    });
  });
  afterAll(async () => {
    await srv?.close();
    await portals?.close();
  });

  it('each token becomes the installation of its own portal, and a webhook is applied to the portal it names', async () => {
    for (const [i, p] of portals.portals.entries()) {
      const r = await admin(srv.url, '/api/installations', { method: 'POST', body: JSON.stringify({ crm: 'hubspot', accessToken: p.accessToken }) });
      expect(r.status).toBe(201);
      expect(await r.json()).toMatchObject({ id: `hubspot:${HUB_IDS[i]}`, externalId: String(HUB_IDS[i]), created: true });
    }
    await srv.idle();
    const [a, b] = portals.portals as [HubspotPortals['portals'][number], HubspotPortals['portals'][number]];
    // Both first syncs wrote their own portal.
    for (const p of [a, b]) expect(p.calls.some((c) => c.endpoint === 'POST /crm/v3/objects/:objectType/batch/update' && c.status === 200)).toBe(true);

    const contact = b.data.ids('contacts').find((id) => b.data.getRecord('contacts', id)?.properties['parcours_stage'] === 'awareness');
    expect(contact, 'a contact in awareness on portal B').toBeDefined();
    b.data.updateRecord('contacts', contact as string, { lifecyclestage: 'opportunity' });
    const aCalls = a.calls.length;
    const delivered = await postHubspotWebhook(srv.url, APP_SECRET, [
      { eventId: 1, portalId: HUB_IDS[1], occurredAt: Date.now(), subscriptionType: 'contact.propertyChange', objectId: Number(contact), propertyName: 'lifecyclestage', propertyValue: 'opportunity', attemptNumber: 0 },
    ]);
    expect(delivered.status).toBe(200);
    await srv.idle();
    expect(b.data.getRecord('contacts', contact as string)?.properties['parcours_stage']).toBe('decision');
    // Portal A heard nothing of it.
    expect(a.calls.slice(aCalls)).toEqual([]);
  });

  it('routes a call by its token, and answers an unknown token as HubSpot does (401)', async () => {
    const [a, b] = portals.portals as [HubspotPortals['portals'][number], HubspotPortals['portals'][number]];
    const details = async (token: string) => fetch(`${portals.url}/account-info/v3/details`, { headers: { authorization: `Bearer ${token}` } });
    expect(await (await details(a.accessToken)).json()).toMatchObject({ portalId: HUB_IDS[0] });
    expect(await (await details(b.accessToken)).json()).toMatchObject({ portalId: HUB_IDS[1] });
    const unknown = await details('test-token-no-portal-has');
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
  });
});
