/**
 * Composite: `POST /services/data/vXX.X/composite` runs up to 25 subrequests in one call and answers
 * `{ compositeResponse: [{ body, httpHeaders, httpStatusCode, referenceId }] }`, top-level 200 whatever the
 * subrequests did. "The entire series of requests counts as a single call toward your API limits."
 * Supported subrequests: sObject resources, Query, QueryAll (and their next-page "Query More" URLs), sObject
 * Collections (v43.0+). "You can have up to 25 subrequests in a single call. Up to 5 of these subrequests can
 * be sObject Collections or query operations, including Query and QueryAll requests."
 * https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/requests_composite.htm
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/responses_composite.htm
 *
 * Each subrequest is served by the sandbox's own routes (a loopback request marked with a per-sandbox
 * secret header), so a subrequest answers exactly what the same request made alone answers — faults
 * included — except that it is not counted or logged on its own: the composite is the one call.
 * `@{referenceId.path}` references in `url` and `body` are resolved from earlier subresponses; a reference
 * to a failed subrequest or a missing value fails the dependent subrequest (400 PROCESSING_HALTED), and
 * only it, as with `allOrNone: false` ("Dependent subrequests aren't executed").
 *
 * Limits: the docs state them but document no error body for exceeding them. We answer 400 with the
 * REST error array and `LIMIT_EXCEEDED`, a documented StatusCode ("You've exceeded a limit on a field size
 * or value, license, platform event, or other component", api errorcodes) — UNCONFIRMED against a real org;
 * the connector never exceeds either limit (tested).
 * `allOrNone: true` (rollback of the whole series) is not emulated: the sandbox refuses it plainly.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import { SfHttpError } from '../http-errors.ts';
import type { ApiContext } from '../context.ts';

export const COMPOSITE_MAX_SUBREQUESTS = 25;
export const COMPOSITE_MAX_QUERIES_OR_COLLECTIONS = 5;
/** Header that marks a loopback subrequest; its value is a per-sandbox secret. */
export const SUBREQUEST_HEADER = 'x-parcours-sandbox-subrequest';

const Subrequest = z.object({
  method: z.enum(['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD']),
  url: z.string().min(1),
  referenceId: z.string().regex(/^[A-Za-z0-9_]+$/, 'referenceId may contain only letters, numbers and underscores'),
  body: z.unknown().optional(),
  httpHeaders: z.record(z.string(), z.string()).optional(),
});
const CompositeBody = z.object({
  allOrNone: z.boolean().optional(),
  collateSubrequests: z.boolean().optional(),
  compositeRequest: z.array(Subrequest).min(1),
});

export interface SubResponse {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}

/** Query, QueryAll, their next pages, and sObject Collections count toward the limit of 5. */
export function isQueryOrCollections(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return /^\/services\/data\/v\d+\.\d\/(query|queryAll)(\/|$)/.test(path) || /^\/services\/data\/v\d+\.\d\/composite\/sobjects(\/|$)/.test(path);
}

/** Supported: sObject resources (blob reads aside), Query, QueryAll, sObject Collections. */
function supported(url: string, version: string): boolean {
  const path = url.split('?')[0] ?? '';
  const prefix = `/services/data/v${version}/`;
  if (!path.startsWith(prefix)) return false;
  const rest = path.slice(prefix.length);
  return /^(sobjects|query|queryAll|composite\/sobjects)(\/|$)/.test(rest);
}

const REF = /@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g;

function lookup(value: unknown, path: string): unknown {
  let v = value;
  for (const m of path.matchAll(/\.([A-Za-z0-9_]+)|\[(\d+)\]/g)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = m[1] !== undefined ? (v as Record<string, unknown>)[m[1]] : (v as unknown[])[Number(m[2])];
  }
  return v;
}

class Unresolved extends Error {}

function resolveString(s: string, done: Map<string, SubResponse>): string {
  return s.replace(REF, (_all, ref: string, path: string) => {
    const prior = done.get(ref);
    const value = prior && prior.httpStatusCode < 300 ? lookup(prior.body, path) : undefined;
    if (value === undefined || value === null || typeof value === 'object') {
      throw new Unresolved(`Invalid reference specified. No value for ${ref}${path} found in ${ref}. Provided referenceId ('${ref}') should be defined before it is referenced and its request should succeed.`);
    }
    return String(value);
  });
}

