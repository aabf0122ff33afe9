/**
 * The express app: public health, OAuth installs, signed webhooks, the admin API, the journey map
 * hook, JSON 404s and errors. Nothing here reads the environment; `startServer` passes it all in.
 */
import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
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

export interface AppDeps {
  env: Env;
  settings: ServerSettings;
  store: Store;
  box: SecretBox | null;
  jobs: Jobs;
  /** Jobs queued or running (the admin health answer). */
  queueDepth: () => number;
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

  // Every request gets an id (X-Request-Id): error answers cite it, the log line carries it.
  // Logged: method, path (never the query: OAuth callbacks carry codes; never a webhook secret), status, duration.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    const requestId = randomUUID();
    res.locals.requestId = requestId;
    res.set('X-Request-Id', requestId);
    res.on('finish', () => d.log.info({ requestId, method: req.method, path: redactWebhookPath(req.path), status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request'));
    next();
  });
  // Security headers (helmet): a strict CSP that also forbids framing (frame-ancestors 'none'; the journey
  // map is self-contained: inline styles and SVG, no script), no sniffing, no referrer, HSTS.
  app.use(helmet({
    contentSecurityPolicy: { directives: { 'frame-ancestors': ["'none'"], 'script-src': ["'none'"], 'form-action': ["'none'"] } },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  }));
  // Nothing behind the admin token or from an OAuth callback may sit in a cache.
  app.use(['/api', '/journey', '/metrics', '/oauth'], (_req: Request, res: Response, next: NextFunction) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  // Public: up or down only. The details are the admin's (GET /api/health).
  app.get('/healthz', async (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    try {
      await d.store.listInstallations();
    } catch {
      return void res.status(503).json({ status: 'down' });
    }
    res.json({ status: 'ok' });
  });

  app.get('/metrics', requireAdmin(d.settings.PARCOURS_ADMIN_TOKEN), async (_req: Request, res: Response) => {
    const { contentType, text } = await d.metrics.render();
    res.type(contentType).send(text);
  });

  const { limit, windowMs } = d.settings.PARCOURS_INBOUND_RATE_LIMIT;
  app.use('/oauth', inboundLimit({ limit, windowMs, onLimited: (_req, res) => sendError(res, 429, 'RATE_LIMITED', 'too many install requests from this address; retry later') }));
  const installDeps = {
    env: d.env, settings: d.settings, store: d.store, box: d.box, publicUrl: d.publicUrl, now: d.now,
    gate: (crm: 'hubspot' | 'salesforce') => installGate({ crm, store: d.store, publicInstalls: d.settings.PARCOURS_PUBLIC_INSTALLS, adminToken: d.settings.PARCOURS_ADMIN_TOKEN, now: d.now }),
    mappingFor: (crm: 'hubspot' | 'salesforce') => d.jobs.engineFor(crm).mapping,
    onInstalled: async (row: InstallationRow) => {
      d.log.info({ installation: row.id }, 'installed; provisioning and first full sync queued');
      d.jobs.sync(row.id, { mode: 'full', dryRun: false, origin: 'install' }).catch((error: unknown) => {
        d.log.error({ installation: row.id, err: { message: error instanceof Error ? error.message : String(error) } }, 'first sync after install failed');
      });
    },
  };
  mountHubspotInstall(app, installDeps);
  mountSalesforceInstall(app, installDeps);
  mountWebhooks(app, { settings: d.settings, store: d.store, jobs: d.jobs, metrics: d.metrics, log: d.log, publicUrl: d.publicUrl, now: d.now });
  mountAdminRoutes(app, { store: d.store, jobs: d.jobs, queueDepth: d.queueDepth, startedAt: d.startedAt, adminToken: d.settings.PARCOURS_ADMIN_TOKEN, installLinkTtlMs: d.settings.PARCOURS_INSTALL_LINK_TTL, publicUrl: d.publicUrl, now: d.now, log: d.log,
    installations: { box: d.box, hubspotBaseUrl: d.env.HUBSPOT_BASE_URL, configuredLoginUrls: [d.env.SALESFORCE_LOGIN_URL, d.settings.SALESFORCE_SANDBOX_LOGIN_URL] },
  });

  // Hook for the journey map (src/report): served when the caller provides a renderer.
  app.get('/journey', requireAdmin(d.settings.PARCOURS_ADMIN_TOKEN), async (req: Request, res: Response) => {
    if (!d.renderJourneyMap) return sendError(res, 404, 'NOT_FOUND', 'the journey map is not available in this build');
    const id = typeof req.query.installation === 'string' ? req.query.installation : (await d.store.listInstallations())[0]?.id;
    const row = id === undefined ? undefined : await d.store.getInstallation(id);
    if (!row) throw new ParcoursError('NOT_FOUND', `no installation ${id ?? '(none installed)'}`);
    res.type('text/html; charset=utf-8').send(await d.renderJourneyMap(row));
  });

  app.use((req: Request, res: Response) => sendError(res, 404, 'NOT_FOUND', `no route ${req.method} ${req.path}`));
  app.use(errorHandler(d.log));
  return app;
}

/** A worker process (`serve --role worker`): runs jobs and answers only /healthz and the admin's /metrics. */
export function createWorkerApp(d: Pick<AppDeps, 'settings' | 'store' | 'metrics' | 'log'>): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', async (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    try {
      await d.store.listInstallations();
    } catch {
      return void res.status(503).json({ status: 'down' });
    }
    res.json({ status: 'ok', role: 'worker' });
  });
  app.get('/metrics', requireAdmin(d.settings.PARCOURS_ADMIN_TOKEN), async (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    const { contentType, text } = await d.metrics.render();
    res.type(contentType).send(text);
  });
  app.use((req: Request, res: Response) => sendError(res, 404, 'NOT_FOUND', `no route ${req.method} ${req.path} on a worker (it serves /healthz and /metrics)`));
  app.use(errorHandler(d.log));
  return app;
}
