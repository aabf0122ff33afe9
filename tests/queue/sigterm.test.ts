/**
 * Issue 15: SIGTERM stops a worker cleanly — it takes no new job, finishes the one it runs (pg-boss
 * `stop({ graceful: true, timeout })`), and exits 0; the job is completed once, not taken over. A job that
 * outruns the grace (`PARCOURS_STOP_GRACE`) is handed back: pg-boss aborts its signal, the run stops at its next
 * safe point, the worker lets go of the installation only then, and the retry completes it with every record right.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import type { Store } from '../../src/store/index.ts';
import type { SyncSummary } from '../../src/sync/run.ts';
import { admin } from '../server/harness.ts';
import { bossJobs, clusterDatabase, logged, openStoreAt, overlapping, POSTGRES_URL, SKIPPED, startServe, stopAll, until, type Proc } from './cluster.ts';

if (!POSTGRES_URL) console.info(`tests/queue/sigterm.test.ts${SKIPPED}`);
const database = clusterDatabase();
const ID = 'hubspot:default';

describe.skipIf(!POSTGRES_URL)(`SIGTERM of a worker mid-job${SKIPPED}`, { timeout: 150_000 }, () => {
  let hs: HubspotSandbox;
  let procs: Proc[] = [];
  let url: string;
  let env: Record<string, string>;
  let store: Store;

  beforeAll(async () => {
    url = await database();
    hs = await startHubspotSandbox({ port: 0, seed: 61, contacts: 60 });
    env = { PARCOURS_DATABASE_URL: url, HUBSPOT_BASE_URL: hs.url, HUBSPOT_ACCESS_TOKEN: hs.accessToken };
    procs = [await startServe('web', env), await startServe('worker', env, ['--concurrency', '1'])];
    store = await openStoreAt(url);
  }, 90_000);
  afterAll(async () => {
    await stopAll(procs);
    await store?.close();
    await hs?.close();
  });

  it('finishes the running job, takes no other, exits 0', async () => {
    const [web, worker] = procs as [Proc, Proc];
    // Settle whatever an earlier start queued (no schedule runs here: cluster.ts), so the job in flight below is the full run.
    await until(async () => {
      const all = await bossJobs(url);
      return all.every((j) => j.state === 'completed') ? all : undefined;
    }, 60_000, 'the first tick settled');
    hs.faults.add({ method: 'POST', path: '/crm/v3/objects/contacts/batch/update', delayMs: 4_000, times: 1 });
    expect((await admin(web.url, `/api/installations/${encodeURIComponent(ID)}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'full', wait: false }) })).status).toBe(202);
    await until(async () => hs.faults.pending() === 0, 60_000, 'the first contact write in flight', 50);
    worker.child.kill('SIGTERM');
    // Queued while the worker stops: it must not take it.
    expect((await admin(web.url, `/api/installations/${encodeURIComponent(ID)}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'incremental', wait: false }) })).status).toBe(202);
    expect(await worker.exited).toBe(0);

    const jobs = await bossJobs(url);
    const full = jobs.find((j) => j.data.kind === 'sync' && j.data.mode === 'full' && j.data.origin === 'admin');
    expect(full?.state).toBe('completed');
    expect(full?.retry_count).toBe(0);
    const incremental = jobs.find((j) => j.data.kind === 'sync' && j.data.mode === 'incremental' && j.data.origin === 'admin');
    expect(incremental?.state).toBe('created');
    expect(logged(worker, 'job started').filter((l) => l.job === incremental?.id)).toEqual([]);

    // The next worker runs it.
    procs.push(await startServe('worker', env, ['--concurrency', '1']));
    await until(async () => (await bossJobs(url)).find((j) => j.id === incremental?.id && j.state === 'completed'), 30_000, 'the incremental run by the new worker');
  });

  it('a job that outruns the grace stops at a safe point, is retried once the worker let go, and ends with every record right', async () => {
    const web = procs[0] as Proc;
    // Only a worker with a 1 s grace runs jobs from here on.
    for (const p of procs.slice(1)) {
      if (p.child.exitCode === null) p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    }
    const worker = await startServe('worker', { ...env, PARCOURS_STOP_GRACE: '1s' }, ['--concurrency', '1']);
    procs.push(worker);
    // Owned values blanked in the CRM: the next full run writes every contact back.
    const ids = hs.data.ids('contacts');
    for (const id of ids) hs.data.updateRecord('contacts', id, { parcours_stage: '' });
    hs.faults.add({ method: 'POST', path: '/crm/v3/objects/contacts/batch/update', delayMs: 4_000, times: 1 });
    const queuedAt = Date.now() - 1000;
    const r = await admin(web.url, `/api/installations/${encodeURIComponent(ID)}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'full', wait: false }) });
    expect(r.status).toBe(202);
    await until(async () => hs.faults.pending() === 0, 60_000, 'the first contact write in flight', 50);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const exitedAt = Date.now();
    expect(logged(worker, 'waiting for interrupted jobs to reach a safe point before letting go of their installations')).toHaveLength(1);

    // The interrupted run: failed, INTERRUPTED, ended before the worker let go; the write in flight was recorded.
    const interrupted = (await store.listRuns({ installation: ID, limit: 50 })).find((x) => x.mode === 'full' && x.status === 'failed');
    const summary = interrupted?.summary as SyncSummary | null | undefined;
    expect(summary?.stoppedReason).toMatch(/^run interrupted/);
    expect(summary?.written).toBe(ids.length);
    expect(interrupted?.finishedAt).toBeLessThanOrEqual(exitedAt);
    const full = (await bossJobs(url)).find((j) => j.data.kind === 'sync' && j.data.mode === 'full' && j.data.origin === 'admin' && j.created_on.getTime() >= queuedAt);
    expect(full?.state).toBe('retry');

    // The next worker takes the retry and completes it; no two runs overlap.
    procs.push(await startServe('worker', env, ['--concurrency', '1']));
    await until(async () => (await bossJobs(url)).find((j) => j.id === full?.id && j.state === 'completed'), 60_000, 'the retried full run completed');
    const runs = await store.listRuns({ installation: ID, limit: 50 });
    expect(overlapping(runs.filter((x) => x.finishedAt !== null)), 'overlapping runs').toEqual([]);
    const check = await admin(web.url, `/api/installations/${encodeURIComponent(ID)}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'full', dryRun: true }) });
    expect(check.status).toBe(200);
    const plan = (await check.json()) as SyncSummary;
    expect(plan.changed).toEqual({ contacts: 0, deals: 0, tickets: 0 });
    expect(plan.repaired).toBe(0);
    expect(ids.map((id) => hs.data.getRecord('contacts', id)?.properties.parcours_stage ?? '').filter((v) => v === '')).toEqual([]);
  });
});
