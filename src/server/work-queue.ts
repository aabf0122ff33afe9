/**
 * One lane per installation: jobs for an installation run one after another, never concurrently,
 * whoever asked (webhook, schedule, admin). Two refinements:
 * - a job with a key (e.g. `sync:incremental`) joins an identical job already queued or running,
 *   so concurrent requests yield one run;
 * - webhook changes are gathered for a short window and drained when their job starts, so a burst
 *   (and anything arriving while a sync holds the lane) becomes one recompute.
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
  /** Adds changes for the installation; `process` receives them in batches, in the installation's lane. */
  addChanges(installation: string, changes: Partial<ChangeBatch>, process: (batch: ChangeBatch) => Promise<void>): void;
  /** Jobs queued or running, over all installations (plus gathered changes not yet queued). */
  depth(): number;
  /** Resolves once nothing is queued, running or gathering. */
  idle(): Promise<void>;
}

interface Keyed {
  key: string;
  promise: Promise<unknown>;
}

interface Gathering {
  records: Map<string, RecordRef>;
  contactIds: Set<string>;
  oldestEventAt: number | null;
  /** A job is queued that will drain this buffer when it starts. */
  queued: boolean;
}

export function createWorkQueue(opts: { batchWindowMs: number; onError: (installation: string, error: unknown) => void }): WorkQueue {
  const tails = new Map<string, Promise<void>>();
  const keyed = new Map<string, Keyed[]>();
  const gathering = new Map<string, Gathering>();
  const timers = new Set<NodeJS.Timeout>();
  let active = 0;
  let waiters: Array<() => void> = [];

  const settle = () => {
    if (active > 0 || timers.size > 0) return;
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

  function addChanges(installation: string, changes: Partial<ChangeBatch>, process: (batch: ChangeBatch) => Promise<void>): void {
    let g = gathering.get(installation);
    if (!g) gathering.set(installation, (g = { records: new Map(), contactIds: new Set(), oldestEventAt: null, queued: false }));
    for (const r of changes.records ?? []) g.records.set(`${r.kind}:${r.id}`, r);
    for (const id of changes.contactIds ?? []) g.contactIds.add(id);
    if (changes.oldestEventAt != null) g.oldestEventAt = Math.min(g.oldestEventAt ?? changes.oldestEventAt, changes.oldestEventAt);
    if (g.queued) return;
    g.queued = true;
    const timer = setTimeout(() => {
      timers.delete(timer);
      run(installation, null, async () => {
        const batch = drain(installation);
        if (batch) await process(batch);
      }).catch((error: unknown) => opts.onError(installation, error));
    }, opts.batchWindowMs);
    timers.add(timer);
  }

  function drain(installation: string): ChangeBatch | null {
    const g = gathering.get(installation);
    gathering.delete(installation);
    if (!g || (g.records.size === 0 && g.contactIds.size === 0)) return null;
    return { records: [...g.records.values()], contactIds: [...g.contactIds], oldestEventAt: g.oldestEventAt };
  }

  return {
    run,
    addChanges,
    depth: () => active + timers.size,
    idle: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        settle();
      }),
  };
}
