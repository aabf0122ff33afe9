/**
 * A Salesforce-compatible org on loopback: OAuth on the same host, REST query/sObjects/collections,
 * Tooling CustomField, Bulk API 2.0, limits — for the demo, e2e tests, benchmarks and the connector.
 */
import { convertLead, mergeContacts, type ConvertLeadOptions, type ConvertLeadResult } from './lead-convert.ts';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ParcoursError } from '../../src/errors.ts';
import { API_VERSIONS, ApiBudget, type ApiContext } from './context.ts';
import { salesforceFaults, type FaultSpec } from './faults.ts';
import { SfHttpError, notFound } from './http-errors.ts';
import { oauthRouter } from './oauth.ts';
import { Org, type Values } from './org.ts';
import { bulkRouter } from './routes/bulk.ts';
import { SUBREQUEST_HEADER, compositeRouter } from './routes/composite.ts';
import { randomBytes } from 'node:crypto';
import { queryRouter } from './routes/query.ts';
import { sobjectsRouter } from './routes/sobjects.ts';
import { toolingRouter } from './routes/tooling.ts';
import { addSurveyFields } from './schema.ts';
import { optionalTouchpointObjects, type TouchpointObjectOptions } from './schema-touchpoints.ts';
import { seedOrgSetup, seedPersonas, type PersonRecords } from './seed.ts';
import { Sessions } from './sessions.ts';
import { jsonValue, runSoql, toJsonRecord } from './soql/run.ts';

export interface SalesforceSandboxOptions {
  /** 0 (default) = any free port. */
  port?: number;
  host?: '127.0.0.1';
  seed?: number;
  /** Number of demo personas (people) to seed. Default 200. */
  contacts?: number;
  /** Epoch ms the seeded data is relative to; the org's clock starts here. Default: now. */
  now?: number;
  /** The org's clock (epoch ms, kept to whole seconds by the org). Default: starts at `now`, moves with real time. Tests pass their own to put a burst of writes in one second. */
  clock?: () => number;
  dailyApiLimit?: number;
  accessToken?: string;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  /** Access tokens expire this long after issue (default: never). */
  sessionTtlMs?: number;
  /** Refresh Token Rotation: each refresh returns a new refresh token; reusing an old one revokes the family. */
  rotateRefreshTokens?: boolean;
  /** PEM public key to verify RS256 JWT bearer assertions. */
  jwtPublicKey?: string;
  /** The API user's username (JWT `sub`). */
  username?: string;
  /**
   * Records per internal batch of a Bulk API 2.0 ingest job (Salesforce: 10,000 — "Salesforce creates a
   * separate batch for every 10,000 records", Bulk API 2.0 Developer Guide, "How Requests Are Processed").
   */
  bulkIngestBatchSize?: number;
  /**
   * Bulk API 2.0 job timing (context.ts `IngestSettings`): milliseconds a job waits in the queue before
   * InProgress (default 20), and rows processed per second once it runs (default 200,000).
   */
  bulkQueueDelayMs?: number;
  bulkRowsPerSecond?: number;
  /**
   * Add the org's own survey and first-response custom fields (`Contact.CSAT__c`, `Contact.NPS_Score__c`,
   * `Case.First_Response_At__c`), granted to the integration user and seeded. Default false: a standard
   * org, standard fields only, as a new customer's org is (none of the three is a standard field in the
   * Object Reference for Contact or Case).
   */
  surveyFields?: boolean;
  /** The integration user has "Edit Tasks" (default true); false: Task is not createable for it. */
  editTasks?: boolean;
  /** Objects with field history tracking off (default none: Contact and Lead history on). */
  historyDisabled?: string[];
  /** Standard fields objects already track, e.g. 20 on Contact so the 20-field limit blocks a new one. */
  trackedStandardFields?: Record<string, string[]>;
  /**
   * Touchpoint objects only some orgs have (schema-touchpoints.ts): Salesforce Surveys, legacy Chat,
   * Messaging. Each off by default, as in a new org (Surveys must be enabled in Setup; Chat and Messaging
   * need Service Cloud licences). Task, Event, EmailMessage and CampaignMember are always there.
   */
  touchpointObjects?: TouchpointObjectOptions;
  /** Seed interactions at all (default true); tests of unrelated behaviour may turn them off. */
  seedTouchpoints?: boolean;
  /**
   * The Salesforce side of a linked pair (issue 16; sandbox/linked.ts starts both): the linked population
   * (sandbox/linked-population.ts) instead of every persona. Nothing in the org's API changes.
   */
  linked?: boolean;
}

