/**
 * The two halves of the store stream benchmark (bench/touchpoints.ts), each run in its own process so
 * each peak RSS belongs to one phase: the goal (peak RSS < 1 GiB for 1,000,000 customers) is about the
 * stream, and a process that had just written 30,000,000 touchpoints would carry the fill's heap into it.
 *
 *   node bench/touchpoint-store.ts fill <file> <customers> <touchpoints per customer>
 *   node bench/touchpoint-store.ts stream <file> <customers> <touchpoints per customer>
 *
 * Each prints one JSON line (its result) last on stdout.
 *
 * fill: the store's own write code (mirror.upsertRecords, touchpoints.upsert: the same statements,
 * validation and compact encoding as a sync) on a bulk-load connection — no journal, no fsync, one
 * transaction per 20 pages, a 256 MiB page cache. Only a benchmark may do that: a crash mid-fill
 * corrupts the file. The stream opens the file with `openStore`, as the CLI does (WAL, its own cache).
 */
import { DatabaseSync } from 'node:sqlite';
import { statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { compileEngine } from '../src/journey/engine.ts';
import { loadMapping } from '../src/mapping/load.ts';
import { migrate, openStore } from '../src/store/index.ts';
import { createMirror } from '../src/store/mirror.ts';
import { createTouchpoints } from '../src/store/touchpoints.ts';
import { BENCH_NOW, pages } from './touchpoints.ts';

export const INSTALLATION = 'hubspot:bench';
const PAGES_PER_TRANSACTION = 20;
/** A million customers take minutes to write: say how far the fill is. */
const PROGRESS_EVERY = 100_000;

export interface FillResult {
  customers: number;
  touchpoints: number;
  seconds: number;
  /** CPU time (user + system): steadier than wall time on a shared machine. */
  cpuSeconds: number;
  fileMiB: number;
  /** The machine's 1-minute load average at the end (2 cores shared: wall times are only comparable at a like load). */
  load: number;
  /** The kernel's peak RSS of the fill process. */
  peakRssMiB: number;
}

export interface StreamResult {
  customers: number;
  touchpoints: number;
  seconds: number;
  cpuSeconds: number;
  perSecond: number;
  /** Peak RSS of the stream process (the kernel's figure: every allocation counted, not sampled). */
  peakRssMiB: number;
  /** Sampled peak RSS after each tenth of the stream: flat when memory does not grow with the customers read. */
  peakRssByTenthMiB: number[];
  /** RSS before the first customer (engine compiled, store open). */
  startRssMiB: number;
  flagged: number;
  load: number;
}

const mib = (bytes: number): number => bytes / 1024 / 1024;
const maxRssMiB = (): number => process.resourceUsage().maxRSS / 1024;
const cpuSeconds = (since: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

export function fill(file: string, count: number, perCustomer: number): FillResult {
  // defensive: false, or SQLite refuses journal_mode = OFF. https://www.sqlite.org/c3ref/c_dbconfig_defensive.html
  const db = new DatabaseSync(file, { defensive: false });
  const start = performance.now();
  const cpu = process.cpuUsage();
  let touchpoints = 0;
  let written = 0;
  try {
    // Bulk load: nothing to recover from, so no rollback journal and no fsync.
    // https://www.sqlite.org/pragma.html#pragma_journal_mode https://www.sqlite.org/pragma.html#pragma_synchronous
    db.exec('PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = -262144');
    migrate(db);
    const now = (): number => BENCH_NOW;
    const tps = createTouchpoints(db, now);
    const mirror = createMirror(db, now, tps);
    let inTransaction = 0;
    for (const page of pages(count, perCustomer)) {
      if (inTransaction === 0) db.exec('BEGIN');
      mirror.upsertRecords(INSTALLATION, 'contact', page.map((c) => c.contact));
      mirror.upsertRecords(INSTALLATION, 'deal', page.flatMap((c) => c.deals));
      mirror.upsertRecords(INSTALLATION, 'ticket', page.flatMap((c) => c.tickets));
      const { rejected } = tps.upsert(INSTALLATION, page.flatMap((c) => c.touchpoints ?? []), null);
      if (rejected.length) throw new Error(`bench fill: ${rejected.length} touchpoints rejected (${rejected[0]?.message})`);
      for (const c of page) touchpoints += c.touchpoints?.length ?? 0;
      if (++inTransaction === PAGES_PER_TRANSACTION) {
        db.exec('COMMIT');
        inTransaction = 0;
        written += PAGES_PER_TRANSACTION * page.length;
        if (written % PROGRESS_EVERY === 0) console.error(`  fill: ${written.toLocaleString('en')} customers, ${((performance.now() - start) / 1000).toFixed(0)} s`);
      }
    }
    if (inTransaction) db.exec('COMMIT');
  } finally {
    db.close();
  }
  return { customers: count, touchpoints, seconds: (performance.now() - start) / 1000, cpuSeconds: cpuSeconds(cpu), fileMiB: mib(statSync(file).size), load: loadavg()[0] ?? 0, peakRssMiB: maxRssMiB() };
}

export async function stream(file: string, count: number, perCustomer: number, mappingFile = 'mappings/hubspot.yaml'): Promise<StreamResult> {
  const engine = compileEngine(loadMapping(mappingFile));
  const store = openStore(file);
  try {
    const startRssMiB = mib(process.memoryUsage.rss());
    const tenth = Math.max(1, Math.ceil(count / 10));
    const every = Math.min(1000, tenth);
    const byTenth: number[] = [];
    let peak = 0;
    let n = 0;
    let touchpoints = 0;
    let flagged = 0;
    const start = performance.now();
    const cpu = process.cpuUsage();
    for await (const c of store.iterateCustomers(INSTALLATION)) {
      touchpoints += c.touchpoints?.length ?? 0;
      if (engine.evaluate(c, BENCH_NOW).friction.length) flagged++;
      if (++n % every === 0) peak = Math.max(peak, process.memoryUsage.rss());
      if (n % tenth === 0) byTenth.push(mib(peak));
    }
    const seconds = (performance.now() - start) / 1000;
    const cpuTime = cpuSeconds(cpu);
    if (n % tenth !== 0) byTenth.push(mib(Math.max(peak, process.memoryUsage.rss())));
    if (n !== count || touchpoints !== count * perCustomer || flagged === 0) {
      throw new Error(`store stream benchmark: streamed ${n} customers / ${touchpoints} touchpoints, expected ${count} / ${count * perCustomer}`);
    }
    return { customers: n, touchpoints, seconds, cpuSeconds: cpuTime, perSecond: n / seconds, peakRssMiB: maxRssMiB(), peakRssByTenthMiB: byTenth, startRssMiB, flagged, load: loadavg()[0] ?? 0 };
  } finally {
    await store.close();
  }
}

if (import.meta.main) {
  const [mode, file, count, perCustomer] = process.argv.slice(2);
  if ((mode !== 'fill' && mode !== 'stream') || !file || !count || !perCustomer) {
    console.error('usage: node bench/touchpoint-store.ts fill|stream <file> <customers> <touchpoints per customer>');
    process.exit(2);
  }
  const r = mode === 'fill' ? fill(file, Number(count), Number(perCustomer)) : await stream(file, Number(count), Number(perCustomer));
  console.log(JSON.stringify(r));
}
