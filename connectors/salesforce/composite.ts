/**
 * Composite packing: independent REST requests issued at the same time travel as subrequests of one
 * `POST /composite`, which "counts as a single call toward your API limits"
 * (https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html).
 * Allowed subrequests: sObject resources (describe, records), Query, QueryAll and their next pages, sObject
 * Collections (v43.0+). "You can have up to 25 subrequests in a single call. Up to 5 of these subrequests can be
 * sObject Collections or query operations, including Query and QueryAll requests."
 *
 * The batcher collects what is submitted before the event loop turns (setImmediate), then packs it first-fit
 * into calls within both limits; a call holding one request goes out plain (same cost, simpler). A part-filled
 * last call waits while other calls are out, for the requests their answers bring. A chain is
 * a run of next pages of one query, each subrequest's url the previous one's `@{ref.nextRecordsUrl}`
 * (requests_composite: "use the output of one request as the input to a subsequent request"), kept in one call.
 *
 * Each subrequest's `httpStatusCode` and body become exactly what the same request made alone yields: the
 * response, or the `SalesforceCallError` a plain call would throw (`body` is the REST error array), so the
 * caller's retry policy, per-record handling and error typing do not know it travelled packed
 * (responses_composite, "Composite Subrequest Result"). A failure of the composite call itself fails every
 * request in it, each retried by its own policy.
 */
import { z } from 'zod';
import type { EndpointClass, SfRequest, SfResponse } from './client.ts';
import { SalesforceCallError } from './sf-error.ts';

export const MAX_SUBREQUESTS = 25;
export const MAX_QUERIES_OR_COLLECTIONS = 5;

const SubResult = z.object({
  body: z.unknown(),
  httpHeaders: z.record(z.string(), z.string()).nullish(),
  httpStatusCode: z.number(),
  referenceId: z.string(),
});
export const CompositeResponse = z.object({ compositeResponse: z.array(SubResult) });
type SubResult = z.infer<typeof SubResult>;

/** Whether a request may travel inside a Composite call. */
export function packable(request: SfRequest): boolean {
  if (request.text || typeof request.body === 'string') return false;
  const path = request.url.replace(/^\/services\/data\/v\d+\.\d/, '').split('?')[0] ?? '';
  if (/^\/(query|queryAll)(\/|$)/.test(path)) return request.method === 'GET';
  if (/^\/composite\/sobjects(\/|$)/.test(path)) return true;
  return /^\/sobjects\//.test(path);
}

/** Query, QueryAll, next pages and sObject Collections: at most 5 per call. */
export function heavy(request: SfRequest): boolean {
  const path = request.url.replace(/^\/services\/data\/v\d+\.\d/, '').split('?')[0] ?? '';
  return /^\/(query|queryAll|composite\/sobjects)(\/|$)/.test(path);
}

interface Item {
  endpoint: EndpointClass;
  /** One request, or a chain: the first page URL and the number of pages to read after it by reference. */
  requests: SfRequest[];
  chain: number;
  resolve: (r: Array<SfResponse<unknown> | SalesforceCallError>) => void;
  reject: (e: unknown) => void;
}

const weight = (item: Item): number => item.requests.filter(heavy).length + item.chain;
const count = (item: Item): number => item.requests.length + item.chain;

export interface CompositeSender {
  /** A plain request, one attempt (the client's transport). */
  plain(endpoint: EndpointClass, request: SfRequest): Promise<SfResponse<unknown>>;
  /** One attempt of `POST /composite`. */
  composite(body: unknown): Promise<SfResponse<unknown>>;
  /** Full path of a resource (`/query?q=` → `/services/data/vXX.X/query?q=`). */
  path(resource: string): string;
}

export class CompositeBatcher {
  readonly #send: CompositeSender;
  #pending: Item[] = [];
  #scheduled = false;
  /** Calls sent and not answered yet. */
  #inFlight = 0;

  constructor(send: CompositeSender) {
    this.#send = send;
  }

  /** One request, one attempt: its response, or the error the same request alone would have thrown. */
  async one<T>(endpoint: EndpointClass, request: SfRequest): Promise<SfResponse<T>> {
    const [r] = await this.#submit(endpoint, [request], 0);
    if (r instanceof SalesforceCallError || r === undefined) throw r ?? new Error('no composite result');
    return r as SfResponse<T>;
  }

  /**
   * The page at `request` and up to `more` pages after it, in one call. Returns the pages read, in order;
   * a failed page ends the list with its error (pages past the last one are never asked for by the caller,
   * which knows `totalSize`; if asked, their reference fails and they are dropped).
   */
  async chain(endpoint: EndpointClass, request: SfRequest, more: number): Promise<{ pages: Array<SfResponse<unknown>>; tail: SalesforceCallError | null }> {
    const n = Math.max(0, Math.min(more, MAX_QUERIES_OR_COLLECTIONS - 1));
    const results = await this.#submit(endpoint, [request], n);
    const pages: Array<SfResponse<unknown>> = [];
    for (const r of results) {
      if (r instanceof SalesforceCallError) {
        // The first page failing fails the call, as alone; a later one is returned for the caller to judge.
        if (pages.length === 0) throw r;
        return { pages, tail: r };
      }
      pages.push(r);
    }
    return { pages, tail: null };
  }

