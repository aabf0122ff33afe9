/**
 * `Jobs` on pg-boss (https://pgboss.io), for the store on PostgreSQL: every unit of work — incremental
 * and full syncs, the nightly run, the webhook recompute (a drain of the installation's due inbox events),
 * the first sync after an install, a rollback — is a job on ONE queue, `parcours-work`, in the group of
 * its installation. Web processes send (and wait when the caller waits); worker processes run them.
 *
 * - One writer per installation across all processes: the workers fetch with `groupConcurrency: 1`
 *   (https://pgboss.io/api/workers#work-name-options-handler: "Limit concurrent jobs per group globally
 *   across all nodes (database tracking)"), and each job also holds a PostgreSQL advisory lock on its
 *   installation while it runs (`installation-lock.ts`): pg-boss checks the group in the fetch statement
 *   under READ COMMITTED, so two fetches at the same instant could both pass it; the lock makes the
 *   second wait. A dead worker's session ends with it, and the lock with the session.
 * - Coalescing: the queue's policy is `stately` (at most one queued and one active job per singleton
 *   key; https://pgboss.io/api/queues#createqueue-name-queue), keys `recompute:<installation>`,
 *   `sync:<installation>:<mode>:<dryRun>`, `rollback:<run>`, `tick:<mode>`. A burst of webhooks sends one
 *   recompute; the inbox holds the events and that one drain handles them all. An event arriving while
 *   a drain runs queues one more (the running drain may have read the inbox before it landed).
 * - Schedules: `boss.schedule()` on the same queue (keys `incremental` and `nightly`): pg-boss claims each
 *   cron pass in the database, so N processes send one tick job per occurrence
 *   (https://pgboss.io/api/scheduling). Cron is minute-grained (one job per minute slot at most), so
 *   PARCOURS_SYNC_EVERY is rounded to whole minutes (`everyToCron`). A tick fans out one sync job per
 *   installation, coalesced with one still queued.
 * - Retries with backoff (`retryLimit`, `retryDelay`, `retryBackoff`, `retryDelayMax`); jobs that spend
 *   their retries stay `failed` (kept `deleteAfterSeconds`) and `retryJob` runs them again.
 * - Takeover: `heartbeatSeconds: 30` on the queue; `work()` refreshes it every 15 s while the handler runs.
 *   A worker killed mid-job stops refreshing; the supervisor (every `monitorIntervalSeconds`, here 10 s)
 *   fails the job as "job heartbeat timeout" into `retry`, and another worker fetches it after the retry
 *   delay (5–10 s for the first retry). Worst case ≈ 30 + 10 + 10 + polling 1 s ≈ 51 s, well inside 2 min;
 *   pg-boss's defaults (no heartbeat, 15 min expiry, 60 s monitor) would not be. The run resumes from the
 *   stored cursors. `expireInSeconds` is the 24 h maximum: liveness is the heartbeat's job, not a timeout.
 */
import { PgBoss, type Job, type JobWithMetadata, type SendOptions } from 'pg-boss';
import type { Logger } from 'pino';
import { ParcoursError, type ErrorCode } from '../errors.ts';
import type { Store } from '../store/index.ts';
import type { RollbackReport } from '../sync/rollback.ts';
import type { SyncSummary } from '../sync/run.ts';
import type { LinkedSyncSummary } from '../sync/linked-run.ts';
import { sessionLocks } from './installation-lock.ts';
import { closeInterruptedRuns } from '../sync/interrupted-runs.ts';
import { isLinkedSummary, OVERFLOW_SETTING, scheduledInstallations, type InstallationWork, type JobState, type JobView, type Jobs } from './jobs.ts';

export const WORK_QUEUE = 'parcours-work';
/**
 * Fetch order (pg-boss fetches by priority, then age). Webhook recomputes and rollbacks are urgent: a record
 * a rep just changed should be written back in seconds, not after every full sync queued before it (with 200
 * first syncs queued, the webhook p95 was minutes: bench/scale.ts); schedule ticks only fan out, so they go
 * first of all. Syncs keep creation order among themselves.
 */
const URGENT = 10;
const PRIORITY: Record<JobData['kind'], number> = { tick: URGENT + 10, recompute: URGENT, rollback: URGENT, sync: 0 };

