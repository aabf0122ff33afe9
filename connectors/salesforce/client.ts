/**
 * Every Salesforce request goes through `SalesforceClient.call`: one Pacer per endpoint class,
 * retries through `callWithPolicy` (jsforce's own retry is switched off so one policy decides and
 * every attempt is counted), the status and headers of each response captured (jsforce errors have no
 * status), `Sforce-Limit-Info: api-usage=N/M` read on every response
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm),
 * and a clean QUOTA_RESERVE stop before the org's daily budget falls under the reserve.
 */
import type { Connection, HttpRequest, HttpResponse } from 'jsforce';
import { CallStats, Pacer, callWithPolicy } from '../../src/http/index.ts';
import { BUDGET_FRESH_MS, type ApiCallStats, type BudgetState } from '../../connectors/port.ts';
import { ParcoursError } from '../../src/errors.ts';
import type { ResolvedConfig } from './config.ts';
import { createSession, refreshMessage, type Session } from './session.ts';
import { CompositeBatcher, packable } from './composite.ts';
import { DAILY_LIMIT_RESUME_MS, SalesforceCallError, decide, isNetworkError, toParcoursError } from './sf-error.ts';

export const ENDPOINT_CLASSES = ['composite', 'soql.query', 'sobjects.collections', 'sobjects.record', 'bulk2.query', 'bulk2.ingest', 'tooling', 'metadata'] as const;
export type EndpointClass = (typeof ENDPOINT_CLASSES)[number];

export interface SfRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path under `/services/data/vXX.X` (e.g. `/query?q=…`), or a root path starting with `/services/`. */
  url: string;
  /** JSON-serialised unless a string (CSV uploads). */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Return the body as text (CSV results) instead of letting jsforce parse it. */
  text?: boolean;
}

export interface SfResponse<T> {
  body: T;
  status: number;
  headers: Record<string, string>;
}

export interface ApiUsage { used: number; limit: number }

