/**
 * Which store a process opens (issue 15): PostgreSQL when `PARCOURS_DATABASE_URL` is set (a service run
 * by several web and worker processes, on one or more machines), else the embedded SQLite file
 * `PARCOURS_DB` (one admin, one process: the default, nothing to install). Both answer the same `Store`.
 */
import { openStore, type OpenStoreOptions } from './index.ts';
import { describeDatabase } from './postgres/db.ts';
import { openPostgresStore } from './postgres/index.ts';
import type { Store } from './types.ts';

export interface StoreEnv {
  PARCOURS_DB: string;
  PARCOURS_DATABASE_URL?: string | undefined;
}

export async function openStoreFor(env: StoreEnv, options: OpenStoreOptions = {}): Promise<Store> {
  return env.PARCOURS_DATABASE_URL ? await openPostgresStore(env.PARCOURS_DATABASE_URL, options) : openStore(env.PARCOURS_DB, options);
}

/** Where the store is, fit for a log line or an error (a PostgreSQL URL without its password). */
export function describeStore(env: StoreEnv): string {
  return env.PARCOURS_DATABASE_URL ? describeDatabase(env.PARCOURS_DATABASE_URL) : env.PARCOURS_DB;
}

export const usesPostgres = (env: StoreEnv): boolean => Boolean(env.PARCOURS_DATABASE_URL);
