/**
 * The express app: public health, OAuth installs, signed webhooks, the admin API, the journey map
 * hook, JSON 404s and errors. Nothing here reads the environment; `startServer` passes it all in.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Env } from '../config.ts';
import { ParcoursError } from '../errors.ts';
import type { InstallationRow, Store } from '../store/index.ts';
import { requireAdmin } from './admin-auth.ts';
import { mountAdminRoutes } from './admin-routes.ts';
import type { ServerSettings } from './config.ts';
import { errorHandler, sendError } from './http-errors.ts';
import type { Jobs } from './jobs.ts';
import type { Metrics } from './metrics.ts';
import { inboundLimit } from './inbound-limits.ts';
import { mountHubspotInstall } from './oauth/hubspot-install.ts';
import { installGate } from './oauth/install-gate.ts';
import { mountSalesforceInstall } from './oauth/salesforce-install.ts';
import type { SecretBox } from '../secret-box.ts';
import { redactWebhookPath } from './webhook-secrets.ts';
import { mountWebhooks } from './webhooks/routes.ts';
import type { WorkQueue } from './work-queue.ts';

export interface AppDeps {
  env: Env;
  settings: ServerSettings;
  store: Store;
  box: SecretBox | null;
  jobs: Jobs;
  queue: WorkQueue;
  metrics: Metrics;
  log: Logger;
  publicUrl: () => string;
  now: () => number;
  startedAt: number;
  renderJourneyMap?: (installation: InstallationRow) => Promise<string>;
}

export function createApp(d: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  if (d.settings.PARCOURS_TRUST_PROXY > 0) app.set('trust proxy', d.settings.PARCOURS_TRUST_PROXY);

  // Method, path (never the query: OAuth callbacks carry codes; never a webhook secret), status and duration.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    res.on('finish', () => d.log.info({ method: req.method, path: redactWebhookPath(req.path), status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request'));
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - d.startedAt) / 1000), installations: d.store.listInstallations().length, queued: d.queue.depth() });
  });

  app.get('/metrics', requireAdmin(d.settings.PARCOURS_ADMIN_TOKEN), (_req, res) => {
    const gauges = {
      parcours_installations: { help: 'Installations known to the service.', value: d.store.listInstallations().length },
      parcours_queue_depth: { help: 'Jobs queued or running, plus webhook batches gathering.', value: d.queue.depth() },
    };
    res.type('text/plain; version=0.0.4; charset=utf-8').send(d.metrics.render(gauges));
  });

  const { limit, windowMs } = d.settings.PARCOURS_INBOUND_RATE_LIMIT;
  app.use('/oauth', inboundLimit({ limit, windowMs, onLimited: (_req, res) => sendError(res, 429, 'RATE_LIMITED', 'too many install requests from this address; retry later') }));
  const installDeps = {
    env: d.env, settings: d.settings, store: d.store, box: d.box, publicUrl: d.publicUrl, now: d.now,
    gate: (crm: 'hubspot' | 'salesforce') => installGate({ crm, store: d.store, publicInstalls: d.settings.PARCOURS_PUBLIC_INSTALLS, adminToken: d.settings.PARCOURS_ADMIN_TOKEN, now: d.now }),
    mappingFor: (crm: 'hubspot' | 'salesforce') => d.jobs.engineFor(crm).mapping,
    onInstalled: (row: InstallationRow) => {
      d.log.info({ installation: row.id }, 'installed; provisioning and first full sync queued');
      d.jobs.sync(row.id, { mode: 'full', dryRun: false }).catch((error: unknown) => {
        d.log.error({ installation: row.id, err: { message: error instanceof Error ? error.message : String(error) } }, 'first sync after install failed');
      });
    },
  };
  mountHubspotInstall(app, installDeps);
  mountSalesforceInstall(app, installDeps);
  mountWebhooks(app, { settings: d.settings, store: d.store, jobs: d.jobs, metrics: d.metrics, log: d.log, publicUrl: d.publicUrl, now: d.now });
  mountAdminRoutes(app, { store: d.store, jobs: d.jobs, adminToken: d.settings.PARCOURS_ADMIN_TOKEN, installLinkTtlMs: d.settings.PARCOURS_INSTALL_LINK_TTL, publicUrl: d.publicUrl, now: d.now, log: d.log });

  // Hook for the journey map (src/report): served when the caller provides a renderer.
  app.get('/journey', requireAdmin(d.settings.PARCOURS_ADMIN_TOKEN), async (req: Request, res: Response) => {
    if (!d.renderJourneyMap) return sendError(res, 404, 'NOT_FOUND', 'the journey map is not available in this build');
    const id = typeof req.query.installation === 'string' ? req.query.installation : d.store.listInstallations()[0]?.id;
    const row = id === undefined ? undefined : d.store.getInstallation(id);
    if (!row) throw new ParcoursError('NOT_FOUND', `no installation ${id ?? '(none installed)'}`);
    res.type('text/html; charset=utf-8').send(await d.renderJourneyMap(row));
  });

  app.use((req: Request, res: Response) => sendError(res, 404, 'NOT_FOUND', `no route ${req.method} ${req.path}`));
  app.use(errorHandler(d.log));
  return app;
}
