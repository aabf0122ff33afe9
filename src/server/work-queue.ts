/**
 * One lane per installation: jobs for an installation run one after another, never concurrently,
 * whoever asked (webhook, schedule, admin). Two refinements:
 * - a job with a key (e.g. `sync:incremental`) joins an identical job already queued or running,
 *   so concurrent requests yield one run;
 * - `schedule` arms at most one timer per installation (the earliest wins) for a job that enters the
 *   lane when it fires: webhook events are drained from the store that way, so a burst — and
 *   anything arriving while a sync holds the lane — becomes one recompute.
 */
import type { RecordRef } from '../model.ts';

export interface ChangeBatch {
  records: RecordRef[];
  contactIds: string[];
  /** Earliest CRM event time in the batch (epoch ms), for the webhook lag metric. */
  oldestEventAt: number | null;
}

export interface WorkQueue {
  run<T>(installation: string, key: string | null, job: () => Promise<T>): Promise<T>;
  /** Runs `job` in the installation's lane after `delayMs`, unless a timer due no later is already armed. */
  schedule(installation: string, delayMs: number, job: () => Promise<void>): void;
  /** Jobs queued or running, over all installations, plus armed timers. */
  depth(): number;
  /** Resolves once nothing is queued, running or armed. */
  idle(): Promise<void>;
  /** Disarms every timer (what they would do stays in the store for the next start). */
  disarm(): void;
}

interface Keyed {
  key: string;
  promise: Promise<unknown>;
}

export function createWorkQueue(opts: { onError: (installation: string, error: unknown) => void }): WorkQueue {
  const tails = new Map<string, Promise<void>>();
  const keyed = new Map<string, Keyed[]>();
  const armed = new Map<string, { timer: NodeJS.Timeout; at: number }>();
  let active = 0;
  let waiters: Array<() => void> = [];

  const settle = () => {
    if (active > 0 || armed.size > 0) return;
    const w = waiters;
    waiters = [];
    w.forEach((f) => f());
  };

  function run<T>(installation: string, key: string | null, job: () => Promise<T>): Promise<T> {
    if (key !== null) {
      const same = keyed.get(installation)?.find((k) => k.key === key);
      if (same) return same.promise as Promise<T>;
    }
    active++;
    const previous = tails.get(installation) ?? Promise.resolve();
    const promise = previous.then(job);
    const entry: Keyed | null = key === null ? null : { key, promise };
    if (entry) keyed.set(installation, [...(keyed.get(installation) ?? []), entry]);
    const tail = promise.then(
      () => undefined,
      () => undefined,
    ).finally(() => {
      if (entry) keyed.set(installation, (keyed.get(installation) ?? []).filter((k) => k !== entry));
      if (tails.get(installation) === tail) tails.delete(installation);
      active--;
      settle();
    });
    tails.set(installation, tail);
    return promise;
  }

  function schedule(installation: string, delayMs: number, job: () => Promise<void>): void {
    const at = Date.now() + Math.max(0, delayMs);
    const current = armed.get(installation);
    if (current && current.at <= at) return;
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(() => {
      armed.delete(installation);
      // Not keyed: a drain already running may have read the store before these events landed.
      run(installation, null, job).catch((error: unknown) => opts.onError(installation, error));
      settle();
    }, Math.max(0, delayMs));
    armed.set(installation, { timer, at });
  }

  return {
    run,
    schedule,
    depth: () => active + armed.size,
    idle: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        settle();
      }),
    disarm() {
      for (const { timer } of armed.values()) clearTimeout(timer);
      armed.clear();
      settle();
    },
  };
}
