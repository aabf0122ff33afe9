/**
 * The work the service does for an installation — syncs, webhook recomputes, rollbacks — with setup
 * done once before the first write and metrics recorded after every run (`createInstallationWork`), and
 * the `Jobs` the routes call. Two implementations of `Jobs`: in-process (`createJobs`: the installation's
 * lane of the in-memory work queue, SQLite) and on pg-boss (`createPgBossJobs` in pgboss-jobs.ts,
 * PostgreSQL: several web and worker processes).
 */
import type { Logger } from 'pino';
import type { CrmConnector } from '../../connectors/port.ts';
import { defaultLinkedMapping, defaultMapping, type Env } from '../config.ts';
import { ParcoursError } from '../errors.ts';
import { compileEngine, type Engine } from '../journey/engine.ts';
import { sideMapping } from '../mapping/linked.ts';
import { loadMapping } from '../mapping/load.ts';
import { CRMS, type CrmName } from '../model.ts';
import type { InstallationRow, LinkRow, Store } from '../store/index.ts';
import { runLinkedSync, type LinkedSyncSummary } from '../sync/linked-run.ts';
import { recomputeCustomers, type RecomputeSummary } from '../sync/recompute.ts';
import { adoptStoredBudget, storeBudget } from '../sync/budget-state.ts';
import { rollbackRun, type RollbackReport } from '../sync/rollback.ts';
import { runSync, type SyncSummary } from '../sync/run.ts';
import { runSetup } from '../sync/setup.ts';
import { pausedState, pausedText } from '../sync/pause.ts';
import type { ConnectorSource } from './installation-connectors.ts';
import type { Metrics } from './metrics.ts';
import { EVENTS_PER_RECOMPUTE, mergeEvents, nextAttemptAt, type EventRetryPolicy } from './webhook-events.ts';
import type { ChangeBatch, WorkQueue } from './work-queue.ts';

/** Inbox events one linked sync settles (the sync reads the changes from the CRMs; the events only say that some came). */
const LINKED_EVENTS_PER_SYNC = 50_000;

/** Setting that marks an installation whose webhook backlog overflowed: an incremental run is owed. */
export const OVERFLOW_SETTING = 'webhook-overflow';

export interface Jobs {
  /**
   * `origin` labels the job (the PostgreSQL queue keeps it); the in-process queue ignores it. An installation in a
   * link runs the link's sync (issue 16); the answer is then that side's part (`syncLink` answers the whole).
   */
  sync(installationId: string, o: { mode: 'full' | 'incremental'; dryRun: boolean; origin?: 'admin' | 'install' }): Promise<SyncSummary>;
  /** The linked sync of a link (`POST /api/links/:id/sync`): the same job as a sync of either of its installations. */
  syncLink(linkId: string, o: { mode: 'full' | 'incremental'; dryRun: boolean }): Promise<LinkedSyncSummary>;
  /** New events are in the installation's inbox: they are recomputed after the batch window, in its lane. */
  eventsArrived(installationId: string): void;
  /** Pending events beyond the cap were not kept: an incremental run catches up instead (the mark is stored). */
  overflowed(installationId: string): void;
  /** At startup: pending events first (in each lane before anything else), then catch-up runs still owed. */
  resumePending(): void;
  rollback(runId: number): Promise<RollbackReport>;
  engineFor(crm: CrmName): Engine;
  /** Jobs kept by the job queue (`GET /api/jobs`); the in-process queue keeps none. */
  listJobs(q: { state?: JobState; limit: number }): Promise<JobView[]>;
  /** Runs a failed job again (`POST /api/jobs/:id/retry`). */
  retryJob(id: string): Promise<JobView>;
}

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

/** A job as the admin API shows it. */
export interface JobView {
  id: string;
  kind: string;
  installation: string | null;
  state: JobState;
  retryCount: number;
  retryLimit: number;
  createdOn: string;
  startedOn: string | null;
  completedOn: string | null;
  /** The last error (failed or retried jobs). */
  error: string | null;
}

