/**
 * Webhook endpoints. Both authenticate before they read or parse a body — HubSpot by its v3
 * signature, Salesforce by the secret in its URL — write each accepted event to the store's inbox
 * (with its de-duplication key, in one transaction) and only then answer (HubSpot retries after 5 s,
 * Salesforce after 60 s); the installation's lane drains the inbox, nearby events in one recompute. Replays are recognised by event id and ignored. Events from a portal or org
 * no installation holds are dropped (logged and counted), never routed to another installation.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { InstallationRow, Store } from '../../store/index.ts';
import type { ServerSettings } from '../config.ts';
import { sendError } from '../http-errors.ts';
import { inboundLimit } from '../inbound-limits.ts';
import type { Jobs } from '../jobs.ts';
import type { Metrics } from '../metrics.ts';
import { serializeChanges } from '../webhook-events.ts';
import { installationBySecret } from '../webhook-secrets.ts';
import type { ChangeBatch } from '../work-queue.ts';
import { changesOf, eventKey, HubspotBatchSchema, ownedPropertyNames } from './hubspot-events.ts';
import { verifyV3 } from './hubspot-signature.ts';
import { ACK, changesOfNotification, parseOutboundMessage, soapFault } from './salesforce-outbound.ts';

/** HubSpot sends at most 100 events per request (~100 KiB); 1 MiB leaves room without inviting floods. */
export const HUBSPOT_BODY_LIMIT = '1mb';
/** 100 notifications with the few fields the Flow sends fit in far less. */
export const SALESFORCE_BODY_LIMIT = '256kb';

export interface WebhookDeps {
  settings: ServerSettings;
  store: Store;
  jobs: Jobs;
  metrics: Metrics;
  log: Logger;
  publicUrl: () => string;
  now: () => number;
}

/** Salesforce sends 18-character org ids; installations may hold the 15-character form. */
export function sameOrg(a: string, b: string): boolean {
  return a.slice(0, 15) === b.slice(0, 15);
}

interface InboundItem {
  key: string;
  /** null: the event concerns nothing Parcours reads (only its key is kept, for replays). */
  changes: Partial<ChangeBatch> | null;
}

type Counts = { accepted: number; duplicate: number; ignored: number; overflow: number };

function addCounts(into: Counts, c: Counts): void {
  for (const k of Object.keys(c) as Array<keyof Counts>) into[k] += c[k];
}

/**
 * Stores the events before the CRM is answered: each new event with its de-duplication key in one
 * transaction. Past the installation's cap of pending events only the keys are kept and an incremental
 * run is owed instead (the pending-change backlog cannot grow without bound).
 */
async function keep(d: WebhookDeps, source: string, installation: string, items: InboundItem[]): Promise<Counts> {
  const at = d.now();
  const counts: Counts = { accepted: 0, duplicate: 0, ignored: 0, overflow: 0 };
  const ignored = items.filter((i) => i.changes === null);
  const wanted = items.filter((i): i is { key: string; changes: Partial<ChangeBatch> } => i.changes !== null);
  if (ignored.length) {
    const r = await d.store.rememberWebhookEvents(source, ignored.map((i) => i.key), at);
    counts.ignored += r.accepted;
    counts.duplicate += r.duplicate;
  }
  if (wanted.length === 0) return counts;
  if (await d.store.countPendingEvents(installation) + wanted.length > d.settings.PARCOURS_MAX_PENDING_EVENTS) {
    const r = await d.store.rememberWebhookEvents(source, wanted.map((i) => i.key), at);
    counts.overflow += r.accepted;
    counts.duplicate += r.duplicate;
    if (r.accepted) await d.jobs.overflowed(installation);
    return counts;
  }
  const r = await d.store.acceptWebhookEvents(source, wanted.map((i) => ({ installation, eventKey: i.key, changes: serializeChanges(i.changes) })), at);
  counts.accepted += r.accepted;
  counts.duplicate += r.duplicate;
  if (r.accepted) d.jobs.eventsArrived(installation);
  return counts;
}

