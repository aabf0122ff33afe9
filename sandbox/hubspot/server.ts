/**
 * A HubSpot-compatible portal on loopback: the endpoints Parcours uses, seeded from the demo personas,
 * with HubSpot's auth, limits, error bodies and paging. Tests and benchmarks inject faults and
 * mutate data through the returned handle.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ParcoursError } from '../../src/errors.ts';
import { Credentials, SANDBOX_HUB_ID } from './auth.ts';
import { rawBodyLength, recordJson, type RecordJson, type SandboxContext } from './context.ts';
import { hubspotFaults, type FaultSpec } from './faults.ts';
import { asHttpError, errorBody } from './http-error.ts';
import { RateLimiter, type BurstLimit } from './rate-limit.ts';
import { mountAssociationRoutes } from './routes/associations.ts';
import { mountListRoutes } from './routes/lists.ts';
import { mountBatchCreateRoutes, mountObjectRoutes } from './routes/objects.ts';
import { mountOwnerRoutes } from './routes/owners.ts';
import { mountObjectByIdRoute } from './routes/object-by-id.ts';
import { mountOauthRoutes, mountUsageRoute } from './routes/oauth.ts';
import { mountSchemaRoutes } from './routes/schema-routes.ts';
import { mountSearchRoute } from './routes/search.ts';
import { SALESFORCE_INTEGRATION_GROUP, parseObjectType, salesforceIntegrationProperties, type ObjectType, type StageDateNames } from './schema.ts';
import { seedPortal, type LinkedSalesforceRecord } from './seed.ts';
import { PortalStore } from './store.ts';

/** Route patterns, most specific first, so faulted and rate-limited calls are counted under the same key as served ones. */
const ENDPOINTS: Array<[RegExp, string]> = [
  [/^\/crm\/v3\/objects\/[^/]+\/search$/, '/crm/v3/objects/:objectType/search'],
  [/^\/crm\/v3\/objects\/[^/]+\/batch\/([a-z]+)$/, '/crm/v3/objects/:objectType/batch/$1'],
  [/^\/crm\/v3\/objects\/[^/]+$/, '/crm/v3/objects/:objectType'],
  [/^\/crm\/v3\/objects\/[^/]+\/\d+$/, '/crm/v3/objects/:objectType/:objectId'],
  [/^\/crm\/v4\/associations\/[^/]+\/[^/]+\/batch\/read$/, '/crm/v4/associations/:fromObjectType/:toObjectType/batch/read'],
  [/^\/crm\/v3\/properties\/[^/]+\/groups$/, '/crm/v3/properties/:objectType/groups'],
  [/^\/crm\/v3\/properties\/[^/]+\/[^/]+$/, '/crm/v3/properties/:objectType/:propertyName'],
  [/^\/crm\/v3\/properties\/[^/]+$/, '/crm/v3/properties/:objectType'],
  [/^\/crm\/v3\/pipelines\/[^/]+$/, '/crm/v3/pipelines/:objectType'],
  [/^\/crm\/v3\/lists\/object-type-id\/[^/]+\/name\/[^/]+$/, '/crm/v3/lists/object-type-id/:objectTypeId/name/:listName'],
  [/^\/crm\/v3\/lists\/[^/]+\/memberships(\/[a-z-]+)?$/, '/crm/v3/lists/:listId/memberships$1'],
  [/^\/crm\/v3\/lists\/[^/]+$/, '/crm/v3/lists/:listId'],
  [/^\/oauth\/v1\/access-tokens\/.+$/, '/oauth/v1/access-tokens/:token'],
  [/^\/crm\/v3\/owners\/[^/]+$/, '/crm/v3/owners/:ownerId'],
];

function endpointOf(path: string): string {
  for (const [re, pattern] of ENDPOINTS) if (re.test(path)) return path.replace(re, pattern);
  return path;
}

export const DEFAULT_SANDBOX_TOKEN = 'pat-na1-sandbox-0000-parcours';

