/**
 * Summary statistics over a sample of durations.
 * Percentiles are nearest-rank: the p-th percentile of n sorted values is the value at rank
 * ceil(p/100 · n) (1-based), so it is always an observed value. The median is the usual one:
 * the middle value, or the mean of the two middle values when n is even.
 */
import type { DurationSummary } from '../schema.ts';

/** A growable sample of numbers in a Float64Array: 8 bytes a value, no per-value object. */
export class Sample {
  #values = new Float64Array(16);
  #n = 0;

  push(v: number): void {
    if (this.#n === this.#values.length) {
      const bigger = new Float64Array(this.#values.length * 2);
      bigger.set(this.#values);
      this.#values = bigger;
    }
    this.#values[this.#n++] = v;
  }

  get size(): number {
    return this.#n;
  }

  /** The values sorted ascending (a copy, so the sample can keep growing). */
  sorted(): Float64Array {
    return this.#values.slice(0, this.#n).sort();
  }
}

/** Nearest-rank percentile of an ascending array; null when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[rank - 1] ?? null;
}

export function median(sorted: ArrayLike<number>): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function summarize(values: Iterable<number> | Sample, decimals = 2): DurationSummary {
  let sorted: Float64Array;
  if (values instanceof Sample) sorted = values.sorted();
  else {
    const s = new Sample();
    for (const v of values) s.push(v);
    sorted = s.sorted();
  }
  const n = sorted.length;
  if (n === 0) return { avg: null, median: null, min: null, max: null, p90: null, n: 0 };
  let total = 0;
  for (const v of sorted) total += v;
  const r = (v: number | null): number | null => (v === null ? null : round(v, decimals));
  return { avg: r(total / n), median: r(median(sorted)), min: r(sorted[0] ?? null), max: r(sorted[n - 1] ?? null), p90: r(percentile(sorted, 90)), n };
}

export function round(v: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}