/**
 * Beside its `--concurrency` slots, a worker keeps a tenth as many (at least one) for urgent jobs only
 * (pg-boss `minPriority`, "reserving worker capacity exclusively for higher-priority jobs"): when every slot
 * runs a long sync, a recompute still starts within a polling interval.
 */
export function reservedSlots(concurrency: number): number {
  return Math.max(1, Math.ceil(concurrency / 10));
}

/** The pg-boss schema (its tables live beside the store's, in their own schema). */
export const BOSS_SCHEMA = 'pgboss';

export const HEARTBEAT_SECONDS = 30;
export const MONITOR_INTERVAL_SECONDS = 10;
export const RETRY_LIMIT = 5;
export const RETRY_DELAY_SECONDS = 5;
export const RETRY_DELAY_MAX_SECONDS = 15 * 60;

export type JobData =
  | { kind: 'sync'; installation: string; mode: 'full' | 'incremental'; dryRun: boolean; origin: 'admin' | 'schedule' | 'install' | 'catch-up'; tick?: string }
  | { kind: 'recompute'; installation: string }
  | { kind: 'rollback'; installation: string; runId: number }
  | { kind: 'tick'; mode: 'full' | 'incremental' };

export interface PgBossJobsOptions {
  url: string;
  store: Store;
  work: InstallationWork;
  log: Logger;
  now: () => number;
  /** How long webhook events are gathered before their recompute. */
  batchWindowMs: number;
  /**
   * Runs jobs (worker and all roles); jobs for up to `concurrency` installations at once. `urgentOnly`: only urgent
   * jobs (webhook recomputes, rollbacks, ticks), never a sync — a process whose event loop no full sync shares.
   */
  worker: { concurrency: number; urgentOnly?: boolean } | null;
  /** Keeps the schedules in pg-boss (web and all roles); null leaves them as they are. */
  schedule: { everyMs: number | null; nightlyAt: string | null } | null;
  /** pg-boss connections (default 4). */
  poolSize?: number;
  /** Further attempts of a failed job before it is kept as failed (default RETRY_LIMIT). */
  retryLimit?: number;
}

export interface PgBossJobs extends Jobs {
  start(): Promise<void>;
  /** Stops fetching, waits up to `timeoutMs` for the running jobs, then fails the rest back to retry (their runs stop at a safe point) and lets go of the installations once they have. */
  stop(timeoutMs: number): Promise<void>;
  /** Jobs running in this process. */
  running(): number;
}

/** PARCOURS_SYNC_EVERY → a cron expression pg-boss accepts, rounded to whole minutes (its finest slot). */
export function everyToCron(everyMs: number): { cron: string; minutes: number } {
  const minutes = Math.max(1, Math.round(everyMs / 60_000));
  if (minutes < 60) {
    // */n restarts every hour: use a divisor of 60 so ticks stay evenly spaced.
    const step = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30].reduce((best, d) => (Math.abs(d - minutes) < Math.abs(best - minutes) ? d : best), 1);
    return { cron: step === 1 ? '* * * * *' : `*/${step} * * * *`, minutes: step };
  }
  const hours = [1, 2, 3, 4, 6, 8, 12, 24].reduce((best, d) => (Math.abs(d * 60 - minutes) < Math.abs(best * 60 - minutes) ? d : best), 1);
  return { cron: hours === 24 ? '0 0 * * *' : `0 */${hours} * * *`, minutes: hours * 60 };
}

const nightlyCron = (hhmm: string): string => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return `${m} ${h} * * *`;
};

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const ERROR_CODES = new Set<string>(['MAPPING_INVALID', 'CONFIG_INVALID', 'INPUT_INVALID', 'AUTH_FAILED', 'RATE_LIMITED', 'DAILY_LIMIT', 'QUOTA_RESERVE', 'CRM_VALIDATION', 'CRM_UNAVAILABLE', 'CRM_ERROR', 'NOT_FOUND', 'STORE_ERROR', 'PAUSED', 'INTERRUPTED'] satisfies ErrorCode[]);