function resolveBody(body: unknown, done: Map<string, SubResponse>): unknown {
  if (typeof body === 'string') return resolveString(body, done);
  if (Array.isArray(body)) return body.map((b) => resolveBody(b, done));
  if (body !== null && typeof body === 'object') return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, resolveBody(v, done)]));
  return body;
}

export function compositeRouter(ctx: ApiContext, secret: string): Router {
  const r = express.Router();
  r.post('/composite', async (req, res, next) => {
    try {
      const parsed = CompositeBody.safeParse(req.body);
      if (!parsed.success) throw new SfHttpError(400, 'JSON_PARSER_ERROR', `Invalid composite request: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
      const { compositeRequest: subs, allOrNone } = parsed.data;
      if (allOrNone === true) throw new SfHttpError(400, 'INVALID_INPUT', 'The Parcours sandbox does not emulate allOrNone: true (rollback of the whole composite request).');
      if (subs.length > COMPOSITE_MAX_SUBREQUESTS) {
        throw new SfHttpError(400, 'LIMIT_EXCEEDED', `A composite request can have up to ${COMPOSITE_MAX_SUBREQUESTS} subrequests; this one has ${subs.length}.`);
      }
      const heavy = subs.filter((s) => isQueryOrCollections(s.url)).length;
      if (heavy > COMPOSITE_MAX_QUERIES_OR_COLLECTIONS) {
        throw new SfHttpError(400, 'LIMIT_EXCEEDED', `Up to ${COMPOSITE_MAX_QUERIES_OR_COLLECTIONS} subrequests of a composite request can be sObject Collections or query operations; this one has ${heavy}.`);
      }
      const ids = new Set<string>();
      for (const s of subs) {
        if (ids.has(s.referenceId)) throw new SfHttpError(400, 'INVALID_INPUT', `Duplicate referenceId: ${s.referenceId}`);
        ids.add(s.referenceId);
      }
      const version = String(res.locals.version);
      const done = new Map<string, SubResponse>();
      const out: SubResponse[] = [];
      const served: Array<{ method: string; path: string; status: number }> = [];
      for (const s of subs) {
        let result: SubResponse;
        let resolvedUrl: string | null = null;
        try {
          const url = resolveString(s.url, done);
          resolvedUrl = url;
          const body = s.body === undefined ? undefined : resolveBody(s.body, done);
          if (!supported(url, version)) {
            result = { body: [{ errorCode: 'NOT_FOUND', message: `The requested resource does not exist or is not supported in a composite request: ${url}` }], httpHeaders: {}, httpStatusCode: 404, referenceId: s.referenceId };
          } else {
            result = await loopback(ctx, secret, req.get('authorization') ?? '', s.method, url, body, s.httpHeaders ?? {}, s.referenceId);
          }
        } catch (e) {
          if (!(e instanceof Unresolved)) throw e;
          result = { body: [{ errorCode: 'PROCESSING_HALTED', message: e.message }], httpHeaders: {}, httpStatusCode: 400, referenceId: s.referenceId };
        }
        done.set(s.referenceId, result);
        out.push(result);
        // A subrequest whose reference failed is not executed ("Dependent subrequests aren't executed"): not served.
        if (resolvedUrl !== null) served.push({ method: s.method, path: resolvedUrl.split('?')[0] as string, status: result.httpStatusCode });
      }
      res.locals.subrequests = served;
      res.status(200).json({ compositeResponse: out });
    } catch (e) {
      next(e);
    }
  });
  return r;
}

async function loopback(ctx: ApiContext, secret: string, authorization: string, method: string, url: string, body: unknown, headers: Record<string, string>, referenceId: string): Promise<SubResponse> {
  const res = await fetch(`${ctx.url()}${url}`, {
    method,
    headers: { ...headers, authorization, [SUBREQUEST_HEADER]: secret, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    parsed = text;
  }
  const httpHeaders: Record<string, string> = {};
  const location = res.headers.get('location');
  if (location) httpHeaders.Location = location;
  // The composite resource sends no Content-Length per subresponse (responses_composite).
  return { body: parsed, httpHeaders, httpStatusCode: res.status, referenceId };
}
