/**
 * Opening the SQLite file with the pragmas every store connection needs, and the
 * transaction runner (savepoints when nested, so store methods compose inside `store.transaction`).
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ParcoursError } from '../errors.ts';

/** How long a writer waits for another process's lock (webhook server + CLI sync on one file). */
export const BUSY_TIMEOUT_MS = 5_000;

export function isMemoryPath(path: string): boolean {
  return path === ':memory:' || path === '';
}

/**
 * The store holds sealed tokens, webhook secrets and customer data: a folder Parcours creates is 0700
 * and the database file 0600 (SQLite gives its -wal/-shm files the database file's mode).
 */
export function prepareFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Created empty with mode 0600 before SQLite opens it, so it is never readable by others, even briefly.
  closeSync(openSync(path, 'a', 0o600));
  if ((statSync(path).mode & 0o077) === 0) return;
  try {
    chmodSync(path, 0o600);
  } catch {
    // Not ours to change (another owner): SQLite still opens it; the admin owns its mode.
  }
}

export function openDatabase(path: string): DatabaseSync {
  if (!isMemoryPath(path)) prepareFile(path);
  const db = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS, enableForeignKeyConstraints: true });
  try {
    // WAL: readers (report, admin API) never block the sync's writer. NORMAL is durable across
    // application crashes in WAL mode; only an OS crash can lose the last commits.
    // https://www.sqlite.org/pragma.html#pragma_synchronous
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Bounded page cache (~32 MB) whatever the mirror size.
    db.exec('PRAGMA cache_size = -32000');
    db.exec('PRAGMA temp_store = MEMORY');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

export interface TransactionRunner {
  run<T>(fn: () => T): T;
}

export function createTransactionRunner(db: DatabaseSync): TransactionRunner {
  let depth = 0;
  return {
    run<T>(fn: () => T): T {
      const savepoint = `parcours_sp_${depth}`;
      // IMMEDIATE takes the write lock up front, so busy_timeout applies instead of a
      // deadlock-prone read→write upgrade. https://www.sqlite.org/lang_transaction.html
      db.exec(depth === 0 ? 'BEGIN IMMEDIATE' : `SAVEPOINT ${savepoint}`);
      depth++;
      let result: T;
      try {
        result = fn();
        if (isThenable(result)) {
          throw new ParcoursError('STORE_ERROR', 'store.transaction callback returned a promise; it must be synchronous');
        }
      } catch (err) {
        depth--;
        rollback(db, depth, savepoint);
        throw err;
      }
      depth--;
      try {
        db.exec(depth === 0 ? 'COMMIT' : `RELEASE ${savepoint}`);
      } catch (err) {
        rollback(db, depth, savepoint);
        throw err;
      }
      return result;
    },
  };
}

function rollback(db: DatabaseSync, depth: number, savepoint: string): void {
  // SQLite may already have rolled back by itself (e.g. SQLITE_FULL); nothing left to undo then.
  if (!db.isOpen || !db.isTransaction) return;
  if (depth === 0) db.exec('ROLLBACK');
  else db.exec(`ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
}

function isThenable(value: unknown): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** SQLite and node:sqlite failures become STORE_ERROR; our own errors pass through. */
export function toStoreError(err: unknown, file: string, operation: string): ParcoursError {
  if (err instanceof ParcoursError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new ParcoursError('STORE_ERROR', `store ${operation} failed: ${detail}`, { file, operation }, { cause: err });
}
