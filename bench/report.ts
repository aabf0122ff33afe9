/**
 * Report benchmark: the journey map for N customers' history, fed from generators (not SQLite):
 * the customers of bench/customers.ts re-evaluated with the default HubSpot mapping, ~3 ledger stays
 * each and some segment events, through the same collector and HTML/JSON renderers as the CLI.
 * This measures the analytics, engine and rendering; the store's own read speed is the store's benchmark.
 * Goals: < 10 s and < 512 MiB peak RSS for 1,000,000 customers.
 */
import { compileEngine } from '../src/journey/engine.ts';
import { loadMapping } from '../src/mapping/load.ts';
import { DAY_MS, HOUR_MS, type Customer, type TouchpointChannel, type TouchpointRecord } from '../src/model.ts';
import { collectJourneyMap, renderHtml, renderJson, type ReportSource } from '../src/report/index.ts';
import type { ContactStay, SegmentEvent, StageHistoryRow } from '../src/store/types.ts';
import { benchCustomers } from './customers.ts';

export interface ReportBenchResult {
  customers: number;
  /** Touchpoints per customer (0: today's workload, no touchpoints pulled). */
  touchpointsPerCustomer: number;
  historyRows: number;
  seconds: number;
  /** CPU time of the process (user + system): steadier than wall time on a shared machine. */
  cpuSeconds: number;
  peakRssMiB: number;
  htmlBytes: number;
}

const STAGES = ['awareness', 'consideration', 'decision', 'purchase', 'post_purchase'];

const RUNS = 3;

/** Contact i's ledger row opened by sync run `run` (runs 25 days apart), or null: i climbs one stage per run while (i mod 7) allows it. */
function rowOf(i: number, run: number, now: number): StageHistoryRow | null {
  if (run > 0 && i % 7 < run) return null;
  const at = now - (RUNS - run) * 25 * DAY_MS;
  const next = now - (RUNS - run - 1) * 25 * DAY_MS;
  const stage = STAGES[Math.min(run + (i % 3), STAGES.length - 1)] as string;
  const leaves = run < RUNS - 1 && i % 7 >= run + 1;
  return { contactId: String(1000 + i), journeyId: 'default', stage, enteredAt: at + (i % 1000) * 60_000, leftAt: leaves ? next + (i % 1000) * 60_000 : null, backfilled: run === 0 };
}

/** Ledger rows in time order, as syncs write them: everyone enters, then a share moves on, run by run. */
function* history(count: number, now: number): Generator<StageHistoryRow> {
  for (let run = 0; run < RUNS; run++) {
    for (let i = 0; i < count; i++) {
      const row = rowOf(i, run, now);
      if (row) yield row;
    }
  }
}

/** The same ledger, a page of contacts at a time (what the store's stageStaysOf answers). */
function staysOf(ids: readonly string[], now: number): Map<string, ContactStay[]> {
  const out = new Map<string, ContactStay[]>();
  for (const id of ids) {
    const i = Number(id) - 1000;
    const rows: ContactStay[] = [];
    for (let run = 0; run < RUNS; run++) {
      const r = rowOf(i, run, now);
      if (r) rows.push({ journeyId: r.journeyId, stage: r.stage, enteredAt: r.enteredAt, leftAt: r.leftAt, backfilled: r.backfilled });
    }
    out.set(id, rows);
  }
  return out;
}

const CHANNELS: TouchpointChannel[] = ['email', 'email', 'email', 'phone', 'phone', 'meeting', 'chat', 'sms', 'form', 'web', 'internal'];

/**
 * `perCustomer` touchpoints over the last 80 days, oldest first: a channel mix, alternating directions,
 * some no-shows, and a CSAT answer (HubSpot 0–2) for 3 customers in 10 (the 0.3 answers a contact).
 */
