/**
 * Touchpoint benchmarks (issue 13), goals from the issue:
 * - engine: the default HubSpot mapping (its touchpoint flags included) over customers with 30 touchpoints
 *   each, on one core: ≥ 150,000 customers/s. 20,000 distinct customers are built first and evaluated in
 *   turn; only `evaluate` is timed, so the figure is the engine's, not the generator's (the total is printed).
 * - store stream: N customers with 30 touchpoints each written through the store's own batch API into a
 *   SQLite file, then streamed back (`iterateCustomers`, touchpoints oldest first) and evaluated: peak RSS
 *   < 1 GiB for 1,000,000 customers.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '../sandbox/demo-data.ts';
import { compileEngine } from '../src/journey/engine.ts';
import { loadMapping } from '../src/mapping/load.ts';
import { DAY_MS, HOUR_MS, type Customer, type TouchpointRecord } from '../src/model.ts';
import { openStore } from '../src/store/index.ts';
import { benchCustomers } from './customers.ts';

export const ENGINE_GOAL = 150_000;
export const RSS_GOAL_MIB = 1024;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const PAGE = 500;

const MESSAGES: Array<Pick<TouchpointRecord, 'objectType' | 'channel' | 'rawChannel'>> = [
  { objectType: 'emails', channel: 'email', rawChannel: 'EMAIL' },
  { objectType: 'emails', channel: 'email', rawChannel: 'EMAIL' },
  { objectType: 'calls', channel: 'phone', rawChannel: 'CALL' },
  { objectType: 'communications', channel: 'whatsapp', rawChannel: 'WHATS_APP' },
  { objectType: 'communications', channel: 'sms', rawChannel: 'SMS' },
];
const MEETING_OUTCOMES: Array<TouchpointRecord['outcome']> = ['completed', 'completed', 'completed', 'completed', 'completed', 'completed', 'completed', 'completed', 'completed', 'completed', 'completed', 'no_show', 'rescheduled', 'canceled'];

/**
 * `perCustomer` touchpoints over the last 120 days, oldest first, shaped like a CRM timeline: inbound
 * messages mostly answered within hours (15 % not), outbound emails and calls (some unanswered or bounced),
 * meetings (mostly completed, a few no-shows), internal notes, and about 0.3 survey answers per customer.
 */
export function benchTouchpoints(contactId: string, perCustomer: number, rnd: () => number, now = NOW): TouchpointRecord[] {
  const out: TouchpointRecord[] = [];
  const base = { kind: 'touchpoint' as const, raw: {}, contactIds: [contactId], dealIds: [], ticketIds: [] };
  const push = (i: number, k: Pick<TouchpointRecord, 'objectType' | 'channel' | 'rawChannel'>, direction: TouchpointRecord['direction'], at: number, outcome: TouchpointRecord['outcome']): void => {
    out.push({ ...base, id: `${contactId}-${i}`, ...k, updatedAt: at, direction, at, outcome, rawOutcome: outcome === null ? null : outcome.toUpperCase(), survey: null });
  };
  const time = (): number => now - Math.floor(rnd() * 120 * 24 * 60) * 60_000;
  let i = 0;
  if (rnd() < 0.3) {
    const at = time();
    const nps = rnd() < 0.5;
    out.push({
      ...base, id: `${contactId}-s`, objectType: 'feedback_submissions', updatedAt: at, channel: 'survey', rawChannel: nps ? 'NPS' : 'CSAT', direction: 'inbound', at, outcome: null, rawOutcome: null,
      survey: nps ? { type: 'nps', score: Math.floor(rnd() * 11), scale: { min: 0, max: 10 }, sentiment: null } : { type: 'csat', score: Math.floor(rnd() * 3), scale: { min: 0, max: 2 }, sentiment: null },
    });
    i++;
  }
  while (i < perCustomer) {
    const r = rnd();
    const at = time();
    const k = MESSAGES[Math.floor(rnd() * MESSAGES.length)] as (typeof MESSAGES)[number];
    if (r < 0.35) {
      // An inbound message, answered 1–20 h later on the same channel 85 % of the time.
      push(i++, k, 'inbound', at, k.channel === 'phone' ? 'connected' : null);
      if (i < perCustomer && rnd() < 0.85) push(i++, k, 'outbound', at + (1 + Math.floor(rnd() * 20)) * HOUR_MS, k.channel === 'email' ? 'sent' : k.channel === 'phone' ? 'connected' : null);
    } else if (r < 0.75) {
      const outcome = k.channel === 'phone' ? (rnd() < 0.3 ? 'no_answer' : 'connected') : k.channel === 'email' ? (rnd() < 0.05 ? 'bounced' : 'sent') : null;
      push(i++, k, 'outbound', at, outcome);
    } else if (r < 0.87) {
      push(i++, { objectType: 'meetings', channel: 'meeting', rawChannel: 'MEETING' }, 'outbound', at, at > now ? 'scheduled' : (MEETING_OUTCOMES[Math.floor(rnd() * MEETING_OUTCOMES.length)] ?? null));
    } else {
      push(i++, { objectType: 'notes', channel: 'internal', rawChannel: 'NOTE' }, null, at, null);
    }
  }
  return out.sort((a, b) => (a.at as number) - (b.at as number));
}

