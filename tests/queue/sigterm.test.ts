/**
 * Issue 15: SIGTERM stops a worker cleanly — it takes no new job, finishes the one it runs (pg-boss
 * `stop({ graceful: true, timeout })`), and exits 0; the job is completed once, not taken over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { admin } from '../server/harness.ts';
import { bossJobs, clusterDatabase, logged, POSTGRES_URL, SKIPPED, startServe, stopAll, until, type Proc } from './cluster.ts';

if (!POSTGRES_URL) console.info(`tests/queue/sigterm.test.ts${SKIPPED}`);
const database = clusterDatabase();
const ID = 'hubspot:default';

describe.skipIf(!POSTGRES_URL)(`SIGTERM of a worker mid-job${SKIPPED}`, { timeout: 120_000 }, () => {
  let hs: HubspotSandbox;
  let procs: Proc[] = [];
  let url: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    url = await database();
    hs = await startHubspotSandbox({ port: 0, seed: 61, contacts: 60 });
    env = { PARCOURS_DATABASE_URL: url, HUBSPOT_BASE_URL: hs.url, HUBSPOT_ACCESS_TOKEN: hs.accessToken };
    procs = [await startServe('web', env), await startServe('worker', env, ['--concurrency', '1'])];
  }, 90_000);
  afterAll(async () => {
    await stopAll(procs);
    await hs?.close();
  });

  it('finishes the running job, takes no other, exits 0', async () => {
    const [web, worker] = procs as [Proc, Proc];
    // Settle whatever the first tick queued, so the job in flight below is the full run.
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
});
