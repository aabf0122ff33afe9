/**
 * `startServer(options)`: the Parcours service (what `parcours serve` runs). Opens the store, registers
 * environment installations, refuses to start without PARCOURS_SECRET_KEY once tokens are stored, and
 * serves the app with the work queue and the scheduler.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DestinationStream, Logger } from 'pino';
import { ParcoursError } from '../errors.ts';
import type { InstallationRow, Store } from '../store/index.ts';
import { openStoreFor } from '../store/open.ts';
import type { RecomputeSummary } from '../sync/recompute.ts';
import { createApp } from './app.ts';
import { readServerEnv, type ServerEnv } from './config.ts';
import { learnAccountIds, registerEnvInstallations } from './env-installations.ts';
import { createConnectorSource } from './installation-connectors.ts';
import { createJobs, type Jobs } from './jobs.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { startScheduler, type Scheduler } from './scheduler.ts';
import { createSecretBox } from '../secret-box.ts';
import { createWorkQueue, type ChangeBatch } from './work-queue.ts';
import { processEnvironment } from '../config.ts';
import { journeyMapRenderer } from './journey-map.ts';

/** How long startup waits for environment installations to learn their portal/org id. */
export const LEARN_WAIT_MS = 10_000;

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
}

export interface ParcoursServer {
  url: string;
  port: number;
  store: Store;
  jobs: Jobs;
  /** Resolves once no job is queued, running or gathering webhook events. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

function isLogger(x: unknown): x is Logger {
  return typeof x === 'object' && x !== null && typeof (x as Logger).child === 'function' && typeof (x as Logger).info === 'function';
}

export async function startServer(options: ServerOptions = {}): Promise<ParcoursServer> {
  const source = options.env ?? processEnvironment();
  const { env, server: settings } = 'server' in source && 'env' in source ? (source as ServerEnv) : readServerEnv(source as NodeJS.ProcessEnv);
  const log = isLogger(options.log) ? options.log : createLogger(settings.PARCOURS_LOG_LEVEL, options.log);
  const now = options.now ?? Date.now;
  const ownsStore = options.store === undefined;
  const store = options.store ?? await openStoreFor(env);
  try {
    const box = settings.PARCOURS_SECRET_KEY ? createSecretBox(settings.PARCOURS_SECRET_KEY) : null;
    if (!box && await store.hasSealedSecrets()) {
      throw new ParcoursError('CONFIG_INVALID', 'this store holds OAuth tokens: set PARCOURS_SECRET_KEY to the key they were stored with');
    }
    const registered = await registerEnvInstallations(store, env, settings, log);
    const metrics = createMetrics();
    const queue = createWorkQueue({
      onError: (installation, error) => log.error({ installation, err: { message: error instanceof Error ? error.message : String(error) } }, 'webhook batch failed'),
    });
    metrics.gauge('parcours_installations', 'Installations known to the service.', async () => (await store.listInstallations()).length);
    metrics.gauge('parcours_queue_depth', 'Jobs queued or running, plus armed webhook drains and retries.', () => queue.depth());
    const connectors = createConnectorSource({ env, settings, store, box, now });
    // Asked once, before listening when the CRM answers promptly; a slow CRM never holds the start
    // up for longer than this (the answer is stored whenever it comes; until then those webhooks are refused).
    const learning = learnAccountIds(store, connectors, log);
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([learning, new Promise<void>((resolve) => (waited = setTimeout(resolve, LEARN_WAIT_MS)))]);
    clearTimeout(waited);
    const retry = { retries: settings.PARCOURS_EVENT_RETRIES, factor: 2, minTimeoutMs: settings.PARCOURS_EVENT_RETRY_MIN, maxTimeoutMs: 15 * 60_000 };
    const jobs = createJobs({ env, store, queue, connectors, metrics, log, now, batchWindowMs: settings.PARCOURS_WEBHOOK_BATCH, retry, ...(options.onRecomputed ? { onRecomputed: options.onRecomputed } : {}) });
    let publicUrl = settings.PARCOURS_PUBLIC_URL ?? '';
    const app = createApp({
      env, settings, store, box, jobs, queue, metrics, log, publicUrl: () => publicUrl, now, startedAt: Date.now(),
      renderJourneyMap: options.renderJourneyMap ?? journeyMapRenderer(env, store, now),
    });
    const host = options.host ?? '127.0.0.1';
    const server: Server = await new Promise((resolve, reject) => {
      const s = app.listen(options.port ?? settings.PORT, host, (err?: Error) => (err ? reject(err) : resolve(s)));
    });
    const { port } = server.address() as AddressInfo;
    const url = `http://${host}:${port}`;
    if (!publicUrl) {
      publicUrl = url;
      log.warn({ url }, 'PARCOURS_PUBLIC_URL is not set: OAuth redirects and webhook signatures use the local URL');
    }
    // Events acknowledged before a stop are processed first, before any scheduled run.
    await jobs.resumePending();
    const scheduler: Scheduler | null = options.schedule === false ? null : startScheduler({ store, jobs, log, everyMs: settings.PARCOURS_SYNC_EVERY, nightlyAt: settings.PARCOURS_NIGHTLY_AT, now });
    // Webhook ids are kept a week: HubSpot retries for 24 h, Salesforce for 24 h.
    const prune = setInterval(() => {
      const before = now() - 7 * 86_400_000;
      Promise.all([store.forgetWebhookEventsBefore(before), store.forgetDoneEventsBefore(before)]).catch((error: unknown) =>
        log.warn({ err: { message: error instanceof Error ? error.message : String(error) } }, 'pruning old webhook ids failed; retried in an hour'),
      );
    }, 3_600_000);
    prune.unref();
    log.info({ url, installations: (await store.listInstallations()).map((i) => i.id), fromEnvironment: registered }, 'parcours service started');
    return {
      url,
      port,
      store,
      jobs,
      idle: () => queue.idle(),
      async close() {
        scheduler?.stop();
        clearInterval(prune);
        // Armed drains and retries stay in the store: the next start resumes them.
        queue.disarm();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await queue.idle();
        if (ownsStore) await store.close();
      },
    };
  } catch (error) {
    if (ownsStore) await store.close();
    throw error;
  }
}

export { readServerEnv, ServerEnvSchema } from './config.ts';
