/**
 * A Bulk API 2.0 ingest that outruns the poll timeout ends or is accounted for: the run aborts the
 * job, audits exactly what it wrote, reports the rest as retryable failures, and the next run writes
 * them. The real Salesforce connector against the sandbox org, whose ingest jobs run in internal
 * batches and can be held InProgress like a busy org's queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSalesforceConnector } from '../../connectors/salesforce/index.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { compileEngine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { runSync } from '../../src/sync/run.ts';
import { runSetup } from '../../src/sync/setup.ts';

const INSTALLATION = 'salesforce:default';
const PEOPLE = 7_000;
const V = '/services/data/v66.0';

// 7,000 seeded people and two runs: well over the default timeout on a loaded two-core machine.
describe('runSync with a Bulk API 2.0 ingest that outruns the poll timeout', { timeout: 120_000 }, () => {
  let sb: SalesforceSandbox;
  let store: Store;
  beforeAll(async () => {
    // Enough people that the Contact push pays for a job (above 4,000 records: a job's 4 calls are fewer than its
    // Collections share); no interactions seeded, whose pull would run Bulk query jobs under the 300 ms poll timeout.
    sb = await startSalesforceSandbox({ port: 0, seed: 5, contacts: PEOPLE, bulkIngestBatchSize: 500, seedTouchpoints: false });
    store = openStore(':memory:');
  }, 120_000);
  afterAll(async () => {
    await store.close();
    await sb.close();
  });

  const connector = () =>
    createSalesforceConnector({
      instanceUrl: sb.url,
      accessToken: sb.accessToken,
      apiVersion: '66.0',
      campaignNamePrefix: '',
      // Every object with more than 30 changes goes through Bulk API 2.0 where a job pays (above 4,000).
      bulkThreshold: 30,
      pollIntervalMs: 5,
      pollTimeoutMs: 300,
      retry: { retries: 1, minTimeoutMs: 1 },
    });
  const engine = compileEngine(loadMapping('mappings/salesforce.yaml'));
  const stamped = () => [...sb.data.query('SELECT Id, Parcours_Stage__c FROM Contact'), ...sb.data.query('SELECT Id, Parcours_Stage__c FROM Lead WHERE IsConverted = false')];

  it('aborts the job, audits what it wrote, and leaves the rest to the next run', async () => {
    await runSetup(connector(), store, INSTALLATION, engine.mapping);
    // Each ingest job processes one internal batch of 500 records, then the org's queue stalls.
    sb.faults.holdIngestJobs(1);
    const first = await runSync({ connector: connector(), store, engine, installation: INSTALLATION, mode: 'full', dryRun: false, now: Date.now() });
    expect(first.status).toBe('partial');

    // No job is left running: every ingest job the run created ended Aborted.
    const jobIds = [...new Set(sb.calls.filter((c) => c.method === 'PUT' && c.path.includes('/jobs/ingest/')).map((c) => c.path.split('/')[6]))];
    expect(jobIds.length).toBeGreaterThan(0);
    for (const id of jobIds) {
      const res = await fetch(`${sb.url}${V}/jobs/ingest/${id}`, { headers: { authorization: `Bearer ${sb.accessToken}` } });
      expect(((await res.json()) as { state: string }).state).toBe('Aborted');
    }

    // The audit holds exactly the records the org shows written; every other record is a retryable failure.
    const written = new Set(stamped().filter((r) => r.Parcours_Stage__c).map((r) => String(r.Id)));
    const audited = new Set((await store.auditForRun(first.runId)).filter((a) => a.field === 'Parcours_Stage__c').map((a) => a.recordId));
    expect(audited).toEqual(written);
    expect(written.size).toBeGreaterThan(0);
    expect(written.size).toBeLessThan(stamped().length);
    // Record failures (campaign member adds aborted alike are reported apart, as `segment …`).
    expect(first.failed.filter((f) => f.object === 'contact' && !f.message.startsWith('segment ')).map((f) => f.id).sort()).toEqual(stamped().filter((r) => !r.Parcours_Stage__c).map((r) => String(r.Id)).sort());
    expect(first.failed.every((f) => f.code === 'BULK_ABORTED')).toBe(true);

    sb.faults.clear();
    const next = await runSync({ connector: connector(), store, engine, installation: INSTALLATION, mode: 'incremental', dryRun: false, now: Date.now() });
    expect(next.status).toBe('succeeded');
    expect(stamped().every((r) => r.Parcours_Stage__c)).toBe(true);
    expect((await store.auditForRun(next.runId)).filter((a) => a.field === 'Parcours_Stage__c').length).toBe(stamped().length - written.size);
  });
});