export function mountWebhooks(app: Express, d: WebhookDeps): void {
  const { limit, windowMs } = d.settings.PARCOURS_INBOUND_RATE_LIMIT;
  const sfXml = (res: Response, status: number, text: string): void => void res.status(status).type('text/xml; charset=utf-8').send(text);

  app.post(
    '/webhooks/hubspot',
    inboundLimit({ limit, windowMs, onLimited: (_req, res) => {
      d.metrics.webhookEvents('hubspot', 'rate_limited', 1);
      sendError(res, 429, 'RATE_LIMITED', 'too many webhook requests from this address; retry later');
    } }),
    express.raw({ type: () => true, limit: HUBSPOT_BODY_LIMIT }),
    async (req: Request, res: Response) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const secret = d.settings.HUBSPOT_CLIENT_SECRET;
      if (!secret) return sendError(res, 503, 'CONFIG_INVALID', 'HubSpot webhooks need HUBSPOT_CLIENT_SECRET');
      const verdict = verifyV3({
        clientSecret: secret, method: req.method, uri: `${d.publicUrl()}${req.originalUrl}`, rawBody: body,
        signature: req.get('x-hubspot-signature-v3'), timestamp: req.get('x-hubspot-request-timestamp'), now: d.now(),
      });
      if (!verdict.ok) {
        d.metrics.webhookEvents('hubspot', `rejected_${verdict.reason}`, 1);
        d.log.warn({ reason: verdict.reason }, 'hubspot webhook refused');
        return sendError(res, 401, 'AUTH_FAILED', verdict.reason === 'stale' ? 'request timestamp outside the 5-minute window' : 'invalid webhook signature');
      }
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        json = undefined;
      }
      const parsed = HubspotBatchSchema.safeParse(json);
      if (!parsed.success) {
        d.metrics.webhookEvents('hubspot', 'malformed', 1);
        return sendError(res, 400, 'INPUT_INVALID', 'expected a JSON array of HubSpot webhook events');
      }
      const counts = { accepted: 0, duplicate: 0, ignored: 0, overflow: 0, unknownPortal: 0 };
      const owned = ownedPropertyNames(d.jobs.engineFor('hubspot').mapping);
      const byPortal = new Map<string, { row: InstallationRow; items: InboundItem[] }>();
      const unknownPortals = new Set<string>();
      for (const event of parsed.data) {
        const row = await d.store.findInstallation('hubspot', event.portalId);
        if (!row) {
          counts.unknownPortal++;
          unknownPortals.add(event.portalId);
          continue;
        }
        const group = byPortal.get(event.portalId) ?? { row, items: [] };
        group.items.push({ key: eventKey(event), changes: changesOf(event, owned) });
        byPortal.set(event.portalId, group);
      }
      if (unknownPortals.size) d.log.warn({ portals: [...unknownPortals], events: counts.unknownPortal }, 'hubspot events from portals no installation holds were dropped');
      for (const [portal, { row, items }] of byPortal) addCounts(counts, await keep(d, `hubspot:${portal}`, row.id, items));
      for (const [outcome, n] of Object.entries(counts)) if (n) d.metrics.webhookEvents('hubspot', outcome === 'unknownPortal' ? 'unknown_portal' : outcome, n);
      res.status(200).json(counts);
    },
  );

  // The endpoint without its secret is no endpoint: say how to get the right URL.
  app.post('/webhooks/salesforce', (_req: Request, res: Response) => {
    d.metrics.webhookEvents('salesforce', 'rejected_missing', 1);
    sfXml(res, 404, soapFault('soapenv:Client', 'this endpoint needs its secret: the URL is printed by parcours webhooks url --crm salesforce'));
  });

  /** Authenticates by the URL secret before the body is read. */
  const authenticate = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const row = await installationBySecret(d.store, String(req.params.secret ?? ''));
    if (!row) {
      d.metrics.webhookEvents('salesforce', 'rejected_mismatch', 1);
      d.log.warn('outbound message with an unknown webhook secret refused');
      // Close the connection after answering: the body is never read.
      res.set('Connection', 'close');
      return sfXml(res, 403, soapFault('soapenv:Client', 'unknown endpoint'));
    }
    res.locals.installation = row;
    next();
  };

  app.post(
    '/webhooks/salesforce/:secret',
    inboundLimit({ limit, windowMs, onLimited: (_req, res) => {
      d.metrics.webhookEvents('salesforce', 'rate_limited', 1);
      sfXml(res, 429, soapFault('soapenv:Client', 'too many requests from this address; retry later'));
    } }),
    authenticate,
    express.raw({ type: () => true, limit: SALESFORCE_BODY_LIMIT }),
    async (req: Request, res: Response) => {
      const row = res.locals.installation as InstallationRow;
      const message = parseOutboundMessage(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
      if (!message) {
        d.metrics.webhookEvents('salesforce', 'malformed', 1);
        return sfXml(res, 400, soapFault('soapenv:Client', 'not an outbound message notifications() body'));
      }
      if (row.externalId === null || !sameOrg(row.externalId, message.organizationId)) {
        d.metrics.webhookEvents('salesforce', 'unknown_org', 1);
        d.log.warn({ installation: row.id, organizationId: message.organizationId }, row.externalId === null ? 'outbound message refused: the org id of this installation is not known yet (set SALESFORCE_ORG_ID)' : 'outbound message names another org than its installation');
        return sfXml(res, 403, soapFault('soapenv:Client', 'organization does not match this endpoint'));
      }
      const counts = await keep(d, `salesforce:${row.id}`, row.id, message.notifications.map((n) => ({ key: n.id, changes: changesOfNotification(n) })));
      for (const [outcome, n] of Object.entries(counts)) if (n) d.metrics.webhookEvents('salesforce', outcome, n);
      sfXml(res, 200, ACK);
    },
  );
}
