/**
 * The store backends a store test runs on: SQLite always, PostgreSQL when PARCOURS_TEST_DATABASE_URL is
 * set (e.g. postgres://postgres@127.0.0.1:5432/postgres). For PostgreSQL, each test file gets its own
 * database (CREATE DATABASE parcours_t_<random>, dropped after the file, leftover connections ended), and
 * each `open()` its own schema in it, so every store starts empty as SQLite's `:memory:` does.
 *
 *   const backends = storeBackends();            // at the file's top level: registers the cleanup
 *   describe.each(backends)('mirror on $name', (backend) => {
 *     let store: Store;
 *     beforeEach(async () => { store = await backend.open({ now: () => 1_000 }); });
 *     afterEach(() => store.close());
 *   });
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { openPostgresStore } from '../../src/store/postgres/index.ts';

/** The server tests may create databases on; unset: PostgreSQL tests are skipped. */
export const POSTGRES_URL: string | undefined = process.env['PARCOURS_TEST_DATABASE_URL'] || undefined;

export interface StoreOptions {
  now?: () => number;
}

export interface StoreBackend {
  readonly name: 'sqlite' | 'postgres';
  /** A new, empty store. */
  open(options?: StoreOptions): Promise<Store>;
  /** Somewhere a store can be opened, closed and opened again (an empty SQLite file; a new PostgreSQL schema). */
  location(): Promise<string>;
  openAt(location: string, options?: StoreOptions): Promise<Store>;
}

export function sqliteBackend(): StoreBackend {
  let dir: string | undefined;
  let n = 0;
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    name: 'sqlite',
    open: async (options = {}) => openStore(':memory:', options),
    async location() {
      dir ??= mkdtempSync(join(tmpdir(), 'parcours-store-'));
      return join(dir, `store-${++n}.db`);
    },
    openAt: async (location, options = {}) => openStore(location, options),
  };
}

/** PostgreSQL on a database of its own, created on first use and dropped after the file. */
export function postgresBackend(serverUrl: string): StoreBackend {
  const database = `parcours_t_${randomBytes(6).toString('hex')}`;
  let created: Promise<void> | undefined;
  let schemas = 0;

  async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }
  const databaseUrl = (): string => {
    const u = new URL(serverUrl);
    u.pathname = `/${database}`;
    return u.toString();
  };

  afterAll(async () => {
    if (!created) return;
    await admin(serverUrl, async (c) => {
      // Stores a test left open still hold connections: end them, then drop.
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
      await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
    });
  });

  const backend: StoreBackend = {
    name: 'postgres',
    async open(options = {}) {
      return backend.openAt(await backend.location(), options);
    },
    async location() {
      created ??= admin(serverUrl, async (c) => {
        await c.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
      });
      await created;
      const schema = `s${++schemas}`;
      await admin(databaseUrl(), (c) => c.query(`CREATE SCHEMA ${schema}`));
      const u = new URL(databaseUrl());
      u.searchParams.set('options', `-c search_path=${schema}`);
      return u.toString();
    },
    openAt: (location, options = {}) => openPostgresStore(location, { ...options, poolSize: 4 }),
  };
  return backend;
}

/** SQLite, and PostgreSQL when PARCOURS_TEST_DATABASE_URL is set. Call at a file's top level. */
export function storeBackends(): StoreBackend[] {
  return POSTGRES_URL ? [sqliteBackend(), postgresBackend(POSTGRES_URL)] : [sqliteBackend()];
}
