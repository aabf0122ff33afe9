/** Runs the real CLI as a child process, the way an admin would. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readEnv } from '../../src/config.ts';
import { openStoreFor } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';

const MAIN = resolve('src/cli/main.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function tempDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'parcours-e2e-')), 'parcours.db');
}

/** Which store the e2e CLI runs use: the vitest project `e2e-postgres` (vitest.config.ts) sets `postgres`. */
export const E2E_STORE: 'sqlite' | 'postgres' = process.env.PARCOURS_E2E_STORE === 'postgres' ? 'postgres' : 'sqlite';

/**
 * The store part of a CLI environment (issue 15: the same e2e tests on both backends): a fresh SQLite file, or in
 * the `e2e-postgres` project a fresh PostgreSQL database on PARCOURS_TEST_DATABASE_URL's server, named after the
 * run so the project's teardown (tests/e2e/postgres-databases.ts) drops it.
 */
export function storeEnv(): Record<string, string> {
  if (E2E_STORE === 'sqlite') return { PARCOURS_DB: tempDb() };
  const server = process.env.PARCOURS_TEST_DATABASE_URL;
  const run = process.env.PARCOURS_E2E_RUN;
  if (!server || !run) throw new Error('the e2e-postgres project needs PARCOURS_TEST_DATABASE_URL and PARCOURS_E2E_RUN (vitest.config.ts sets both)');
  const name = `parcours_e2e_${run}_${randomBytes(4).toString('hex')}`;
  // Synchronous, so the environment can be built where a file builds it today (CREATE DATABASE is quick).
  const script = `const pg = require('pg'); const c = new pg.Client({ connectionString: process.argv[1] }); c.connect().then(() => c.query('CREATE DATABASE ' + process.argv[2])).then(() => c.end(), (e) => { console.error(e.message); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script, server, name], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`creating the e2e database ${name}: ${r.stderr}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { PARCOURS_DATABASE_URL: url.toString() };
}

/** The environment of a Salesforce installation from the sandbox's refresh-token credentials. */
export function salesforceEnv(sb: { url: string; oauth: { clientId: string; clientSecret: string; refreshToken: string } }): Record<string, string> {
  return {
    SALESFORCE_LOGIN_URL: sb.url,
    SALESFORCE_INSTANCE_URL: sb.url,
    SALESFORCE_CLIENT_ID: sb.oauth.clientId,
    SALESFORCE_CLIENT_SECRET: sb.oauth.clientSecret,
    SALESFORCE_REFRESH_TOKEN: sb.oauth.refreshToken,
  };
}

/**
 * The contact properties HubSpot's Salesforce integration creates in the portal it is installed in
 * (`salesforcecontactid`, `salesforceleadid`), made through the properties API as its install does.
 */
export async function addSalesforceIntegrationProperties(hs: { url: string; accessToken: string }): Promise<void> {
  for (const name of ['salesforcecontactid', 'salesforceleadid']) {
    const r = await fetch(`${hs.url}/crm/v3/properties/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hs.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, label: name, type: 'string', fieldType: 'text', groupName: 'contactinformation' }),
    });
    if (r.status !== 201) throw new Error(`creating the HubSpot property ${name}: HTTP ${r.status} ${await r.text()}`);
  }
}

/**
 * Opens the store the CLI would open with `env` (PostgreSQL when it sets PARCOURS_DATABASE_URL, else the
 * PARCOURS_DB file), runs `fn` on it, and closes it: tests look at what the CLI stored between runs.
 */
export async function inStore<T>(env: Record<string, string>, fn: (store: Store) => T | Promise<T>): Promise<T> {
  const store = await openStoreFor(readEnv(env));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export function startCli(args: string[], env: Record<string, string>): ChildProcess {
  // Only what the test gives: no developer's HUBSPOT_* leaking in from the shell.
  const base: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
  return spawn(process.execPath, [MAIN, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = startCli(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

export async function runJson<T>(args: string[], env: Record<string, string>): Promise<{ code: number | null; json: T; stderr: string }> {
  const r = await runCli([...args, '--json'], env);
  try {
    return { code: r.code, json: JSON.parse(r.stdout) as T, stderr: r.stderr };
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

/** The `sync --json` summary, as the README documents it. */
export interface SyncJson {
  runId: number;
  dryRun: boolean;
  status: string;
  pulled: { contacts: number; deals: number; tickets: number };
  /** Touchpoints pulled (issue 13); `supported: false` when the connector cannot read them. */
  touchpoints?: { supported: boolean; pulled: number; byChannel: Record<string, number>; removed: number; swept: number; rejected: number };
  changed: { contacts: number; deals: number; tickets: number };
  written: number;
  failed: unknown[];
  apiCalls: { total: number; byEndpoint: Record<string, number> };
}
