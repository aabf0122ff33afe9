/**
 * The one-writer lock across processes (installation-lock.ts): a linked job holds both of its link's
 * installations (issue 16), so a job on either side waits for it, and a job on another installation does not.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInstallationLock } from '../../src/server/installation-lock.ts';
import { clusterDatabase, POSTGRES_URL, SKIPPED } from './cluster.ts';

const database = clusterDatabase();

describe.skipIf(!POSTGRES_URL)(`installation locks${SKIPPED}`, () => {
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: await database(), max: 4 });
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('a linked job holds both sides: a job on either side waits, another installation does not', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let linkedIn!: () => void;
    const linkedHolds = new Promise<void>((r) => (linkedIn = r));
    const linked = withInstallationLock(pool, ['salesforce:L', 'hubspot:L'], async () => {
      order.push('linked:start');
      linkedIn();
      await held;
      order.push('linked:end');
    });
    await linkedHolds;
    const sideJob = withInstallationLock(pool, 'salesforce:L', async () => void order.push('salesforce side'));
    const other = withInstallationLock(pool, 'hubspot:other', async () => void order.push('other'));
    await other;
    // The other installation ran while the link was held; the side job is still waiting.
    expect(order).toEqual(['linked:start', 'other']);
    release();
    await Promise.all([linked, sideJob]);
    expect(order).toEqual(['linked:start', 'other', 'linked:end', 'salesforce side']);
  });

  it('two linked jobs asking for the same pair in either order do not deadlock', async () => {
    const runs = await Promise.all([
      withInstallationLock(pool, ['hubspot:P', 'salesforce:P'], async () => 'a'),
      withInstallationLock(pool, ['salesforce:P', 'hubspot:P'], async () => 'b'),
    ]);
    expect(runs).toEqual(['a', 'b']);
  });
});
