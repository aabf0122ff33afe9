/**
 * Engine benchmark: evaluates N generated customers with the default mapping on one core, streaming.
 * Prints customers/s and peak RSS against the goals (≥ 250,000 customers/s, < 512 MiB).
 */
import { compileEngine } from '../src/journey/engine.ts';
import { loadMapping } from '../src/mapping/load.ts';
import { benchCustomers } from './customers.ts';

export interface EngineBenchResult {
  customers: number;
  seconds: number;
  perSecond: number;
  peakRssMiB: number;
}

export function runEngineBench(count = 1_000_000, mappingFile = 'mappings/hubspot.yaml'): EngineBenchResult {
  const engine = compileEngine(loadMapping(mappingFile));
  const now = Date.parse('2026-11-23T12:00:00Z');
  let peak = process.memoryUsage.rss();
  let checksum = 0;
  const start = performance.now();
  let n = 0;
  for (const c of benchCustomers(count, 42, now)) {
    const s = engine.evaluate(c, now);
    checksum += s.friction.length + s.segments.length + s.stage.reason.length;
    if (++n % 100_000 === 0) peak = Math.max(peak, process.memoryUsage.rss());
  }
  const seconds = (performance.now() - start) / 1000;
  peak = Math.max(peak, process.memoryUsage.rss());
  if (checksum === 0) throw new Error('benchmark produced nothing');
  return { customers: n, seconds, perSecond: n / seconds, peakRssMiB: peak / 1024 / 1024 };
}

if (import.meta.main) {
  const count = Number(process.argv[2] ?? 1_000_000);
  const r = runEngineBench(count);
  console.log(`engine: ${r.customers.toLocaleString('en')} customers in ${r.seconds.toFixed(2)} s`);
  console.log(`  customers/s: ${Math.round(r.perSecond).toLocaleString('en')}  (goal ≥ 250,000: ratio ${(r.perSecond / 250_000).toFixed(2)}×)`);
  console.log(`  peak RSS:    ${r.peakRssMiB.toFixed(0)} MiB  (goal < 512 MiB: ratio ${(r.peakRssMiB / 512).toFixed(2)})`);
}
