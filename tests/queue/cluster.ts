/**
 * Several `parcours serve` processes (web, workers) against one PostgreSQL test database: each test file
 * gets its own database (created here, dropped after the file, as tests/store/backends.ts does), the
 * processes are the real CLI, and the test reads the store and pg-boss's job table to check what ran.
 * Skipped (with a message) when PARCOURS_TEST_DATABASE_URL is unset.
 */
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';

import { openPostgresStore } from '../../src/store/postgres/index.ts';
import type { Store } from '../../src/store/index.ts';
import { startCli } from '../e2e/cli.ts';
import { POSTGRES_URL, postgresBackend } from '../store/backends.ts';
import { ADMIN_TOKEN } from '../server/harness.ts';

export { POSTGRES_URL };
export const SKIPPED = POSTGRES_URL ? '' : ' — skipped: set PARCOURS_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run';

export interface Proc {
  role: 'web' | 'worker' | 'all';
  child: ChildProcess;
  url: string;
  pid: number;
  /** Every stdout/stderr line so far (pino JSON lines and the CLI's own). */
  lines: string[];
  exited: Promise<number | null>;
}

/** A database for this file (call at the top level; dropped after the file). */
export function clusterDatabase(): () => Promise<string> {
  const backend = postgresBackend(POSTGRES_URL ?? 'postgres://unset');
  let url: Promise<string> | undefined;
  return () => (url ??= backend.location());
}

/**
 * A `serve` process. Both schedules are off unless `env` sets them: a cron tick is wall-clock time (every
 * quarter hour by default), and one landing mid-test would queue syncs the test did not ask for.
 */
export function startServe(role: Proc['role'], env: Record<string, string>, args: string[] = []): Promise<Proc> {
  const child = startCli(['serve', '--port', '0', '--role', role, ...args], { PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_LOG_LEVEL: 'info', PARCOURS_SYNC_EVERY: 'off', PARCOURS_NIGHTLY_AT: 'off', ...env });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let partial = '';
    const onData = (d: Buffer) => {
      partial += d.toString();
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(parts.join('\n'))?.[1];
      if (url) resolve({ role, child, url, pid: child.pid as number, lines, exited });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`serve --role ${role} exited (${code}) before listening:\n${lines.join('\n')}\n${partial}`)));
  });
}

/** pino lines of a process with the given msg. */
export function logged(p: Proc, msg: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const l of p.lines) {
    if (!l.startsWith('{')) continue;
    try {
      const o = JSON.parse(l) as Record<string, unknown>;
      if (o.msg === msg) out.push(o);
    } catch {
      // not a log line
    }
  }
  return out;
}

export async function stopAll(procs: Proc[]): Promise<void> {
  await Promise.all(procs.map(async (p) => {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }));
}

export interface BossJob {
  id: string;
  state: string;
  data: { kind: string; installation?: string; mode?: string; origin?: string; tick?: string };
  retry_count: number;
  created_on: Date;
  started_on: Date | null;
  completed_on: Date | null;
  output: unknown;
}

/** pg-boss's job table (schema pgboss), for what ran and when. */
export async function bossJobs(url: string): Promise<BossJob[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<BossJob>(`SELECT id, state::text AS state, data, retry_count, created_on, started_on, completed_on, output FROM pgboss.job WHERE name = 'parcours-work' ORDER BY created_on`);
    return rows;
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return [];
    throw error;
  } finally {
    await c.end();
  }
}

export function openStoreAt(url: string): Promise<Store> {
  return openPostgresStore(url, { poolSize: 2 });
}

export async function until<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs: number, what: string, stepMs = 250): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Runs of one installation that overlap in time (there must be none: one writer per installation). */
export function overlapping(runs: Array<{ id: number; startedAt: number; finishedAt: number | null }>): Array<[number, number]> {
  const sorted = [...runs].sort((a, b) => a.startedAt - b.startedAt);
  const out: Array<[number, number]> = [];
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (prev.finishedAt === null || cur.startedAt < prev.finishedAt) out.push([prev.id, cur.id]);
  }
  return out;
}

