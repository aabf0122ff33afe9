/**
 * Touchpoint benchmarks (issue 13), goals from the issue:
 * - engine: the default HubSpot mapping (its touchpoint flags included) over customers with 30 touchpoints
 *   each, on one core: ≥ 150,000 customers/s. 20,000 distinct customers are built first and evaluated in
 *   turn; only `evaluate` is timed, so the figure is the engine's, not the generator's (the total is printed).
 * - store stream: N customers with 30 touchpoints each written by the store's own write code into a SQLite
 *   file (one process), then streamed back (`iterateCustomers`, touchpoints oldest first) and evaluated in
 *   another process (bench/touchpoint-store.ts): peak RSS of the stream < 1 GiB for 1,000,000 customers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../sandbox/demo-data.ts';
import { compileEngine } from '../src/journey/engine.ts';
import { loadMapping } from '../src/mapping/load.ts';
import { DAY_MS, HOUR_MS, type Customer, type TouchpointRecord } from '../src/model.ts';
import { benchCustomers } from './customers.ts';
import type { FillResult, StreamResult } from './touchpoint-store.ts';

export const ENGINE_GOAL = 150_000;
export const RSS_GOAL_MIB = 1024;
export const BENCH_NOW = Date.parse('2026-11-23T12:00:00Z');
const NOW = BENCH_NOW;
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
export function* pages(count: number, perCustomer: number): Generator<Customer[]> {
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
  /**
   * CPU time of the process over the evaluate loop (the engine is one thread; V8's helper GC threads are
   * counted too, so this errs low): the one-core rate even when other processes share the cores.
   */
  engineCpuSeconds: number;
  perCpuSecond: number;
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
  const cpu0 = process.cpuUsage();
  for (let n = 0; n < count; n++) {
    const c = pool[n % pool.length] as Customer;
    const s = engine.evaluate(c, NOW);
    if (n < pool.length) {
      touchpoints += c.touchpoints?.length ?? 0;
      for (const f of s.friction) if (f.on.kind === 'contact') flags[f.id] = (flags[f.id] ?? 0) + 1;
    }
  }
  const engineMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const engineCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const totalSeconds = (performance.now() - start) / 1000;
  peak = Math.max(peak, process.memoryUsage.rss());
  if (!flags.unanswered_inbound || !flags.no_show) throw new Error('touchpoint benchmark: the touchpoint flags never fired');
  return { customers: count, touchpoints: touchpoints * (count / pool.length), engineSeconds: engineMs / 1000, engineCpuSeconds, perCpuSecond: count / engineCpuSeconds, totalSeconds, perSecond: count / (engineMs / 1000), flags, peakRssMiB: peak / 1024 / 1024 };
}

export interface StoreStreamResult {
  /** null when an existing file was reused. */
  fill: FillResult | null;
  stream: StreamResult;
  file: string;
}

/** Runs `node bench/touchpoint-store.ts <mode> …` in its own process and returns the JSON it prints last. */
function child<T>(mode: 'fill' | 'stream', file: string, count: number, perCustomer: number): T {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('./touchpoint-store.ts', import.meta.url)), mode, file, String(count), String(perCustomer)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const last = r.stdout?.trim().split('\n').at(-1);
  if (r.status !== 0 || !last) throw new Error(`store stream benchmark: the ${mode} process failed (status ${r.status}, signal ${r.signal})`);
  return JSON.parse(last) as T;
}

/**
 * Fills a SQLite store with `count` customers × `perCustomer` touchpoints in one process, then streams
 * every customer back through the engine in another (bench/touchpoint-store.ts), so the stream's peak
 * RSS is the stream's alone. The file lives in the OS temp folder (≈ 10 GiB for 1,000,000 customers) and
 * is deleted after, unless `keep` names a file: that one is kept, and reused (no fill) when it exists — the
 * stream then checks it holds exactly the customers and touchpoints asked for.
 */
export function runStoreStreamBench(count = 1_000_000, perCustomer = 30, keep?: string): StoreStreamResult {
  if (keep && existsSync(keep)) return { fill: null, stream: child<StreamResult>('stream', keep, count, perCustomer), file: keep };
  const dir = keep ? null : mkdtempSync(join(tmpdir(), 'parcours-bench-store-'));
  const file = keep ?? join(dir as string, 'bench.db');
  try {
    const fill = child<FillResult>('fill', file, count, perCustomer);
    const stream = child<StreamResult>('stream', file, count, perCustomer);
    return { fill, stream, file };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

const n = (x: number): string => Math.round(x).toLocaleString('en');

export function printTouchpointBenches(count: number, perCustomer = 30, keep?: string): void {
  const e = runTouchpointEngineBench(count, perCustomer);
  console.log(`Journey engine with touchpoints: ${n(e.customers)} customers × ${perCustomer} touchpoints (${n(e.touchpoints)}), default HubSpot mapping, one core`);
  console.log(`  customers/s ${n(e.perSecond)} (goal >= ${n(ENGINE_GOAL)}: ${(e.perSecond / ENGINE_GOAL).toFixed(2)}x)   evaluate ${e.engineSeconds.toFixed(1)} s of ${e.totalSeconds.toFixed(1)} s (the rest builds ${n(POOL)} distinct customers, evaluated in turn)`);
  console.log(`  per CPU second ${n(e.perCpuSecond)} (goal >= ${n(ENGINE_GOAL)}: ${(e.perCpuSecond / ENGINE_GOAL).toFixed(2)}x; ${e.engineCpuSeconds.toFixed(1)} s CPU: the one-core rate when other processes share the machine; load ${loadavg()[0]?.toFixed(1)})`);
  console.log(`  contacts flagged among the ${n(Math.min(POOL, count))}: ${Object.entries(e.flags).sort().map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
  const { fill: f, stream: s, file } = runStoreStreamBench(count, perCustomer, keep);
  console.log(`Store stream: ${n(s.customers)} customers and ${n(s.touchpoints)} touchpoints streamed from a SQLite store (iterateCustomers, openStore as the CLI opens it) through the engine, in a process of its own`);
  console.log(`  peak RSS ${s.peakRssMiB.toFixed(0)} MiB (goal < ${RSS_GOAL_MIB}: ${(s.peakRssMiB / RSS_GOAL_MIB).toFixed(2)})   stream + evaluate ${n(s.perSecond)} customers/s (${s.seconds.toFixed(1)} s; ${n(s.customers / s.cpuSeconds)} per CPU second, ${s.cpuSeconds.toFixed(1)} s CPU — the engine alone is ${(e.perCpuSecond / (s.customers / s.cpuSeconds)).toFixed(1)}x that; load ${s.load.toFixed(1)})`);
  const tenths = s.peakRssByTenthMiB;
  console.log(`  peak RSS after each tenth of the customers: ${tenths.map((x) => x.toFixed(0)).join(', ')} MiB (last / first: ${((tenths.at(-1) ?? 0) / (tenths[0] ?? 1)).toFixed(2)}; started at ${s.startRssMiB.toFixed(0)} MiB)`);
  if (f) console.log(`  fill (a separate process, the store's write code on a bulk-load connection): ${f.seconds.toFixed(0)} s (${f.cpuSeconds.toFixed(0)} s CPU, ${n(f.touchpoints / f.seconds)} touchpoints/s), file ${f.fileMiB.toFixed(0)} MiB, peak RSS ${f.peakRssMiB.toFixed(0)} MiB; load ${f.load.toFixed(1)}`);
  else console.log(`  fill: none, ${file} reused (${(statSync(file).size / 1024 / 1024).toFixed(0)} MiB)`);
}
