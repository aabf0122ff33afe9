/**
 * The admin API (bearer token): installations, on-demand syncs (dry-run returns the plan), runs with
 * their counts, failures and API calls, and rollback. Inputs are validated with zod; responses never
 * carry tokens (installations say only whether tokens are stored).
 */
import express, { type Express, type Request, type Response } from 'express';
import { z } from 'zod';
import { ParcoursError } from '../errors.ts';
import type { InstallationRow, LinkRow, Store } from '../store/index.ts';
import { createLink } from '../sync/link-admin.ts';
import { requireAdmin } from './admin-auth.ts';
import type { Jobs } from './jobs.ts';
import { duration } from './config.ts';
import { issueInstallLink } from './oauth/install-gate.ts';
import { publicEvent } from './webhook-events.ts';
import { salesforceWebhookUrl } from './webhook-secrets.ts';
import { pausedState, resumeInstallation } from '../sync/pause.ts';
import { addTokenInstallation, removeInstallation, type InstallationAdminDeps } from '../sync/installation-admin.ts';

export const ADMIN_BODY_LIMIT = '16kb';

const SyncBody = z.strictObject({
  mode: z.enum(['incremental', 'full']).default('incremental'),
  dryRun: z.boolean().default(false),
  /** false: answer 202 at once and let the run proceed. */
  wait: z.boolean().default(true),
});
const RunsQuery = z.object({ installation: z.string().min(1).max(200).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) });
const RunId = z.coerce.number().int().positive();
const InstallLinkBody = z.strictObject({
  crm: z.enum(['hubspot', 'salesforce']),
  /** Salesforce: install from login.salesforce.com (production) or test.salesforce.com (sandbox). */
  org: z.enum(['production', 'sandbox']).optional(),
  /** How long the link stays usable, e.g. 1h or 7d-as-168h (default PARCOURS_INSTALL_LINK_TTL). */
  expiresIn: duration.optional(),
});
const EventsQuery = z.object({
  state: z.enum(['pending', 'done', 'failed']).optional(),
  installation: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const JobsQuery = z.object({
  state: z.enum(['created', 'retry', 'active', 'completed', 'cancelled', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
/** pg-boss job ids are UUIDs. */
const JobId = z.uuid();

const LinkBody = z.strictObject({
  hubspot: z.string().min(1).max(200),
  salesforce: z.string().min(1).max(200),
  /** Default: from the two installation ids. */
  id: z.string().min(1).max(64).optional(),
  label: z.string().min(1).max(200).optional(),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new ParcoursError('INPUT_INVALID', `${what}: ${z.prettifyError(r.error)}`);
  return r.data;
}

export async function publicInstallation(row: InstallationRow, store: Store) {
  const last = (await store.listRuns({ installation: row.id, limit: 1 }))[0];
  return {
    id: row.id,
    crm: row.crm,
    externalId: row.externalId,
    source: row.source,
    label: row.label,
    tokensStored: row.secrets !== null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    paused: await pausedState(store, row.id),
    lastRun: last ? { id: last.id, mode: last.mode, status: last.status, startedAt: last.startedAt, finishedAt: last.finishedAt } : null,
  };
}

export function mountAdminRoutes(app: Express, o: { store: Store; jobs: Jobs; queueDepth: () => number; startedAt: number; adminToken: string | undefined; installLinkTtlMs: number; publicUrl: () => string; now: () => number; log: { error: (obj: object, msg: string) => void; info: (obj: object, msg: string) => void }; installations: Omit<InstallationAdminDeps, 'store'> }): void {
  const api = express.Router();
  api.use(requireAdmin(o.adminToken));
  api.use(express.json({ limit: ADMIN_BODY_LIMIT, strict: true }));

  // What /healthz no longer tells the public.
  api.get('/health', async (_req: Request, res: Response) => {
    const installations = await o.store.listInstallations();
    res.json({
      status: 'ok',
      uptimeSeconds: Math.round((Date.now() - o.startedAt) / 1000),
      installations: installations.length,
      queued: o.queueDepth(),
      pendingEvents: (await Promise.all(installations.map((i) => o.store.countPendingEvents(i.id)))).reduce((n, c) => n + c, 0),
      failedEvents: (await o.store.listEvents({ state: 'failed', limit: 1000 })).length,
    });
  });

  api.get('/installations', async (_req: Request, res: Response) => {
    res.json(await Promise.all((await o.store.listInstallations()).map((row) => publicInstallation(row, o.store))));
  });

  // Token installations (issue 15): credentials checked with one call, sealed, never echoed. 201 for a new
  // portal/org; 200 when it was already a token installation (its credentials replaced, same id).
  api.post('/installations', async (req: Request, res: Response) => {
    const added = await addTokenInstallation({ ...o.installations, store: o.store }, req.body ?? {});
    o.log.info({ installation: added.id, crm: added.crm, created: added.created }, added.created ? 'installation added; first full sync queued' : 'installation credentials replaced');
    if (added.created) {
      o.jobs.sync(added.id, { mode: 'full', dryRun: false, origin: 'install' }).catch((error: unknown) =>
        o.log.error({ installation: added.id, err: { message: error instanceof Error ? error.message : String(error) } }, 'first sync after adding failed'));
    }
    res.status(added.created ? 201 : 200).json(added);
  });

  // Removes the installation and its stored credentials; its mirror, runs and ledgers stay (README).
  api.delete('/installations/:id', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    await removeInstallation(o.store, id);
    o.log.info({ installation: id }, 'installation removed');
    res.status(204).end();
  });

  // One installation, with what only the admin may see: the Salesforce outbound-message URL and its secret.
  api.get('/installations/:id', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const row = await o.store.getInstallation(id);
    if (!row) throw new ParcoursError('NOT_FOUND', `no installation ${id}`, { installation: id });
    const webhook = row.crm === 'salesforce'
      ? { salesforceUrl: row.webhookSecret ? salesforceWebhookUrl(o.publicUrl(), row.webhookSecret) : null }
      : { hubspotUrl: `${o.publicUrl()}/webhooks/hubspot` };
    res.json({ ...await publicInstallation(row, o.store), webhook, pendingEvents: await o.store.countPendingEvents(id) });
  });

  api.post('/installations/:id/sync', async (req: Request, res: Response) => {
    const body = parse(SyncBody, req.body ?? {}, 'sync request');
    const id = String(req.params.id);
    if (!await o.store.getInstallation(id)) throw new ParcoursError('NOT_FOUND', `no installation ${id}`, { installation: id });
    await answerSync(res, body, { installation: id }, o.jobs.sync(id, { mode: body.mode, dryRun: body.dryRun }));
  });

  // Lifts the pause a rollback set: scheduled runs and webhooks write again.
  api.post('/installations/:id/resume', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!await o.store.getInstallation(id)) throw new ParcoursError('NOT_FOUND', `no installation ${id}`, { installation: id });
    const lifted = await resumeInstallation(o.store, id);
    res.json({ installation: id, resumed: lifted !== null, wasPaused: lifted });
  });

  api.get('/runs', async (req: Request, res: Response) => {
    const q = parse(RunsQuery, req.query, 'runs query');
    const rows = await o.store.listRuns({ ...(q.installation ? { installation: q.installation } : {}), limit: q.limit });
    res.json(rows.map(({ summary: _summary, ...row }) => row));
  });

  api.get('/runs/:id', async (req: Request, res: Response) => {
    const id = parse(RunId, req.params.id, 'run id');
    const run = await o.store.getRun(id);
    if (!run) throw new ParcoursError('NOT_FOUND', `no run ${id}`, { runId: id });
    res.json({ ...run, failures: await o.store.failuresForRun(id) });
  });

  api.post('/runs/:id/rollback', async (req: Request, res: Response) => {
    const id = parse(RunId, req.params.id, 'run id');
    res.json(await o.jobs.rollback(id));
  });

  // Install links: single use, expiring; the one who opens it installs their portal/org.
  api.post('/install-links', async (req: Request, res: Response) => {
    const body = parse(InstallLinkBody, req.body ?? {}, 'install link request');
    if (body.org && body.crm !== 'salesforce') throw new ParcoursError('INPUT_INVALID', 'install link request: org applies to Salesforce only');
    const expiresAt = o.now() + Math.min(body.expiresIn ?? o.installLinkTtlMs, 30 * 86_400_000);
    const token = await issueInstallLink(o.store, body.crm, expiresAt);
    const url = new URL(`${o.publicUrl()}/oauth/${body.crm}/install`);
    if (body.org) url.searchParams.set('org', body.org);
    url.searchParams.set('link', token);
    res.status(201).json({ url: url.toString(), crm: body.crm, expiresAt: new Date(expiresAt).toISOString() });
  });

  // Webhook events: the inbox and its dead-letter list (`?state=failed`), and a manual retry.
  api.get('/events', async (req: Request, res: Response) => {
    const q = parse(EventsQuery, req.query, 'events query');
    res.json((await o.store.listEvents({ limit: q.limit, ...(q.state ? { state: q.state } : {}), ...(q.installation ? { installation: q.installation } : {}) })).map(publicEvent));
  });

  api.post('/events/:id/retry', async (req: Request, res: Response) => {
    const id = parse(RunId, req.params.id, 'event id');
    const event = await o.store.getEvent(id);
    if (!event) throw new ParcoursError('NOT_FOUND', `no webhook event ${id}`, { eventId: id });
    if (!await o.store.retryEvent(id, o.now())) throw new ParcoursError('CONFIG_INVALID', `webhook event ${id} is ${event.state}, not failed: only dead-lettered events are retried by hand`, { eventId: id });
    o.jobs.eventsArrived(event.installation);
    res.status(202).json(publicEvent(await o.store.getEvent(id) ?? event));
  });

  // Jobs of the PostgreSQL job queue (issue 15): failed ones are kept (`?state=failed`) and retried by hand.
  api.get('/jobs', async (req: Request, res: Response) => {
    const q = parse(JobsQuery, req.query, 'jobs query');
    res.json(await o.jobs.listJobs({ limit: q.limit, ...(q.state ? { state: q.state } : {}) }));
  });

  api.post('/jobs/:id/retry', async (req: Request, res: Response) => {
    const id = parse(JobId, req.params.id, 'job id');
    res.status(202).json(await o.jobs.retryJob(id));
  });

  // Linked installations (issue 16): one HubSpot + one Salesforce installation read as one journey.
  api.get('/links', async (_req: Request, res: Response) => {
    res.json(await Promise.all((await o.store.listLinks()).map((l) => publicLink(o.store, l))));
  });

  api.get('/links/:id', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const link = await o.store.getLink(id);
    if (!link) throw new ParcoursError('NOT_FOUND', `no link ${id}`, { link: id });
    res.json({ ...await publicLink(o.store, link), conflictList: (await o.store.linkConflicts(id)).slice(0, 1000) });
  });

  api.post('/links', async (req: Request, res: Response) => {
    const body = parse(LinkBody, req.body ?? {}, 'link request');
    const link = await createLink(o.store, null, body);
    res.status(201).json(await publicLink(o.store, link));
  });

  // The link's sync (the same job as a sync of either of its installations): both sides pulled, one journey, both written.
  api.post('/links/:id/sync', async (req: Request, res: Response) => {
    const body = parse(SyncBody, req.body ?? {}, 'sync request');
    const id = String(req.params.id);
    if (!await o.store.getLink(id)) throw new ParcoursError('NOT_FOUND', `no link ${id}`, { link: id });
    await answerSync(res, body, { link: id }, o.jobs.syncLink(id, { mode: body.mode, dryRun: body.dryRun }));
  });

  api.delete('/links/:id', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!await o.store.removeLink(id)) throw new ParcoursError('NOT_FOUND', `no link ${id}`, { link: id });
    res.json({ link: id, removed: true });
  });

  /** With `wait`, the run's summary; without, 202 at once (a failure is logged). */
  async function answerSync(res: Response, body: { mode: string; dryRun: boolean; wait: boolean }, what: { installation: string } | { link: string }, run: Promise<unknown>): Promise<void> {
    if (body.wait) return void res.json(await run);
    run.catch((error: unknown) => o.log.error({ ...what, err: { message: error instanceof Error ? error.message : String(error) } }, 'sync failed'));
    res.status(202).json({ queued: true, ...what, mode: body.mode, dryRun: body.dryRun });
  }

  app.use('/api', api);
}

/** A link as the admin API shows it: the pair and what its last linked run found. */
export async function publicLink(store: Store, link: LinkRow) {
  return { ...link, linkedCustomers: (await store.linkMatches(link.id)).length, conflicts: (await store.linkConflicts(link.id)).length };
}

