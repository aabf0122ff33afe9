/**
 * Sync benchmarks against the sandbox CRMs: API calls vs the theoretical minimum, wall time vs the
 * rate-limit floor, 429s, records/s and peak RSS — for a full sync, the run right after it (which
 * sees Parcours's own writes come back), and a truly unchanged re-run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { minimumCalls as hubspotMinimum } from '../connectors/hubspot/index.ts';
import { minimumCalls as salesforceMinimum } from '../connectors/salesforce/index.ts';
import { startHubspotSandbox } from '../sandbox/hubspot/index.ts';
import { startSalesforceSandbox } from '../sandbox/salesforce/index.ts';
import { readEnv } from '../src/config.ts';
import { compileEngine } from '../src/journey/engine.ts';
import { loadMapping } from '../src/mapping/load.ts';
import { openStore } from '../src/store/index.ts';
import { connect } from '../src/sync/connect.ts';
import { runSync, type SyncSummary } from '../src/sync/run.ts';
import { runSetup } from '../src/sync/setup.ts';

export interface RunMeasure {
  label: string;
  calls: number;
  minimum: number;
  seconds: number;
  floorSeconds: number;
  rateLimited: number;
  records: number;
}

function tempDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'parcours-bench-')), 'bench.db');
}

/**
 * Fewest write calls that could carry these changes: full batches per kind (or, above a Bulk
 * threshold, one Bulk API 2.0 ingest job per object: create, upload, close, one poll, one results
 * read = 5 calls; Salesforce contacts span Contact and Lead), plus full membership chunks.
 */
function writeMinimum(s: SyncSummary, batch: number, membershipChunk: number, bulkThreshold = Infinity): number {
  const kinds: Array<[number, number]> = [[s.changed.contacts, 2], [s.changed.deals, 1], [s.changed.tickets, 1]];
  const records = kinds.reduce((n, [k, objects]) => n + (k > bulkThreshold ? 5 * objects : Math.ceil(k / batch)), 0);
  const members = Object.values(s.segments).reduce((n, seg) => n + Math.ceil(seg.added / membershipChunk) + Math.ceil(seg.removed / membershipChunk), 0);
  return records + members;
}

function trackPeak(): { stop: () => number } {
  let peak = process.memoryUsage.rss();
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 200);
  return { stop: () => (clearInterval(t), Math.max(peak, process.memoryUsage.rss())) };
}

export function printMeasures(title: string, runs: RunMeasure[], goals: { calls: number; time?: number }, peakMiB: number): void {
  console.log(title);
  for (const r of runs) {
    const callRatio = r.calls / Math.max(1, r.minimum);
    const timeRatio = r.floorSeconds > 0 ? r.seconds / r.floorSeconds : null;
    console.log(
      `  ${r.label.padEnd(26)} calls ${String(r.calls).padStart(5)} / minimum ${String(r.minimum).padStart(5)} = ${callRatio.toFixed(2)}× (goal ≤ ${goals.calls})` +
        (timeRatio !== null ? `   time ${r.seconds.toFixed(1)} s / floor ${r.floorSeconds.toFixed(1)} s = ${timeRatio.toFixed(2)}×${goals.time ? ` (goal ≤ ${goals.time})` : ''}` : `   time ${r.seconds.toFixed(1)} s`) +
        `   429s ${r.rateLimited} (${((r.rateLimited / Math.max(1, r.calls)) * 100).toFixed(1)} %)   ${Math.round(r.records / Math.max(r.seconds, 0.001)).toLocaleString('en')} records/s`,
    );
  }
  console.log(`  peak RSS ${peakMiB.toFixed(0)} MiB`);
}

export async function runHubspotSyncBench(contacts = 20_000, rate = { max: 100, intervalMs: 10_000 }): Promise<RunMeasure[]> {
  const sb = await startHubspotSandbox({ port: 0, seed: 3, contacts, rateLimit: rate });
  const db = tempDb();
  const env = readEnv({ PARCOURS_DB: db, HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: sb.accessToken });
  const store = openStore(db);
  const installation = 'hubspot:bench';
  const engine = compileEngine(loadMapping('mappings/hubspot.yaml'));
  const peak = trackPeak();
  const measures: RunMeasure[] = [];
  try {
    await runSetup(connect('hubspot', { env, store, installation }), store, installation, engine.mapping);
    const counts = { contacts: sb.data.ids('contacts').length, deals: sb.data.ids('deals').length, tickets: sb.data.ids('tickets').length };
    for (const label of ['full sync', 'next run (own writes echo)', 'unchanged re-run'] as const) {
      // Scheduled runs come minutes apart; the connector re-reads a 60 s overlap for search indexing
      // lag, so each incremental run starts once that window has passed, as in production.
      if (label !== 'full sync') await new Promise((r) => setTimeout(r, 62_000));
      const connector = connect('hubspot', { env, store, installation });
      const before = sb.stats();
      const t0 = performance.now();
      const s = await runSync({ connector, store, engine, installation, mode: label === 'full sync' ? 'full' : 'incremental', dryRun: false, now: Date.now() });
      const seconds = (performance.now() - t0) / 1000;
      const after = sb.stats();
      const searchCalls = Object.entries(s.apiCalls.byEndpoint).filter(([k]) => k.includes('search')).reduce((n, [, v]) => n + v, 0);
      const otherCalls = s.apiCalls.total - searchCalls;
      // The floor: ordinary calls at the sustained rate (max per interval), search at 5/s; they overlap
      // at best. (Counting the first window's burst as free lowers it by one interval; printed too.)
      const floorSeconds = Math.max((otherCalls / rate.max) * (rate.intervalMs / 1000), searchCalls / 5, 0);
      const burstFloor = Math.max(((otherCalls - rate.max) / rate.max) * (rate.intervalMs / 1000), searchCalls / 5, 0);
      console.log(`  (${label}: burst-adjusted floor ${burstFloor.toFixed(1)} s)`);
      const read = label === 'full sync' ? hubspotMinimum({ ...counts, stageHistory: true }, 'full') : label === 'unchanged re-run' ? hubspotMinimum({ ...counts, stageHistory: true }, 'unchanged') : echoMinimum(s);
      measures.push({ label, calls: s.apiCalls.total, minimum: read + writeMinimum(s, 100, 1000), seconds, floorSeconds, rateLimited: after.rateLimited - before.rateLimited, records: s.pulled.contacts + s.pulled.deals + s.pulled.tickets });
    }
  } finally {
    const peakMiB = peak.stop() / 1024 / 1024;
    store.close();
    await sb.close();
    printMeasures(`HubSpot sync, ${contacts.toLocaleString('en')} contacts, rate limit ${rate.max}/${rate.intervalMs / 1000}s`, measures, { calls: 1.1, time: 1.15 }, peakMiB);
  }
  return measures;
}

