/**
 * The real CLI on a PostgreSQL store (issue 15): PARCOURS_DATABASE_URL set, PARCOURS_DB pointing nowhere
 * usable, so anything that still opened the SQLite file would fail. Runs when PARCOURS_TEST_DATABASE_URL
 * names a server (`.ci/run` sets it when PostgreSQL is up); skipped otherwise.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { POSTGRES_URL, postgresBackend } from '../store/backends.ts';
import { inStore, runCli, runJson, salesforceEnv, tempDb, type SyncJson } from './cli.ts';

const backend = POSTGRES_URL ? postgresBackend(POSTGRES_URL) : null;
if (!backend) console.info('tests/e2e/postgres-store.test.ts skipped: set PARCOURS_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run the CLI on PostgreSQL');

describe.skipIf(!backend)('the CLI on a PostgreSQL store', { timeout: 180_000 }, () => {
  let hs: HubspotSandbox;
  let sf: SalesforceSandbox;
  let env: Record<string, string>;
  const sqliteFile = tempDb();

  beforeAll(async () => {
    hs = await startHubspotSandbox({ port: 0, seed: 61, contacts: 40 });
    sf = await startSalesforceSandbox({ port: 0, seed: 62, contacts: 40, seedTouchpoints: false });
    const url = await backend!.location();
    env = { HUBSPOT_BASE_URL: hs.url, HUBSPOT_ACCESS_TOKEN: hs.accessToken, ...salesforceEnv(sf), PARCOURS_DB: sqliteFile, PARCOURS_DATABASE_URL: url };
  }, 60_000);
  afterAll(async () => {
    await hs?.close();
    await sf?.close();
  });

  it('sets up, syncs both CRMs, and an unchanged re-run writes nothing; the SQLite file is never created', async () => {
    for (const crm of ['hubspot', 'salesforce'] as const) {
      expect((await runCli(['setup', '--crm', crm], env)).code).toBe(0);
      const first = await runJson<SyncJson>(['sync', '--crm', crm], env);
      expect(first.code).toBe(0);
      expect(first.json.status).toBe('succeeded');
      expect(first.json.written).toBeGreaterThanOrEqual(40);
      const again = await runJson<SyncJson>(['sync', '--crm', crm], env);
      expect(again.code).toBe(0);
      expect(again.json.written).toBe(0);
    }
    expect(existsSync(sqliteFile)).toBe(false);

    // What the CLI stored is in PostgreSQL: the runs, the mirror, the ledger.
    await inStore(env, async (store) => {
      const runs = await store.listRuns();
      expect(runs.map((r) => [r.crm, r.status])).toEqual([
        ['salesforce', 'succeeded'],
        ['salesforce', 'succeeded'],
        ['hubspot', 'succeeded'],
        ['hubspot', 'succeeded'],
      ]);
      const hubspot = runs.find((r) => r.crm === 'hubspot');
      expect((await store.countRecords(hubspot!.installation)).contacts).toBe(40);
    });
  });

  it('`runs` and `report` read the same store', async () => {
    const runs = await runJson<Array<{ crm: string; status: string }>>(['runs'], env);
    expect(runs.code).toBe(0);
    expect(runs.json.length).toBe(4);
    const out = `${sqliteFile}.map.json`;
    const report = await runCli(['report', '--crm', 'hubspot', '--format', 'json', '--out', out], env);
    expect(report.code).toBe(0);
    expect(existsSync(out)).toBe(true);
  });
});
