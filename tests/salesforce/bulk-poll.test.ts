/**
 * Bulk API 2.0 status polling: a job runs in the background once queued, so the first status read waits for the
 * job's expected size and later reads back off (bulk-query.ts `pollWaits`).
 */
import { describe, expect, it } from 'vitest';
import { MAX_POLL_INTERVAL_MS, pollWaits } from '../../connectors/salesforce/bulk-query.ts';
import type { SalesforceClient } from '../../connectors/salesforce/client.ts';

const client = (pollIntervalMs: number, bulkRowsPerSecond: number) => ({ config: { pollIntervalMs, bulkRowsPerSecond } }) as unknown as SalesforceClient;
const take = (g: Generator<number>, n: number): number[] => Array.from({ length: n }, () => g.next().value);

describe('pollWaits', () => {
  it('waits for the expected rows before the first status read, then the interval doubling up to 30 s', () => {
    // 193,000 rows at 20,000 rows/s: 9,650 ms on top of the 2 s interval.
    expect(take(pollWaits(client(2_000, 20_000), 193_000), 7)).toEqual([11_650, 2_000, 4_000, 8_000, 16_000, MAX_POLL_INTERVAL_MS, MAX_POLL_INTERVAL_MS]);
  });
  it('a small job is read after about the interval; a larger one later', () => {
    const [small] = take(pollWaits(client(2_000, 20_000), 100), 1);
    const [large] = take(pollWaits(client(2_000, 20_000), 1_000_000), 1);
    expect(small).toBe(2_005);
    expect(large).toBe(52_000);
  });
  it('never waits less than a configured interval above 30 s', () => {
    expect(take(pollWaits(client(45_000, 20_000), 0), 3)).toEqual([45_000, 45_000, 45_000]);
  });
});
