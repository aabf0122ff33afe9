/**
 * Webhook recomputes do not wait behind syncs (issue 15, p95 webhook → write-back during full syncs): a worker
 * with `--concurrency 1` is busy with a slow full sync of portal A and has portal B's full sync queued; a webhook
 * for portal C is recomputed at once, in the slot kept for urgent jobs, before B's sync even starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotPortals, type HubspotPortals } from '../../sandbox/hubspot/portals.ts';
import { SECRET_KEY, admin, postHubspotWebhook } from '../server/harness.ts';
import { bossJobs, clusterDatabase, logged, POSTGRES_URL, SKIPPED, startServe, stopAll, until, type Proc } from './cluster.ts';

if (!POSTGRES_URL) console.info(`tests/queue/priority.test.ts${SKIPPED}`);
const database = clusterDatabase();
const APP_SECRET = 'test-app-client-secret-for-priority';
const HUB_IDS = [4_200_001, 4_200_002, 4_200_003];
const ids = HUB_IDS.map((h) => `hubspot:${h}`);

describe.skipIf(!POSTGRES_URL)(`urgent jobs first${SKIPPED}`, { timeout: 120_000 }, () => {
  let portals: HubspotPortals;
  let procs: Proc[] = [];
  let url: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    url = await database();
    portals = await startHubspotPortals(HUB_IDS.map((hubId, i) => ({ seed: 80 + i, contacts: 30, hubId, accessToken: `test-token-priority-${hubId}` })));
    env = { PARCOURS_DATABASE_URL: url, PARCOURS_SECRET_KEY: SECRET_KEY, PARCOURS_WEBHOOK_BATCH: '100ms', HUBSPOT_BASE_URL: portals.url, HUBSPOT_CLIENT_SECRET: APP_SECRET };
    procs = [await startServe('web', env), await startServe('worker', env, ['--concurrency', '1'])];
    const web = procs[0] as Proc;
    for (const p of portals.portals) expect((await admin(web.url, '/api/installations', { method: 'POST', body: JSON.stringify({ crm: 'hubspot', accessToken: p.accessToken }) })).status).toBe(201);
    // The three first syncs, one after the other.
    await until(async () => {
      const jobs = await bossJobs(url);
      return jobs.filter((j) => j.data.kind === 'sync' && j.state === 'completed').length === 3 && jobs.every((j) => j.state === 'completed') ? jobs : undefined;
    }, 90_000, 'the three first syncs');
  }, 120_000);
  afterAll(async () => {
    await stopAll(procs);
    await portals?.close();
  });

  it("a recompute starts while the only sync slot runs a full sync, before the sync queued behind it", async () => {
    const web = procs[0] as Proc;
    const [a, , c] = portals.portals as [HubspotPortals['portals'][number], HubspotPortals['portals'][number], HubspotPortals['portals'][number]];
    const before = new Set((await bossJobs(url)).map((j) => j.id));
    // A's full sync is slow: each of its first contact reads takes 1.5 s.
    a.faults.add({ path: /^\/crm\/v3\/objects\/contacts/, delayMs: 1_500, times: 4 });
    for (const id of [ids[0], ids[1]]) {
      expect((await admin(web.url, `/api/installations/${encodeURIComponent(id as string)}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'full', wait: false }) })).status).toBe(202);
    }
    await until(async () => (await bossJobs(url)).find((j) => !before.has(j.id) && j.data.installation === ids[0] && j.state === 'active'), 30_000, "A's full sync running");

    const contact = c.data.ids('contacts').find((id) => c.data.getRecord('contacts', id)?.properties['parcours_stage'] === 'awareness') as string;
    expect(contact).toBeDefined();
    c.data.updateRecord('contacts', contact, { lifecyclestage: 'opportunity' });
    const res = await postHubspotWebhook(web.url, APP_SECRET, [
      { eventId: 1, portalId: HUB_IDS[2], occurredAt: Date.now(), subscriptionType: 'contact.propertyChange', objectId: Number(contact), propertyName: 'lifecyclestage', propertyValue: 'opportunity', attemptNumber: 0 },
    ]);
    expect(res.status).toBe(200);

    const jobs = await until(async () => {
      const all = (await bossJobs(url)).filter((j) => !before.has(j.id));
      return all.length >= 3 && all.every((j) => j.state === 'completed') ? all : undefined;
    }, 90_000, 'the two syncs and the recompute settled');
    const syncA = jobs.find((j) => j.data.kind === 'sync' && j.data.installation === ids[0]);
    const syncB = jobs.find((j) => j.data.kind === 'sync' && j.data.installation === ids[1]);
    const recompute = jobs.find((j) => j.data.kind === 'recompute' && j.data.installation === ids[2]);
    const t = (d: Date | null | undefined) => (d as Date).getTime();
    // C's recompute ran beside A's full sync, and was done before B's sync started.
    expect(t(recompute?.started_on)).toBeLessThan(t(syncA?.completed_on));
    expect(t(recompute?.completed_on)).toBeLessThanOrEqual(t(syncB?.started_on));
    expect(c.data.getRecord('contacts', contact)?.properties['parcours_stage']).toBe('decision');
  });

  it('an urgent-only worker (serve --role worker --jobs urgent) takes the recompute and never a sync', async () => {
    const web = procs[0] as Proc;
    const worker = procs[1] as Proc;
    await until(async () => ((await bossJobs(url)).every((j) => j.state === 'completed') ? true : undefined), 60_000, 'the queue settled');
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const urgent = await startServe('worker', env, ['--concurrency', '2', '--jobs', 'urgent']);
    procs.push(urgent);
    const before = new Set((await bossJobs(url)).map((j) => j.id));
    expect((await admin(web.url, `/api/installations/${encodeURIComponent(ids[1] as string)}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'full', wait: false }) })).status).toBe(202);
    const c = portals.portals[2] as HubspotPortals['portals'][number];
    const contact = c.data.ids('contacts').find((id) => c.data.getRecord('contacts', id)?.properties['parcours_stage'] === 'awareness') as string;
    expect(contact).toBeDefined();
    c.data.updateRecord('contacts', contact, { lifecyclestage: 'opportunity' });
    const res = await postHubspotWebhook(web.url, APP_SECRET, [
      { eventId: 2, portalId: HUB_IDS[2], occurredAt: Date.now(), subscriptionType: 'contact.propertyChange', objectId: Number(contact), propertyName: 'lifecyclestage', propertyValue: 'opportunity', attemptNumber: 0 },
    ]);
    expect(res.status).toBe(200);
    const recompute = await until(async () => (await bossJobs(url)).find((j) => !before.has(j.id) && j.data.kind === 'recompute' && j.state === 'completed'), 30_000, 'the recompute by the urgent-only worker');
    expect(c.data.getRecord('contacts', contact)?.properties['parcours_stage']).toBe('decision');
    // The sync waits for a worker that takes syncs: the urgent-only one never started it.
    const sync = (await bossJobs(url)).find((j) => !before.has(j.id) && j.data.kind === 'sync');
    expect(sync?.state).toBe('created');
    expect(logged(urgent, 'job started').map((l) => l.kind)).toEqual(['recompute']);
    expect(logged(urgent, 'job started').map((l) => l.job)).toEqual([recompute.id]);
  });
});
