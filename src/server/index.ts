/**
 * `startServer(options)`: the Parcours service (what `parcours serve` runs). Opens the store, registers
 * environment installations, refuses to start without PARCOURS_SECRET_KEY once tokens are stored, and
 * serves the app with the work queue and the scheduler.
 *
 * Roles (issue 15): `all` (default) serves everything and runs the jobs; `web` serves webhooks, OAuth and
 * the admin API and only enqueues; `worker` runs jobs and serves /healthz and /metrics. With SQLite the
 * work queue is in memory (one process, `all` only); with PARCOURS_DATABASE_URL it is pg-boss on the same
 * PostgreSQL, shared by every process (pgboss-jobs.ts).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DestinationStream, Logger } from 'pino';
import { ParcoursError } from '../errors.ts';
import type { InstallationRow, Store } from '../store/index.ts';
import { openStoreFor, usesPostgres } from '../store/open.ts';
import type { RecomputeSummary } from '../sync/recompute.ts';
import { createApp, createWorkerApp } from './app.ts';
import { readServerEnv, type ServerEnv } from './config.ts';
import { learnAccountIds, registerEnvInstallations } from './env-installations.ts';
import { resolveLink } from '../sync/link-admin.ts';
import { createConnectorSource } from './installation-connectors.ts';
import { withRefreshLock } from './installation-lock.ts';
import pg from 'pg';
import { createInstallationWork, createJobs, type Jobs } from './jobs.ts';
import { createPgBossJobs, type PgBossJobs } from './pgboss-jobs.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { startScheduler, type Scheduler } from './scheduler.ts';
import { createSecretBox } from '../secret-box.ts';
import { createWorkQueue, type ChangeBatch } from './work-queue.ts';
import { installationId, processEnvironment } from '../config.ts';
import { CRMS } from '../model.ts';
import { journeyMapRenderer } from './journey-map.ts';

/** How long startup waits for environment installations to learn their portal/org id. */
export const LEARN_WAIT_MS = 10_000;

export type ServerRole = 'web' | 'worker' | 'all';
export const SERVER_ROLES: readonly ServerRole[] = ['web', 'worker', 'all'];

export interface ServerOptions {
  /** Environment to read (default process.env), or an already parsed one. */
  env?: NodeJS.ProcessEnv | ServerEnv;
  /** Overrides PORT (0 = a free port). */
  port?: number;
  host?: string;
  /** An open store (default: PARCOURS_DB); the service then leaves closing it to the caller. */
  store?: Store;
  /** Log destination (default stdout) or a ready logger. */
  log?: Logger | DestinationStream;
  /** Scheduled syncs (default true; tests turn them off). */
  schedule?: boolean;
  now?: () => number;
  /** The journey map renderer from src/report; `/journey` serves it when given. */
  renderJourneyMap?: (installation: InstallationRow) => Promise<string>;
  onRecomputed?: (summary: RecomputeSummary, batch: ChangeBatch) => void;
  /** web | worker | all (default). web and worker need the store on PostgreSQL. */
  role?: ServerRole;
  /** Worker and all roles on PostgreSQL: jobs for up to this many installations at once (default 4). */
  concurrency?: number;
  /**
   * Worker role on PostgreSQL: `urgent` takes only urgent jobs (webhook recomputes, rollbacks, schedule ticks), never a
   * sync, so their latency does not depend on how many full syncs the other workers run (default `all`).
   */
  jobs?: WorkerJobs;
}

export type WorkerJobs = 'all' | 'urgent';
export const WORKER_JOBS: readonly WorkerJobs[] = ['all', 'urgent'];

