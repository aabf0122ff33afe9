/**
 * Scheduled work per installation: an incremental sync every PARCOURS_SYNC_EVERY, and a nightly full
 * run (associations and deletions reconciled; time-based rules re-evaluated with every run anyway).
 * Both go through the work queue, so they never overlap a webhook write or each other.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/index.ts';
import { scheduledInstallations, type Jobs } from './jobs.ts';

/** Next occurrence of `hh:mm` UTC strictly after `now`. */
export function nextDailyAt(now: number, hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const d = new Date(now);
  const today = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), h, m);
  return today > now ? today : today + 86_400_000;
}

export interface Scheduler {
  stop(): void;
}

export function startScheduler(o: { store: Store; jobs: Jobs; log: Logger; everyMs: number | null; nightlyAt: string | null; now: () => number }): Scheduler {
  const runAll = async (mode: 'incremental' | 'full') => {
    // Paused installations are skipped (the log says why and how to resume); a link syncs once, for both sides.
    for (const row of await scheduledInstallations(o.store, o.log, mode)) {
      o.jobs.sync(row.id, { mode, dryRun: false }).catch((error: unknown) => {
        o.log.error({ installation: row.id, mode, err: { message: error instanceof Error ? error.message : String(error) } }, 'scheduled sync failed');
      });
    }
  };
  // A failed store read skips this tick (logged); the next tick tries again.
  const tick = (mode: 'incremental' | 'full'): Promise<void> =>
    runAll(mode).catch((error: unknown) => o.log.error({ mode, err: { message: error instanceof Error ? error.message : String(error) } }, 'scheduled syncs could not be listed'));
  // null: that schedule is off (PARCOURS_SYNC_EVERY / PARCOURS_NIGHTLY_AT=off).
  const interval = o.everyMs === null ? undefined : setInterval(() => void tick('incremental'), o.everyMs);
  let nightly: NodeJS.Timeout | undefined;
  const nightlyAt = o.nightlyAt;
  const armNightly = (at: string) => {
    nightly = setTimeout(() => void tick('full').then(() => armNightly(at)), nextDailyAt(o.now(), at) - o.now());
  };
  if (nightlyAt !== null) armNightly(nightlyAt);
  return {
    stop() {
      clearInterval(interval);
      clearTimeout(nightly);
    },
  };
}
