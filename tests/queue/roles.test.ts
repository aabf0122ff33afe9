/** `serve --role` without PostgreSQL, the jobs routes on SQLite, and the schedule rounding (no database needed). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ParcoursServer } from '../../src/server/index.ts';
import { everyToCron } from '../../src/server/pgboss-jobs.ts';
import { runCli } from '../e2e/cli.ts';
import { ADMIN_TOKEN, admin, tempDb } from '../server/harness.ts';

describe('serve --role web|worker needs PostgreSQL', () => {
  it.each(['web', 'worker'])('--role %s with SQLite is refused with CONFIG_INVALID', async (role) => {
    const r = await runCli(['serve', '--port', '0', '--role', role], { PARCOURS_DB: tempDb() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/CONFIG_INVALID/);
    expect(r.stderr).toMatch(new RegExp(`--role ${role} needs a shared PostgreSQL: set PARCOURS_DATABASE_URL`));
  });

  it('an unknown role is refused by name', async () => {
    const r = await runCli(['serve', '--port', '0', '--role', 'janitor'], { PARCOURS_DB: tempDb() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--role: expected one of web, worker, all, got "janitor"/);
  });

  it('--jobs urgent is only for the worker role; an unknown --jobs is refused by name', async () => {
    const all = await runCli(['serve', '--port', '0', '--jobs', 'urgent'], { PARCOURS_DB: tempDb() });
    expect(all.code).toBe(1);
    expect(all.stderr).toMatch(/--jobs urgent is for --role worker/);
    const unknown = await runCli(['serve', '--port', '0', '--role', 'worker', '--jobs', 'syncs'], { PARCOURS_DB: tempDb() });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/--jobs: expected one of all, urgent, got "syncs"/);
  });
});

describe('the jobs routes with SQLite (in-process queue)', () => {
  let srv: ParcoursServer;
  beforeAll(async () => {
    srv = await startServer({ port: 0, schedule: false, env: { PARCOURS_DB: tempDb(), PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_LOG_LEVEL: 'silent' } });
  });
  afterAll(() => srv?.close());

  it('say where failed work is kept instead', async () => {
    const list = await admin(srv.url, '/api/jobs?state=failed');
    expect(list.status).toBe(409);
    expect(((await list.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/PostgreSQL job queue.*\/api\/events\?state=failed/) });
  });

  it('parse their inputs', async () => {
    expect((await admin(srv.url, '/api/jobs?state=exploded')).status).toBe(400);
    expect((await admin(srv.url, '/api/jobs/not-a-uuid/retry', { method: 'POST' })).status).toBe(400);
    expect((await admin(srv.url, '/api/jobs?state=failed', {}, '')).status).toBe(401);
  });
});

describe('PARCOURS_SYNC_EVERY on pg-boss cron (minute-grained)', () => {
  it.each([
    [60_000, '* * * * *', 1],
    [30_000, '* * * * *', 1],
    [15 * 60_000, '*/15 * * * *', 15],
    [90_000, '*/2 * * * *', 2],
    [7 * 60_000, '*/6 * * * *', 6],
    [3_600_000, '0 */1 * * *', 60],
    [6 * 3_600_000, '0 */6 * * *', 360],
    [24 * 3_600_000, '0 0 * * *', 1440],
  ])('%i ms → %s', (ms, cron, minutes) => {
    expect(everyToCron(ms)).toEqual({ cron, minutes });
  });
});
