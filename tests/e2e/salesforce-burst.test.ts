/**
 * SystemModstamp has whole seconds (salesforce.md §11), so a burst of writes shares one second and only
 * Id orders it. 5,000 Contacts modified in one second span three 2,000-row query pages; a run that dies
 * after the first page and the run after it must between them see each record exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox, servedRequests } from '../../sandbox/salesforce/index.ts';
import { runCli, runJson, storeEnv, type SyncJson } from './cli.ts';

describe('Salesforce end to end: 5,000 records modified in the same second', () => {
  // An hour ago, so the cursor second is out of the in-flight window and the (second, Id) keyset is used.
  const T0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;
  let t = T0;
  let sb: SalesforceSandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    sb = await startSalesforceSandbox({ port: 0, seed: 5, contacts: 30, now: T0, clock: () => t });
    env = { SALESFORCE_INSTANCE_URL: sb.url, SALESFORCE_ACCESS_TOKEN: sb.accessToken, ...storeEnv() };
    expect((await runJson(['setup', '--crm', 'salesforce'], env)).code).toBe(0);
    expect((await runJson<SyncJson>(['sync', '--crm', 'salesforce'], env)).code).toBe(0);
    // The first run's own writes come back once; after this the cursor sits on them.
    expect((await runJson<SyncJson>(['sync', '--crm', 'salesforce'], env)).json.written).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await sb.close();
  });

  it('a run stopped after the first page and the next run see each record exactly once, none missed', async () => {
    t = T0 + 1_000;
    const burst = Array.from({ length: 5_000 }, (_, i) => sb.data.create('Contact', { LastName: `Burst ${i}`, Email: `burst${i}@example.com` }));
    const stamps = new Set(sb.data.query(`SELECT SystemModstamp FROM Contact WHERE LastName LIKE 'Burst %'`).map((r) => r.SystemModstamp));
    expect([...stamps]).toEqual([new Date(T0 + 1_000).toISOString().replace('Z', '+0000')]);
    t = T0 + 2_000;

    // The second page of the Contact changes fails (an expired locator): the run stops after storing page one.
    const before = sb.calls.length;
    sb.faults.add({ method: 'GET', path: '/query/', status: 400, body: [{ errorCode: 'INVALID_QUERY_LOCATOR', message: 'invalid query locator' }] });
    const stopped = await runCli(['sync', '--crm', 'salesforce'], env);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('INVALID_QUERY_LOCATOR');
    expect(servedRequests(sb.calls.slice(before)).filter((c) => c.status === 400).map((c) => c.endpoint)).toEqual(['GET /services/data/vXX.X/query/{locator}']);

    const mark = sb.calls.length;
    const next = await runJson<SyncJson>(['sync', '--crm', 'salesforce'], env);
    expect(next.code).toBe(0);
    expect(next.json.pulled.contacts).toBe(3_000);
    // 2,000 rows a page although both reasons are selected: they are Text(255), not long text.
    expect(servedRequests(sb.calls.slice(mark)).filter((c) => c.endpoint === 'GET /services/data/vXX.X/query/{locator}')).toHaveLength(1);
    const unstamped = burst.filter((id) => !sb.data.get('Contact', id)?.Parcours_Stage__c);
    expect(unstamped).toEqual([]);

    // Parcours's own writes (stamped at T0 + 2 s) come back once, and nothing is written again.
    const echo = await runJson<SyncJson>(['sync', '--crm', 'salesforce'], env);
    expect(echo.json.pulled.contacts).toBe(5_000);
    expect(echo.json.written).toBe(0);
  }, 180_000); // three syncs of 5,000 customers on a shared two-core machine
});