/** With SQLite the work queue is in memory: nothing is kept to list or retry (webhook events are: /api/events). */
const NO_JOB_STORE = 'jobs are kept by the PostgreSQL job queue (PARCOURS_DATABASE_URL); with SQLite the queue is in memory — failed webhook events are listed under /api/events?state=failed';

export interface JobsOptions {
  env: Env;
  store: Store;
  queue: WorkQueue;
  connectors: ConnectorSource;
  metrics: Metrics;
  log: Logger;
  now: () => number;
  /** How long events are gathered before their recompute. */
  batchWindowMs: number;
  retry: EventRetryPolicy;
  /** Called after each webhook batch is written (benchmarks and tests observe latency through it). */
  onRecomputed?: (summary: RecomputeSummary, batch: ChangeBatch) => void;
}

/** What both `Jobs` implementations run; none of it knows which queue called it. */
export interface InstallationWork {
  engineFor(crm: CrmName): Engine;
  installation(id: string): Promise<InstallationRow>;
  /**
   * Runs one sync now (the caller holds the installation's one-writer slot: its lane, `laneOf`). An installation
   * in a link runs the link's sync, which writes both of its installations.
   */
  syncNow(id: string, s: { mode: 'full' | 'incremental'; dryRun: boolean; signal?: AbortSignal }): Promise<SyncSummary | LinkedSyncSummary>;
  /**
   * Who writes an installation, one at a time: itself, or its link's lane (`link:<id>`) when it is in a link —
   * a linked sync writes both sides, so the two installations share one writer slot.
   */
  laneOf(id: string): Promise<{ lane: string; installations: string[]; link: LinkRow | null }>;
  /** Recomputes the installation's due inbox events now; failures are kept on the events (backoff, dead letters). */
  drainNow(id: string): Promise<void>;
  rollbackNow(runId: number): Promise<RollbackReport>;
  message(error: unknown): string;
}

export type WorkOptions = Omit<JobsOptions, 'queue' | 'batchWindowMs'>;