export interface HubspotSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: '127.0.0.1';
  seed?: number;
  /** Number of generated contacts (default 200). */
  contacts?: number;
  /** Epoch ms the generated data is relative to (default: now). */
  now?: number;
  /** The portal's id (default SANDBOX_HUB_ID); several portals behind one host (portals.ts) need their own. */
  hubId?: number;
  /** Burst limit; default none (headers still sent, reporting a large allowance). */
  rateLimit?: BurstLimit | null;
  dailyLimit?: number | null;
  searchPerSecond?: number;
  accessToken?: string;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  /** OAuth access token lifetime (default 1800 s, as HubSpot). */
  oauthTokenTtlSeconds?: number;
  /** Server clock for token expiry, limits and modified dates (default Date.now). */
  clock?: () => number;
  /** Associations per input per page on v4 batch read (default 500). */
  associationPageSize?: number;
  /** Stage-calculated deal properties the portal has (default `v2`, a current portal; see schema.ts `StageDateNames`). */
  stageDates?: StageDateNames;
  /**
   * Batch update with invalid values: a 400 for the whole batch, or — when every input carries an
   * `objectWriteTraceId` — a 207 with per-input errors (default true). `false` ignores the trace ids.
   * Doc: https://developers.hubspot.com/docs/api-reference/error-handling ("Multi-status errors").
   */
  multiStatus?: boolean;
  /**
   * Default properties this portal lacks (e.g. the feedback-survey rollups on a portal that never
   * ran a survey): absent from the properties API, never returned on records — HubSpot leaves requested
   * properties it does not define out of the response, without an error (crm-facts hubspot.md, "Additions and corrections (2026-11-30)").
   */
  withoutProperties?: Partial<Record<'contacts' | 'deals' | 'tickets', string[]>>;
  /** Scopes the private-app token lacks (e.g. `crm.objects.owners.read`: the owners API answers 403 MISSING_SCOPES). */
  withoutScopes?: string[];
  /**
   * The HubSpot side of a linked pair (issue 16; sandbox/linked.ts starts both): HubSpot's Salesforce
   * integration is installed, so the contact properties it adds exist (schema.ts `salesforceIntegrationProperties`),
   * and the portal holds the linked population (sandbox/linked-population.ts) with the Salesforce ids given here.
   */
  linked?: { salesforce: ReadonlyMap<number, LinkedSalesforceRecord> };
}

export interface SandboxCall {
  method: string;
  path: string;
  status: number;
  /** Route pattern, e.g. `POST /crm/v3/objects/:objectType/search`. */
  endpoint: string;
  /** When it arrived and when it was answered (server clock, epoch ms): far apart on a loaded sandbox. */
  receivedAt: number;
  at: number;
}

export interface SandboxStats {
  total: number;
  byEndpoint: Record<string, number>;
  rateLimited: number;
}

export interface SandboxRecord {
  id: string;
  properties: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
}

export interface SandboxData {
  getRecord(type: string, id: string): SandboxRecord | null;
  createRecord(type: string, properties: Record<string, string>): SandboxRecord;
  /** Writes like a user in the UI would: no validation, '' clears, bumps the modified date. */
  updateRecord(type: string, id: string, properties: Record<string, string>): SandboxRecord;
  /** Archives like a user deleting in the UI; `at` dates it in the past (over 90 days ago: already purged). */
  archiveRecord(type: string, id: string, at?: number): void;
  /** A GDPR delete (permanent), as POST /crm/v3/objects/contacts/gdpr-delete does. */
  gdprDelete(contactId: string): void;
  /** An admin editing a list's members by hand in the UI. */
  editListMembers(listId: string, change: { add?: string[]; remove?: string[] }): void;
  /** An admin deleting a list in the UI. */
  deleteList(listId: string): void;
  mergeContacts(primaryId: string, mergedId: string): SandboxRecord;
  associate(fromType: string, fromId: string, toType: string, toId: string): void;
  dissociate(fromType: string, fromId: string, toType: string, toId: string): void;
  /** Ids of live records associated with a record, ascending. */
  associated(type: string, id: string, toType: string): string[];
  /** Live record ids of a type, ascending. */
  ids(type: string): string[];
  /** Archived (deleted, restorable) record ids of a type, ascending. */
  archivedIds(type: string): string[];
  /** Every list, with its member count (for benchmarks that count membership changes). */
  lists(): Array<{ listId: string; name: string; size: number }>;
  listMembers(listId: string): string[];
  /** A record as the API would return it with these properties. */
  toJson(type: string, id: string, properties: string[]): RecordJson | null;
  /** The portal's owners (active and deactivated). */
  owners(): SandboxOwner[];
  /** An admin deactivating a user in the UI: the owner is archived and no longer assignable. */
  deactivateOwner(ownerId: string): void;
  /** Versions of a property as `propertiesWithHistory` reports them, newest first. */
  propertyHistory(type: string, id: string, name: string): Array<{ value: string; timestamp: number; sourceType: string }>;
}

export interface SandboxOwner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  archived: boolean;
}

export interface HubspotSandbox {
  url: string;
  accessToken: string;
  oauth: { clientId: string; clientSecret: string; refreshToken: string };
  faults: { add(f: FaultSpec): void; clear(): void; pending(): number };
  calls: SandboxCall[];
  stats(): SandboxStats;
  data: SandboxData;
  close(): Promise<void>;
}