/**
 * After a full sync every written record comes back through search (its lastmodifieddate moved):
 * the least a client can do is page through them (200 per search call) and re-read the associations
 * of the changed contacts, deals and tickets (1,000 per batch read), plus the 3 archived-list calls.
 */
function echoMinimum(s: SyncSummary): number {
  const p = s.pulled;
  return Math.ceil(p.contacts / 200) + Math.ceil(p.deals / 200) + Math.ceil(p.tickets / 200) + 2 * Math.ceil(p.contacts / 1000) + Math.ceil(p.deals / 1000) + Math.ceil(p.tickets / 1000) + 3 + 2;
}

export async function runSalesforceSyncBench(contacts = 20_000, bulk = false): Promise<RunMeasure[]> {
  const sb = await startSalesforceSandbox({ port: 0, seed: 3, contacts, dailyApiLimit: 10_000_000 });
  const db = tempDb();
  const env = readEnv({
    PARCOURS_DB: db,
    SALESFORCE_INSTANCE_URL: sb.url,
    SALESFORCE_ACCESS_TOKEN: sb.accessToken,
    SALESFORCE_LOGIN_URL: sb.url,
    SALESFORCE_BULK_THRESHOLD: String(bulk ? 2_000 : 10_000_000),
  });
  const store = openStore(db);
  const installation = 'salesforce:bench';
  const engine = compileEngine(loadMapping('mappings/salesforce.yaml'));
  const peak = trackPeak();
  const measures: RunMeasure[] = [];
  try {
    await runSetup(connect('salesforce', { env, store, installation }), store, installation, engine.mapping);
    const count = (soql: string) => sb.data.query(soql).length;
    const size = {
      contacts: count('SELECT Id FROM Contact'),
      leads: count('SELECT Id FROM Lead WHERE IsConverted = false'),
      deals: count('SELECT Id FROM Opportunity'),
      tickets: count('SELECT Id FROM Case'),
      contactRoles: count('SELECT Id FROM OpportunityContactRole'),
      historyRows: count('SELECT Id FROM OpportunityHistory'),
      bulkThreshold: bulk ? 2_000 : 10_000_000,
    };
    const floor = salesforceMinimum(size);
    for (const label of ['full sync', 'next run (own writes echo)', 'unchanged re-run'] as const) {
      // Scheduled runs come minutes apart; the connector re-reads the cursor's second while a
      // transaction could still be in flight (2 min), so space the incremental runs like a schedule.
      if (label !== 'full sync') await new Promise((r) => setTimeout(r, 125_000));
      const connector = connect('salesforce', { env, store, installation });
      const t0 = performance.now();
      const s = await runSync({ connector, store, engine, installation, mode: label === 'full sync' ? 'full' : 'incremental', dryRun: false, now: Date.now() });
      const seconds = (performance.now() - t0) / 1000;
      const read = label === 'full sync' ? floor.fullSync : label === 'unchanged re-run' ? floor.unchangedRerun : floor.unchangedRerun + Math.ceil((s.pulled.contacts + s.pulled.deals + s.pulled.tickets) / 2000);
      const writes = writeMinimum(s, 200, 200, bulk ? 2_000 : Infinity);
      measures.push({ label, calls: s.apiCalls.total, minimum: read + writes, seconds, floorSeconds: 0, rateLimited: s.apiCalls.rateLimited, records: s.pulled.contacts + s.pulled.deals + s.pulled.tickets });
    }
  } finally {
    const peakMiB = peak.stop() / 1024 / 1024;
    store.close();
    await sb.close();
    printMeasures(`Salesforce sync, ${contacts.toLocaleString('en')} customers, ${bulk ? 'Bulk API 2.0 above 2,000 records' : 'REST only'}`, measures, { calls: 1.1 }, peakMiB);
  }
  return measures;
}
