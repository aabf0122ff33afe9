/**
 * Issue 15 acceptance: two worker processes and one web process on one PostgreSQL; 20 installations are
 * synced on schedule (pg-boss cron), each exactly once per tick, and never two runs of one installation at
 * once — checked from the runs table — even with on-demand syncs of the same installations thrown in.
 * pg-boss cron is minute-grained, so the test waits for the next minute's tick (up to ~70 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { createSecretBox } from '../../src/secret-box.ts';
import { sealSecrets } from '../../src/server/installation-secrets.ts';
import type { Store } from '../../src/store/index.ts';
import { salesforceEnv } from '../e2e/cli.ts';
import { admin, SECRET_KEY } from '../server/harness.ts';
import { bossJobs, clusterDatabase, openStoreAt, overlapping, POSTGRES_URL, SKIPPED, startServe, stopAll, until, type Proc } from './cluster.ts';

if (!POSTGRES_URL) console.info(`tests/queue/schedule.test.ts${SKIPPED}`);
const database = clusterDatabase();
/** Beside the two environment installations, Salesforce orgs installed by OAuth, each its own sandbox org. */
const OAUTH_ORGS = 18;
const INSTALLATIONS = ['hubspot:default', 'salesforce:default', ...Array.from({ length: OAUTH_ORGS }, (_, i) => `salesforce:org${i}`)];

describe.skipIf(!POSTGRES_URL)(`scheduled syncs across two workers and a web process${SKIPPED}`, { timeout: 150_000 }, () => {
  let hs: HubspotSandbox;
  let sf: SalesforceSandbox;
  let orgs: SalesforceSandbox[] = [];
  let procs: Proc[] = [];
  let store: Store;
  let url: string;

  beforeAll(async () => {
    url = await database();
    [hs, sf] = await Promise.all([startHubspotSandbox({ port: 0, seed: 31, contacts: 40 }), startSalesforceSandbox({ port: 0, seed: 32, contacts: 40 })]);
    orgs = await Promise.all(Array.from({ length: OAUTH_ORGS }, (_, i) => startSalesforceSandbox({ port: 0, seed: 40 + i, contacts: 20 })));
    // The OAuth installations are in the store before the web process declares the schedule (its first tick fans out at once).
    store = await openStoreAt(url);
    const box = createSecretBox(SECRET_KEY);
    for (const [i, org] of orgs.entries()) {
      const id = `salesforce:org${i}`;
      await store.saveInstallation({
        id, crm: 'salesforce', externalId: `00D${String(i).padStart(12, "0")}AAA`, source: 'oauth', label: `org ${i}`,
        secrets: sealSecrets(box, id, { crm: 'salesforce', refreshToken: org.oauth.refreshToken, instanceUrl: org.url, loginUrl: org.url }),
      });
    }
    const env = { PARCOURS_DATABASE_URL: url, PARCOURS_SECRET_KEY: SECRET_KEY, HUBSPOT_BASE_URL: hs.url, HUBSPOT_ACCESS_TOKEN: hs.accessToken, ...salesforceEnv(sf), PARCOURS_SYNC_EVERY: '1m' };
    // The web process first: it registers the environment installations and declares the schedules.
    const web = await startServe('web', env);
    procs = [web, ...await Promise.all([startServe('worker', env, ['--concurrency', '2']), startServe('worker', env, ['--concurrency', '2'])])];
  }, 90_000);
  afterAll(async () => {
    await stopAll(procs);
    await store?.close();
    await Promise.all([hs?.close(), sf?.close(), ...orgs.map((o) => o.close())]);
  });

  it('each installation once per tick, never two runs of one installation at once', async () => {
    const web = procs[0] as Proc;
    // On-demand syncs of the same installations while the schedule ticks: they queue behind, never beside.
    // (Not a plain incremental: that would share the tick's key and rightly join it.)
    for (const id of INSTALLATIONS) {
      for (const request of [{ mode: 'full' }, { mode: 'incremental', dryRun: true }, { mode: 'full' }]) {
        const r = await admin(web.url, `/api/installations/${encodeURIComponent(id)}/sync`, { method: 'POST', body: JSON.stringify({ ...request, wait: false }) });
        expect(r.status).toBe(202);
      }
    }
    // A tick has come and every job is settled (none created, retrying or active).
    const jobs = await until(async () => {
      const all = await bossJobs(url);
      const ticks = all.filter((j) => j.data.kind === 'tick' && j.state === 'completed');
      const unsettled = all.filter((j) => j.state !== 'completed' && j.state !== 'failed');
      return ticks.length >= 1 && unsettled.length === 0 ? all : undefined;
    }, 110_000, 'a scheduled tick and every job settled');
    // The first tick (a later one may come if the test straddles a minute; its syncs may join ones still queued).
    // Three processes run pg-boss's cron: whatever tick jobs it creates, one per minute fans out syncs.
    const ticks = jobs.filter((j) => j.data.kind === 'tick' && jobs.some((s) => s.data.kind === 'sync' && s.data.tick === j.id));
    const [tick] = ticks;
    expect(ticks.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ticks.map((t) => Math.floor(t.created_on.getTime() / 60_000))).size).toBe(ticks.length);
    for (const id of INSTALLATIONS) {
      const scheduled = jobs.filter((j) => j.data.kind === 'sync' && j.data.installation === id && j.data.tick === tick?.id);
      expect(scheduled.map((j) => j.state), `syncs of ${id} the first tick sent`).toEqual(['completed']);
      const runs = await store.listRuns({ installation: id, limit: 100 });
      // The on-demand ones coalesced (same key while queued) or queued behind: at least one of each mode ran.
      expect(runs.filter((r) => r.mode === 'full').length).toBeGreaterThanOrEqual(1);
      expect(runs.every((r) => r.status === 'succeeded'), `${id} runs: ${JSON.stringify(runs.map((r) => [r.mode, r.status]))}`).toBe(true);
      expect(overlapping(runs), `overlapping runs of ${id}`).toEqual([]);
    }
    // Every job ran once: the workers' "job started" lines are exactly the claims pg-boss counted.
    const started = procs.filter((p) => p.role === 'worker').reduce((n, w) => n + w.lines.filter((l) => l.includes('"msg":"job started"')).length, 0);
    expect(started).toBe(jobs.filter((j) => j.started_on !== null).reduce((n, j) => n + j.retry_count + 1, 0));
    expect(jobs.filter((j) => j.state === 'failed')).toEqual([]);
  });
});