/** Bench customers with their touchpoints, a page at a time. */
function* pages(count: number, perCustomer: number): Generator<Customer[]> {
  const rnd = mulberry32(7);
  let page: Customer[] = [];
  for (const c of benchCustomers(count, 42, NOW)) {
    c.touchpoints = benchTouchpoints(c.contact.id, perCustomer, rnd);
    page.push(c);
    if (page.length === PAGE) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
}

export interface TouchpointEngineResult {
  customers: number;
  touchpoints: number;
  engineSeconds: number;
  totalSeconds: number;
  perSecond: number;
  flags: Record<string, number>;
  peakRssMiB: number;
}

/** Distinct customers held in memory for the engine figure; `count` evaluations cycle through them. */
const POOL = 20_000;

export function runTouchpointEngineBench(count = 1_000_000, perCustomer = 30, mappingFile = 'mappings/hubspot.yaml'): TouchpointEngineResult {
  const engine = compileEngine(loadMapping(mappingFile));
  const flags: Record<string, number> = {};
  let peak = process.memoryUsage.rss();
  const start = performance.now();
  // The customers are built first and kept: timing evaluate over freshly generated pages would charge
  // the generator's young-generation garbage collections to the engine. The store benchmark below
  // measures the streamed case, allocation included.
  const pool: Customer[] = [];
  for (const page of pages(Math.min(POOL, count), perCustomer)) pool.push(...page);
  peak = Math.max(peak, process.memoryUsage.rss());
  let touchpoints = 0;
  const t0 = performance.now();
  for (let n = 0; n < count; n++) {
    const c = pool[n % pool.length] as Customer;
    const s = engine.evaluate(c, NOW);
    if (n < pool.length) {
      touchpoints += c.touchpoints?.length ?? 0;
      for (const f of s.friction) if (f.on.kind === 'contact') flags[f.id] = (flags[f.id] ?? 0) + 1;
    }
  }
  const engineMs = performance.now() - t0;
  const totalSeconds = (performance.now() - start) / 1000;
  peak = Math.max(peak, process.memoryUsage.rss());
  if (!flags.unanswered_inbound || !flags.no_show) throw new Error('touchpoint benchmark: the touchpoint flags never fired');
  return { customers: count, touchpoints: touchpoints * (count / pool.length), engineSeconds: engineMs / 1000, totalSeconds, perSecond: count / (engineMs / 1000), flags, peakRssMiB: peak / 1024 / 1024 };
}

export interface StoreStreamResult {
  customers: number;
  touchpoints: number;
  fillSeconds: number;
  streamSeconds: number;
  perSecond: number;
  fileMiB: number;
  /** Peak RSS over the whole benchmark (the fill included). */
  peakRssMiB: number;
  /** Peak RSS while streaming (measured from a fresh store handle after a GC, so the fill's garbage is not counted). */
  streamPeakRssMiB: number;
}

/** Fills a SQLite store through its batch API, then streams every customer back through the engine. */
export function runStoreStreamBench(count = 1_000_000, perCustomer = 30, mappingFile = 'mappings/hubspot.yaml'): StoreStreamResult {
  const engine = compileEngine(loadMapping(mappingFile));
  const dir = mkdtempSync(join(tmpdir(), 'parcours-bench-store-'));
  const file = join(dir, 'bench.db');
  const installation = 'hubspot:bench';
  let peak = process.memoryUsage.rss();
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const store = openStore(file);
  try {
    const fillStart = performance.now();
    let written = 0;
    for (const page of pages(count, perCustomer)) {
      store.applyPullBatch(installation, { kind: 'contact', records: page.map((c) => c.contact), removed: [] });
      const deals = page.flatMap((c) => c.deals);
      const tickets = page.flatMap((c) => c.tickets);
      if (deals.length) store.applyPullBatch(installation, { kind: 'deal', records: deals, removed: [] });
      if (tickets.length) store.applyPullBatch(installation, { kind: 'ticket', records: tickets, removed: [] });
      store.applyTouchpointBatch(installation, { records: page.flatMap((c) => c.touchpoints ?? []), removed: [] });
      written += page.length;
      if (written % 50_000 === 0) sample();
    }
    const fillSeconds = (performance.now() - fillStart) / 1000;
    sample();
    (globalThis as { gc?: () => void }).gc?.();
    let streamPeak = process.memoryUsage.rss();
    const streamSample = (): void => {
      streamPeak = Math.max(streamPeak, process.memoryUsage.rss());
      sample();
    };
    const streamStart = performance.now();
    let n = 0;
    let touchpoints = 0;
    let checksum = 0;
    for (const c of store.iterateCustomers(installation)) {
      touchpoints += c.touchpoints?.length ?? 0;
      checksum += engine.evaluate(c, NOW).friction.length;
      if (++n % 10_000 === 0) streamSample();
    }
    const streamSeconds = (performance.now() - streamStart) / 1000;
    streamSample();
    if (n !== count || touchpoints !== count * perCustomer || checksum === 0) throw new Error(`store stream benchmark: streamed ${n} customers / ${touchpoints} touchpoints, expected ${count} / ${count * perCustomer}`);
    return { customers: n, touchpoints, fillSeconds, streamSeconds, perSecond: n / streamSeconds, fileMiB: statSync(file).size / 1024 / 1024, peakRssMiB: peak / 1024 / 1024, streamPeakRssMiB: streamPeak / 1024 / 1024 };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printTouchpointBenches(count: number, perCustomer = 30): void {
  const e = runTouchpointEngineBench(count, perCustomer);
  console.log(`Journey engine with touchpoints: ${e.customers.toLocaleString('en')} customers × ${perCustomer} touchpoints (${e.touchpoints.toLocaleString('en')}), default HubSpot mapping, one core`);
  console.log(`  customers/s ${Math.round(e.perSecond).toLocaleString('en')} (goal >= ${ENGINE_GOAL.toLocaleString('en')}: ${(e.perSecond / ENGINE_GOAL).toFixed(2)}x)   evaluate ${e.engineSeconds.toFixed(1)} s of ${e.totalSeconds.toFixed(1)} s (the rest builds ${POOL.toLocaleString('en')} distinct customers, evaluated in turn)`);
  console.log(`  contacts flagged among the ${Math.min(POOL, count).toLocaleString('en')}: ${Object.entries(e.flags).sort().map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ')}`);
  const s = runStoreStreamBench(count, perCustomer);
  console.log(`Store stream: ${s.customers.toLocaleString('en')} customers and ${s.touchpoints.toLocaleString('en')} touchpoints written through the store (${s.fillSeconds.toFixed(0)} s, file ${s.fileMiB.toFixed(0)} MiB), then streamed back and evaluated`);
  console.log(`  peak RSS ${s.peakRssMiB.toFixed(0)} MiB, fill included (goal < ${RSS_GOAL_MIB}: ${(s.peakRssMiB / RSS_GOAL_MIB).toFixed(2)}); while streaming ${s.streamPeakRssMiB.toFixed(0)} MiB (${(s.streamPeakRssMiB / RSS_GOAL_MIB).toFixed(2)})   stream + evaluate ${Math.round(s.perSecond).toLocaleString('en')} customers/s (${s.streamSeconds.toFixed(1)} s)`);
}
