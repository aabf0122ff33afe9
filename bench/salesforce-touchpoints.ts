/**
 * `npm run bench salesforce-touchpoints [--contacts N]`: the Salesforce touchpoint pull (issue 13) of N customers
 * (default 20,000: about 300,000 interactions), full pass then an unchanged incremental run, driven through the
 * connector's `pullTouchpoints` against the sandbox org in a child process. Calls are counted by the sandbox and
 * compared with the independent floor (bench/floors.ts `salesforceTouchpointFloor`: cheapest of REST pages,
 * Composite and Bulk 2.0 queryAll, from the org's own row counts) and with the one-request-per-REST-page floor.
 * Salesforce has no burst rate limit (a daily budget), so there is no rate floor to compare the time with.
 */
import { createSalesforceConnector } from '../connectors/salesforce/index.ts';
import { memorySchemaCache } from '../src/http/kept-schema.ts';
import { loadMapping } from '../src/mapping/load.ts';
import { fieldNeeds } from '../src/sync/field-spec.ts';
import type { Cursor } from '../connectors/port.ts';
import { salesforceTouchpointFloor, type SalesforceTouchpointRead } from './floors.ts';
import { startSalesforceChild, type CallStats } from './sandbox-child.ts';

const GOAL = 1.1;
/** The connector's default (`SALESFORCE_BULK_THRESHOLD`, Salesforce's own 2,000-record line). */
const DEFAULT_BULK_THRESHOLD = 2_000;

interface Run {
  label: string;
  calls: CallStats;
  floor: ReturnType<typeof salesforceTouchpointFloor>;
  records: number;
  seconds: number;
}

const ratio = (a: number, b: number): string => `${(a / Math.max(1, b)).toFixed(2)}×`;

function delta(a: CallStats, b: CallStats): CallStats {
  const byEndpoint: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.byEndpoint)) if (v - (a.byEndpoint[k] ?? 0) > 0) byEndpoint[k] = v - (a.byEndpoint[k] ?? 0);
  return { total: b.total - a.total, byEndpoint, rateLimited: b.rateLimited - a.rateLimited };
}

export async function runSalesforceTouchpointBench(contacts = 20_000, bulk = false): Promise<Run[]> {
  const sb = await startSalesforceChild({ port: 0, seed: 3, contacts, dailyApiLimit: 10_000_000 });
  const runs: Run[] = [];
  const title = `Salesforce touchpoints, ${contacts.toLocaleString('en')} customers, ${bulk ? `Bulk API 2.0 queryAll above ${DEFAULT_BULK_THRESHOLD.toLocaleString('en')} rows where a job pays` : 'REST only'}`;
  try {
    let cursor: Cursor | undefined;
    let previousStart: number | null = null;
    // One connector per run, as the CLI makes one per run; the org's schema (describes) is kept across runs as
    // the store keeps it, and read first, as `setup` does before the first sync (not counted: not a touchpoint read).
    const schemaCache = memorySchemaCache();
    const config = { instanceUrl: sb.url, accessToken: sb.accessToken, apiVersion: '66.0', schemaCache, bulkThreshold: bulk ? DEFAULT_BULK_THRESHOLD : 100_000_000 };
    await createSalesforceConnector(config).availableFields(fieldNeeds(loadMapping('mappings/salesforce.yaml')), { refresh: true });
    for (const label of ['full pass', 'unchanged incremental'] as const) {
      // Scheduled runs come minutes apart; within 2 minutes of the last mark the connector re-reads that second
      // whole (records committed late, IN_FLIGHT_MS), so the incremental run comes after that window, as in bench/sync.ts.
      if (label !== 'full pass') await new Promise((r) => setTimeout(r, 125_000));
      const connector = createSalesforceConnector(config);
      const reads = await sb.request<Record<string, SalesforceTouchpointRead>>('touchpointState', label === 'full pass' ? null : previousStart);
      const before = await sb.stats();
      previousStart = Date.now();
      const t0 = performance.now();
      let records = 0;
      for await (const batch of connector.pullTouchpoints!(label === 'full pass' ? { mode: 'full' } : { mode: 'incremental', ...(cursor ? { cursor } : {}) })) {
        records += batch.records.length;
        if (batch.cursor) cursor = batch.cursor;
      }
      const seconds = (performance.now() - t0) / 1000;
      runs.push({ label, calls: delta(before, await sb.stats()), floor: salesforceTouchpointFloor(reads), records, seconds });
    }
  } finally {
    await sb.close();
  }
  console.log(title);
  for (const r of runs) {
    const describes = Object.entries(r.calls.byEndpoint).filter(([k]) => /\/sobjects(\/\{?\w+\}?\/describe)?$/.test(k)).reduce((n, [, v]) => n + v, 0);
    console.log(
      `  ${r.label.padEnd(22)} calls ${String(r.calls.total).padStart(5)} (describe ${describes})   independent ${String(r.floor.calls).padStart(4)} → ${ratio(r.calls.total, r.floor.calls)} (goal ≤ ${GOAL}×)   one call per REST page ${String(r.floor.restPages).padStart(4)} → ${ratio(r.calls.total, r.floor.restPages)}   time ${r.seconds.toFixed(1)} s (no burst limit: no rate floor)   ${r.records.toLocaleString('en')} touchpoints, ${Math.round(r.records / Math.max(r.seconds, 0.001)).toLocaleString('en')}/s`,
    );
    console.log(`      floor: ${r.floor.reads.strategy}`);
    console.log(`      calls: ${Object.entries(r.calls.byEndpoint).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  return runs;
}
