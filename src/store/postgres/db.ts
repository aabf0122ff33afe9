/**
 * The PostgreSQL connection pool and the two ways the store uses it: one statement on any pooled
 * connection, or several in one transaction on one pooled client (BEGIN … COMMIT, ROLLBACK on error).
 * Every driver or server failure becomes a STORE_ERROR naming the operation and the database (never its
 * password); ParcoursErrors (bad input) pass through as they are.
 */
import pg from 'pg';
import { ParcoursError } from '../../errors.ts';

/** A pooled connection or the pool itself: what each table module runs its statements on. */
export interface Queryable {
  query<R extends pg.QueryResultRow = Row>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** Rows as the driver returns them; the table modules read each column through `row-values.ts`. */
export type Row = Record<string, unknown>;

export const DEFAULT_POOL_SIZE = 10;

/**
 * int8 (bigint: ms timestamps, ids, count(*)) arrives as a JavaScript number: every value the store keeps
 * is below 2^53 (epoch ms, serial ids). Set on this pool only, not on pg's global parsers, so a job queue
 * sharing the process keeps the driver's defaults.
 */
function typeOverrides(): pg.TypeOverrides {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));
  return types;
}

export function createPool(url: string, poolSize: number = DEFAULT_POOL_SIZE): pg.Pool {
  // application_name: the store's connections are told apart from the job queue's in pg_stat_activity.
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types: typeOverrides(), application_name: 'parcours-store' });
  // An idle client losing its connection (server restart) emits 'error' on the pool; unhandled, that
  // would end the process. The pool drops that client; the next query reports its own STORE_ERROR.
  pool.on('error', () => {});
  return pool;
}

/** `postgres://user@host:port/db`: what errors may say about the database (no password, no options). */
export function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
    return `${u.protocol}//${user}${u.host}${u.pathname}`;
  } catch {
    return 'postgres (unparsable URL)';
  }
}

/** Driver and server failures become STORE_ERROR; our own errors pass through. */
export function toStoreError(err: unknown, database: string, operation: string): ParcoursError {
  if (err instanceof ParcoursError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  const context: Record<string, unknown> = { operation, database };
  const sqlState = (err as { code?: unknown } | null)?.code;
  if (typeof sqlState === 'string') context['sqlState'] = sqlState;
  return new ParcoursError('STORE_ERROR', `store ${operation} failed: ${detail}`, context, { cause: err });
}

/**
 * Concurrent transactions that insert or update overlapping keys wait on each other's rows; taking the rows
 * in one order (sorted by key) makes such waits queue instead of deadlocking. Byte order, as COLLATE "C".
 */
export function byKey<T>(rows: readonly T[], key: (row: T) => string): T[] {
  return [...rows].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** Runs `fn` in one transaction on one pooled client; the client goes back to the pool either way. */
export async function inTransaction<T>(pool: pg.Pool, fn: (q: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      // The connection itself failed: never hand it to another caller.
      broken = true;
    }
    throw err;
  } finally {
    client.release(broken);
  }
}