function keyOf(data: JobData): string {
  switch (data.kind) {
    case 'sync':
      return `sync:${data.installation}:${data.mode}:${data.dryRun}`;
    case 'recompute':
      return `recompute:${data.installation}`;
    case 'rollback':
      return `rollback:${data.runId}`;
    case 'tick':
      return `tick:${data.mode}`;
  }
}

function errorText(output: unknown): string | null {
  if (output === null || typeof output !== 'object') return null;
  const o = output as { message?: unknown; code?: unknown; value?: { message?: unknown } };
  const msg = typeof o.message === 'string' ? o.message : typeof o.value?.message === 'string' ? o.value.message : null;
  if (msg === null) return null;
  return (typeof o.code === 'string' ? `${o.code}: ${msg}` : msg).slice(0, 1000);
}

export function createPgBossJobs(o: PgBossJobsOptions): PgBossJobs {
  const boss = new PgBoss({
    connectionString: o.url,
    schema: BOSS_SCHEMA,
    max: o.poolSize ?? 4,
    application_name: 'parcours-queue',
    // Fails jobs whose heartbeat lapsed; the claim in the database makes one process do each pass.
    supervise: true,
    monitorIntervalSeconds: MONITOR_INTERVAL_SECONDS,
    superviseIntervalSeconds: MONITOR_INTERVAL_SECONDS,
    // Every process may run the cron pass; pg-boss claims each pass so one sends an occurrence.
    schedule: true,
    cronMonitorIntervalSeconds: 10,
  });
  // The workers' one-writer locks: one session for all of this process's jobs (installation-lock.ts).
  const locks = o.worker ? sessionLocks(o.url, { onLost: (error) => o.log.error({ err: { message: error.message } }, 'installation lock session lost; its locks went with it and the next job opens a new one') }) : null;
  let active = 0;
  let started = false;

  boss.on('error', (error: Error) => o.log.error({ err: { message: error.message } }, 'job queue error (pg-boss); it keeps retrying'));

  async function send(data: JobData, extra: SendOptions = {}): Promise<string | null> {
    const options: SendOptions = { singletonKey: keyOf(data), priority: PRIORITY[data.kind], ...extra };
    // The group is the writer lane: an installation, or the link it is in (a linked sync writes both sides).
    if (data.kind !== 'tick') options.group = { id: (await o.work.laneOf(data.installation)).lane };
    return boss.send(WORK_QUEUE, data, options);
  }

  /** A sync of an installation in a link is the link's: sent under its HubSpot side, so both sides' requests join one job. */
  async function syncJob(id: string, s: { mode: 'full' | 'incremental'; dryRun: boolean }, origin: Extract<JobData, { kind: 'sync' }>['origin'], tickId?: string): Promise<Extract<JobData, { kind: 'sync' }>> {
    const { link } = await o.work.laneOf(id);
    return { kind: 'sync', installation: link ? link.hubspot : id, mode: s.mode, dryRun: s.dryRun, origin, ...(tickId ? { tick: tickId } : {}) };
  }

  const jobById = async (id: string): Promise<JobWithMetadata<JobData> | null> => (await boss.findJobs<JobData>(WORK_QUEUE, { id }))[0] ?? null;

  /**
   * Queues the installation's drain at `at`, or brings the one already queued forward to it: a drain
   * queued for a later retry of failed events must not hold back events that just arrived.
   */
  async function recomputeAt(id: string, at: number): Promise<void> {
    const data: JobData = { kind: 'recompute', installation: id };
    if (await send(data, { startAfter: new Date(at) })) return;
    const queued = await pendingWithKey(keyOf(data));
    if (queued && queued.state === 'created' && new Date(queued.startAfter).getTime() > at) {
      await boss.update(WORK_QUEUE, undefined, { id: queued.id, startAfter: new Date(at) });
    }
  }

  /** The job now holding `key` (created or retry first: the one a new request joins). */
  async function pendingWithKey(key: string): Promise<JobWithMetadata<JobData> | null> {
    const found = await boss.findJobs<JobData>(WORK_QUEUE, { key, queued: true, limit: 10 });
    return found[0] ?? null;
  }

  /** Sends (or joins the one queued with the same key) and resolves with its output once completed. */
  async function sendAndWait<T>(data: JobData): Promise<T> {
    const id = (await send(data)) ?? (await pendingWithKey(keyOf(data)))?.id;
    if (!id) {
      // Neither sent nor queued: the identical job went active between the two reads. Queue one more.
      const again = await send(data);
      if (!again) throw new ParcoursError('STORE_ERROR', `could not queue ${keyOf(data)}: the job queue refused it twice`, { key: keyOf(data) });
      return waitFor<T>(again);
    }
    return waitFor<T>(id);
  }

  async function waitFor<T>(id: string): Promise<T> {
    for (let delay = 200; ; delay = Math.min(delay * 2, 2000)) {
      const job = await jobById(id);
      if (!job) throw new ParcoursError('NOT_FOUND', `job ${id} is gone from the queue`, { jobId: id });
      if (job.state === 'completed') return job.output as T;
      if (TERMINAL.has(job.state) || job.state === 'retry') {
        // The run's own error, as the in-process queue would have thrown it (its code picks the HTTP status).
        const out = (job.output ?? {}) as { code?: unknown; message?: unknown };
        const code = typeof out.code === 'string' && ERROR_CODES.has(out.code) ? (out.code as ErrorCode) : 'CRM_ERROR';
        const message = typeof out.message === 'string' ? out.message : `the job ended ${job.state}`;
        throw new ParcoursError(code, `${message} (job ${id}${job.state === 'retry' ? ', retried with backoff' : `, ${job.state}`})`, { jobId: id });
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /** A schedule's occurrence: one sync per installation, labelled with the tick that sent it. */
  async function tick(mode: 'full' | 'incremental', tickId: string): Promise<void> {
    // pg-boss can create two tick jobs for one occurrence (seen in CI: the occurrence fired when a process
    // registers the schedule and the cron pass of another, same minute). The minute is claimed once, atomically,
    // in the store's de-duplication keys, so however many tick jobs exist, one fans out.
    const minute = Math.floor(o.now() / 60_000);
    if (!(await o.store.rememberWebhookEvent('schedule', `tick:${mode}:${minute}`, o.now()))) {
      o.log.info({ mode, tick: tickId }, 'schedule occurrence already handled by another tick job; skipped');
      return;
    }
    // Paused installations are skipped (logged); a link syncs once, for both sides.
    for (const row of await scheduledInstallations(o.store, o.log, mode)) {
      await send(await syncJob(row.id, { mode, dryRun: false }, 'schedule', tickId));
    }
  }

  /** After a drain, the next retry of events that failed is a recompute job due then. */
  async function armRetries(id: string): Promise<void> {
    const next = (await o.store.pendingInstallations()).find((p) => p.installation === id);
    if (next) await recomputeAt(id, Math.max(next.nextAttemptAt, o.now()));
  }

  async function run(job: Job<JobData>): Promise<unknown> {
    const data = job.data;
    if (data.kind === 'tick') return tick(data.mode, job.id);
    // Every installation the job may write is locked: a linked installation's work writes both sides.
    const { installations } = await o.work.laneOf(data.installation);
    if (!locks) throw new Error('a web process runs no jobs');
    return locks.hold(installations, async () => {
      // Holding the locks, no other process runs these installations: a run still open was left by a dead worker.
      for (const id of installations) {
        const interrupted = await closeInterruptedRuns(o.store, id, o.now());
        if (interrupted.length) o.log.warn({ installation: id, runs: interrupted }, 'runs left open by a stopped worker marked failed (interrupted)');
      }
      switch (data.kind) {
        case 'sync': {
          // pg-boss aborts job.signal when it takes the job back (a stop past its timeout, a lost heartbeat claim):
          // the run then stops at its next safe point instead of writing on after the job was handed on.
          const summary = await o.work.syncNow(data.installation, { mode: data.mode, dryRun: data.dryRun, signal: job.signal });
          // Any successful run catches up what an overflowed inbox could not keep.
          if (!data.dryRun && (summary.status === 'succeeded' || summary.status === 'partial')) {
            if (await o.store.getSetting(data.installation, OVERFLOW_SETTING) !== undefined) await o.store.deleteSetting(data.installation, OVERFLOW_SETTING);
          }
          return summary;
        }
        case 'recompute':
          await o.work.drainNow(data.installation);
          await armRetries(data.installation);
          return null;
        case 'rollback':
          return o.work.rollbackNow(data.runId);
      }
    });
  }

  const view = (j: JobWithMetadata<JobData>): JobView => ({
    id: j.id,
    kind: j.data.kind,
    installation: 'installation' in j.data ? j.data.installation : null,
    state: j.state as JobState,
    retryCount: j.retryCount,
    retryLimit: j.retryLimit,
    createdOn: new Date(j.createdOn).toISOString(),
    startedOn: j.startedOn ? new Date(j.startedOn).toISOString() : null,
    completedOn: j.completedOn ? new Date(j.completedOn).toISOString() : null,
    error: j.state === 'failed' || j.state === 'retry' ? errorText(j.output) : null,
  });

  const api: PgBossJobs = {
    engineFor: (crm) => o.work.engineFor(crm),
    async sync(id, s) {
      const row = await o.work.installation(id);
      const summary = await sendAndWait<SyncSummary | LinkedSyncSummary>(await syncJob(id, s, s.origin ?? 'admin'));
      return isLinkedSummary(summary) ? summary[row.crm] : summary;
    },
    async syncLink(linkId, s) {
      const link = await o.store.getLink(linkId);
      if (!link) throw new ParcoursError('NOT_FOUND', `no link ${linkId}`, { link: linkId });
      const summary = await sendAndWait<SyncSummary | LinkedSyncSummary>(await syncJob(link.hubspot, s, 'admin'));
      if (!isLinkedSummary(summary)) throw new ParcoursError('NOT_FOUND', `link ${linkId} was removed before its sync ran`, { link: linkId });
      return summary;
    },
    eventsArrived(id) {
      recomputeAt(id, o.now() + o.batchWindowMs).catch((error: unknown) =>
        // The events are in the inbox: the next start (resumePending) or event queues their drain.
        o.log.error({ installation: id, err: { message: error instanceof Error ? error.message : String(error) } }, 'could not queue the webhook recompute'),
      );
    },
    async overflowed(id) {
      if (await o.store.getSetting(id, OVERFLOW_SETTING) === undefined) {
        await o.store.setSetting(id, OVERFLOW_SETTING, new Date(o.now()).toISOString());
        o.log.warn({ installation: id }, 'too many pending webhook events: further events are not kept; an incremental run catches up');
      }
      await send(await syncJob(id, { mode: 'incremental', dryRun: false }, 'catch-up'));
    },
    async resumePending() {
      // Idempotent across processes: the singleton keys join what another process queued.
      for (const p of await o.store.pendingInstallations()) {
        await recomputeAt(p.installation, Math.max(p.nextAttemptAt, o.now()));
      }
      for (const row of await o.store.listInstallations()) {
        if (await o.store.getSetting(row.id, OVERFLOW_SETTING) !== undefined) await send(await syncJob(row.id, { mode: 'incremental', dryRun: false }, 'catch-up'));
      }
    },
    async rollback(runId) {
      const run = await o.store.getRun(runId);
      if (!run) throw new ParcoursError('NOT_FOUND', `run ${runId} does not exist`, { runId });
      return sendAndWait<RollbackReport>({ kind: 'rollback', installation: run.installation, runId });
    },
    async listJobs(q) {
      // pg-boss's findJobs has no state filter: its job table is read directly (columns per
      // https://pgboss.io/sql/job-table), newest first, then each job through findJobs.
      const { rows } = await boss.getDb().executeSql(
        `SELECT id FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND ($2::text IS NULL OR state::text = $2) ORDER BY created_on DESC LIMIT $3`,
        [WORK_QUEUE, q.state ?? null, q.limit],
      );
      const jobs = await Promise.all(rows.map((r: { id: string }) => jobById(r.id)));
      return jobs.filter((j): j is JobWithMetadata<JobData> => j !== null).map(view);
    },
    async retryJob(id) {
      const job = await jobById(id);
      if (!job) throw new ParcoursError('NOT_FOUND', `no job ${id}`, { jobId: id });
      if (job.state !== 'failed') throw new ParcoursError('CONFIG_INVALID', `job ${id} is ${job.state}, not failed: only failed jobs are retried by hand`, { jobId: id });
      await boss.retry(WORK_QUEUE, id);
      const after = await jobById(id);
      return view(after ?? job);
    },
    async start() {
      await boss.start();
      started = true;
      // Every process declares the same queue; the first creates it, and each start applies the current
      // settings (createQueue leaves an existing queue as it is).
      const settings = {
        retryLimit: o.retryLimit ?? RETRY_LIMIT,
        retryDelay: RETRY_DELAY_SECONDS,
        retryBackoff: true,
        retryDelayMax: RETRY_DELAY_MAX_SECONDS,
        heartbeatSeconds: HEARTBEAT_SECONDS,
        expireInSeconds: 24 * 3600,
      };
      await boss.createQueue(WORK_QUEUE, { policy: 'stately', ...settings }).catch(async (error: unknown) => {
        if (!await boss.getQueue(WORK_QUEUE)) throw error;
      });
      await boss.updateQueue(WORK_QUEUE, settings);
      if (o.schedule) {
        const tickOptions = (mode: 'full' | 'incremental') => ({ tz: 'UTC', singletonKey: `tick:${mode}` });
        // The schedules live in the database: one turned off (`off`) is taken out, or an earlier start's would go on firing.
        if (o.schedule.everyMs === null) await boss.unschedule(WORK_QUEUE, 'incremental');
        else {
          const every = everyToCron(o.schedule.everyMs);
          if (every.minutes * 60_000 !== o.schedule.everyMs) o.log.warn({ everyMs: o.schedule.everyMs, cron: every.cron }, `PARCOURS_SYNC_EVERY rounded to every ${every.minutes} min: the job queue's schedules are minute-grained`);
          await boss.schedule(WORK_QUEUE, every.cron, { kind: 'tick', mode: 'incremental' } satisfies JobData, { ...tickOptions('incremental'), key: 'incremental' });
        }
        if (o.schedule.nightlyAt === null) await boss.unschedule(WORK_QUEUE, 'nightly');
        else await boss.schedule(WORK_QUEUE, nightlyCron(o.schedule.nightlyAt), { kind: 'tick', mode: 'full' } satisfies JobData, { ...tickOptions('full'), key: 'nightly' });
      }
      if (o.worker) {
        const handle = async (jobs: Array<Job<JobData>>): Promise<unknown> => {
          const job = jobs[0] as Job<JobData>;
          active++;
          o.log.info({ job: job.id, kind: job.data.kind, installation: 'installation' in job.data ? job.data.installation : undefined, attempt: job.retryCount }, 'job started');
          try {
            return await run(job);
          } catch (error) {
            o.log.error({ job: job.id, kind: job.data.kind, installation: 'installation' in job.data ? job.data.installation : undefined, err: { message: error instanceof Error ? error.message : String(error) } }, 'job failed; the queue retries it with backoff');
            throw error;
          } finally {
            active--;
          }
        };
        const fetch = { groupConcurrency: 1, batchSize: 1, pollingIntervalSeconds: 1 } as const;
        if (o.worker.urgentOnly) {
          await boss.work<JobData>(WORK_QUEUE, { ...fetch, localConcurrency: o.worker.concurrency, minPriority: URGENT }, handle);
        } else {
          await boss.work<JobData>(WORK_QUEUE, { ...fetch, localConcurrency: o.worker.concurrency }, handle);
          // Slots only urgent jobs may take, so a webhook's recompute never waits for a slot behind long full syncs.
          await boss.work<JobData>(WORK_QUEUE, { ...fetch, localConcurrency: reservedSlots(o.worker.concurrency), minPriority: URGENT }, handle);
        }
      }
    },
    async stop(timeoutMs) {
      // Past the timeout pg-boss fails the jobs still running and aborts their signals; their runs stop at the next
      // safe point. The installation locks are let go only once every handler has returned: a run still writing
      // keeps its installation to itself until it stops, or until the process dies (a SIGKILL ends the lock session).
      if (started) await boss.stop({ graceful: true, timeout: timeoutMs });
      if (active > 0) o.log.warn({ running: active }, 'waiting for interrupted jobs to reach a safe point before letting go of their installations');
      while (active > 0) await new Promise((r) => setTimeout(r, 50));
      await locks?.close();
    },
    running: () => active,
  };
  return api;
}
