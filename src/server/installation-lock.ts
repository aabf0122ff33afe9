/**
 * One writer per installation, enforced by PostgreSQL itself: a session advisory lock keyed on the
 * installation, held on a connection of its own while a job runs. The job queue already runs at most one
 * job per installation (pg-boss `groupConcurrency: 1`), but it checks that in its fetch statement under
 * READ COMMITTED, so two workers fetching at the same instant could both pass; with the lock the second
 * waits for the first. The lock goes with the session: a worker killed mid-job frees it as its connection
 * drops. https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS
 */
import pg from 'pg';

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

/** The one-writer locks of a worker process: `hold` runs `fn` holding every installation given. */
export interface InstallationLocks {
  hold<T>(installations: string | readonly string[], fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Every installation lock of a process on ONE session, however many jobs run at once: a connection per
 * running job made `workers × (concurrency + 15)` connections, so a default PostgreSQL (100) allowed 4
 * workers about 6 jobs each, when syncs mostly wait on CRM rate limits and want dozens (bench/scale.ts).
 * Session locks are re-entrant within their session, so jobs of this process also wait on each other here
 * (`local`); across processes, `pg_try_advisory_lock` is retried, since a blocking `pg_advisory_lock` would
 * stall every other job's lock and unlock queued on the shared connection. Keys are taken in sorted order (a
 * linked job holds both sides), so no two jobs wait on each other in a cycle. If the session drops, its locks
 * go with it, as a per-job session's would: the next lock opens a new one.
 */
export function sessionLocks(url: string, o: { retryMs?: number; onLost?: (error: Error) => void } = {}): InstallationLocks {
  const retryMs = o.retryMs ?? 200;
  let live: pg.Client | null = null;
  let opening: Promise<pg.Client> | null = null;
  let closed = false;
  const local = new Map<string, Promise<void>>();
  // One statement at a time on the session (pg 9 drops its own queue of concurrent queries).
  let tail: Promise<unknown> = Promise.resolve();
  const query = <R extends pg.QueryResultRow>(client: pg.Client, sql: string, key: string): Promise<pg.QueryResult<R>> => {
    const next = tail.then(() => client.query<R>(sql, [key]));
    tail = next.catch(() => undefined);
    return next;
  };

  const connect = async (): Promise<pg.Client> => {
    if (closed) throw new Error('installation locks closed');
    if (live) return live;
    opening ??= (async () => {
      const client = new pg.Client({ connectionString: url, application_name: 'parcours-locks' });
      client.on('error', (error: Error) => {
        if (live === client) live = null;
        void client.end().catch(() => undefined);
        o.onLost?.(error);
      });
      await client.connect();
      live = client;
      return client;
    })().finally(() => {
      opening = null;
    });
    return opening;
  };

  async function takeLocal(key: string): Promise<() => void> {
    for (let held = local.get(key); held; held = local.get(key)) await held;
    let release!: () => void;
    local.set(key, new Promise<void>((r) => (release = r)));
    return () => {
      local.delete(key);
      release();
    };
  }

  async function takeShared(key: string): Promise<pg.Client> {
    for (;;) {
      const client = await connect();
      const { rows } = await query<{ ok: boolean }>(client, 'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', key);
      if (rows[0]?.ok) return client;
      await new Promise((r) => setTimeout(r, retryMs));
    }
  }

  return {
    async hold(installations, fn) {
      const keys = [...new Set(typeof installations === 'string' ? [installations] : installations)].sort().map(lockKey);
      const taken: Array<{ key: string; releaseLocal: () => void; client: pg.Client | null }> = [];
      try {
        for (const key of keys) {
          const entry: (typeof taken)[number] = { key, releaseLocal: await takeLocal(key), client: null };
          taken.push(entry);
          entry.client = await takeShared(key);
        }
        return await fn();
      } finally {
        for (const { key, releaseLocal, client } of taken.reverse()) {
          // A session that dropped took its locks with it; unlocking on the one now open would be wrong.
          if (client && client === live) {
            await query(client, 'SELECT pg_advisory_unlock(hashtextextended($1, 0))', key).catch((error: unknown) => o.onLost?.(error instanceof Error ? error : new Error(String(error))));
          }
          releaseLocal();
        }
      }
    },
    async close() {
      closed = true;
      const open = live ?? (await opening?.catch(() => null)) ?? null;
      live = null;
      await open?.end().catch(() => undefined);
    },
  };
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