export function createInstallationWork(o: WorkOptions): InstallationWork {
  const engines = new Map<CrmName, Engine>();
  const setUp = new Set<string>();

  const engineFor = (crm: CrmName): Engine => {
    let e = engines.get(crm);
    if (!e) engines.set(crm, (e = compileEngine(loadMapping(defaultMapping(o.env, crm)))));
    return e;
  };

  const installation = async (id: string): Promise<InstallationRow> => {
    const row = await o.store.getInstallation(id);
    if (!row) throw new ParcoursError('NOT_FOUND', `no installation ${id}`, { installation: id });
    return row;
  };

  /** Owned fields and lists exist before anything is written (idempotent; once per process). */
  async function ready(row: InstallationRow, connector: CrmConnector, engine: Engine): Promise<void> {
    if (setUp.has(row.id)) return;
    const targets = await Promise.all(engine.mapping.segments.map((s) => o.store.getSetting(row.id, `segment-target:${s.id}`)));
    const missing = targets.some((t) => t === undefined);
    if (missing) {
      o.log.info({ installation: row.id }, 'provisioning owned fields and segment lists');
      await runSetup(connector, o.store, row.id, engine.mapping);
    }
    setUp.add(row.id);
  }

  /** The installation's connector, holding the API budget the last job on it heard (maybe in another process). */
  const connectorOf = async (row: InstallationRow): Promise<CrmConnector> => {
    const connector = await o.connectors.connectorFor(row);
    await adoptStoredBudget(o.store, row.id, connector);
    return connector;
  };
  /** After a job: its connector's last-heard budget is kept for the next job, whichever process runs it. */
  const keepBudget = async (row: InstallationRow, connector: CrmConnector): Promise<void> => {
    await storeBudget(o.store, row.id, connector).catch((error: unknown) => o.log.warn({ installation: row.id, err: { message: error instanceof Error ? error.message : String(error) } }, 'API budget not kept (the next job learns it from its first response)'));
  };

  // A linked installation (issue 16): the linked mapping, and each side's view of it (its owned names, lists).
  let linkedEngines: { linked: Engine; sides: Record<CrmName, Engine> } | null = null;
  const linkedEnginesFor = () => {
    if (!linkedEngines) {
      const mapping = loadMapping(defaultLinkedMapping(o.env));
      linkedEngines = { linked: compileEngine(mapping), sides: { hubspot: compileEngine(sideMapping(mapping, 'hubspot')), salesforce: compileEngine(sideMapping(mapping, 'salesforce')) } };
    }
    return linkedEngines;
  };

  const laneOf = async (id: string): Promise<{ lane: string; installations: string[]; link: LinkRow | null }> => {
    const link = (await o.store.linkOf(id)) ?? null;
    return link ? { lane: `link:${link.id}`, installations: [link.hubspot, link.salesforce], link } : { lane: id, installations: [id], link: null };
  };

  /** The link's sync: both sides pulled, one journey evaluated, the same stage, flags and segments written to both. */
  async function linkedSyncNow(link: LinkRow, s: { mode: 'full' | 'incremental'; dryRun: boolean; signal?: AbortSignal }): Promise<LinkedSyncSummary> {
    const engines = linkedEnginesFor();
    const rows = { hubspot: await installation(link.hubspot), salesforce: await installation(link.salesforce) };
    const connectors = {} as Record<CrmName, CrmConnector>;
    for (const crm of CRMS) {
      connectors[crm] = await connectorOf(rows[crm]);
      if (!s.dryRun) await ready(rows[crm], connectors[crm], engines.sides[crm]);
    }
    let summary: LinkedSyncSummary;
    try {
      summary = await runLinkedSync({ store: o.store, link, engine: engines.linked, connectors, mode: s.mode, dryRun: s.dryRun, now: o.now(), ...(s.signal ? { signal: s.signal } : {}) });
    } catch (error) {
      for (const crm of CRMS) o.metrics.runFinished(crm, s.mode, 'failed');
      throw error;
    } finally {
      for (const crm of CRMS) await keepBudget(rows[crm], connectors[crm]);
    }
    for (const crm of CRMS) observe(crm, s.mode, summary[crm]);
    o.log.info({ link: link.id, mode: s.mode, dryRun: s.dryRun, status: summary.status, linked: summary.linked, unlinked: summary.unlinked, conflicts: summary.conflicts, runs: { hubspot: summary.hubspot.runId, salesforce: summary.salesforce.runId }, written: { hubspot: summary.hubspot.written, salesforce: summary.salesforce.written } }, 'linked sync finished');
    return summary;
  }

  const observe = (crm: CrmName, mode: string, s: { status: string; written: number; apiCalls: SyncSummary['apiCalls'] }): void => {
    o.metrics.runFinished(crm, mode, s.status);
    o.metrics.recordsWritten(crm, s.written);
    o.metrics.apiCalls(crm, s.apiCalls.byEndpoint, s.apiCalls.rateLimited);
  };

  async function recompute(id: string, batch: ChangeBatch): Promise<void> {
    const row = await installation(id);
    // Paused by a rollback: the changes are not applied (the first run after resume reads them).
    const paused = await pausedState(o.store, id);
    if (paused) {
      o.log.warn({ installation: id, paused, customers: batch.contactIds.length, records: batch.records.length }, `webhook changes skipped: ${pausedText(id, row.crm, paused)}`);
      return;
    }
    const engine = engineFor(row.crm);
    const connector = await connectorOf(row);
    await ready(row, connector, engine);
    let summary: RecomputeSummary;
    try {
      summary = await recomputeCustomers({ connector, store: o.store, engine, installation: id, contactIds: batch.contactIds, records: batch.records, now: o.now() });
    } catch (error) {
      o.metrics.runFinished(row.crm, 'webhook', 'failed');
      throw error;
    } finally {
      await keepBudget(row, connector);
    }
    observe(row.crm, 'webhook', summary);
    // Stopped on a quota: nothing was written for these events, so they are not done.
    if (summary.status === 'stopped') throw new ParcoursError('QUOTA_RESERVE', `webhook recompute stopped: ${summary.stoppedReason ?? 'quota'}`, { installation: id, runId: summary.runId });
    if (batch.oldestEventAt !== null) o.metrics.webhookLag(row.crm, Math.max(0, (Date.now() - batch.oldestEventAt) / 1000));
    o.log.info({ installation: id, runId: summary.runId, status: summary.status, customers: summary.customers, written: summary.written, failed: summary.failed.length }, 'webhook changes applied');
    o.onRecomputed?.(summary, batch);
  }

  const message = (error: unknown): string => (error instanceof ParcoursError ? `${error.code}: ${error.message}` : 'unexpected error (see the service log)').slice(0, 1000);

  /** Recomputes the installation's due events; done only once the write-back landed, else retried with backoff. */
  async function drain(id: string): Promise<void> {
    if (!await o.store.getInstallation(id)) return;
    const { link } = await laneOf(id);
    if (link) return drainLinked(id, link);
    for (;;) {
      const due = await o.store.dueEvents(id, o.now(), EVENTS_PER_RECOMPUTE);
      if (due.length === 0) break;
      try {
        await recompute(id, mergeEvents(due));
      } catch (error) {
        await failed(id, due, error);
        break;
      }
      await o.store.markEventsDone(due.map((e) => e.id), o.now());
      if (due.length < EVENTS_PER_RECOMPUTE) break;
    }
  }

  type DueEvent = Awaited<ReturnType<Store['dueEvents']>>[number];

  /** Events whose write-back failed: retried with backoff, dead-lettered once the retries are spent. */
  async function failed(id: string, due: DueEvent[], error: unknown): Promise<void> {
    const at = o.now();
    const byAttempts = new Map<number, DueEvent[]>();
    for (const e of due) byAttempts.set(e.attempts + 1, [...(byAttempts.get(e.attempts + 1) ?? []), e]);
    for (const [attempt, rows] of byAttempts) {
      const next = nextAttemptAt(o.retry, attempt, at);
      await o.store.markEventsFailedAttempt(rows.map((r) => r.id), message(error), next, at);
      o.metrics.webhookEvents((await o.store.getInstallation(id))?.crm ?? 'unknown', next === null ? 'dead_lettered' : 'retry_scheduled', rows.length);
    }
    o.log.error({ installation: id, events: due.length, err: { message: error instanceof Error ? error.message : String(error) } }, 'webhook events failed; retrying with backoff (or dead-lettered once the retries are spent)');
  }

  /**
   * A linked installation's events: its customers are evaluated from both CRMs, so the events are applied by
   * the link's incremental sync (each side reads what changed since its cursor, then one merged evaluation
   * writes both) — not by a one-sided recompute, which would write a stage the other CRM contradicts. One run
   * covers every event due when it starts.
   */
  async function drainLinked(id: string, link: LinkRow): Promise<void> {
    // The sync reads the changes from the CRMs, not from the events: only their ids are kept in memory.
    const due = await o.store.dueEvents(id, o.now(), LINKED_EVENTS_PER_SYNC);
    if (due.length === 0) return;
    const paused = (await pausedState(o.store, link.hubspot)) ?? (await pausedState(o.store, link.salesforce));
    if (paused) {
      o.log.warn({ installation: id, link: link.id, paused, events: due.length }, `webhook changes of a linked installation skipped: ${pausedText(id, (await installation(id)).crm, paused)}`);
      return;
    }
    try {
      const summary = await linkedSyncNow(link, { mode: 'incremental', dryRun: false });
      // Stopped on a quota (or failed): nothing is known written for these events, so they are not done.
      if (summary.status === 'stopped' || summary.status === 'failed') {
        throw new ParcoursError(summary.status === 'stopped' ? 'QUOTA_RESERVE' : 'CRM_ERROR', `linked sync for webhook events ended ${summary.status}: ${summary.hubspot.stoppedReason ?? summary.salesforce.stoppedReason ?? 'see the runs'}`, { installation: id, link: link.id });
      }
      const oldest = mergeEvents(due).oldestEventAt;
      if (oldest !== null) o.metrics.webhookLag((await installation(id)).crm, Math.max(0, (Date.now() - oldest) / 1000));
    } catch (error) {
      await failed(id, due, error);
      return;
    }
    await o.store.markEventsDone(due.map((e) => e.id), o.now());
    // More were due than one read takes: the next drain (armed for the pending events) takes them.
  }

  async function syncNow(id: string, s: { mode: 'full' | 'incremental'; dryRun: boolean; signal?: AbortSignal }): Promise<SyncSummary | LinkedSyncSummary> {
    const row = await installation(id);
    const { link } = await laneOf(id);
    if (link) return linkedSyncNow(link, s);
    const engine = engineFor(row.crm);
    const connector = await connectorOf(row);
    if (!s.dryRun) await ready(row, connector, engine);
    let summary: SyncSummary;
    try {
      summary = await runSync({ connector, store: o.store, engine, installation: id, mode: s.mode, dryRun: s.dryRun, now: o.now(), ...(s.signal ? { signal: s.signal } : {}) });
    } catch (error) {
      o.metrics.runFinished(row.crm, s.mode, 'failed');
      throw error;
    } finally {
      await keepBudget(row, connector);
    }
    observe(row.crm, s.mode, summary);
    o.log.info({ installation: id, runId: summary.runId, mode: s.mode, dryRun: s.dryRun, status: summary.status, written: summary.written }, 'sync finished');
    return summary;
  }

  async function rollbackNow(runId: number): Promise<RollbackReport> {
    const run = await o.store.getRun(runId);
    if (!run) throw new ParcoursError('NOT_FOUND', `run ${runId} does not exist`, { runId });
    const row = await installation(run.installation);
    const connector = await connectorOf(row);
    const report = await rollbackRun(connector, o.store, row.id, runId, o.now()).finally(() => keepBudget(row, connector));
    o.metrics.runFinished(row.crm, 'rollback', report.failed.length ? 'partial' : 'succeeded');
    o.metrics.recordsWritten(row.crm, report.restored);
    return report;
  }

  return { engineFor, installation, syncNow, laneOf, drainNow: drain, rollbackNow, message };
}

