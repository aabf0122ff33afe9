/**
 * `PARCOURS_SYNC_EVERY=off` / `PARCOURS_NIGHTLY_AT=off` on PostgreSQL: the schedules live in pg-boss's tables,
 * so a start with a schedule off must take out the one an earlier start declared, or it would go on firing.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterDatabase, POSTGRES_URL, SKIPPED, startServe, stopAll, type Proc } from './cluster.ts';

if (!POSTGRES_URL) console.info(`tests/queue/schedule-off.test.ts${SKIPPED}`);
const database = clusterDatabase();

async function schedules(url: string): Promise<Array<{ key: string; cron: string }>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ key: string; cron: string }>(`SELECT key, cron FROM pgboss.schedule WHERE name = 'parcours-work' ORDER BY key`)).rows;
  } finally {
    await c.end();
  }
}

describe.skipIf(!POSTGRES_URL)(`schedules turned off on PostgreSQL${SKIPPED}`, { timeout: 90_000 }, () => {
  let url: string;
  const procs: Proc[] = [];
  beforeAll(async () => {
    url = await database();
  });
  afterAll(async () => await stopAll(procs));

  const webWith = async (env: Record<string, string>): Promise<void> => {
    const web = await startServe('web', { PARCOURS_DATABASE_URL: url, ...env });
    procs.push(web);
    web.child.kill('SIGTERM');
    expect(await web.exited).toBe(0);
  };

  it('a start with a schedule off takes out the one an earlier start declared', async () => {
    await webWith({ PARCOURS_SYNC_EVERY: '15m', PARCOURS_NIGHTLY_AT: '03:00' });
    expect(await schedules(url)).toEqual([{ key: 'incremental', cron: '*/15 * * * *' }, { key: 'nightly', cron: '0 3 * * *' }]);
    await webWith({ PARCOURS_SYNC_EVERY: 'off', PARCOURS_NIGHTLY_AT: '03:00' });
    expect(await schedules(url)).toEqual([{ key: 'nightly', cron: '0 3 * * *' }]);
    await webWith({ PARCOURS_SYNC_EVERY: '30m', PARCOURS_NIGHTLY_AT: 'off' });
    expect(await schedules(url)).toEqual([{ key: 'incremental', cron: '*/30 * * * *' }]);
    await webWith({ PARCOURS_SYNC_EVERY: 'off', PARCOURS_NIGHTLY_AT: 'off' });
    expect(await schedules(url)).toEqual([]);
  });
});
