import pRetry, { AbortError } from 'p-retry';
import type { Pacer } from './pacer.ts';
import type { CallStats } from './call-stats.ts';

/**
 * What to do after a failed call. Connectors classify their CRM's errors; this module applies the policy.
 * - `wait`: the server asked us to slow down (rolling-window 429, 423 lock, Retry-After). Pause the
 *   endpoint class and retry without spending the retry budget (rate-limit waits are not failures).
 * - `transient`: 5xx, timeouts, resets: exponential backoff with p-retry, bounded attempts.
 * - `fatal`: validation, auth, daily quota: no retry; the classified error is thrown.
 */
export type FailureDecision =
  | { kind: 'wait'; ms: number }
  | { kind: 'transient' }
  | { kind: 'fatal'; error: Error };

export interface CallPolicy {
  pacer: Pacer;
  stats: CallStats;
  /** Endpoint class name for stats (`crm.objects.list`, `soql.query`…). */
  endpoint: string;
  /** Maps a thrown error to a decision. */
  classify: (error: unknown) => FailureDecision;
  /** Extracts the HTTP status from an error for stats, if any. */
  statusOf?: (error: unknown) => number | null;
  retries?: number;
  minTimeoutMs?: number;
  /** Upper bound on total time spent waiting/retrying one call. */
  maxRetryTimeMs?: number;
}

/** `fn` may call `answered` when the response has begun to arrive (Pacer.run). */
export async function callWithPolicy<T>(policy: CallPolicy, fn: (answered: () => void) => Promise<T>): Promise<T> {
  let lastWait = 0;
  return pRetry(
    async () => {
      try {
        const result = await policy.pacer.run(fn);
        policy.stats.record(policy.endpoint, 200);
        return result;
      } catch (error) {
        policy.stats.record(policy.endpoint, policy.statusOf?.(error) ?? null);
        const decision = policy.classify(error);
        if (decision.kind === 'fatal') throw new AbortError(decision.error);
        lastWait = decision.kind === 'wait' ? decision.ms : 0;
        if (decision.kind === 'wait') policy.pacer.pauseFor(decision.ms);
        throw error instanceof Error ? error : new Error(String(error));
      }
    },
    {
      retries: policy.retries ?? 5,
      minTimeout: policy.minTimeoutMs ?? 500,
      factor: 2,
      randomize: true,
      maxRetryTime: policy.maxRetryTimeMs ?? 15 * 60_000,
      // A wait decision has already paused the pacer; the retry queues behind it without spending the budget.
      shouldConsumeRetry: () => lastWait === 0,
    },
  );
}
