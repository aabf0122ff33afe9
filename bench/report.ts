/**
 * Report benchmark: the journey map for N customers' history, fed from generators (not SQLite):
 * the customers of bench/customers.ts re-evaluated with the default HubSpot mapping, ~3 ledger stays
 * each and some segment events, through the same collector and HTML/JSON renderers as the CLI.
 * This measures the analytics, engine and rendering; the store's own read speed is the store's benchmark.
 * Goals: < 10 s and < 512 MiB peak RSS for 1,000,000 customers.
 */
import { compileEngine } from '../src/journey/engine.ts';
import { loadMapping } from '../src/mapping/load.ts';
import { DAY_MS } from '../src/model.ts';
import { collectJourneyMap, renderHtml, renderJson, type ReportSource } from '../src/report/index.ts';
import type { SegmentEvent, StageHistoryRow } from '../src/store/types.ts';
import { benchCustomers } from './customers.ts';

export interface ReportBenchResult {
  customers: number;
  historyRows: number;
  seconds: number;
  peakRssMiB: number;
  htmlBytes: number;
}

const STAGES = ['awareness', 'consideration', 'decision', 'purchase', 'post_purchase'];

/** Ledger rows in time order, as syncs write them: everyone enters, then a share moves on, run by run. */
function* history(count: number, now: number): Generator<StageHistoryRow> {
  const runs = 3;
  for (let run = 0; run < runs; run++) {
    const at = now - (runs - run) * 25 * DAY_MS;
    const next = now - (runs - run - 1) * 25 * DAY_MS;
    for (let i = 0; i < count; i++) {
      // Contact i climbs one stage per run while (i mod 7) allows it.
      if (run > 0 && i % 7 < run) continue;
      const stage = STAGES[Math.min(run + (i % 3), STAGES.length - 1)] as string;
      const leaves = run < runs - 1 && i % 7 >= run + 1;
      yield { contactId: String(1000 + i), journeyId: 'default', stage, enteredAt: at + (i % 1000) * 60_000, leftAt: leaves ? next + (i % 1000) * 60_000 : null, backfilled: run === 0 };
    }
  }
}

function* events(count: number, now: number, since: number): Generator<SegmentEvent> {
  for (let i = 0; i < count; i += 5) {
    const at = now - (i % 80) * DAY_MS;
    if (at >= since) yield { segmentId: i % 2 ? 'new_lead' : 'high_value', contactId: String(1000 + i), type: i % 3 ? 'entered' : 'exited', at };
  }
}

export function runReportBench(count = 1_000_000, mappingFile = 'mappings/hubspot.yaml'): ReportBenchResult {
  const engine = compileEngine(loadMapping(mappingFile));
  const now = Date.parse('2026-11-23T12:00:00Z');
  let peak = process.memoryUsage.rss();
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  let historyRows = 0;
  const tick = <T>(it: Iterable<T>, counter?: () => void): Iterable<T> => ({
    *[Symbol.iterator]() {
      let n = 0;
      for (const x of it) {
        counter?.();
        if (++n % 100_000 === 0) sample();
        yield x;
      }
    },
  });
  const source: ReportSource = {
    customers: () => tick(benchCustomers(count, 42, now)),
    stageHistory: () => tick(history(count, now), () => historyRows++),
    segmentEvents: (since) => tick(events(count, now, since)),
  };
  const start = performance.now();
  const map = collectJourneyMap({ crm: 'hubspot', engine, source, now });
  const html = renderHtml(map);
  const json = renderJson(map);
  const seconds = (performance.now() - start) / 1000;
  sample();
  if (map.journeys[0]?.customers !== count || json.length === 0) throw new Error('report benchmark: the map does not cover every customer');
  return { customers: count, historyRows, seconds, peakRssMiB: peak / 1024 / 1024, htmlBytes: Buffer.byteLength(html) };
}

export function printReportBench(r: ReportBenchResult): void {
  console.log(`report: ${r.customers.toLocaleString('en')} customers, ${r.historyRows.toLocaleString('en')} ledger rows in ${r.seconds.toFixed(2)} s (HTML ${(r.htmlBytes / 1024).toFixed(0)} KiB)`);
  console.log(`  time:     ${r.seconds.toFixed(2)} s  (goal < 10 s: ratio ${(r.seconds / 10).toFixed(2)})`);
  console.log(`  peak RSS: ${r.peakRssMiB.toFixed(0)} MiB  (goal < 512 MiB: ratio ${(r.peakRssMiB / 512).toFixed(2)})`);
}

if (import.meta.main) printReportBench(runReportBench(Number(process.argv[2] ?? 1_000_000)));
