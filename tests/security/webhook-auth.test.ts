/**
 * Security, issue 12 §1: inbound calls are authenticated. Salesforce outbound messages need the
 * installation's secret URL and the matching org id; there is no catch-all installation; HubSpot events
 * from unknown portals are dropped; environment installations learn their own portal/org id once;
 * each source is rate limited. HTTP against the running service (and the real CLI) on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_HUB_ID } from '../../sandbox/hubspot/auth.ts';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { startServer, type ParcoursServer } from '../../src/server/index.ts';
import { runCli } from '../e2e/cli.ts';
import { ADMIN_TOKEN, admin, capturingLogger, outboundMessage, postHubspotWebhook, postOutbound, salesforceEnv, salesforceWebhookUrlOf, tempDb } from '../server/harness.ts';

const SF = 'salesforce:default';
const HS = 'hubspot:default';

describe('inbound calls are authenticated', () => {
  let sf: SalesforceSandbox;
  let hs: HubspotSandbox;
  let srv: ParcoursServer;
  let db: string;
  let env: Record<string, string>;
  const logs = capturingLogger();

  beforeAll(async () => {
    sf = await startSalesforceSandbox({ port: 0, seed: 6, contacts: 10 });
    hs = await startHubspotSandbox({ port: 0, seed: 6, contacts: 10 });
    db = tempDb();
    // Neither SALESFORCE_ORG_ID nor HUBSPOT_PORTAL_ID: the service must learn them, not accept anything.
    env = {
      PARCOURS_DB: db, PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_WEBHOOK_BATCH: '20ms',
      HUBSPOT_BASE_URL: hs.url, HUBSPOT_ACCESS_TOKEN: hs.accessToken, HUBSPOT_CLIENT_SECRET: hs.oauth.clientSecret,
      ...salesforceEnv(sf),
    };
    srv = await startServer({ port: 0, schedule: false, log: logs.log, env });
  });
  afterAll(async () => {
    await srv?.close();
    await Promise.all([sf?.close(), hs?.close()]);
  });

  const runs = async (installation: string) => (await srv.store.listRuns({ installation, limit: 1000 })).length;

  it('environment installations learn their portal id (account details) and org id (userinfo) at startup', async () => {
    expect((await srv.store.getInstallation(HS))?.externalId).toBe(String(SANDBOX_HUB_ID));
    expect((await srv.store.getInstallation(SF))?.externalId).toMatch(/^00D[A-Za-z0-9]{15}$/);
    expect(hs.calls.filter((c) => c.path === '/account-info/v3/details').length).toBe(1);
    expect(sf.calls.filter((c) => c.path === '/services/oauth2/userinfo').length).toBe(1);
    // Once: a restart on the same store does not ask again.
    const again = await startServer({ port: 0, schedule: false, store: srv.store, env: { ...env, PARCOURS_LOG_LEVEL: 'silent' } });
    await again.close();
    expect(hs.calls.filter((c) => c.path === '/account-info/v3/details').length).toBe(1);
    expect(sf.calls.filter((c) => c.path === '/services/oauth2/userinfo').length).toBe(1);
  });

  it('refuses outbound messages without the URL secret, with a wrong secret, or naming another org', async () => {
    const orgId = (await srv.store.getInstallation(SF))?.externalId as string;
    const body = outboundMessage(orgId, [{ id: '04l5e00000Gx7QzAAJ', type: 'Opportunity', recordId: '0065e00000ABCDEAAA' }]);
    const hook = await salesforceWebhookUrlOf(srv.url, SF);
    const secret = hook.split('/').at(-1) as string;
    expect(Buffer.from(secret, 'base64url').length).toBeGreaterThanOrEqual(16);

    expect((await postOutbound(`${srv.url}/webhooks/salesforce`, body)).status).toBe(404);
    const wrong = `${srv.url}/webhooks/salesforce/${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    expect((await postOutbound(wrong, body)).status).toBe(403);
    const otherOrg = await postOutbound(hook, outboundMessage('00D000000000001AAA', [{ id: '04l5e00000Gx7QzAAJ', type: 'Opportunity', recordId: '0065e00000ABCDEAAA' }]));
    expect(otherOrg.status).toBe(403);
    await srv.idle();
    expect(await runs(SF)).toBe(0);
    // The notification id was not consumed by the refused calls: the genuine delivery is not a "duplicate".
    const genuine = await postOutbound(hook, body);
    expect(genuine.status).toBe(200);
    await srv.idle();
    expect(await runs(SF)).toBe(1);
    // The secret never reaches the logs.
    expect(logs.lines.join('')).not.toContain(secret);
  });

  it('prints the URL with `parcours webhooks url`, and `rotate` replaces the secret: the old URL stops working', async () => {
    const cliEnv = { ...env, PARCOURS_PUBLIC_URL: srv.url };
    const shown = await runCli(['webhooks', 'url', '--crm', 'salesforce'], cliEnv);
    expect(shown.code).toBe(0);
    const before = await salesforceWebhookUrlOf(srv.url, SF);
    expect(shown.stdout.trim()).toBe(before);
    const rotated = await runCli(['webhooks', 'rotate', '--crm', 'salesforce', '--installation', SF], cliEnv);
    expect(rotated.code).toBe(0);
    const after = rotated.stdout.trim();
    expect(after).toMatch(new RegExp(`^${srv.url}/webhooks/salesforce/[A-Za-z0-9_-]{43}$`));
    expect(after).not.toBe(before);
    expect(await salesforceWebhookUrlOf(srv.url, SF)).toBe(after);
    const orgId = (await srv.store.getInstallation(SF))?.externalId as string;
    const body = (id: string) => outboundMessage(orgId, [{ id, type: 'Opportunity', recordId: '0065e00000ABCDEAAA' }]);
    expect((await postOutbound(before, body('04l5e00000Gx7R1AAJ'))).status).toBe(403);
    expect((await postOutbound(after, body('04l5e00000Gx7R1AAJ'))).status).toBe(200);
    const hubspot = await runCli(['webhooks', 'url', '--crm', 'hubspot'], cliEnv);
    expect(hubspot.code).toBe(1);
    expect(hubspot.stderr).toContain('client secret');
  }, 120_000); // four CLI runs: slow on a loaded machine

  it('drops HubSpot events from portals no installation holds (logged, counted), never routing them to the environment installation', async () => {
    const before = await runs(HS);
    const res = await postHubspotWebhook(srv.url, hs.oauth.clientSecret, [
      { eventId: 1, portalId: 99_999, occurredAt: Date.now(), subscriptionType: 'contact.creation', objectId: 1 },
      { eventId: 2, portalId: 99_999, occurredAt: Date.now(), subscriptionType: 'deal.propertyChange', objectId: 2, propertyName: 'dealstage' },
    ]);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 0, unknownPortal: 2 });
    await srv.idle();
    expect(await runs(HS)).toBe(before);
    expect(logs.lines.some((l) => l.includes('99999') && l.includes('dropped'))).toBe(true);
    const metrics = await (await admin(srv.url, '/metrics')).text();
    expect(metrics).toMatch(/^parcours_webhook_events_total\{source="hubspot",outcome="unknown_portal"\} 2$/m);
  });
});

describe('per-source rate limit', () => {
  let srv: ParcoursServer;
  beforeAll(async () => {
    srv = await startServer({ port: 0, schedule: false, env: { PARCOURS_DB: tempDb(), PARCOURS_LOG_LEVEL: 'silent', PARCOURS_INBOUND_RATE_LIMIT: '5/1m', HUBSPOT_CLIENT_SECRET: 'a-client-secret-for-the-test' } });
  });
  afterAll(async () => srv?.close());

  it('answers 429 past the limit on one source, while another source and /healthz still answer', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await postOutbound(`${srv.url}/webhooks/salesforce/not-a-secret-not-a-secret-xx`, '<x/>')).status);
    expect(statuses.slice(0, 5)).toEqual([403, 403, 403, 403, 403]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const hubspot = await postHubspotWebhook(srv.url, 'a-client-secret-for-the-test', [{ eventId: 1, portalId: 1, subscriptionType: 'contact.creation', objectId: 1 }]);
    expect(hubspot.status).toBe(200);
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
  });
});

describe('cap on pending changes per installation', () => {
  let hs: HubspotSandbox;
  let srv: ParcoursServer;
  beforeAll(async () => {
    hs = await startHubspotSandbox({ port: 0, seed: 7, contacts: 10 });
    srv = await startServer({
      port: 0,
      schedule: false,
      env: {
        PARCOURS_DB: tempDb(), PARCOURS_LOG_LEVEL: 'silent', PARCOURS_WEBHOOK_BATCH: '300ms', PARCOURS_MAX_PENDING_EVENTS: '2',
        HUBSPOT_BASE_URL: hs.url, HUBSPOT_ACCESS_TOKEN: hs.accessToken, HUBSPOT_CLIENT_SECRET: hs.oauth.clientSecret, HUBSPOT_PORTAL_ID: String(SANDBOX_HUB_ID),
      },
    });
  });
  afterAll(async () => {
    await srv?.close();
    await hs?.close();
  });

  it('keeps no more than the cap; beyond it the installation is marked for an incremental run instead', async () => {
    const [a, b, c, d] = hs.data.ids('contacts').map(Number);
    const event = (eventId: number, objectId: number | undefined) => ({ eventId, portalId: SANDBOX_HUB_ID, occurredAt: Date.now(), subscriptionType: 'contact.propertyChange', objectId, propertyName: 'lifecyclestage' });
    const first = await postHubspotWebhook(srv.url, hs.oauth.clientSecret, [event(1, a), event(2, b)]);
    expect(await first.json()).toMatchObject({ accepted: 2, overflow: 0 });
    const second = await postHubspotWebhook(srv.url, hs.oauth.clientSecret, [event(3, c), event(4, d)]);
    expect(await second.json()).toMatchObject({ accepted: 0, overflow: 2 });
    expect(await srv.store.countPendingEvents(HS)).toBe(2);
    expect(await srv.store.getSetting(HS, 'webhook-overflow')).toBeDefined();
    // A retry of an overflowed event is a duplicate, not a new one.
    expect(await (await postHubspotWebhook(srv.url, hs.oauth.clientSecret, [event(3, c)])).json()).toMatchObject({ duplicate: 1 });
    await srv.idle();
    const modes = (await srv.store.listRuns({ installation: HS, limit: 10 })).map((r) => `${r.mode}:${r.status}`);
    expect(modes).toContain('incremental:succeeded');
    expect(await srv.store.getSetting(HS, 'webhook-overflow')).toBeUndefined();
    expect(await srv.store.countPendingEvents(HS)).toBe(0);
  });
});
