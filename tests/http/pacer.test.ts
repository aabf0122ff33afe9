/**
 * Pacer windows on a fake clock (no wall time). HubSpot search counts arrivals against 5 per second and
 * sends no headers; a call arrives somewhere between our send and its answer.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Pacer } from '../../src/http/pacer.ts';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A call we end by hand; `started` is the fake time it was sent (null while queued). */
function manual(pacer: Pacer): { started: number | null; end: () => void; done: Promise<void> } {
  let release!: () => void;
  const call = { started: null as number | null, end: () => release(), done: Promise.resolve() };
  call.done = pacer.run(() => {
    call.started = Date.now();
    return new Promise<void>((r) => (release = r));
  });
  return call;
}

describe('Pacer counted from the response (countFrom: end)', () => {
  it('holds a slot while the call is in flight and for a whole window after its answer', async () => {
    const pacer = new Pacer({ max: 5, intervalMs: 1000, maxConcurrent: 5, countFrom: 'end' }, Date.now);
    const calls = Array.from({ length: 6 }, () => manual(pacer));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.slice(0, 5).map((c) => c.started)).toEqual([0, 0, 0, 0, 0]);
    // Five in flight: the sixth waits for an answer, however long it takes.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls[5]?.started).toBeNull();
    calls[0]?.end();
    await vi.advanceTimersByTimeAsync(1000); // t = 6,000: the first answer came at 5,000
    expect(calls[5]?.started).toBeNull();
    await vi.advanceTimersByTimeAsync(2);
    expect(calls[5]?.started).toBe(6001);
    for (const c of calls) c.end();
    await Promise.all(calls.map((c) => c.done));
  });

  it('times the window from when the answer began to arrive, not from when its body was read', async () => {
    const pacer = new Pacer({ max: 1, intervalMs: 1000, maxConcurrent: 1, countFrom: 'end' }, Date.now);
    const sent: number[] = [];
    // Headers at 100 ms, body read and parsed by 400 ms.
    const call = () =>
      pacer.run(async (answered) => {
        sent.push(Date.now());
        await new Promise((r) => setTimeout(r, 100));
        answered();
        await new Promise((r) => setTimeout(r, 300));
      });
    const runs = [call(), call()];
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all(runs);
    expect(sent).toEqual([0, 1101]);
  });

  it('never lets six arrivals fall in one second, wherever in its flight each call arrives', async () => {
    // Arrival = send + a share of the call's latency; latencies vary as on a loaded machine.
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const countFrom of ['end', 'start'] as const) {
      const pacer = new Pacer({ max: 5, intervalMs: 1000, maxConcurrent: 5, countFrom }, Date.now);
      const arrivals: number[] = [];
      const runs = Array.from({ length: 60 }, () =>
        pacer.run(async () => {
          const latency = 20 + Math.floor(random() * 400);
          const arriveAfter = Math.floor(latency * random());
          await new Promise((r) => setTimeout(r, arriveAfter));
          arrivals.push(Date.now());
          await new Promise((r) => setTimeout(r, latency - arriveAfter));
        }),
      );
      await vi.advanceTimersByTimeAsync(60_000);
      await Promise.all(runs);
      arrivals.sort((a, b) => a - b);
      const crowded = arrivals.some((t, i) => i >= 5 && t - (arrivals[i - 5] as number) < 1000);
      // Counting from the send lets a late arrival share its second with five later ones; from the answer never.
      expect(crowded).toBe(countFrom === 'start');
    }
  });
});

describe('Pacer counted from the send (default)', () => {
  it('admits max calls per window from their send times', async () => {
    const pacer = new Pacer({ max: 2, intervalMs: 1000, maxConcurrent: 8 }, Date.now);
    const calls = Array.from({ length: 3 }, () => manual(pacer));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.started)).toEqual([0, 0, null]);
    await vi.advanceTimersByTimeAsync(1001);
    expect(calls[2]?.started).toBe(1001);
    for (const c of calls) c.end();
    await Promise.all(calls.map((c) => c.done));
  });
});

describe('Pacer corrected by the budget the server reports (observe)', () => {
  it('counted from the response, its own calls in flight are not taken for another client using the budget', async () => {
    const pacer = new Pacer({ max: 10, intervalMs: 10_000, maxConcurrent: 5, countFrom: 'end' }, Date.now);
    const first = Array.from({ length: 5 }, () => manual(pacer));
    await vi.advanceTimersByTimeAsync(0);
    // The five arrived: the server has 5 left, which are ours to use.
    pacer.observe({ max: 10, remaining: 5, intervalMs: 10_000 });
    for (const c of first) c.end();
    await Promise.all(first.map((c) => c.done));
    const next = Array.from({ length: 6 }, () => manual(pacer));
    await vi.advanceTimersByTimeAsync(1);
    expect(next.map((c) => c.started)).toEqual([0, 0, 0, 0, 0, null]);
    for (const c of next.slice(0, 5)) c.end();
    await vi.advanceTimersByTimeAsync(10_002);
    expect(next[5]?.started).not.toBeNull();
    next[5]?.end();
    await Promise.all(next.map((c) => c.done));
  });

  it('slows down to the server\'s count when another client shares the budget', async () => {
    const pacer = new Pacer({ max: 10, intervalMs: 10_000, maxConcurrent: 8, countFrom: 'end' }, Date.now);
    pacer.observe({ max: 10, remaining: 2, intervalMs: 10_000 });
    const calls = Array.from({ length: 3 }, () => manual(pacer));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.started)).toEqual([0, 0, null]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls[2]?.started).toBeNull();
    // The other client's calls leave the window 10 s after the report; ours are still in flight, so the third waits on.
    calls[0]?.end();
    await vi.advanceTimersByTimeAsync(5_002);
    expect(calls[2]?.started).toBe(10_001);
    calls[1]?.end();
    calls[2]?.end();
    await Promise.all(calls.map((c) => c.done));
  });
});
