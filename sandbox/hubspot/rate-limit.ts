/**
 * The portal's limits: a rolling burst window and a daily counter for ordinary calls (with the
 * `X-HubSpot-RateLimit-*` headers, hubspot.md §2.3), and the search API's own per-second limit,
 * which sends no headers at all (§2.2). 429 bodies follow §2.4.
 */
import { correlationId, httpError } from './http-error.ts';
import type { ParcoursError } from '../../src/errors.ts';

export interface BurstLimit {
  max: number;
  intervalMs: number;
}

/** Reported when the sandbox enforces no burst limit: large, so header-pacing clients never wait. */
const UNLIMITED_MAX = 1_000_000;
/** Reported daily allowance when none is enforced: an Enterprise portal's (hubspot.md §2.1). */
const UNLIMITED_DAILY = 1_000_000;

class RollingWindow {
  private readonly hits: number[] = [];
  private head = 0;
  count(now: number, windowMs: number): number {
    while (this.head < this.hits.length && (this.hits[this.head] ?? 0) <= now - windowMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.hits.length) {
      this.hits.splice(0, this.head);
      this.head = 0;
    }
    return this.hits.length - this.head;
  }
  add(now: number): void {
    this.hits.push(now);
  }
}

export class RateLimiter {
  private readonly burst: BurstLimit | null;
  private readonly daily: number | null;
  private readonly searchPerSecond: number;
  private readonly clock: () => number;
  private readonly window = new RollingWindow();
  private readonly searchWindow = new RollingWindow();
  private dayStart: number;
  dailyUsed = 0;
  rateLimited = 0;

  constructor(opts: { burst: BurstLimit | null; daily: number | null; searchPerSecond: number; clock: () => number }) {
    this.burst = opts.burst;
    this.daily = opts.daily;
    this.searchPerSecond = opts.searchPerSecond;
    this.clock = opts.clock;
    this.dayStart = startOfUtcDay(this.clock());
  }

  /** Midnight UTC after which the daily counter resets. */
  get resetsAt(): number {
    return this.dayStart + 86_400_000;
  }

  get dailyLimit(): number {
    return this.daily ?? UNLIMITED_DAILY;
  }

  private rollDay(now: number): void {
    const today = startOfUtcDay(now);
    if (today !== this.dayStart) {
      this.dayStart = today;
      this.dailyUsed = 0;
    }
  }

  /**
   * Counts one ordinary call. Returns the headers to send and, when a limit is hit, the 429 to throw.
   * `withDaily` is false for OAuth tokens: OAuth calls carry no daily headers (hubspot.md §2.1).
   */
  admit(withDaily: boolean): { headers: Record<string, string>; rejection: ParcoursError | null } {
    const now = this.clock();
    this.rollDay(now);
    const max = this.burst?.max ?? UNLIMITED_MAX;
    const intervalMs = this.burst?.intervalMs ?? 10_000;
    const used = this.window.count(now, intervalMs);
    const dailyExhausted = withDaily && this.daily !== null && this.dailyUsed >= this.daily;
    const burstExhausted = this.burst !== null && used >= max;
    const admitted = !dailyExhausted && !burstExhausted;
    if (admitted) {
      this.window.add(now);
      this.dailyUsed++;
    }
    const headers: Record<string, string> = {
      'X-HubSpot-RateLimit-Max': String(max),
      'X-HubSpot-RateLimit-Remaining': String(Math.max(0, max - used - (admitted ? 1 : 0))),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(intervalMs),
    };
    if (withDaily) {
      headers['X-HubSpot-RateLimit-Daily'] = String(this.dailyLimit);
      headers['X-HubSpot-RateLimit-Daily-Remaining'] = String(Math.max(0, this.dailyLimit - this.dailyUsed));
    }
    if (admitted) return { headers, rejection: null };
    this.rateLimited++;
    const body = dailyExhausted
      ? { status: 'error', message: 'You have reached your daily limit.', errorType: 'RATE_LIMIT', correlationId: correlationId(), policyName: 'DAILY', requestId: correlationId() }
      : {
          status: 'error',
          message: 'You have reached your ten_secondly_rolling limit.',
          errorType: 'RATE_LIMIT',
          correlationId: correlationId(),
          policyName: 'TEN_SECONDLY_ROLLING',
          groupName: 'publicapi:sandbox-ten-secondly',
        };
    return { headers, rejection: httpError(429, body, headers) };
  }

  /** Counts one search call against the per-second limit; no headers either way. */
  admitSearch(): ParcoursError | null {
    const now = this.clock();
    this.rollDay(now);
    if (this.searchWindow.count(now, 1000) >= this.searchPerSecond) {
      this.rateLimited++;
      // The SDK recognises search 429s by this exact message (hubspot.md §2.4).
      return httpError(429, { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', correlationId: correlationId(), policyName: 'SECONDLY' });
    }
    this.searchWindow.add(now);
    this.dailyUsed++;
    return null;
  }
}

function startOfUtcDay(ms: number): number {
  return ms - (((ms % 86_400_000) + 86_400_000) % 86_400_000);
}