function touchpointsOf(i: number, perCustomer: number, now: number): TouchpointRecord[] {
  const id = String(1000 + i);
  const out: TouchpointRecord[] = [];
  for (let k = 0; k < perCustomer; k++) {
    const at = now - 80 * DAY_MS + Math.floor(((k + 0.5) / perCustomer) * 80 * DAY_MS) + (i % 97) * HOUR_MS;
    const channel = CHANNELS[(i + k) % CHANNELS.length] as TouchpointChannel;
    const survey = k === perCustomer - 1 && i % 10 < 3;
    out.push({
      kind: 'touchpoint', id: `${id}-tp${k}`, objectType: survey ? 'feedback_submissions' : 'calls', raw: {}, updatedAt: null,
      channel: survey ? 'survey' : channel, rawChannel: null, direction: channel === 'internal' ? null : (i + k) % 2 === 0 ? 'inbound' : 'outbound', at,
      outcome: channel === 'meeting' && i % 5 === 0 ? 'no_show' : null, rawOutcome: null, contactIds: [id], dealIds: [], ticketIds: [],
      survey: survey ? { type: 'csat', score: i % 3, scale: { min: 0, max: 2 }, sentiment: null } : null,
    });
  }
  return out;
}

function* withTouchpoints(customers: Iterable<Customer>, perCustomer: number, now: number): Generator<Customer> {
  let i = 0;
  for (const c of customers) {
    yield perCustomer === 0 ? c : { ...c, touchpoints: touchpointsOf(i, perCustomer, now) };
    i++;
  }
}

function* events(count: number, now: number, since: number): Generator<SegmentEvent> {
  for (let i = 0; i < count; i += 5) {
    const at = now - (i % 80) * DAY_MS;
    if (at >= since) yield { segmentId: i % 2 ? 'new_lead' : 'high_value', contactId: String(1000 + i), type: i % 3 ? 'entered' : 'exited', at };
  }
}

export async function runReportBench(count = 1_000_000, mappingFile = 'mappings/hubspot.yaml', touchpointsPerCustomer = 0): Promise<ReportBenchResult> {
  const engine = compileEngine(loadMapping(mappingFile));
  const now = Date.parse('2026-11-23T12:00:00Z');
  let peak = process.memoryUsage.rss();
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  let historyRows = 0;
  // The collector reads async streams (the store's are); the bench's rows are generated in memory.
  const tick = <T>(it: Iterable<T>, counter?: () => void): AsyncIterable<T> => ({
    async *[Symbol.asyncIterator]() {
      let n = 0;
      for (const x of it) {
        counter?.();
        if (++n % 100_000 === 0) sample();
        yield x;
      }
    },
  });
  const source: ReportSource = {
    customers: () => tick(withTouchpoints(benchCustomers(count, 42, now), touchpointsPerCustomer, now)),
    stageHistory: () => tick(history(count, now), () => historyRows++),
    segmentEvents: (since) => tick(events(count, now, since)),
    staysOf: async (ids) => staysOf(ids, now),
  };
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const map = await collectJourneyMap({ crm: 'hubspot', engine, source, now });
  const html = renderHtml(map);
  const json = renderJson(map);
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  sample();
  if (map.journeys[0]?.customers !== count || json.length === 0) throw new Error('report benchmark: the map does not cover every customer');
  if (touchpointsPerCustomer > 0 && map.journeys[0]?.satisfaction.customersWithTouchpoints !== count) throw new Error('report benchmark: touchpoints were not read for every customer');
  return { customers: count, touchpointsPerCustomer, historyRows, seconds, cpuSeconds, peakRssMiB: peak / 1024 / 1024, htmlBytes: Buffer.byteLength(html) };
}

export function printReportBench(r: ReportBenchResult): void {
  const tps = r.touchpointsPerCustomer === 0 ? 'no touchpoints' : `${r.touchpointsPerCustomer} touchpoints each (${(r.customers * r.touchpointsPerCustomer).toLocaleString('en')})`;
  console.log(`report: ${r.customers.toLocaleString('en')} customers, ${tps}, ${r.historyRows.toLocaleString('en')} ledger rows in ${r.seconds.toFixed(2)} s (HTML ${(r.htmlBytes / 1024).toFixed(0)} KiB)`);
  console.log(`  time:     ${r.seconds.toFixed(2)} s  (goal < 10 s: ratio ${(r.seconds / 10).toFixed(2)})   CPU ${r.cpuSeconds.toFixed(2)} s`);
  console.log(`  peak RSS: ${r.peakRssMiB.toFixed(0)} MiB  (goal < 512 MiB: ratio ${(r.peakRssMiB / 512).toFixed(2)})`);
}

// `node bench/report.ts [customers] [touchpoints per customer]`
if (import.meta.main) printReportBench(await runReportBench(Number(process.argv[2] ?? 1_000_000), 'mappings/hubspot.yaml', Number(process.argv[3] ?? 0)));
