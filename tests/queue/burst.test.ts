/**
 * Issue 15 acceptance: a webhook burst during a full sync → one coalesced recompute after it. The burst
 * lands in the inbox (web process) while the worker holds the installation with a full run; the recompute
 * job is sent once (singleton key per installation; the others join it), waits for the group to be free,
 * and its one drain writes every change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_HUB_ID } from '../../sandbox/hubspot/auth.ts';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import type { Store } from '../../src/store/index.ts';
import { admin, postHubspotWebhook } from '../server/harness.ts';
import { bossJobs, clusterDatabase, openStoreAt, POSTGRES_URL, SKIPPED, startServe, stopAll, until, type Proc } from './cluster.ts';

if (!POSTGRES_URL) console.info(`tests/queue/burst.test.ts${SKIPPED}`);
const database = clusterDatabase();
const ID = 'hubspot:default';
const OPEN_EARLY = ['appointmentscheduled', 'qualifiedtobuy'];

/** Contacts in "consideration" with one open early-stage deal: that deal at contractsent makes them "decision". */
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

let eventId = 90_000;
const dealEvent = (dealId: string) => ({
  eventId: eventId++, subscriptionId: 7, portalId: SANDBOX_HUB_ID, appId: 4242424, occurredAt: Date.now(),
  subscriptionType: 'deal.propertyChange', attemptNumber: 0, objectId: Number(dealId), propertyName: 'dealstage', propertyValue: 'contractsent', changeSource: 'CRM_UI',
});

describe.skipIf(!POSTGRES_URL)(`a webhook burst during a full sync${SKIPPED}`, { timeout: 120_000 }, () => {
  let hs: HubspotSandbox;
  let procs: Proc[] = [];
  let store: Store;
  let url: string;

  beforeAll(async () => {
    url = await database();
    hs = await startHubspotSandbox({ port: 0, seed: 51, contacts: 160 });
    const env = {
      PARCOURS_DATABASE_URL: url, PARCOURS_WEBHOOK_BATCH: '200ms',
      HUBSPOT_BASE_URL: hs.url, HUBSPOT_ACCESS_TOKEN: hs.accessToken, HUBSPOT_CLIENT_SECRET: hs.oauth.clientSecret, HUBSPOT_PORTAL_ID: String(SANDBOX_HUB_ID),
    };
    const web = await startServe('web', env);
    procs = [web, ...await Promise.all([startServe('worker', env, ['--concurrency', '2']), startServe('worker', env, ['--concurrency', '2'])])];
    store = await openStoreAt(url);
    // The mirror and the CRM's owned fields first.
    const first = await admin(web.url, `/api/installations/${encodeURIComponent(ID)}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'full' }) });
    expect(first.status).toBe(200);
  }, 90_000);
  afterAll(async () => {
    await stopAll(procs);
    await store?.close();
    await hs?.close();
  });

  it('the burst becomes one recompute, run after the full sync, that writes every change', async () => {
    const web = procs[0] as Proc;
    const picks = candidates(hs).slice(0, 6);
    expect(picks.length).toBe(6);
    const before = new Set((await bossJobs(url)).map((j) => j.id));
    // A slow full run: its deal reads take a while.
    hs.faults.add({ path: /^\/crm\/v3\/objects\/deals/, delayMs: 1_500, times: 3 });
    const started = await admin(web.url, `/api/installations/${encodeURIComponent(ID)}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'full', wait: false }) });
    expect(started.status).toBe(202);
    const full = await until(async () => (await bossJobs(url)).find((j) => !before.has(j.id) && j.data.kind === 'sync' && j.data.mode === 'full' && j.state === 'active'), 30_000, 'the full sync running');

    // The burst: one webhook request per change, while the full run holds the installation.
    for (const { dealId } of picks) {
      hs.data.updateRecord('deals', dealId, { dealstage: 'contractsent' });
      const res = await postHubspotWebhook(web.url, hs.oauth.clientSecret, [dealEvent(dealId)]);
      expect(res.status).toBe(200);
    }
    const acceptedBy = Date.now();
    const jobs = await until(async () => {
      const all = (await bossJobs(url)).filter((j) => !before.has(j.id));
      return all.some((j) => j.data.kind === 'recompute') && all.every((j) => j.state === 'completed' || j.state === 'failed') ? all : undefined;
    }, 90_000, 'the full sync and the recompute settled');
    const fullDone = jobs.find((j) => j.id === full.id);
    expect(fullDone?.state).toBe('completed');
    // The burst arrived while the full run was running.
    expect(acceptedBy).toBeLessThan((fullDone?.completed_on as Date).getTime());
    const recomputes = jobs.filter((j) => j.data.kind === 'recompute');
    expect(recomputes.map((j) => j.state)).toEqual(['completed']);
    expect((recomputes[0]?.started_on as Date).getTime()).toBeGreaterThanOrEqual((fullDone?.completed_on as Date).getTime());
    // Every event handled by that one drain; every change written.
    const events = await store.listEvents({ installation: ID, limit: 100 });
    expect(events.map((e) => e.state)).toEqual(Array(6).fill('done'));
    for (const { contactId } of picks) expect(hs.data.getRecord('contacts', contactId)?.properties.parcours_stage).toBe('decision');
  });
});
