/**
 * The one way this connector talks to HubSpot: the official SDK's `apiRequest` (auth header, basePath,
 * user agent) with our policy around it — one Pacer per endpoint class, header-driven pacing, p-retry
 * through `callWithPolicy`, per-endpoint call counts — and a zod parse of every body we rely on.
 *
 * SDK v14 facts this relies on (read in node_modules/@hubspot/api-client/lib/src):
 * - `apiRequest` resolves to the native fetch `Response` for every status (it never throws on 4xx/5xx);
 * - its retries (`RetryDecorator`) exist only when `numberOfApiCallRetries > 0`, its Bottleneck limiter only
 *   when `limiterOptions` is set; we pass neither;
 * - decorators live in the process-wide `ApiDecoratorService` singleton, replaced by every `new Client()`
 *   and applied to `apiRequest` at call time, so another Client in the same process could slip its
 *   retries/limiter under ours: `#send` clears them for the synchronous instant `apiRequest` reads them.
 */
import { createRequire } from 'node:module';
import { Client } from '@hubspot/api-client';
import type { z } from 'zod';
import { ParcoursError } from '../../src/errors.ts';
import { CallStats, Pacer, callWithPolicy } from '../../src/http/index.ts';
import type { ResolvedHubspotConfig } from './config.ts';
import { BUDGET_FRESH_MS, type BudgetState } from '../port.ts';
import { HubspotHttpError, HubspotTimeoutError, classifyHubspotFailure, nextUtcMidnight, toParcoursError } from './failures.ts';
import { hubspotPaths } from './paths.ts';

interface DecoratorRegistry {
  getInstance(): { setDecorators(d: unknown[]): void };
}
const requireCjs = createRequire(import.meta.url);
const decoratorRegistry = (requireCjs('@hubspot/api-client/lib/src/services/ApiDecoratorService.js') as { default: DecoratorRegistry }).default;

/** Endpoint classes with separate budgets: ordinary calls, search (5/s, no headers), associations (own limits). */
export type EndpointClass = 'standard' | 'search' | 'associations';

export interface HubspotRequest<T> {
  /** Endpoint name for stats and errors (never the raw path: one path carries the token). */
  endpoint: string;
  endpointClass?: EndpointClass;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  qs?: Record<string, string>;
  body?: unknown;
  /** Sent form-encoded instead of `body` (OAuth endpoints). May hold secrets: never logged or put in errors. */
  form?: Record<string, string>;
  /** Schema of a successful body. */
  schema: z.ZodType<T>;
  /** Non-2xx statuses handed back to the caller instead of failing (e.g. 409 on create, 404 on find). */
  accept?: number[];
  recordId?: string;
}

export type HubspotResponse<T> = { ok: true; status: number; data: T } | { ok: false; status: number; body: unknown };

export interface RateLimitSnapshot {
  max?: number;
  remaining?: number;
  intervalMs?: number;
  daily?: number;
  dailyRemaining?: number;
}