export interface ParcoursServer {
  url: string;
  port: number;
  store: Store;
  jobs: Jobs;
  role: ServerRole;
  /** Resolves once no job is queued, running or gathering webhook events (pg-boss: none running here). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

function isLogger(x: unknown): x is Logger {
  return typeof x === 'object' && x !== null && typeof (x as Logger).child === 'function' && typeof (x as Logger).info === 'function';
}

export async function startServer(options: ServerOptions = {}): Promise<ParcoursServer> {
  const source = options.env ?? processEnvironment();
  const { env, server: settings } = 'server' in source && 'env' in source ? (source as ServerEnv) : readServerEnv(source as NodeJS.ProcessEnv);
  const role = options.role ?? 'all';
  const concurrency = options.concurrency ?? 4;
  const workerJobs = options.jobs ?? 'all';
  if (workerJobs === 'urgent' && role !== 'worker') {
    throw new ParcoursError('CONFIG_INVALID', `--jobs urgent is for --role worker (a process that takes only webhook recomputes, rollbacks and ticks); --role ${role} runs every job`, { role });
  }
  const distributed = usesPostgres(env);
  if (role !== 'all' && !distributed) {
    throw new ParcoursError('CONFIG_INVALID', `serve --role ${role} needs a shared PostgreSQL: set PARCOURS_DATABASE_URL=postgres://… (the web and worker processes share its store and job queue); with SQLite run one process, --role all`, { role });
  }
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new ParcoursError('CONFIG_INVALID', `--concurrency: expected a whole number from 1 to 256, got ${concurrency}`, { concurrency });
  }
  const log = isLogger(options.log) ? options.log : createLogger(settings.PARCOURS_LOG_LEVEL, options.log);
  const now = options.now ?? Date.now;
  const ownsStore = options.store === undefined;
  const store = options.store ?? await openStoreFor(env);
  let boss: PgBossJobs | null = null;
  let refreshPool: pg.Pool | null = null;
  try {
    const box = settings.PARCOURS_SECRET_KEY ? createSecretBox(settings.PARCOURS_SECRET_KEY) : null;
    if (!box && await store.hasSealedSecrets()) {
      throw new ParcoursError('CONFIG_INVALID', 'this store holds OAuth tokens: set PARCOURS_SECRET_KEY to the key they were stored with');
    }
    const serves = role !== 'worker';
    const registered = serves ? await registerEnvInstallations(store, env, settings, log) : [];
    // PARCOURS_LINK (issue 16): the environment's two installations are one journey; their work is the link's.
    if (serves && env.PARCOURS_LINK && !CRMS.every((crm) => registered.includes(installationId(env, crm)))) {
      log.warn({ registered }, 'PARCOURS_LINK is set but the environment does not configure both CRMs: no environment link');
    } else if (serves && env.PARCOURS_LINK) {
      const link = await resolveLink(store, env, true);
      log.info({ link: link.id, hubspot: link.hubspot, salesforce: link.salesforce }, 'environment link (PARCOURS_LINK): syncs and webhooks of either side run the linked sync');
    }
    const metrics = createMetrics();
    const queue = createWorkQueue({
      onError: (installation, error) => log.error({ installation, err: { message: error instanceof Error ? error.message : String(error) } }, 'webhook batch failed'),
    });
    metrics.gauge('parcours_installations', 'Installations known to the service.', async () => (await store.listInstallations()).length);
    // Token refreshes, one at a time per installation across every process sharing the PostgreSQL store.
    refreshPool = distributed ? new pg.Pool({ connectionString: env.PARCOURS_DATABASE_URL as string, max: 2, application_name: 'parcours-refresh' }) : null;
    const pool = refreshPool;
    const connectors = createConnectorSource({ env, settings, store, box, now, ...(pool ? { refreshLock: <T>(id: string, fn: () => Promise<T>) => withRefreshLock(pool, id, fn) } : {}) });
    if (serves) {
      // Asked once, before listening when the CRM answers promptly; a slow CRM never holds the start
      // up for longer than this (the answer is stored whenever it comes; until then those webhooks are refused).
      const learning = learnAccountIds(store, connectors, log);
      let waited: NodeJS.Timeout | undefined;
      await Promise.race([learning, new Promise<void>((resolve) => (waited = setTimeout(resolve, LEARN_WAIT_MS)))]);
      clearTimeout(waited);
    }
    const retry = { retries: settings.PARCOURS_EVENT_RETRIES, factor: 2, minTimeoutMs: settings.PARCOURS_EVENT_RETRY_MIN, maxTimeoutMs: 15 * 60_000 };
    const workOptions = { env, store, connectors, metrics, log, now, retry, ...(options.onRecomputed ? { onRecomputed: options.onRecomputed } : {}) };
    let jobs: Jobs;
    if (distributed) {
      boss = createPgBossJobs({
        url: env.PARCOURS_DATABASE_URL as string, store, work: createInstallationWork(workOptions), log, now, batchWindowMs: settings.PARCOURS_WEBHOOK_BATCH, retryLimit: settings.PARCOURS_JOB_RETRIES,
        worker: role === 'web' ? null : { concurrency, ...(workerJobs === 'urgent' ? { urgentOnly: true } : {}) },
        schedule: serves && options.schedule !== false ? { everyMs: settings.PARCOURS_SYNC_EVERY, nightlyAt: settings.PARCOURS_NIGHTLY_AT } : null,
      });
      await boss.start();
      jobs = boss;
    } else {
      jobs = createJobs({ ...workOptions, queue, batchWindowMs: settings.PARCOURS_WEBHOOK_BATCH });
    }
    const running = boss;
    const queueDepth = running ? () => running.running() : () => queue.depth();
    metrics.gauge('parcours_queue_depth', running ? 'Jobs running in this process.' : 'Jobs queued or running, plus armed webhook drains and retries.', queueDepth);
    let publicUrl = settings.PARCOURS_PUBLIC_URL ?? '';
    const app = serves
      ? createApp({
          env, settings, store, box, jobs, queueDepth, metrics, log, publicUrl: () => publicUrl, now, startedAt: Date.now(),
          renderJourneyMap: options.renderJourneyMap ?? journeyMapRenderer(env, store, now),
        })
      : createWorkerApp({ settings, store, metrics, log });
    const host = options.host ?? '127.0.0.1';
    const server: Server = await new Promise((resolve, reject) => {
      const s = app.listen(options.port ?? settings.PORT, host, (err?: Error) => (err ? reject(err) : resolve(s)));
    });
    const { port } = server.address() as AddressInfo;
    const url = `http://${host}:${port}`;
    if (!publicUrl && serves) {
      publicUrl = url;
      log.warn({ url }, 'PARCOURS_PUBLIC_URL is not set: OAuth redirects and webhook signatures use the local URL');
    }
    // Events acknowledged before a stop are processed first, before any scheduled run.
    if (serves) await jobs.resumePending();
    // On PostgreSQL the schedules live in pg-boss (boss.start above); the in-process timers are SQLite's.
    const scheduler: Scheduler | null = options.schedule === false || distributed ? null : startScheduler({ store, jobs, log, everyMs: settings.PARCOURS_SYNC_EVERY, nightlyAt: settings.PARCOURS_NIGHTLY_AT, now });
    // Webhook ids are kept a week: HubSpot retries for 24 h, Salesforce for 24 h.
    const prune = setInterval(() => {
      const before = now() - 7 * 86_400_000;
      Promise.all([store.forgetWebhookEventsBefore(before), store.forgetDoneEventsBefore(before)]).catch((error: unknown) =>
        log.warn({ err: { message: error instanceof Error ? error.message : String(error) } }, 'pruning old webhook ids failed; retried in an hour'),
      );
    }, 3_600_000);
    prune.unref();
    if (!serves) clearInterval(prune);
    log.info({ url, role, ...(distributed ? { queue: 'pg-boss', concurrency: role === 'web' ? 0 : concurrency, jobs: workerJobs } : {}), installations: (await store.listInstallations()).map((i) => i.id), fromEnvironment: registered }, 'parcours service started');
    return {
      url,
      port,
      store,
      jobs,
      role,
      idle: running
        ? async () => {
            while (running.running() > 0) await new Promise((r) => setTimeout(r, 50));
          }
        : () => queue.idle(),
      async close() {
        scheduler?.stop();
        clearInterval(prune);
        // Armed drains and retries stay in the store: the next start resumes them.
        queue.disarm();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        // pg-boss: stop fetching, let the running jobs finish; past the grace their runs stop at a safe point
        // and their jobs are retried, here or by another worker (PgBossJobs.stop).
        await running?.stop(settings.PARCOURS_STOP_GRACE);
        await queue.idle();
        await refreshPool?.end();
        if (ownsStore) await store.close();
      },
    };
  } catch (error) {
    await boss?.stop(1000).catch(() => undefined);
    await refreshPool?.end().catch(() => undefined);
    if (ownsStore) await store.close();
    throw error;
  }
}

export { readServerEnv, ServerEnvSchema } from './config.ts';