export class SalesforceClient {
  readonly config: ResolvedConfig;
  readonly session: Session;
  readonly #stats = new CallStats();
  // callWithPolicy counts attempts; we count at the transport instead (a 401 → refresh → re-send is
  // two requests inside one attempt), so its own counter is discarded.
  readonly #attemptStats = new CallStats();
  readonly #pacers = new Map<EndpointClass, Pacer>();
  #usage: ApiUsage | null = null;
  /** When `#usage` was reported (0: never). */
  #usageAt = 0;
  /** Packs requests made at the same time into Composite calls (composite.ts). */
  readonly #batcher = new CompositeBatcher({
    plain: (endpoint, request) => this.#send(endpoint, request),
    composite: (body) => this.#send('composite', { method: 'POST', url: '/composite', body }),
    path: (resource) => this.path(resource),
  });

  constructor(config: ResolvedConfig) {
    this.config = config;
    this.session = createSession(config, (status) => this.#stats.record('oauth.token', status));
    for (const endpoint of ENDPOINT_CLASSES) {
      this.#pacers.set(endpoint, new Pacer({ max: config.pacing.max, intervalMs: config.pacing.intervalMs, maxConcurrent: config.pacing.maxConcurrent }));
    }
  }

  get conn(): Connection {
    return this.session.conn;
  }

  /** Last `api-usage` the org reported, or null before the first response. */
  get apiUsage(): ApiUsage | null {
    return this.#usage;
  }

  /** The daily budget as the org last reported it (`Sforce-Limit-Info`), or null before the first response. */
  budget(): BudgetState | null {
    const u = this.#usage;
    return u ? { at: this.#usageAt, daily: { limit: u.limit, remaining: u.limit - u.used } } : null;
  }

  /** Another connector's newer report (another job, maybe another process): the reserve counts from it. */
  adoptBudget(state: BudgetState): void {
    if (!state.daily || state.at <= this.#usageAt || Date.now() - state.at > BUDGET_FRESH_MS) return;
    this.#usage = { used: state.daily.limit - state.daily.remaining, limit: state.daily.limit };
    this.#usageAt = state.at;
  }

  stats(): ApiCallStats {
    return this.#stats.snapshot();
  }

  /** Full path of a REST resource for the configured API version. */
  path(resource: string): string {
    return `/services/data/v${this.config.apiVersion}${resource}`;
  }

  async call<T>(endpoint: EndpointClass, request: SfRequest): Promise<SfResponse<T>> {
    return this.#withPolicy(endpoint, () => (packable(request) ? this.#batcher.one<T>(endpoint, request) : this.#send<T>(endpoint, request)));
  }

  /**
   * Independent packable requests (describes) sent together as one group: they take one pacing slot and
   * travel in the same Composite call(s) (composite.ts), with whatever else is submitted at that moment.
   * Each answer is the response or the typed error the same request alone yields (a describe of an object
   * the org lacks: NOT_FOUND); a transient failure of any of them retries the group under the policy.
   */
  async callAll<T>(endpoint: EndpointClass, requests: SfRequest[]): Promise<Array<SfResponse<T> | ParcoursError>> {
    if (requests.length === 0) return [];
    const settled = await this.#withPolicy(endpoint, async () => {
      const results = await Promise.allSettled(requests.map((r) => (packable(r) ? this.#batcher.one<T>(endpoint, r) : this.#send<T>(endpoint, r))));
      for (const r of results) if (r.status === 'rejected' && decide(r.reason).kind !== 'fatal') throw r.reason;
      return results;
    });
    return settled.map((r) => (r.status === 'fulfilled' ? r.value : toParcoursError(r.reason)));
  }

  /**
   * A query page and up to `more` (≤ 4) next pages after it, chained by reference in one Composite call
   * (composite.ts). Returns the pages read, in order (at least the first; fewer when a later one fails).
   */
  async chain<T>(request: SfRequest, more: number): Promise<{ pages: Array<SfResponse<T>>; error: ParcoursError | null }> {
    if (more <= 0) return { pages: [await this.call<T>('soql.query', request)], error: null };
    const { pages, tail } = await this.#withPolicy('soql.query', () => this.#batcher.chain('soql.query', request, more));
    // A later page that failed as it would have alone: fatal → the query fails after the pages before it;
    // transient → those pages are kept and the failed one is asked again, under the retry policy.
    const decision = tail ? decide(tail) : null;
    return { pages: pages as Array<SfResponse<T>>, error: decision?.kind === 'fatal' ? toParcoursError(decision.error) : null };
  }

  async #withPolicy<R>(endpoint: EndpointClass, attempt: () => Promise<R>): Promise<R> {
    try {
      return await callWithPolicy(
        {
          pacer: this.#pacers.get(endpoint) as Pacer,
          stats: this.#attemptStats,
          endpoint,
          classify: decide,
          statusOf: (e) => (e instanceof SalesforceCallError ? e.status : null),
          retries: this.config.retry.retries,
          minTimeoutMs: this.config.retry.minTimeoutMs,
          maxRetryTimeMs: this.config.retry.maxRetryTimeMs,
        },
        attempt,
      );
    } catch (error) {
      throw toParcoursError(error);
    }
  }

  /** Throws QUOTA_RESERVE when one more call would eat into the reserve. */
  checkReserve(endpoint: string): void {
    const usage = this.#usage;
    if (!usage || usage.limit <= 0) return;
    const floor = Math.ceil(usage.limit * this.config.apiReserve);
    if (usage.limit - usage.used - 1 < floor) {
      throw new ParcoursError(
        'QUOTA_RESERVE',
        `Salesforce daily API budget is down to its reserve (${usage.limit - usage.used} of ${usage.limit} left, reserve ${Math.round(this.config.apiReserve * 100)} %); stopping with cursors saved.`,
        { crm: 'salesforce', endpoint, used: usage.used, limit: usage.limit, resumeAt: Date.now() + DAILY_LIMIT_RESUME_MS },
      );
    }
  }

  /** One plain request on the wire (one attempt; a 401 → refresh → re-send inside it). */
  async #send<T>(endpoint: EndpointClass, request: SfRequest): Promise<SfResponse<T>> {
    this.checkReserve(endpoint);
    await this.session.ensure();
    const conn = this.session.conn;
    let last: HttpResponse | null = null;
    const inner = conn._transport;
    const transport = {
      httpRequest: (req: HttpRequest, options?: object) => {
        const pending = inner.httpRequest(req, options);
        pending.then(
          (res) => {
            last = res;
            this.#observe(endpoint, res);
          },
          () => this.#stats.record(endpoint, null),
        );
        return pending;
      },
    };
    const headers: Record<string, string> = { ...request.headers };
    let body: string | undefined;
    if (request.body !== undefined) {
      body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      headers['content-type'] = request.contentType ?? 'application/json';
    }
    const url = request.url.startsWith('/services/') ? request.url : this.path(request.url);
    try {
      const result = (await conn.request<T>(
        { method: request.method, url, headers, ...(body !== undefined ? { body } : {}) },
        { transport, retry: { maxRetries: 0 }, noContentResponse: null, ...(request.text ? { responseType: 'text/plain' } : {}) },
      )) as T;
      const res = last as HttpResponse | null;
      return { body: result, status: res?.statusCode ?? 0, headers: res?.headers ?? {} };
    } catch (error) {
      throw wrapFailure(error, last as HttpResponse | null, endpoint);
    }
  }

  #observe(endpoint: string, res: HttpResponse): void {
    this.#stats.record(endpoint, res.statusCode);
    const info = res.headers['sforce-limit-info'];
    const match = info ? /api-usage=(\d+)\/(\d+)/.exec(info) : null;
    if (match) {
      this.#usage = { used: Number(match[1]), limit: Number(match[2]) };
      this.#usageAt = Date.now();
    }
  }
}

function wrapFailure(error: unknown, res: HttpResponse | null, endpoint: string): unknown {
  if (error instanceof ParcoursError || error instanceof SalesforceCallError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/^Unable to refresh session/.test(message)) {
    return new SalesforceCallError(refreshMessage(error), { status: 401, errorCode: 'REFRESH_FAILED', endpoint: 'oauth.token' }, error);
  }
  if (!res && isNetworkError(error)) return new SalesforceCallError(message, { status: null, errorCode: 'NETWORK', endpoint }, error);
  const errorCode = (error as { errorCode?: unknown }).errorCode;
  const retryAfter = res?.headers['retry-after'];
  return new SalesforceCallError(message, {
    status: res?.statusCode ?? null,
    errorCode: typeof errorCode === 'string' ? errorCode : res ? `HTTP_${res.statusCode}` : 'UNKNOWN',
    endpoint,
    retryAfterMs: retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : null,
  }, error);
}