/** A linked run's summary (issue 16), as `syncNow` returns it for an installation in a link. */
export function isLinkedSummary(s: SyncSummary | LinkedSyncSummary): s is LinkedSyncSummary {
  return 'matchedBy' in s;
}

/**
 * The installations a schedule occurrence syncs: every one, except the Salesforce side of a link (its HubSpot
 * side's sync is the link's, which covers both), and except paused ones (skipped with the reason logged). A link
 * with either side paused is skipped whole: its sync writes both.
 */
export async function scheduledInstallations(store: Store, log: Pick<Logger, 'warn'>, mode: 'full' | 'incremental'): Promise<InstallationRow[]> {
  const out: InstallationRow[] = [];
  for (const row of await store.listInstallations()) {
    const link = await store.linkOf(row.id);
    if (link && link.salesforce === row.id) continue;
    let skipped = false;
    for (const id of link ? [link.hubspot, link.salesforce] : [row.id]) {
      const paused = await pausedState(store, id);
      if (!paused) continue;
      log.warn({ installation: id, ...(link ? { link: link.id } : {}), mode, paused }, `scheduled sync skipped: ${pausedText(id, id === row.id ? row.crm : 'salesforce', paused)}`);
      skipped = true;
      break;
    }
    if (!skipped) out.push(row);
  }
  return out;
}