export interface SandboxCall {
  method: string;
  path: string;
  endpoint: string;
  status: number;
  at: number;
  /** A Composite call's subrequests, in order (the composite itself is the one counted call). */
  subrequests?: SandboxCall[];
}

/** Every request served, a Composite call replaced by its subrequests (what was read and written, not what was counted). */
export function servedRequests(calls: SandboxCall[]): SandboxCall[] {
  return calls.flatMap((c) => c.subrequests ?? [c]);
}

export interface SalesforceSandboxData {
  create(sobject: string, fields: Record<string, unknown>): string;
  update(sobject: string, id: string, fields: Record<string, unknown>): void;
  /** Deletes to the recycle bin (hard delete for objects without one, e.g. CampaignMember, OpportunityContactRole). */
  delete(id: string): void;
  /** The record as the REST API returns it (all fields, admin view), or null if absent or deleted. */
  get(sobject: string, id: string): Record<string, unknown> | null;
  /** Runs SOQL as an admin (no FLS); `all` includes the recycle bin. */
  query(soql: string, opts?: { all?: boolean }): Array<Record<string, unknown>>;
  campaignMembers(campaignId: string): Array<{ Id: string; ContactId: string | null; LeadId: string | null; Status: string | null }>;
  /** A user converting a Lead (convertLead() semantics, see lead-convert.ts). */
  convertLead(leadId: string, opts?: ConvertLeadOptions): ConvertLeadResult;
  /** A user merging two Contacts, or two Leads (merge(), lead-convert.ts): the loser's related records move to the master, the loser is deleted with MasterRecordId set. */
  mergeContacts(masterId: string, loserId: string): void;
  /** emptyRecycleBin(): deleted records are gone for good (queryAll no longer returns them). */
  emptyRecycleBin(ids: string[]): void;
}

export interface SalesforceSandbox {
  /** Instance URL (also the login host), no trailing slash. */
  url: string;
  accessToken: string;
  oauth: { clientId: string; clientSecret: string; refreshToken: string };
  username: string;
  faults: {
    add(spec: FaultSpec): void;
    /** Clears the faults and releases held ingest jobs. */
    clear(): void;
    expireSessions(): void;
    /** Bulk ingest jobs stay InProgress once they have processed this many internal batches (a slow org's queue). */
    holdIngestJobs(afterBatches: number | null): void;
  };
  calls: SandboxCall[];
  stats(): { total: number; byEndpoint: Record<string, number> };
  data: SalesforceSandboxData;
  /** The Contact or Lead each seeded persona became (persona index → record), as seeded. */
  personRecords: PersonRecords;
  apiUsage(): { used: number; max: number };
  close(): Promise<void>;
}

/** `GET /services/data/v66.0/query/0r8...-2000` → `GET /services/data/vXX.X/query/{locator}`. */
export function endpointOf(method: string, path: string): string {
  const norm = path
    .replace(/\/v\d+\.\d+(?=\/|$)/, '/vXX.X')
    .split('/')
    .map((seg) => (/^[a-zA-Z0-9]{15,18}-\d+$/.test(seg) ? '{locator}' : /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(seg) && /\d/.test(seg) ? '{id}' : seg))
    .join('/');
  return `${method} ${norm}`;
}

