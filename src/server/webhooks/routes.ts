/**
 * Webhook endpoints. Both verify before they parse, answer at once (HubSpot retries after 5 s,
 * Salesforce after 60 s) and hand the changes to the installation's lane, where nearby events
 * become one recompute. Replays are recognised by event id and ignored.
 */
import express, { type Express, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { CrmName } from '../../model.ts';
import type { InstallationRow, Store } from '../../store/index.ts';
import type { ServerSettings } from '../config.ts';
import { sendError } from '../http-errors.ts';
import type { Jobs } from '../jobs.ts';
import type { Metrics } from '../metrics.ts';
import type { ChangeBatch } from '../work-queue.ts';
import { changesOf, eventKey, HubspotBatchSchema, ownedPropertyNames } from './hubspot-events.ts';
import { verifyV3 } from './hubspot-signature.ts';
import { ACK, changesOfNotification, parseOutboundMessage, soapFault } from './salesforce-outbound.ts';

export const WEBHOOK_BODY_LIMIT = '1mb';

export interface WebhookDeps {
  settings: ServerSettings;
  store: Store;
  jobs: Jobs;
  metrics: Metrics;
  log: Logger;
  publicUrl: () => string;
  now: () => number;
}

/** An installation by the CRM's own id; an environment installation without one answers for its CRM. */
export function installationFor(store: Store, crm: CrmName, externalId: string): InstallationRow | undefined {
  const exact = store.findInstallation(crm, externalId) ?? store.findInstallation(crm, externalId.slice(0, 15));
  if (exact) return exact;
  const fallback = store.listInstallations().filter((i) => i.crm === crm && i.source === 'env' && i.externalId === null);
  return fallback.length === 1 ? fallback[0] : undefined;
}

function merge(into: Map<string, Partial<ChangeBatch>>, installation: string, c: Partial<ChangeBatch>): void {
  const cur = into.get(installation) ?? { records: [], contactIds: [], oldestEventAt: null };
  cur.records = [...(cur.records ?? []), ...(c.records ?? [])];
  cur.contactIds = [...(cur.contactIds ?? []), ...(c.contactIds ?? [])];
  if (c.oldestEventAt != null) cur.oldestEventAt = Math.min(cur.oldestEventAt ?? c.oldestEventAt, c.oldestEventAt);
  into.set(installation, cur);
}

export function mountWebhooks(app: Express, d: WebhookDeps): void {
  const raw = express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT });

  app.post('/webhooks/hubspot', raw, (req: Request, res: Response) => {
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
    const receivedAt = d.now();
    const byInstallation = new Map<string, Partial<ChangeBatch>>();
    const counts = { accepted: 0, duplicate: 0, ignored: 0, unknownPortal: 0 };
    for (const event of parsed.data) {
      const row = installationFor(d.store, 'hubspot', event.portalId);
      if (!row) {
        counts.unknownPortal++;
        continue;
      }
      if (!d.store.rememberWebhookEvent(`hubspot:${event.portalId}`, eventKey(event), receivedAt)) {
        counts.duplicate++;
        continue;
      }
      const changes = changesOf(event, ownedPropertyNames(d.jobs.engineFor('hubspot').mapping));
      if (!changes) {
        counts.ignored++;
        continue;
      }
      counts.accepted++;
      merge(byInstallation, row.id, changes);
    }
    for (const [installation, changes] of byInstallation) d.jobs.changed(installation, changes);
    for (const [outcome, n] of Object.entries(counts)) if (n) d.metrics.webhookEvents('hubspot', outcome, n);
    res.status(200).json(counts);
  });

  app.post('/webhooks/salesforce', raw, (req: Request, res: Response) => {
    const xml = (status: number, text: string) => res.status(status).type('text/xml; charset=utf-8').send(text);
    const message = parseOutboundMessage(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
    if (!message) {
      d.metrics.webhookEvents('salesforce', 'malformed', 1);
      return xml(400, soapFault('soapenv:Client', 'not an outbound message notifications() body'));
    }
    const row = installationFor(d.store, 'salesforce', message.organizationId);
    if (!row) {
      d.metrics.webhookEvents('salesforce', 'unknown_org', 1);
      d.log.warn({ organizationId: message.organizationId }, 'outbound message from an org that is not installed');
      return xml(403, soapFault('soapenv:Client', 'organization not installed'));
    }
    const counts = { accepted: 0, duplicate: 0, ignored: 0 };
    const changes = new Map<string, Partial<ChangeBatch>>();
    for (const n of message.notifications) {
      if (!d.store.rememberWebhookEvent(`salesforce:${row.id}`, n.id, d.now())) {
        counts.duplicate++;
        continue;
      }
      const c = changesOfNotification(n);
      if (!c) {
        counts.ignored++;
        continue;
      }
      counts.accepted++;
      merge(changes, row.id, c);
    }
    for (const [installation, c] of changes) d.jobs.changed(installation, c);
    for (const [outcome, n] of Object.entries(counts)) if (n) d.metrics.webhookEvents('salesforce', outcome, n);
    xml(200, ACK);
  });
}