export function createJobs(o: JobsOptions): Jobs {
  const work = createInstallationWork(o);
  const { engineFor, installation, message } = work;

  /** Arms the lane's timer for the earliest pending event of the installation, if any. */
  const armFor = async (id: string): Promise<void> => {
    const next = (await o.store.pendingInstallations()).find((p) => p.installation === id);
    if (next) o.queue.schedule(id, next.nextAttemptAt - o.now(), () => drain(id));
  };

  async function drain(id: string): Promise<void> {
    if (!await o.store.getInstallation(id)) return;
    // The timer fired in the installation's own lane; a linked one's writes go through its link's lane.
    const { lane } = await work.laneOf(id);
    if (lane === id) await work.drainNow(id);
    else await o.queue.run(lane, null, () => work.drainNow(id));
    await armFor(id);
  }

  /** The catch-up run owed after an overflow; the mark goes once it succeeded. */
  async function catchUp(id: string): Promise<void> {
    const marked = await o.store.getSetting(id, OVERFLOW_SETTING);
    if (marked === undefined) return;
    api.sync(id, { mode: 'incremental', dryRun: false }).then(
      async (summary) => {
        if (summary.status === 'succeeded' || summary.status === 'partial') await o.store.deleteSetting(id, OVERFLOW_SETTING);
      },
      (error: unknown) => o.log.error({ installation: id, err: { message: message(error) } }, 'catch-up run after a webhook overflow failed; the next start or overflow retries it'),
    );
  }

  const api: Jobs = {
    engineFor,
    async sync(id, s) {
      const row = await installation(id);
      const { lane } = await work.laneOf(id);
      // Identical requests share one run: the key names what would be done (a link's two sides share one lane).
      const summary = await o.queue.run(lane, `sync:${s.mode}:${s.dryRun}`, () => work.syncNow(id, { mode: s.mode, dryRun: s.dryRun }));
      return isLinkedSummary(summary) ? summary[row.crm] : summary;
    },
    async syncLink(linkId, s) {
      const link = await o.store.getLink(linkId);
      if (!link) throw new ParcoursError('NOT_FOUND', `no link ${linkId}`, { link: linkId });
      const summary = await o.queue.run(`link:${link.id}`, `sync:${s.mode}:${s.dryRun}`, () => work.syncNow(link.hubspot, s));
      if (!isLinkedSummary(summary)) throw new ParcoursError('NOT_FOUND', `link ${linkId} was removed before its sync ran`, { link: linkId });
      return summary;
    },
    eventsArrived(id) {
      o.queue.schedule(id, o.batchWindowMs, () => drain(id));
    },
    async overflowed(id) {
      if (await o.store.getSetting(id, OVERFLOW_SETTING) === undefined) {
        await o.store.setSetting(id, OVERFLOW_SETTING, new Date(o.now()).toISOString());
        o.log.warn({ installation: id }, 'too many pending webhook events: further events are not kept; an incremental run catches up');
      }
      await catchUp(id);
    },
    async resumePending() {
      const pending = new Set<string>();
      for (const p of await o.store.pendingInstallations()) {
        pending.add(p.installation);
        // Pending events first; a catch-up run still owed follows them in the lane.
        o.queue.schedule(p.installation, Math.max(0, p.nextAttemptAt - o.now()), async () => {
          await drain(p.installation);
          await catchUp(p.installation);
        });
      }
      for (const row of await o.store.listInstallations()) if (!pending.has(row.id)) await catchUp(row.id);
    },
    async rollback(runId) {
      const run = await o.store.getRun(runId);
      if (!run) throw new ParcoursError('NOT_FOUND', `run ${runId} does not exist`, { runId });
      const row = await installation(run.installation);
      return o.queue.run((await work.laneOf(row.id)).lane, `rollback:${runId}`, () => work.rollbackNow(runId));
    },
    async listJobs() {
      throw new ParcoursError('CONFIG_INVALID', NO_JOB_STORE);
    },
    async retryJob() {
      throw new ParcoursError('CONFIG_INVALID', NO_JOB_STORE);
    },
  };
  return api;
}