  #submit(endpoint: EndpointClass, requests: SfRequest[], chain: number): Promise<Array<SfResponse<unknown> | SalesforceCallError>> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ endpoint, requests, chain, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const items = this.#pending;
    this.#pending = [];
    // First fit: each call within 25 subrequests and 5 queries/Collections.
    const calls: Item[][] = [];
    for (const item of items) {
      const target = calls.find((c) => c.reduce((n, i) => n + count(i), 0) + count(item) <= MAX_SUBREQUESTS && c.reduce((n, i) => n + weight(i), 0) + weight(item) <= MAX_QUERIES_OR_COLLECTIONS);
      if (target) target.push(item);
      else calls.push([item]);
    }
    // A part-filled leftover waits while other calls are out: their answers bring the next pages and writes,
    // which fill it (a page read alone costs a call as five do). Put back first, it leads the next flush, which
    // comes as soon as a call in flight ends; with nothing in flight it goes at once.
    const last = calls[calls.length - 1];
    if (last && (calls.length > 1 || this.#inFlight > 0) && last.reduce((n, i) => n + weight(i), 0) < MAX_QUERIES_OR_COLLECTIONS) {
      calls.pop();
      this.#pending = [...last, ...this.#pending];
    }
    for (const call of calls) void this.#run(call);
  }

  async #run(call: Item[]): Promise<void> {
    this.#inFlight++;
    try {
      await this.#runCall(call);
    } finally {
      this.#inFlight--;
      if (this.#pending.length > 0 && !this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    }
  }

  async #runCall(call: Item[]): Promise<void> {
    const only = call[0] as Item;
    if (call.length === 1 && only.chain === 0 && only.requests.length === 1) {
      try {
        only.resolve([await this.#send.plain(only.endpoint, only.requests[0] as SfRequest)]);
      } catch (error) {
        only.reject(error);
      }
      return;
    }
    const subrequests: unknown[] = [];
    const refs: string[][] = [];
    call.forEach((item, i) => {
      const ids: string[] = [];
      item.requests.forEach((r, j) => {
        const referenceId = `r${i}_${j}`;
        ids.push(referenceId);
        subrequests.push(this.#subrequest(r, referenceId));
      });
      for (let k = 1; k <= item.chain; k++) {
        const referenceId = `r${i}_c${k}`;
        const prev = ids[ids.length - 1] as string;
        ids.push(referenceId);
        const head = item.requests[0] as SfRequest;
        subrequests.push(this.#subrequest({ ...head, url: `@{${prev}.nextRecordsUrl}` }, referenceId));
      }
      refs.push(ids);
    });
    let results: Map<string, SubResult>;
    try {
      const res = await this.#send.composite({ allOrNone: false, compositeRequest: subrequests });
      const parsed = CompositeResponse.safeParse(res.body);
      if (!parsed.success) throw new SalesforceCallError(`Composite response has an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}`, { status: res.status, errorCode: 'UNEXPECTED_RESPONSE', endpoint: 'composite' });
      results = new Map(parsed.data.compositeResponse.map((r) => [r.referenceId, r]));
    } catch (error) {
      for (const item of call) item.reject(error);
      return;
    }
    call.forEach((item, i) => {
      const out: Array<SfResponse<unknown> | SalesforceCallError> = [];
      for (const [k, id] of (refs[i] as string[]).entries()) {
        const r = results.get(id);
        const response = r ? this.#response(r, item.endpoint) : new SalesforceCallError('Salesforce returned no result for this subrequest', { status: null, errorCode: 'NO_RESULT', endpoint: item.endpoint });
        // A chained page after the last one fails on its reference: the query simply ended.
        if (k > 0 && item.chain > 0 && response instanceof SalesforceCallError && response.errorCode === 'PROCESSING_HALTED') break;
        out.push(response);
        if (response instanceof SalesforceCallError) break;
      }
      item.resolve(out);
    });
  }

  #subrequest(r: SfRequest, referenceId: string): Record<string, unknown> {
    const url = r.url.startsWith('/services/') || r.url.startsWith('@{') ? r.url : this.#send.path(r.url);
    // Top-level headers (Authorization, Content-Type, Sforce-Call-Options) cover every subrequest.
    const headers = Object.fromEntries(Object.entries(r.headers ?? {}).filter(([k]) => !/^(content-type|accept|authorization)$/i.test(k)));
    return { method: r.method, url, referenceId, ...(r.body !== undefined ? { body: r.body } : {}), ...(Object.keys(headers).length ? { httpHeaders: headers } : {}) };
  }

  #response(r: SubResult, endpoint: EndpointClass): SfResponse<unknown> | SalesforceCallError {
    const headers = Object.fromEntries(Object.entries(r.httpHeaders ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    if (r.httpStatusCode < 400) return { body: r.body, status: r.httpStatusCode, headers };
    // The REST error array, as a plain call would have received it (errorcodes.htm).
    const first = Array.isArray(r.body) ? (r.body[0] as { errorCode?: unknown; message?: unknown } | undefined) : undefined;
    const errorCode = typeof first?.errorCode === 'string' ? first.errorCode : `HTTP_${r.httpStatusCode}`;
    const message = typeof first?.message === 'string' ? first.message : `HTTP ${r.httpStatusCode}`;
    const retryAfter = headers['retry-after'];
    return new SalesforceCallError(message, { status: r.httpStatusCode, errorCode, endpoint, retryAfterMs: retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : null });
  }
}
