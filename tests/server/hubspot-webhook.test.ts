import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { SANDBOX_HUB_ID } from '../../sandbox/hubspot/auth.ts';
import { startServer, type ParcoursServer } from '../../src/server/index.ts';
import { ADMIN_TOKEN, admin, capturingLogger, postHubspotWebhook, tempDb, waitFor } from './harness.ts';

const OPEN_EARLY = ['appointmentscheduled', 'qualifiedtobuy'];

describe('HubSpot webhooks against the sandbox portal', () => {
  let sb: HubspotSandbox;
  let srv: ParcoursServer;
  let secret: string;
  let eventId = 1000;
  const logs = capturingLogger();

  const writes = () => sb.calls.filter((c) => c.method !== 'GET' && /batch\/update|memberships/.test(c.path)).length;
  const stageOf = (contactId: string) => sb.data.getRecord('contacts', contactId)?.properties.parcours_stage;
  const dealEvent = (dealId: string, id = eventId++) => ({
    eventId: id, subscriptionId: 7, portalId: SANDBOX_HUB_ID, appId: 4242424, occurredAt: Date.now(),
    subscriptionType: 'deal.propertyChange', attemptNumber: 0, objectId: Number(dealId), propertyName: 'dealstage', propertyValue: 'contractsent', changeSource: 'CRM_UI',
  });
  /** A contact in "consideration" with an open early-stage deal: moving that deal to contractsent makes it "decision". */
  const candidate = (skip: Set<string>) => {
    for (const dealId of sb.data.ids('deals')) {
      const d = sb.data.getRecord('deals', dealId);
      if (!d || d.properties.pipeline !== 'default' || !OPEN_EARLY.includes(String(d.properties.dealstage))) continue;
      const contacts = sb.data.associated('deals', dealId, 'contacts');
      const contactId = contacts[0];
      if (contacts.length !== 1 || !contactId || skip.has(contactId) || stageOf(contactId) !== 'consideration') continue;
      skip.add(contactId);
      return { dealId, contactId };
    }
    throw new Error('no candidate deal in the seeded portal');
  };
  const used = new Set<string>();

  beforeAll(async () => {
    sb = await startHubspotSandbox({ port: 0, seed: 5, contacts: 150 });
    secret = sb.oauth.clientSecret;
    srv = await startServer({
      port: 0,
      schedule: false,
      log: logs.log,
      env: {
        PARCOURS_DB: tempDb(),
        HUBSPOT_BASE_URL: sb.url,
        HUBSPOT_ACCESS_TOKEN: sb.accessToken,
        HUBSPOT_CLIENT_SECRET: secret,
        HUBSPOT_PORTAL_ID: String(SANDBOX_HUB_ID),
        PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN,
        PARCOURS_WEBHOOK_BATCH: '150ms', // wide enough that two concurrent deliveries share a window on a loaded machine
      },
    });
    const first = await admin(srv.url, '/api/installations/hubspot:default/sync', { method: 'POST', body: JSON.stringify({ mode: 'full' }) });
    expect(first.status).toBe(200);
    expect(((await first.json()) as { status: string }).status).toBe('succeeded');
  });
  afterAll(async () => {
    await srv?.close();
    await sb?.close();
  });

  it('a signed deal stage change writes the contact\'s new stage to the CRM within 2 s, as a webhook run', async () => {
    const { dealId, contactId } = candidate(used);
    sb.data.updateRecord('deals', dealId, { dealstage: 'contractsent' });
    const res = await postHubspotWebhook(srv.url, secret, [dealEvent(dealId)]);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1, duplicate: 0 });
    const stage = await waitFor(() => (stageOf(contactId) === 'decision' ? 'decision' : undefined), 2000);
    expect(stage).toBe('decision');
    await srv.idle();
    const run = (await srv.store.listRuns({ installation: 'hubspot:default', limit: 1 }))[0];
    expect(run?.mode).toBe('webhook');
    expect(run?.status).toBe('succeeded');
    expect((await srv.store.auditForRun(run?.id as number)).some((a) => a.recordId === contactId && a.field === 'parcours_stage' && a.after === 'decision')).toBe(true);
  });

  it('refuses a forged signature, a stale timestamp and a malformed body, without writing', async () => {
    const { dealId, contactId } = candidate(used);
    sb.data.updateRecord('deals', dealId, { dealstage: 'contractsent' });
    const before = writes();
    const forged = await postHubspotWebhook(srv.url, 'not-the-client-secret', [dealEvent(dealId)]);
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: { code: 'AUTH_FAILED' } });
    const stale = await postHubspotWebhook(srv.url, secret, [dealEvent(dealId)], { timestamp: Date.now() - 6 * 60_000 });
    expect(stale.status).toBe(401);
    const body = '[{"eventId": 1, "portalId":';
    const malformed = await postHubspotWebhook(srv.url, secret, null, { body });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: 'INPUT_INVALID' } });
    const notEvents = await postHubspotWebhook(srv.url, secret, [{ hello: 'world' }]);
    expect(notEvents.status).toBe(400);
    // A body altered after signing fails too.
    const signedFor = JSON.stringify([dealEvent(dealId)]);
    const tampered = await postHubspotWebhook(srv.url, secret, null, { body: signedFor.replace('"attemptNumber":0', '"attemptNumber":1'), signature: (await import('../../src/server/webhooks/hubspot-signature.ts')).signV3(secret, 'POST', `${srv.url}/webhooks/hubspot`, Buffer.from(signedFor), String(Date.now())) });
    expect(tampered.status).toBe(401);
    await srv.idle();
    expect(writes()).toBe(before);
    expect(stageOf(contactId)).toBe('consideration');
  });

  it('ignores a replayed eventId (HubSpot retries) without writing again', async () => {
    const { dealId, contactId } = candidate(used);
    const event = dealEvent(dealId);
    const first = await postHubspotWebhook(srv.url, secret, [event]);
    expect(await first.json()).toMatchObject({ accepted: 1 });
    await srv.idle();
    // The deal moves now; a replay of the old delivery must not trigger a recompute.
    sb.data.updateRecord('deals', dealId, { dealstage: 'contractsent' });
    const before = writes();
    const replay = await postHubspotWebhook(srv.url, secret, [{ ...event, attemptNumber: 1 }]);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ accepted: 0, duplicate: 1 });
    await srv.idle();
    expect(writes()).toBe(before);
    expect(stageOf(contactId)).toBe('consideration');
  });

  it('ignores events about its own properties (the echo of its writes) and unknown portals', async () => {
    const contactId = sb.data.ids('contacts')[0] as string;
    const runsBefore = (await srv.store.listRuns({ limit: 500 })).length;
    const res = await postHubspotWebhook(srv.url, secret, [
      { eventId: eventId++, portalId: SANDBOX_HUB_ID, occurredAt: Date.now(), subscriptionType: 'contact.propertyChange', objectId: Number(contactId), propertyName: 'parcours_stage', propertyValue: 'decision' },
      { eventId: eventId++, portalId: 999, occurredAt: Date.now(), subscriptionType: 'contact.creation', objectId: 1 },
    ]);
    expect(await res.json()).toMatchObject({ accepted: 0, ignored: 1, unknownPortal: 1 });
    await srv.idle();
    expect((await srv.store.listRuns({ limit: 500 })).length).toBe(runsBefore);
  });

  it('gathers a burst for one installation into a single recompute run', async () => {
    const a = candidate(used);
    const b = candidate(used);
    sb.data.updateRecord('deals', a.dealId, { dealstage: 'contractsent' });
    sb.data.updateRecord('deals', b.dealId, { dealstage: 'contractsent' });
    const runsBefore = (await srv.store.listRuns({ limit: 500 })).length;
    await Promise.all([postHubspotWebhook(srv.url, secret, [dealEvent(a.dealId)]), postHubspotWebhook(srv.url, secret, [dealEvent(b.dealId)])]);
    await srv.idle();
    expect((await srv.store.listRuns({ limit: 500 })).length).toBe(runsBefore + 1);
    expect([stageOf(a.contactId), stageOf(b.contactId)]).toEqual(['decision', 'decision']);
  });

  it('never logs the access token or the client secret', () => {
    const all = logs.lines.join('');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(sb.accessToken);
    expect(all).not.toContain(secret);
  });
});
