/**
 * The jobs routes on the PostgreSQL job queue: a job that spent its retries is kept as failed, listed by
 * `GET /api/jobs?state=failed` with its error, and `POST /api/jobs/:id/retry` runs it again.
 * One process (`--role all`) on PostgreSQL; PARCOURS_JOB_RETRIES=0 so the failure is final at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { startServer, type ParcoursServer } from '../../src/server/index.ts';
import type { JobView } from '../../src/server/jobs.ts';
import { ADMIN_TOKEN, admin } from '../server/harness.ts';
import { clusterDatabase, POSTGRES_URL, SKIPPED, until } from './cluster.ts';

if (!POSTGRES_URL) console.info(`tests/queue/jobs-api.test.ts${SKIPPED}`);
const database = clusterDatabase();
const ID = 'hubspot:default';

describe.skipIf(!POSTGRES_URL)(`failed jobs kept and retried${SKIPPED}`, { timeout: 90_000 }, () => {
  let hs: HubspotSandbox;
  let srv: ParcoursServer;

  beforeAll(async () => {
    hs = await startHubspotSandbox({ port: 0, seed: 71, contacts: 30 });
    srv = await startServer({
      port: 0,
      schedule: false,
      env: {
        PARCOURS_DATABASE_URL: await database(), PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_LOG_LEVEL: 'silent', PARCOURS_JOB_RETRIES: '0',
        HUBSPOT_BASE_URL: hs.url, HUBSPOT_ACCESS_TOKEN: hs.accessToken,
      },
    });
  }, 90_000);
  afterAll(async () => {
    await srv?.close();
    await hs?.close();
  });

  it('a failed sync is listed with its error, and retried by hand', async () => {
    // HubSpot refuses the token for a while: the run fails (AUTH_FAILED), no retries left.
    hs.faults.add({ path: /^\//, status: 401, times: Number.POSITIVE_INFINITY });
    const r = await admin(srv.url, `/api/installations/${encodeURIComponent(ID)}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'full' }) });
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(r.status).toBe(401);
    expect(body.error.code).toBe('AUTH_FAILED');
    expect(body.error.message).toMatch(/\(job [0-9a-f-]{36}, failed\)/);

    const failed = (await (await admin(srv.url, '/api/jobs?state=failed')).json()) as JobView[];
    expect(failed).toHaveLength(1);
    const [job] = failed as [JobView];
    expect(job).toMatchObject({ kind: 'sync', installation: ID, state: 'failed', retryCount: 0, retryLimit: 0 });
    expect(job.error).toMatch(/AUTH_FAILED|401/);
    expect((await (await admin(srv.url, '/api/jobs?state=completed')).json()) as JobView[]).toEqual([]);

    hs.faults.clear();
    const retried = await admin(srv.url, `/api/jobs/${job.id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(202);
    expect(((await retried.json()) as JobView).state).toMatch(/^(retry|created|active|completed)$/);
    await until(async () => ((await (await admin(srv.url, '/api/jobs?state=completed')).json()) as JobView[]).find((j) => j.id === job.id), 60_000, 'the retried job completed');
    expect((await (await admin(srv.url, '/api/jobs?state=failed')).json()) as JobView[]).toEqual([]);
    // Retrying a job that did not fail is refused by name; an unknown id is a 404.
    const again = await admin(srv.url, `/api/jobs/${job.id}/retry`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect((await admin(srv.url, '/api/jobs/00000000-0000-4000-8000-000000000000/retry', { method: 'POST' })).status).toBe(404);
  });
});
