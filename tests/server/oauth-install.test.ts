import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { SANDBOX_HUB_ID } from '../../sandbox/hubspot/auth.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { ParcoursError } from '../../src/errors.ts';
import { startServer, type ParcoursServer } from '../../src/server/index.ts';
import { ADMIN_TOKEN, SECRET_KEY, admin, browser, capturingLogger, outboundMessage, postOutbound, salesforceWebhookUrlOf, tempDb } from './harness.ts';

/** Follows one redirect by hand, as a browser would (cookies kept), and returns where it points. */
const web = browser();
async function location(url: string, headers: Record<string, string> = {}): Promise<URL> {
  const res = await web.get(url, headers);
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') as string);
}
const asAdmin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('OAuth installs against the sandbox CRMs, then real-time changes', () => {
  let hs: HubspotSandbox;
  let sf: SalesforceSandbox;
  let srv: ParcoursServer;
  let db: string;
  const logs = capturingLogger();

  beforeAll(async () => {
    // Short-lived HubSpot tokens: every connector build must refresh first.
    hs = await startHubspotSandbox({ port: 0, seed: 9, contacts: 25, oauthTokenTtlSeconds: 120 });
    sf = await startSalesforceSandbox({ port: 0, seed: 9, contacts: 25, rotateRefreshTokens: true });
    db = tempDb();
    srv = await startServer({
      port: 0,
      schedule: false,
      log: logs.log,
      env: {
        PARCOURS_DB: db,
        PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN,
        PARCOURS_SECRET_KEY: SECRET_KEY,
        PARCOURS_WEBHOOK_BATCH: '20ms',
        HUBSPOT_BASE_URL: hs.url,
        HUBSPOT_AUTHORIZE_URL: `${hs.url}/oauth/authorize`,
        HUBSPOT_CLIENT_ID: hs.oauth.clientId,
        HUBSPOT_CLIENT_SECRET: hs.oauth.clientSecret,
        SALESFORCE_LOGIN_URL: sf.url,
        SALESFORCE_SANDBOX_LOGIN_URL: sf.url,
        SALESFORCE_CLIENT_ID: sf.oauth.clientId,
        SALESFORCE_CLIENT_SECRET: sf.oauth.clientSecret,
      },
    });
  });
  afterAll(async () => {
    await srv?.close();
    await Promise.all([hs?.close(), sf?.close()]);
  });

  it('installs a HubSpot portal: minimal scopes, signed single-use state, tokens stored encrypted and refreshed', async () => {
    const authorize = await location(`${srv.url}/oauth/hubspot/install`, asAdmin);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${hs.url}/oauth/authorize`);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${srv.url}/oauth/hubspot/callback`);
    const scopes = (authorize.searchParams.get('scope') ?? '').split(' ');
    expect(scopes).toEqual(expect.arrayContaining(['oauth', 'crm.objects.contacts.write', 'crm.objects.deals.write', 'tickets', 'crm.lists.write']));
    expect(scopes).not.toContain('crm.objects.companies.read');
    const callback = await location(authorize.toString());
    expect(callback.pathname).toBe('/oauth/hubspot/callback');
    const done = await web.get(callback.toString());
    expect(done.status).toBe(200);
    const id = `hubspot:${SANDBOX_HUB_ID}`;
    expect(await done.json()).toEqual({ installed: { id, crm: 'hubspot', externalId: String(SANDBOX_HUB_ID) } });

    // The same callback again (a replayed state) and a forged state are refused.
    const again = await web.get(callback.toString());
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ error: { code: 'AUTH_FAILED' } });
    const forged = new URL(callback);
    forged.searchParams.set('state', 'AAAAAAAAAAAAAAAAAAAAAAAA.bm90LWEtc2lnbmF0dXJl');
    expect((await web.get(forged.toString())).status).toBe(401);

    await srv.idle();
    const installations = (await (await admin(srv.url, '/api/installations')).json()) as Array<{ id: string; source: string; tokensStored: boolean; lastRun: { status: string } | null }>;
    expect(installations.find((i) => i.id === id)).toMatchObject({ source: 'oauth', tokensStored: true, lastRun: { status: 'succeeded' } });
    // The first sync refreshed the 2-minute token before using it (code exchange + refresh).
    expect(hs.calls.filter((c) => c.method === 'POST' && c.path === '/oauth/2026-03/token').length).toBeGreaterThanOrEqual(2);
    // Nothing on the v1 OAuth API, removed on 2027-02-16 (changelog "v1 OAuth API deprecation").
    expect(hs.calls.filter((c) => c.path.startsWith('/oauth/v1/'))).toEqual([]);
    const contact = hs.data.getRecord('contacts', hs.data.ids('contacts')[0] as string);
    expect(contact?.properties.parcours_stage).toBeTruthy();

    // Sealed at rest: no OAuth token appears anywhere in the database files or in the logs.
    const row = await srv.store.getInstallation(id);
    expect(row?.secrets).toMatch(/^v1\./);
    for (const file of [db, `${db}-wal`]) {
      const bytes = readFileSync(file, { flag: 'r' }).toString('latin1');
      expect(bytes).not.toMatch(/sandbox-oauth-[0-9a-f]{8}|sandbox-refresh-[0-9a-f]{8}/);
    }
    expect(logs.lines.join('')).not.toMatch(/sandbox-oauth-|sandbox-refresh-|code=sandbox-code/);
  });

  it('installs a Salesforce org with PKCE, then an outbound message recomputes the opportunity\'s contact', async () => {
    const authorize = await location(`${srv.url}/oauth/salesforce/install?org=sandbox`, asAdmin);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('scope')).toBe('api refresh_token');
    const callback = await location(authorize.toString());
    const done = await web.get(callback.toString());
    expect(done.status).toBe(200);
    const { installed } = (await done.json()) as { installed: { id: string; externalId: string } };
    expect(installed.id).toMatch(/^salesforce:00D[A-Za-z0-9]{15}$/);
    await srv.idle();
    expect((await srv.store.listRuns({ installation: installed.id, limit: 1 }))[0]?.status).toBe('succeeded');

    const roles = sf.data.query('SELECT ContactId, OpportunityId FROM OpportunityContactRole');
    const pick = roles.find((r) => {
      const opp = sf.data.get('Opportunity', String(r.OpportunityId));
      const contact = sf.data.get('Contact', String(r.ContactId));
      const others = roles.filter((x) => x.ContactId === r.ContactId).length;
      return opp && opp.StageName === 'Prospecting' && contact?.Parcours_Stage__c === 'consideration' && others === 1;
    });
    expect(pick).toBeDefined();
    const oppId = String(pick?.OpportunityId);
    const contactId = String(pick?.ContactId);
    sf.data.update('Opportunity', oppId, { StageName: 'Negotiation/Review' });

    const hook = await salesforceWebhookUrlOf(srv.url, installed.id);
    expect(hook).toMatch(new RegExp(`^${srv.url}/webhooks/salesforce/[A-Za-z0-9_-]{43}$`));
    const post = (orgId: string, notificationId: string) => postOutbound(hook, outboundMessage(orgId, [{ id: notificationId, type: 'Opportunity', recordId: oppId }]));
    const wrongOrg = await post('00D000000000001AAA', '04l5e00000Gx7QzAAJ');
    expect(wrongOrg.status).toBe(403);
    await srv.idle();
    expect(sf.data.get('Contact', contactId)?.Parcours_Stage__c).toBe('consideration');

    const res = await post(installed.externalId, '04l5e00000Gx7QzAAJ');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<Ack>true</Ack>');
    await srv.idle();
    expect(sf.data.get('Contact', contactId)?.Parcours_Stage__c).toBe('decision');
    const run = (await srv.store.listRuns({ installation: installed.id, limit: 1 }))[0];
    expect(run?.mode).toBe('webhook');

    // Salesforce re-sends until acknowledged: the same notification id is acknowledged again, not re-run.
    const retry = await post(installed.externalId, '04l5e00000Gx7QzAAJ');
    expect(await retry.text()).toContain('<Ack>true</Ack>');
    await srv.idle();
    expect((await srv.store.listRuns({ installation: installed.id, limit: 1 }))[0]?.id).toBe(run?.id);
  });

  it('refuses to start on a store holding tokens without PARCOURS_SECRET_KEY', async () => {
    const attempt = startServer({ port: 0, schedule: false, store: srv.store, env: { PARCOURS_DB: db, PARCOURS_LOG_LEVEL: 'silent' } });
    await expect(attempt).rejects.toBeInstanceOf(ParcoursError);
    await expect(attempt).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