/** A portal before it listens: its request handler and the handle tests use (portals.ts serves several on one host). */
export interface HubspotPortal extends Omit<HubspotSandbox, 'url' | 'close'> {
  hubId: number;
  handle: (req: IncomingMessage, res: ServerResponse) => void;
}

export async function startHubspotSandbox(opts: HubspotSandboxOptions = {}): Promise<HubspotSandbox> {
  const { handle, ...portal } = createHubspotPortal(opts);
  const server: Server = await new Promise((resolve, reject) => {
    const s = createServer(handle);
    s.once('error', reject);
    s.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    ...portal,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export function createHubspotPortal(opts: HubspotSandboxOptions = {}): HubspotPortal {
  const clock = opts.clock ?? Date.now;
  const store = new PortalStore(clock, opts.stageDates ?? 'v2');
  for (const [type, names] of Object.entries(opts.withoutProperties ?? {}) as Array<['contacts' | 'deals' | 'tickets', string[]]>) {
    for (const name of names) store.properties[type].delete(name);
  }
  if (opts.linked) {
    for (const def of salesforceIntegrationProperties(clock())) store.properties.contacts.set(def.name, def);
    store.groups.contacts.set(SALESFORCE_INTEGRATION_GROUP.name, { ...SALESFORCE_INTEGRATION_GROUP });
  }
  seedPortal(store, { seed: opts.seed ?? 1, count: opts.contacts ?? 200, now: opts.now ?? clock(), ...(opts.linked ? { linked: opts.linked } : {}) });
  const hubId = opts.hubId ?? SANDBOX_HUB_ID;
  const ctx: SandboxContext = { store, hubId, clock, associationPageSize: opts.associationPageSize ?? 500, multiStatus: opts.multiStatus ?? true };
  const creds = new Credentials({
    accessToken: opts.accessToken ?? DEFAULT_SANDBOX_TOKEN,
    clientId: opts.clientId ?? 'sandbox-client-id',
    clientSecret: opts.clientSecret ?? 'sandbox-client-secret',
    refreshToken: opts.refreshToken ?? 'sandbox-refresh-token',
    ttlSeconds: opts.oauthTokenTtlSeconds ?? 1800,
    clock,
    ...(opts.withoutScopes ? { withoutScopes: opts.withoutScopes } : {}),
  });
  const limiter = new RateLimiter({ burst: opts.rateLimit ?? null, daily: opts.dailyLimit ?? null, searchPerSecond: opts.searchPerSecond ?? 5, clock });
  const faults = hubspotFaults();
  const calls: SandboxCall[] = [];

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  // Log every call once it is answered, with the matched route pattern.
  app.use((req, res, next) => {
    const receivedAt = clock();
    res.on('finish', () => {
      const endpoint = endpointOf(req.path);
      // Token metadata paths carry a token: log the pattern, never the secret.
      const path = endpoint === '/oauth/v1/access-tokens/:token' ? endpoint : req.path;
      calls.push({ method: req.method, path, status: res.statusCode, endpoint: `${req.method} ${endpoint}`, receivedAt, at: clock() });
    });
    next();
  });

  app.use(async (req, res, next) => {
    const fault = faults.take(req.method, req.path);
    if (!fault) return next();
    if (fault.delayMs > 0) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault.status === null) return next(); // a slow response, then the real one
    res.status(fault.status).set(fault.headers).json(fault.body);
  });

  app.use(express.urlencoded({ extended: false }));
  app.use(
    express.json({
      limit: '10mb',
      type: ['application/json', 'application/*+json'],
      verify: (req, _res, buf) => {
        rawBodyLength.set(req, buf.length);
      },
    }),
  );

  // OAuth endpoints authenticate with client credentials, not a bearer token.
  mountOauthRoutes(app, ctx, creds);

  app.use((req, res, next) => {
    const auth = creds.authenticate(req.get('authorization'));
    if (auth instanceof ParcoursError) return next(auth);
    res.locals['scopes'] = auth.scopes;
    // Search has its own limiter and sends no rate-limit headers (hubspot.md §2.2).
    if (req.method === 'POST' && /^\/crm\/v3\/objects\/[^/]+\/search$/.test(req.path)) return next();
    const { headers, rejection } = limiter.admit(auth.kind === 'private-app');
    res.set(headers);
    next(rejection ?? undefined);
  });

  mountSearchRoute(app, ctx, limiter);
  mountObjectRoutes(app, ctx);
  mountBatchCreateRoutes(app, ctx);
  mountOwnerRoutes(app, ctx);
  mountObjectByIdRoute(app, ctx);
  mountAssociationRoutes(app, ctx);
  mountSchemaRoutes(app, ctx);
  mountListRoutes(app, ctx);
  mountUsageRoute(app, limiter, ctx);

  app.use((req, res) => {
    res.status(404).json(errorBody('OBJECT_NOT_FOUND', `Unable to route ${req.method} request to ${req.path}`));
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const http = asHttpError(err);
    if (http) return void res.status(http.status).set(http.headers).json(http.body);
    const parseFailure = err as { type?: string; status?: number; message?: string };
    if (parseFailure.type === 'entity.parse.failed') {
      return void res.status(400).json(errorBody('VALIDATION_ERROR', `Invalid input JSON: ${parseFailure.message ?? 'malformed body'}`));
    }
    if (parseFailure.type === 'entity.too.large') return void res.status(413).json(errorBody('VALIDATION_ERROR', 'Request body too large'));
    res.status(500).json(errorBody('INTERNAL_ERROR', 'Internal sandbox error'));
  });

  const type = (t: string): ObjectType => parseObjectType(t);
  const snapshot = (t: string, id: string): SandboxRecord => {
    const rec = store.mustGet(type(t), id);
    return { id: rec.id, properties: { ...rec.properties }, createdAt: rec.createdAt, updatedAt: rec.updatedAt, archived: rec.archived };
  };

  const data: SandboxData = {
    getRecord: (t, id) => (store.get(type(t), id) ? snapshot(t, id) : null),
    createRecord: (t, properties) => snapshot(t, store.create(type(t), properties).id),
    updateRecord: (t, id, properties) => {
      store.write(store.mustGet(type(t), id), properties, 'CRM_UI');
      return snapshot(t, id);
    },
    archiveRecord: (t, id, at) => store.archive(store.mustGet(type(t), id), at),
    gdprDelete: (id) => store.purge(store.mustGet('contacts', id)),
    editListMembers: (listId, change) => {
      const list = store.lists.get(listId);
      if (!list) throw new ParcoursError('INPUT_INVALID', `sandbox: no list ${listId}`);
      for (const id of change.add ?? []) if (!list.members.has(id)) list.members.set(id, clock());
      for (const id of change.remove ?? []) list.members.delete(id);
    },
    deleteList: (listId) => {
      if (!store.deleteList(listId)) throw new ParcoursError('INPUT_INVALID', `sandbox: no list ${listId}`);
    },
    mergeContacts: (primaryId, mergedId) => snapshot('contacts', store.mergeContacts(primaryId, mergedId).id),
    associate: (ft, fid, tt, tid) => store.associate(type(ft), fid, type(tt), tid),
    dissociate: (ft, fid, tt, tid) => store.dissociate(type(ft), fid, type(tt), tid),
    associated: (t, id, tt) => store.associated(type(t), id, type(tt)),
    ids: (t) => store.order[type(t)].map(String).filter((id) => store.get(type(t), id)?.archived === false),
    archivedIds: (t) => store.order[type(t)].map(String).filter((id) => store.get(type(t), id)?.archived === true),
    lists: () => [...store.lists.values()].map((l) => ({ listId: l.listId, name: l.name, size: l.members.size })),
    listMembers: (listId) => [...(store.lists.get(listId)?.members.keys() ?? [])].sort((a, b) => Number(a) - Number(b)),
    toJson: (t, id, properties) => {
      const rec = store.get(type(t), id);
      return rec ? recordJson(store, rec, properties) : null;
    },
    owners: () => [...store.owners.values()].map((o) => ({ id: o.id, email: o.email, firstName: o.firstName, lastName: o.lastName, archived: o.archived })),
    deactivateOwner: (ownerId) => {
      const owner = store.owners.get(ownerId);
      if (!owner) throw new ParcoursError('INPUT_INVALID', `sandbox: no owner ${ownerId}`);
      owner.archived = true;
      owner.updatedAt = clock();
    },
    propertyHistory: (t, id, name) => store.propertyHistory(store.mustGet(type(t), id), name),
  };

  return {
    hubId,
    handle: app,
    accessToken: opts.accessToken ?? DEFAULT_SANDBOX_TOKEN,
    oauth: { clientId: creds.clientId, clientSecret: creds.clientSecret, refreshToken: opts.refreshToken ?? 'sandbox-refresh-token' },
    faults: { add: (f) => faults.add(f), clear: () => faults.clear(), pending: () => faults.pending() },
    calls,
    stats: () => {
      const byEndpoint: Record<string, number> = {};
      for (const c of calls) byEndpoint[c.endpoint] = (byEndpoint[c.endpoint] ?? 0) + 1;
      return { total: calls.length, byEndpoint, rateLimited: calls.filter((c) => c.status === 429).length };
    },
    data,
  };
}
