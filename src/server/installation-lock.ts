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
/** The token refresh of an installation: its own lock, so a job holding the installation's can still refresh. */
const refreshKey = (installation: string): string => `parcours:refresh:${installation}`;

/**
 * One token refresh at a time per installation across every process (issue 15): a refresh-token grant, and the
 * store write of what it returned, happen under the lock, so no process refreshes with a token another one
 * has just rotated away.
 */
export function withRefreshLock<T>(pool: pg.Pool, installation: string, fn: () => Promise<T>): Promise<T> {
  return withAdvisoryLocks(pool, [refreshKey(installation)], fn);
}

/**
 * Holds the lock of every installation given (a linked job writes both of its link's), on one connection, taken in
 * sorted order so two jobs wanting overlapping sets cannot wait on each other in a cycle.
 */
export function withInstallationLock<T>(pool: pg.Pool, installations: string | readonly string[], fn: () => Promise<T>): Promise<T> {
  return withAdvisoryLocks(pool, [...new Set(typeof installations === 'string' ? [installations] : installations)].sort().map(lockKey), fn);
}

async function withAdvisoryLocks<T>(pool: pg.Pool, keys: readonly string[], fn: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const locked: string[] = [];
  let broken: Error | undefined;
  try {
    for (const key of keys) {
      await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
      locked.push(key);
    }
    return await fn();
  } finally {
    for (const key of locked.reverse()) {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch((error: unknown) => {
        broken = error instanceof Error ? error : new Error(String(error));
      });
    }
    // A session whose unlock failed may still hold the lock: it is closed, not pooled.
    client.release(broken);
  }
}
