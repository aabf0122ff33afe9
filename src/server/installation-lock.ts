/**
 * One writer per installation, enforced by PostgreSQL itself: a session advisory lock keyed on the
 * installation, held on a connection of its own while a job runs. The job queue already runs at most one
 * job per installation (pg-boss `groupConcurrency: 1`), but it checks that in its fetch statement under
 * READ COMMITTED, so two workers fetching at the same instant could both pass; with the lock the second
 * waits for the first. The lock goes with the session: a worker killed mid-job frees it as its connection
 * drops. https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS
 */
import type pg from 'pg';

/** Namespaced so no other advisory lock of the database (the store's migrations) can collide by text. */
const lockKey = (installation: string): string => `parcours:installation:${installation}`;

export async function withInstallationLock<T>(pool: pg.Pool, installation: string, fn: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let locked = false;
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockKey(installation)]);
    locked = true;
    return await fn();
  } finally {
    if (locked) {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey(installation)]).catch((error: unknown) => {
        broken = error instanceof Error ? error : new Error(String(error));
      });
    }
    // A session whose unlock failed may still hold the lock: it is closed, not pooled.
    client.release(broken);
  }
}