export async function startSalesforceSandbox(opts: SalesforceSandboxOptions = {}): Promise<SalesforceSandbox> {
  const startedAt = Date.now();
  const base = opts.now ?? startedAt;
  // The org's clock starts at `now` and moves with real time, so writes stamp after seeded data.
  const org = new Org(opts.clock ?? (() => base + (Date.now() - startedAt)));
  if (opts.surveyFields) addSurveyFields(org.schema);
  org.addObjects(optionalTouchpointObjects(opts.touchpointObjects ?? {}));
  const username = opts.username ?? 'integration@parcours.sandbox';
  seedOrgSetup(org, {
    now: base,
    username,
    ...(opts.editTasks !== undefined ? { editTasks: opts.editTasks } : {}),
    ...(opts.historyDisabled ? { historyDisabled: opts.historyDisabled } : {}),
    ...(opts.trackedStandardFields ? { trackedStandardFields: opts.trackedStandardFields } : {}),
  });
  const personRecords = seedPersonas(org, { seed: opts.seed ?? 1, contacts: opts.contacts ?? 200, now: base, username, touchpoints: opts.seedTouchpoints === false ? false : { features: opts.touchpointObjects ?? {} }, ...(opts.linked ? { linked: true } : {}) });

  const sessions = new Sessions(org.orgId, opts.sessionTtlMs ?? null);
  const refreshToken = sessions.issueRefresh(undefined, opts.refreshToken);
  const accessToken = sessions.issueAccess(refreshToken, opts.accessToken);
  const oauth = { clientId: opts.clientId ?? 'parcours-sandbox-client', clientSecret: opts.clientSecret ?? 'parcours-sandbox-secret', refreshToken };
  const budget = new ApiBudget(opts.dailyApiLimit ?? 100_000);
  const faults = salesforceFaults();
  const calls: SandboxCall[] = [];
  let url = '';
  const ctx: ApiContext = { org, budget, url: () => url, ingest: { batchSize: opts.bulkIngestBatchSize ?? 10_000, holdAfterBatches: null, queueDelayMs: opts.bulkQueueDelayMs ?? 20, rowsPerSecond: opts.bulkRowsPerSecond ?? 200_000 } };

  // Composite subrequests are served by loopback requests carrying this secret: not counted or logged on their own.
  const subrequestSecret = randomBytes(16).toString('hex');
  const isSubrequest = (req: Request): boolean => req.get(SUBREQUEST_HEADER) === subrequestSecret;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req, res, next) => {
    // Captured now: routers rewrite req.path while they run.
    const path = req.path;
    if (isSubrequest(req)) return next();
    res.on('finish', () => {
      const subrequests = res.locals.subrequests as Array<{ method: string; path: string; status: number }> | undefined;
      const at = Date.now();
      calls.push({
        method: req.method, path, endpoint: endpointOf(req.method, path), status: res.statusCode, at,
        ...(subrequests ? { subrequests: subrequests.map((s) => ({ ...s, endpoint: endpointOf(s.method, s.path), at })) } : {}),
      });
    });
    next();
  });
  app.use((req, res, next) => {
    const fault = faults.take(req.method, req.path);
    if (!fault) return next();
    const act = (): void => {
      if (fault.status === null) return next(); // a slow response, then the real one
      res.set(fault.headers);
      res.status(fault.status).json(fault.body);
    };
    if (fault.delayMs) setTimeout(act, fault.delayMs);
    else act();
  });
  app.use(express.json({ limit: '50mb', type: ['application/json', 'application/*+json'] }));
  app.use(oauthRouter({ org, sessions, settings: { clientId: oauth.clientId, clientSecret: oauth.clientSecret, rotateRefreshTokens: opts.rotateRefreshTokens ?? false, username, ...(opts.jwtPublicKey ? { jwtPublicKey: opts.jwtPublicKey } : {}) }, url: () => url }));

  // The versions list needs no session (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_versions.htm).
  app.get(['/services/data', '/services/data/'], (_req, res) => {
    res.json(API_VERSIONS.map(([version, label]) => ({ label, url: `/services/data/v${version}`, version })));
  });

  const api = express.Router({ mergeParams: true });
  api.use((req: Request, res: Response, next: NextFunction) => {
    const m = /^v(\d+\.\d)$/.exec(String(req.params.version));
    if (!m || !API_VERSIONS.some(([v]) => v === m[1])) throw notFound();
    res.locals.version = m[1];
    res.set('Sforce-Limit-Info', budget.header());
    const auth = req.get('authorization') ?? '';
    const token = auth.replace(/^(Bearer|OAuth)\s+/i, '');
    if (!token || !sessions.isValid(token)) throw new SfHttpError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    // A composite's subrequests ride on its one counted call (resources_composite_composite_post).
    if (isSubrequest(req)) return next();
    if (budget.exhausted) throw new SfHttpError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    budget.used++;
    res.set('Sforce-Limit-Info', budget.header());
    next();
  });
  api.use(queryRouter(ctx));
  api.use(sobjectsRouter(ctx));
  api.use(toolingRouter(ctx));
  api.use(bulkRouter(ctx));
  api.use(compositeRouter(ctx, subrequestSecret));
  app.use('/services/data/:version', api);

  app.use(() => {
    throw notFound();
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof SfHttpError) {
      res.status(err.status).json(err.body);
      return;
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') {
      res.status(400).json([{ message: `Unexpected character in JSON: ${e.message ?? ''}`, errorCode: 'JSON_PARSER_ERROR' }]);
      return;
    }
    if (e.type === 'entity.too.large') {
      res.status(413).json([{ message: 'Request entity too large', errorCode: 'REQUEST_ENTITY_TOO_LARGE' }]);
      return;
    }
    res.status(500).json([{ message: 'An unexpected error occurred.', errorCode: 'UNKNOWN_EXCEPTION' }]);
  });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const addr = server.address() as AddressInfo;
  url = `http://${opts.host ?? '127.0.0.1'}:${addr.port}`;

  const fail = (what: string, errors: Array<{ statusCode: string; message: string }>, recordId?: string): never => {
    throw new ParcoursError('CRM_VALIDATION', `sandbox ${what} failed: ${errors.map((e) => `${e.statusCode}: ${e.message}`).join('; ')}`, { crm: 'salesforce', ...(recordId ? { recordId } : {}) });
  };
  const version = API_VERSIONS[API_VERSIONS.length - 1]![0];
  const data: SalesforceSandboxData = {
    create(sobject, fields) {
      const r = org.create(sobject, fields, 'admin');
      return r.ok ? r.id : fail(`create ${sobject}`, r.errors);
    },
    update(sobject, id, fields) {
      const r = org.update(sobject, id, fields, 'admin');
      if (!r.ok) fail(`update ${sobject}`, r.errors, id);
    },
    delete(id) {
      const r = org.remove(id);
      if (!r.ok) fail('delete', r.errors, id);
    },
    get(sobject, id) {
      const rec = org.get(id);
      const def = org.objectDef(sobject);
      if (!rec || !def || rec.type !== def.name || rec.values.IsDeleted === true) return null;
      const out: Record<string, unknown> = {};
      for (const f of def.fields.values()) out[f.name] = jsonValue(f, (rec.values as Values)[f.name] ?? null);
      return out;
    },
    query(soql, q = {}) {
      const r = runSoql(org, soql, { includeDeleted: q.all ?? false, actor: 'admin' });
      return r.records.map((rec) => toJsonRecord(org, rec, r.fields, version));
    },
    convertLead: (leadId, o) => convertLead(org, leadId, o),
    mergeContacts: (masterId, loserId) => mergeContacts(org, masterId, loserId),
    emptyRecycleBin(ids) {
      for (const id of ids) if (!org.emptyRecycleBin(id)) fail('emptyRecycleBin', [{ statusCode: 'INVALID_ID_FIELD', message: `${id} is not in the recycle bin` }], id);
    },
    campaignMembers(campaignId) {
      return org
        .list('CampaignMember')
        .filter((m) => m.values.CampaignId === campaignId)
        .map((m) => ({ Id: String(m.values.Id), ContactId: (m.values.ContactId as string | null) ?? null, LeadId: (m.values.LeadId as string | null) ?? null, Status: (m.values.Status as string | null) ?? null }));
    },
  };

  return {
    url,
    accessToken,
    oauth,
    username,
    faults: {
      add: (spec) => faults.add(spec),
      clear: () => {
        faults.clear();
        ctx.ingest.holdAfterBatches = null;
        ctx.ingest.resume?.();
      },
      expireSessions: () => sessions.expireAll(),
      holdIngestJobs: (afterBatches) => {
        ctx.ingest.holdAfterBatches = afterBatches;
        if (afterBatches === null) ctx.ingest.resume?.();
      },
    },
    calls,
    stats() {
      const byEndpoint: Record<string, number> = {};
      for (const c of calls) byEndpoint[c.endpoint] = (byEndpoint[c.endpoint] ?? 0) + 1;
      return { total: calls.length, byEndpoint };
    },
    data,
    personRecords,
    apiUsage: () => ({ used: budget.used, max: budget.max }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
