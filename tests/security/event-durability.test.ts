/**
 * Issue 12 §6: no event lost. An event is in the store before its 200; a kill -9 right after the 200
 * loses nothing (the restarted service writes the change); a failing CRM is retried with backoff until
 * the write lands; spent retries go to the dead-letter list, which the admin API shows and retries.
 * HTTP against the running service (a real `parcours serve` process for the kill) on loopback.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_HUB_ID } from '../../sandbox/hubspot/auth.ts';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { openStore } from '../../src/store/index.ts';
import { startServer, type ParcoursServer } from '../../src/server/index.ts';
import { startCli } from '../e2e/cli.ts';
import { ADMIN_TOKEN, admin, postHubspotWebhook, tempDb, waitFor } from '../server/harness.ts';

const OPEN_EARLY = ['appointmentscheduled', 'qualifiedtobuy'];
const INSTALLATION = 'hubspot:default';

/** A contact in "consideration" with one open early-stage deal: moving that deal to contractsent makes it "decision". */
function candidates(sb: HubspotSandbox): Array<{ dealId: string; contactId: string }> {
  const out: Array<{ dealId: string; contactId: string }> = [];
  for (const dealId of sb.data.ids('deals')) {
    const d = sb.data.getRecord('deals', dealId);
    if (!d || d.properties.pipeline !== 'default' || !OPEN_EARLY.includes(String(d.properties.dealstage))) continue;
    const contacts = sb.data.associated('deals', dealId, 'contacts');
    const contactId = contacts[0];
    if (contacts.length !== 1 || !contactId || out.some((c) => c.contactId === contactId)) continue;
    if (sb.data.getRecord('contacts', contactId)?.properties.parcours_stage !== 'consideration') continue;
    out.push({ dealId, contactId });
  }
  return out;
}

let eventId = 50_000;
const dealEvent = (dealId: string) => ({
  eventId: eventId++, subscriptionId: 7, portalId: SANDBOX_HUB_ID, appId: 4242424, occurredAt: Date.now(),
  subscriptionType: 'deal.propertyChange', attemptNumber: 0, objectId: Number(dealId), propertyName: 'dealstage', propertyValue: 'contractsent', changeSource: 'CRM_UI',
});

function serve(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = startCli(['serve', '--port', '0'], env);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (url) resolve({ child, url });
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`serve exited (${code}) before listening:\n${out}`)));
  });
}