function headerNumber(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

export class HubspotTransport {
  readonly stats = new CallStats();
  readonly rateLimit: RateLimitSnapshot = {};
  readonly #client: Client;
  readonly #config: ResolvedHubspotConfig;
  readonly #pacers: Record<EndpointClass, Pacer>;
  readonly #now: () => number;
  /** When the budget in `rateLimit` was heard (0: never). */
  #budgetAt = 0;

  constructor(config: ResolvedHubspotConfig, now: () => number = Date.now) {
    this.#config = config;
    this.#now = now;
    this.#client = new Client({ accessToken: config.accessToken, basePath: config.baseUrl, numberOfApiCallRetries: 0 });
    this.#pacers = {
      // The burst window counts arrivals too, so ordinary calls are also counted from their answer: a loaded
      // event loop (a full run evaluates between its calls) sends late what the window already counted from the
      // send, and 101 arrivals in 10 s cost a 429 and a paused window (10 s). In a 10-second window the answer's
      // latency costs under 1 % of the budget.
      standard: new Pacer({ ...config.pacing, maxConcurrent: 8, headroom: 0.97, countFrom: 'end' }, now),
      // Search: 5 requests/s per account and no headers to correct us. The server counts arrivals, which
      // fall between our send and its answer: a slot is held from the send until 1 s after the answer, so
      // no delay on the way (a loaded machine, a queue) can put a sixth arrival in any second. Calls may
      // overlap (up to the budget), so one page's latency does not idle the budget.
      // https://developers.hubspot.com/docs/api-reference/legacy/crm/search-the-crm ("Limits")
      search: new Pacer({ max: Math.max(1, Math.floor(config.searchPerSecond)), intervalMs: 1000, maxConcurrent: Math.max(1, Math.floor(config.searchPerSecond)), countFrom: 'end' }, now),
      // Associations v4 have their own burst limit (100 / 10 s on Free/Starter, 150 Pro/Enterprise):
      // https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide
      associations: new Pacer({ ...config.pacing, maxConcurrent: 4, headroom: 0.95, countFrom: 'end' }, now),
    };
  }

  get accessToken(): string {
    return this.#config.accessToken;
  }

  /** Sends through the policy; returns parsed data, or the accepted non-2xx status. Throws ParcoursError. */
  async request<T>(req: HubspotRequest<T>): Promise<HubspotResponse<T>> {
    this.#checkDailyReserve(req.endpoint);
    const endpointClass = req.endpointClass ?? 'standard';
    const pacer = this.#pacers[endpointClass];
    try {
      return await callWithPolicy(
        {
          pacer,
          stats: this.stats,
          endpoint: req.endpoint,
          retries: this.#config.retry.retries,
          minTimeoutMs: this.#config.retry.minTimeoutMs,
          maxRetryTimeMs: 15 * 60_000,
          statusOf: (e) => (e instanceof HubspotHttpError ? e.status : null),
          classify: (e) => classifyHubspotFailure(e, { intervalMs: pacer.limit.intervalMs, maxWaitMs: 15 * 60_000, now: this.#now }),
        },
        (answered) => this.#attempt(req, endpointClass, answered),
      );
    } catch (error) {
      throw await this.#finalError(error, req);
    }
  }

  /** Convenience: the parsed body of a call whose accepted statuses all carry the schema's shape. */
  async data<T>(req: HubspotRequest<T>): Promise<T> {
    const res = await this.request(req);
    if (!res.ok) throw new ParcoursError('CRM_ERROR', `HubSpot ${req.endpoint} answered ${res.status}`, { crm: 'hubspot', status: res.status, endpoint: req.endpoint });
    return res.data;
  }

  async #attempt<T>(req: HubspotRequest<T>, endpointClass: EndpointClass, answered: () => void): Promise<HubspotResponse<T>> {
    const response = await this.#send(req);
    // The status line is in: the pacers time this call's window from here, not from after the body is parsed.
    answered();
    if (endpointClass !== 'search') this.#observe(response.headers, this.#pacers[endpointClass]);
    const text = await response.text();
    let body: unknown = null;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = { message: text.slice(0, 200) };
      }
    }
    const accepted = req.accept?.includes(response.status) ?? false;
    if (response.status >= 200 && response.status < 300) {
      const parsed = req.schema.safeParse(body);
      if (!parsed.success) {
        throw new ParcoursError('CRM_ERROR', `HubSpot ${req.endpoint} returned an unexpected body: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { crm: 'hubspot', status: response.status, endpoint: req.endpoint });
      }
      return { ok: true, status: response.status, data: parsed.data };
    }
    if (accepted) return { ok: false, status: response.status, body };
    throw new HubspotHttpError(response.status, body, response.headers, req.endpoint);
  }

  #send(req: HubspotRequest<unknown>): Promise<Response> {
    const registry = decoratorRegistry.getInstance() as unknown as { decorators: unknown[]; setDecorators(d: unknown[]): void };
    const foreign = registry.decorators;
    registry.setDecorators([]);
    let pending: Promise<Response>;
    try {
      const payload = req.form
        ? { body: new URLSearchParams(req.form).toString(), defaultJson: false, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }
        : { body: req.body };
      pending = this.#client.apiRequest({ method: req.method, path: req.path, qs: req.qs, ...payload }) as Promise<Response>;
    } finally {
      registry.setDecorators(foreign);
    }
    const ms = this.#config.requestTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HubspotTimeoutError(req.endpoint, ms)), ms);
    });
    return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
  }

  /** The budget as the last response told it (null before any). */
  budget(): BudgetState | null {
    const ends = this.#pacers.search.held();
    const lastSearch = ends.length > 0 ? (ends[ends.length - 1] as number) : 0;
    if (this.#budgetAt === 0 && lastSearch === 0) return null;
    const r = this.rateLimit;
    const state: BudgetState = { at: Math.max(this.#budgetAt, lastSearch) };
    if (ends.length > 0) state.search = { ends };
    if (r.daily !== undefined && r.dailyRemaining !== undefined) state.daily = { limit: r.daily, remaining: r.dailyRemaining };
    if (r.max !== undefined && r.remaining !== undefined && r.intervalMs !== undefined) state.window = { max: r.max, remaining: r.remaining, intervalMs: r.intervalMs };
    return state;
  }

  /** Another connector's newer budget: the daily reserve counts from it, and the standard window starts from it. */
  adoptBudget(state: BudgetState): void {
    const now = this.#now();
    if (state.at <= this.#budgetAt || now - state.at > BUDGET_FRESH_MS) return;
    if (state.search) this.#pacers.search.seed(state.search.ends);
    if (!state.daily && !state.window) return;
    this.#budgetAt = state.at;
    if (state.daily) Object.assign(this.rateLimit, { daily: state.daily.limit, dailyRemaining: state.daily.remaining });
    const w = state.window;
    if (w && now - state.at < w.intervalMs) {
      this.#pacers.standard.observe({ max: w.max, remaining: w.remaining, intervalMs: w.intervalMs });
      Object.assign(this.rateLimit, { max: w.max, remaining: w.remaining, intervalMs: w.intervalMs });
    }
  }

  #observe(headers: Headers, pacer: Pacer): void {
    const max = headerNumber(headers, 'x-hubspot-ratelimit-max');
    const remaining = headerNumber(headers, 'x-hubspot-ratelimit-remaining');
    const intervalMs = headerNumber(headers, 'x-hubspot-ratelimit-interval-milliseconds');
    if (max !== undefined || remaining !== undefined || intervalMs !== undefined) {
      pacer.observe({ max, remaining, intervalMs });
      Object.assign(this.rateLimit, { max, remaining, intervalMs });
    }
    const daily = headerNumber(headers, 'x-hubspot-ratelimit-daily');
    const dailyRemaining = headerNumber(headers, 'x-hubspot-ratelimit-daily-remaining');
    if (daily !== undefined) this.rateLimit.daily = daily;
    if (dailyRemaining !== undefined) this.rateLimit.dailyRemaining = dailyRemaining;
    if (max !== undefined || remaining !== undefined || daily !== undefined || dailyRemaining !== undefined) this.#budgetAt = this.#now();
  }

  #checkDailyReserve(endpoint: string): void {
    const left = this.rateLimit.dailyRemaining;
    if (this.#config.dailyReserve > 0 && left !== undefined && left <= this.#config.dailyReserve) {
      throw new ParcoursError('QUOTA_RESERVE', `HubSpot daily API quota is down to its reserve (${left} calls left, reserve ${this.#config.dailyReserve}); stopping so other integrations keep working.`, { crm: 'hubspot', endpoint, resumeAt: nextUtcMidnight(this.#now()) });
    }
  }

  async #finalError(error: unknown, req: HubspotRequest<unknown>): Promise<ParcoursError> {
    if (error instanceof ParcoursError) {
      if (error.code === 'DAILY_LIMIT') {
        const resumeAt = await this.#dailyResetTime();
        if (resumeAt !== null) error.context.resumeAt = resumeAt;
      }
      if (req.recordId !== undefined && error.context.recordId === undefined) error.context.recordId = req.recordId;
      return error;
    }
    if (error instanceof HubspotHttpError) return toParcoursError(error, { recordId: req.recordId });
    const message = error instanceof Error ? error.message : String(error);
    return new ParcoursError('CRM_UNAVAILABLE', `HubSpot ${req.endpoint} unreachable after retries: ${message}`, { crm: 'hubspot', endpoint: req.endpoint, recordId: req.recordId }, { cause: error });
  }

  /**
   * The 429 DAILY body carries no reset time; private apps can ask the daily-usage endpoint (`resetsAt`).
   * One unretried call; any failure falls back to next midnight UTC (set by the classifier).
   */
  async #dailyResetTime(): Promise<number | null> {
    if (this.#config.authKind === 'oauth') return null; // OAuth calls have no daily limit
    try {
      const response = await this.#send({ endpoint: 'account.api-usage', method: 'GET', path: hubspotPaths.dailyUsage(), schema: null as never });
      this.stats.record('account.api-usage', response.status);
      if (!response.ok) return null;
      const body = (await response.json()) as { results?: Array<{ resetsAt?: unknown }> };
      const resetsAt = body.results?.[0]?.resetsAt;
      const at = typeof resetsAt === 'number' ? resetsAt : typeof resetsAt === 'string' ? Date.parse(resetsAt) : NaN;
      return Number.isFinite(at) ? at : null;
    } catch {
      return null;
    }
  }
}
