/** Shared nock setup for the Salesforce connector tests: documented payload shapes, short retry timings. */
import nock from 'nock';
import type { FieldNeeds } from '../../connectors/port.ts';
import { createSalesforceConnector, type SalesforceConnectorConfig } from '../../connectors/salesforce/index.ts';

export const INSTANCE = 'https://acme.my.salesforce.com';
export const LOGIN = 'https://login.salesforce.com';
export const V = '/services/data/v66.0';

export function connector(overrides: Partial<SalesforceConnectorConfig> = {}) {
  return createSalesforceConnector({
    instanceUrl: INSTANCE,
    accessToken: 'access-0',
    apiVersion: '66.0',
    retry: { retries: 3, minTimeoutMs: 1, maxRetryTimeMs: 5_000, recordRetries: 2 },
    pollIntervalMs: 1,
    ...overrides,
  });
}

export function sf(): nock.Scope {
  return nock(INSTANCE);
}

/** `Sforce-Limit-Info` as Salesforce sends it on every REST response. */
export const usage = (used: number, limit = 100_000) => ({ 'Sforce-Limit-Info': `api-usage=${used}/${limit}` });

export function needs(partial: Partial<FieldNeeds> = {}): FieldNeeds {
  const empty = { contact: [], deal: [], ticket: [] };
  return {
    normalized: { ...empty, ...partial.normalized },
    raw: { ...empty, ...partial.raw },
    overrides: { contact: {}, deal: {}, ticket: {}, ...partial.overrides },
    owned: { ...empty, ...partial.owned },
  };
}

/** A REST query result page. */
export function page(type: string, records: Array<Record<string, unknown>>, next?: string, totalSize = records.length) {
  return {
    totalSize,
    done: next === undefined,
    ...(next ? { nextRecordsUrl: next } : {}),
    records: records.map((r) => ({ attributes: { type, url: `${V}/sobjects/${type}/${String(r.Id)}` }, ...r })),
  };
}

/** Matches `GET /query?q=…` whose SOQL satisfies `test`. */
export const soql = (test: (q: string) => boolean) => (query: Record<string, unknown>) => typeof query.q === 'string' && test(query.q);

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

type SubrequestIn = { method: string; url: string; referenceId: string; body?: unknown; httpHeaders?: Record<string, string> };
export type CompositeLog = Array<Array<{ method: string; url: string; status: number }>>;

/**
 * Answers `POST /composite` as Salesforce documents it (resources_composite_composite_post, requests_composite,
 * responses_composite): at most 25 subrequests, at most 5 of them query operations or sObject Collections (more
 * fails the test), each subrequest served in order by the test's own interceptors for the same request made
 * alone, `@{ref.path}` references resolved from earlier results, a failed reference answered 400
 * PROCESSING_HALTED, top-level 200 with `compositeResponse[]` carrying each `httpStatusCode` and `body`.
 * Returns the log of each composite call's subrequests.
 */
export function compositeEndpoint(headers: Record<string, string> = {}): CompositeLog {
  const log: CompositeLog = [];
  sf().persist().post(`${V}/composite`).reply(200, (request: unknown) => serve(request as Request), headers);
  async function serve(request: Request): Promise<unknown> {
    const body = (await request.json()) as { allOrNone?: boolean; compositeRequest: SubrequestIn[] };
    const subs = body.compositeRequest;
    const heavy = subs.filter((s) => /\/(query|queryAll|composite\/sobjects)(\/|\?|$)/.test(s.url) || s.url.startsWith('@{')).length;
    if (subs.length > 25 || heavy > 5) throw new Error(`composite limits exceeded: ${subs.length} subrequests, ${heavy} queries/Collections`);
    const auth = request.headers.get('authorization') ?? '';
    const done = new Map<string, { status: number; body: unknown }>();
    const out: unknown[] = [];
    const entry: CompositeLog[number] = [];
    log.push(entry);
    for (const s of subs) {
      let url = s.url;
      const ref = /^@\{(\w+)\.(\w+)\}$/.exec(url);
      if (ref) {
        const prior = done.get(ref[1] as string);
        const value = prior && prior.status < 300 ? (prior.body as Record<string, unknown> | null)?.[ref[2] as string] : undefined;
        if (typeof value !== 'string') {
          const r = { status: 400, body: [{ errorCode: 'PROCESSING_HALTED', message: `Invalid reference specified. No value for ${ref[1]}.${ref[2]} found in ${ref[1]}.` }] };
          done.set(s.referenceId, r);
          out.push({ body: r.body, httpHeaders: {}, httpStatusCode: 400, referenceId: s.referenceId });
          continue;
        }
        url = value;
      }
      const res = await fetch(`${INSTANCE}${url}`, {
        method: s.method,
        headers: { authorization: auth, ...(s.httpHeaders ?? {}), ...(s.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(s.body !== undefined ? { body: JSON.stringify(s.body) } : {}),
      });
      const text = await res.text();
      const parsed = text === '' ? null : (JSON.parse(text) as unknown);
      done.set(s.referenceId, { status: res.status, body: parsed });
      entry.push({ method: s.method, url, status: res.status });
      out.push({ body: parsed, httpHeaders: {}, httpStatusCode: res.status, referenceId: s.referenceId });
    }
    return { compositeResponse: out };
  }
  return log;
}
