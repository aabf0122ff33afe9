/**
 * Issue 15 acceptance: a worker killed with SIGKILL mid-push. Its job's heartbeat lapses, pg-boss's
 * supervisor fails it into retry, and the other worker takes it over (within 2 minutes: heartbeat 30 s,
 * supervisor every 10 s, first retry after 5–10 s) and completes it from the stored cursors, every record
 * right: a dry run afterwards finds nothing to write and no membership to repair.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import type { SyncSummary } from '../../src/sync/run.ts';
import type { Store } from '../../src/store/index.ts';
import { admin } from '../server/harness.ts';
import { bossJobs, clusterDatabase, logged, openStoreAt, overlapping, POSTGRES_URL, SKIPPED, startServe, stopAll, until, type Proc } from './cluster.ts';

if (!POSTGRES_URL) console.info(`tests/queue/takeover.test.ts${SKIPPED}`);
const database = clusterDatabase();
const ID = 'hubspot:default';
const BATCH_UPDATE = '/crm/v3/objects/contacts/batch/update';

describe.skipIf(!POSTGRES_URL)(`SIGKILL of a worker mid-push${SKIPPED}`, { timeout: 150_000 }, () => {
  let hs: HubspotSandbox;
  let procs: Proc[] = [];
  let store: Store;
  let url: string;

  beforeAll(async () => {
    url = await database();
    hs = await startHubspotSandbox({ port: 0, seed: 41, contacts: 120 });
    const env = { PARCOURS_DATABASE_URL: url, HUBSPOT_BASE_URL: hs.url, HUBSPOT_ACCESS_TOKEN: hs.accessToken };
    const web = await startServe('web', env);
    procs = [web, ...await Promise.all([startServe('worker', env, ['--concurrency', '1']), startServe('worker', env, ['--concurrency', '1'])])];
    store = await openStoreAt(url);
  }, 90_000);
  afterAll(async () => {
    await stopAll(procs);
    await store?.close();
    await hs?.close();
  });

  it('the other worker takes the job over and completes it; every record right', async () => {
    const web = procs[0] as Proc;
    const workers = procs.filter((p) => p.role === 'worker');
    // The first contact write hangs for a while: the worker is killed while it is in flight.
    hs.faults.add({ method: 'POST', path: BATCH_UPDATE, delayMs: 5_000, times: 1 });
    const r = await admin(web.url, `/api/installations/${encodeURIComponent(ID)}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'full', wait: false }) });
    expect(r.status).toBe(202);
    await until(async () => hs.faults.pending() === 0, 60_000, 'the first contact write in flight', 50);
    // At most one job of the installation runs at a time: the last "job started" names the worker holding it.
    const latest = (w: Proc) => Math.max(0, ...logged(w, 'job started').map((l) => Number(l.time)));
    const victim = workers.reduce((a, b) => (latest(a) >= latest(b) ? a : b));
    const survivor = workers.find((w) => w !== victim) as Proc;
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await victim.exited;

    const takenOver = await until(async () => logged(survivor, 'job started').find((l) => Number(l.attempt) > 0 && Number(l.time) > killedAt), 120_000, 'the survivor to take the job over');
    const takeoverMs = Number(takenOver.time) - killedAt;
    console.info(`takeover after SIGKILL: ${(takeoverMs / 1000).toFixed(1)} s`);
    expect(takeoverMs).toBeLessThan(120_000);

    const jobs = await until(async () => {
      const all = await bossJobs(url);
      return all.length > 0 && all.every((j) => j.state === 'completed' || j.state === 'failed') ? all : undefined;
    }, 120_000, 'every job settled');
    expect(jobs.filter((j) => j.state === 'failed')).toEqual([]);
    const full = jobs.find((j) => j.data.kind === 'sync' && j.data.mode === 'full' && j.data.origin === 'admin');
    expect(full?.state).toBe('completed');
    // The job the victim held — the admin's full sync (no schedule runs here: cluster.ts) — was taken over and completed.
    expect(full?.retry_count).toBeGreaterThanOrEqual(1);

    // The killed run is closed as interrupted by the survivor before it starts; the runs do not overlap.
    const runs = await store.listRuns({ installation: ID, limit: 50 });
    expect(runs.filter((x) => x.status === 'running')).toEqual([]);
    expect(runs.filter((x) => (x.summary as { interrupted?: boolean } | null)?.interrupted === true).map((x) => x.status)).toEqual(['failed']);
    expect(overlapping(runs.filter((x) => x.finishedAt !== null && !(x.summary as { interrupted?: boolean } | null)?.interrupted)), 'overlapping runs').toEqual([]);
    // Every record right: a dry-run full run plans no write and no membership repair.
    const check = await admin(web.url, `/api/installations/${encodeURIComponent(ID)}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'full', dryRun: true }) });
    expect(check.status).toBe(200);
    const plan = (await check.json()) as SyncSummary;
    expect(plan.changed).toEqual({ contacts: 0, deals: 0, tickets: 0 });
    expect(plan.repaired).toBe(0);
    expect(Object.values(plan.segments).map((s) => s.added + s.removed)).toEqual(Object.values(plan.segments).map(() => 0));
  });
});
