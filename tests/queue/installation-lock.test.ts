/**
 * The one-writer lock across processes (installation-lock.ts): each worker process holds all its jobs' locks on
 * one session. A linked job holds both of its link's installations (issue 16), so a job on either side waits for
 * it — in another process (another session) or in the same one — and a job on another installation does not.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionLocks, type InstallationLocks } from '../../src/server/installation-lock.ts';
import { clusterDatabase, POSTGRES_URL, SKIPPED } from './cluster.ts';

const database = clusterDatabase();

async function lockSessions(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'parcours-locks'`);
    return Number(rows[0]?.n);
  } finally {
    await c.end();
  }
}

describe.skipIf(!POSTGRES_URL)(`installation locks${SKIPPED}`, () => {
  let url: string;
  /** Two worker processes' locks. */
  let a: InstallationLocks;
  let b: InstallationLocks;
  beforeAll(async () => {
    url = await database();
    a = sessionLocks(url, { retryMs: 20 });
    b = sessionLocks(url, { retryMs: 20 });
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('a linked job holds both sides: a job on either side waits, in another process or the same one; another installation does not', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let linkedIn!: () => void;
    const linkedHolds = new Promise<void>((r) => (linkedIn = r));
    const linked = a.hold(['salesforce:L', 'hubspot:L'], async () => {
      order.push('linked:start');
      linkedIn();
      await held;
      order.push('linked:end');
    });
    await linkedHolds;
    const otherProcess = b.hold('salesforce:L', async () => void order.push('salesforce side, other process'));
    const sameProcess = a.hold('hubspot:L', async () => void order.push('hubspot side, same process'));
    await a.hold('hubspot:other', async () => void order.push('other, same process'));
    await b.hold('hubspot:other2', async () => void order.push('other, other process'));
    await new Promise((r) => setTimeout(r, 100));
    // The other installations ran while the link was held; both side jobs are still waiting.
    expect(order).toEqual(['linked:start', 'other, same process', 'other, other process']);
    release();
    await Promise.all([linked, otherProcess, sameProcess]);
    expect(order.slice(0, 4)).toEqual(['linked:start', 'other, same process', 'other, other process', 'linked:end']);
    expect(order.slice(4).sort()).toEqual(['hubspot side, same process', 'salesforce side, other process']);
  });

  it('many jobs at once in one process use one session, and every lock is released after', async () => {
    const running = new Set<string>();
    let most = 0;
    await Promise.all(Array.from({ length: 40 }, (_, i) => a.hold(`hubspot:${i % 10}`, async () => {
      const id = `hubspot:${i % 10}`;
      expect(running.has(id), `${id} held twice`).toBe(false);
      running.add(id);
      most = Math.max(most, running.size);
      await new Promise((r) => setTimeout(r, 5));
      running.delete(id);
    })));
    expect(most).toBeGreaterThan(1);
    expect(await lockSessions(url)).toBe(2);
    // Released: no advisory lock of this database is held any more (other test files' databases hold their own).
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const { rows } = await c.query<{ n: string }>(`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
      expect(Number(rows[0]?.n)).toBe(0);
    } finally {
      await c.end();
    }
  });

  it('two linked jobs asking for the same pair in either order do not deadlock', async () => {
    const runs = await Promise.all([
      a.hold(['hubspot:P', 'salesforce:P'], async () => 'a'),
      b.hold(['salesforce:P', 'hubspot:P'], async () => 'b'),
      a.hold(['salesforce:P', 'hubspot:P'], async () => 'c'),
    ]);
    expect(runs).toEqual(['a', 'b', 'c']);
  });
});