describe('a kill -9 right after the 200 loses no event', () => {
  let sb: HubspotSandbox;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    sb = await startHubspotSandbox({ port: 0, seed: 15, contacts: 60 });
  });
  afterEach(() => {
    child?.kill('SIGKILL');
  });
  afterAll(async () => sb?.close());

  it('the restarted service writes the change to the CRM', async () => {
    const db = tempDb();
    const env = {
      PARCOURS_DB: db, PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_LOG_LEVEL: 'silent', PARCOURS_SYNC_EVERY: '1h',
      HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: sb.accessToken, HUBSPOT_CLIENT_SECRET: sb.oauth.clientSecret, HUBSPOT_PORTAL_ID: String(SANDBOX_HUB_ID),
    };
    // A long batch window: when the 200 arrives, the event is acknowledged and nothing else has happened.
    const first = await serve({ ...env, PARCOURS_WEBHOOK_BATCH: '1h' });
    child = first.child;
    const full = await admin(first.url, `/api/installations/${INSTALLATION}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'full' }) });
    expect(full.status).toBe(200);
    const [pick] = candidates(sb);
    expect(pick).toBeDefined();
    const { dealId, contactId } = pick as { dealId: string; contactId: string };
    sb.data.updateRecord('deals', dealId, { dealstage: 'contractsent' });
    const res = await postHubspotWebhook(first.url, sb.oauth.clientSecret, [dealEvent(dealId)]);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1 });
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    expect(sb.data.getRecord('contacts', contactId)?.properties.parcours_stage).toBe('consideration');

    const second = await serve({ ...env, PARCOURS_WEBHOOK_BATCH: '20ms' });
    child = second.child;
    const stage = await waitFor(() => (sb.data.getRecord('contacts', contactId)?.properties.parcours_stage === 'decision' ? 'decision' : undefined), 20_000, 50);
    expect(stage).toBe('decision');
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
    const store = openStore(db);
    try {
      expect((await store.listEvents({ installation: INSTALLATION, limit: 10 })).map((e) => e.state)).toEqual(['done']);
      expect((await store.listRuns({ installation: INSTALLATION, limit: 1 }))[0]?.mode).toBe('webhook');
    } finally {
      await store.close();
    }
  });
});

describe('a failing CRM is retried with backoff, then dead-lettered', () => {
  let sb: HubspotSandbox;
  let srv: ParcoursServer;
  let picks: Array<{ dealId: string; contactId: string }>;

  beforeAll(async () => {
    sb = await startHubspotSandbox({ port: 0, seed: 16, contacts: 80 });
    srv = await startServer({
      port: 0,
      schedule: false,
      env: {
        PARCOURS_DB: tempDb(), PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_LOG_LEVEL: 'silent', PARCOURS_WEBHOOK_BATCH: '20ms',
        PARCOURS_EVENT_RETRIES: '3', PARCOURS_EVENT_RETRY_MIN: '20ms',
        HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: sb.accessToken, HUBSPOT_CLIENT_SECRET: sb.oauth.clientSecret, HUBSPOT_PORTAL_ID: String(SANDBOX_HUB_ID),
      },
    });
    expect((await admin(srv.url, `/api/installations/${INSTALLATION}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'full' }) })).status).toBe(200);
    picks = candidates(sb);
    expect(picks.length).toBeGreaterThanOrEqual(2);
  });
  afterAll(async () => {
    await srv?.close();
    await sb?.close();
  });

  const stageOf = (contactId: string) => sb.data.getRecord('contacts', contactId)?.properties.parcours_stage;
  const webhookRuns = async () => (await srv.store.listRuns({ installation: INSTALLATION, limit: 1000 })).filter((r) => r.mode === 'webhook');

  it('the CRM fails 3 times: the 4th attempt writes the change', async () => {
    const { dealId, contactId } = picks[0] as { dealId: string; contactId: string };
    sb.data.updateRecord('deals', dealId, { dealstage: 'contractsent' });
    // HubSpot refuses the live read of this contact three times (403 is not retried by the connector).
    sb.faults.add({ method: 'GET', path: `/crm/v3/objects/contacts/${contactId}`, status: 403, times: 3 });
    const runsBefore = (await webhookRuns()).length;
    const res = await postHubspotWebhook(srv.url, sb.oauth.clientSecret, [dealEvent(dealId)]);
    expect(res.status).toBe(200);
    await srv.idle();
    expect(stageOf(contactId)).toBe('decision');
    const runs = (await webhookRuns()).slice(0, (await webhookRuns()).length - runsBefore).map((r) => r.status).reverse();
    expect(runs).toEqual(['failed', 'failed', 'failed', 'succeeded']);
    const [event] = await srv.store.listEvents({ installation: INSTALLATION, limit: 1 });
    expect(event).toMatchObject({ state: 'done', attempts: 3 });
  });

  it('once the retries are spent the event is dead-lettered: listed by the admin API, and retried on request', async () => {
    const { dealId, contactId } = picks[1] as { dealId: string; contactId: string };
    sb.data.updateRecord('deals', dealId, { dealstage: 'contractsent' });
    sb.faults.add({ method: 'GET', path: `/crm/v3/objects/contacts/${contactId}`, status: 403, times: 4 });
    expect((await postHubspotWebhook(srv.url, sb.oauth.clientSecret, [dealEvent(dealId)])).status).toBe(200);
    await srv.idle();
    expect(stageOf(contactId)).toBe('consideration');
    const failed = (await (await admin(srv.url, '/api/events?state=failed')).json()) as Array<{ id: number; state: string; attempts: number; lastError: string; changes: { records: Array<{ id: string }> } }>;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ state: 'failed', attempts: 4, changes: { records: [{ id: dealId }] } });
    expect(failed[0]?.lastError).toContain('AUTH_FAILED');
    expect(failed[0]?.lastError).not.toContain(sb.accessToken);
    expect((await admin(srv.url, '/api/events?state=failed', {}, 'wrong-token-0123456789abcdef')).status).toBe(401);

    const retried = await admin(srv.url, `/api/events/${failed[0]?.id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(202);
    await srv.idle();
    expect(stageOf(contactId)).toBe('decision');
    expect((await (await admin(srv.url, '/api/events?state=failed')).json()) as unknown[]).toEqual([]);
    const again = await admin(srv.url, `/api/events/${failed[0]?.id}/retry`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect((await admin(srv.url, '/api/events/999999/retry', { method: 'POST' })).status).toBe(404);
  });
});
