/**
 * HubSpot failures → retry decisions and typed ParcoursErrors (stripe-node style: the status and the
 * body's `category`/`policyName` choose the error). Reference:
 * https://developers.hubspot.com/docs/api-reference/error-handling
 * https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines (429 bodies)
 */
import { z } from 'zod';
import { ParcoursError, type ErrorCode } from '../../src/errors.ts';
import type { FailureDecision } from '../../src/http/index.ts';

/** HubSpot error body; every field optional (documented as such). */
export const errorBodySchema = z
  .object({
    status: z.string().optional(),
    message: z.string().optional(),
    correlationId: z.string().optional(),
    category: z.string().optional(),
    subCategory: z.unknown().optional(),
    policyName: z.string().optional(),
    errorType: z.string().optional(),
    errors: z.array(z.object({ message: z.string().optional(), code: z.string().optional() }).loose()).optional(),
  })
  .loose();
export type HubspotErrorBody = z.infer<typeof errorBodySchema>;

/** A non-accepted HTTP status, before classification. Internal: callers only ever see ParcoursError. */
export class HubspotHttpError extends Error {
  readonly status: number;
  readonly body: HubspotErrorBody;
  readonly headers: Headers;
  readonly endpoint: string;
  constructor(status: number, rawBody: unknown, headers: Headers, endpoint: string) {
    const parsed = errorBodySchema.safeParse(rawBody);
    const body = parsed.success ? parsed.data : {};
    super(`HubSpot ${endpoint} answered ${status}${body.category ? ` ${body.category}` : ''}: ${body.message ?? 'no message'}`);
    this.name = 'HubspotHttpError';
    this.status = status;
    this.body = body;
    this.headers = headers;
    this.endpoint = endpoint;
  }

  get requestId(): string | undefined {
    return this.body.correlationId ?? this.headers.get('x-hubspot-correlation-id') ?? undefined;
  }

  /** `Retry-After` in ms (seconds form only; HubSpot documents it for 477). */
  get retryAfterMs(): number | null {
    const value = this.headers.get('retry-after');
    if (value === null) return null;
    const seconds = Number(value);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(value);
    return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
  }
}

export class HubspotTimeoutError extends Error {
  constructor(endpoint: string, ms: number) {
    super(`HubSpot ${endpoint} did not answer within ${ms} ms`);
    this.name = 'HubspotTimeoutError';
  }
}

export interface ClassifyContext {
  /** Window length of this endpoint class, for a 429 without a usable header. */
  intervalMs: number;
  /** Longest wait worth doing in-process; beyond it we stop with resumeAt. */
  maxWaitMs: number;
  now: () => number;
}

/** Next midnight UTC: HubSpot resets the daily quota at midnight in the account's time zone, which the API does not tell us. */
export function nextUtcMidnight(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

function isNetworkFailure(error: unknown): boolean {
  if (error instanceof HubspotTimeoutError) return true;
  // Native fetch (SDK v14) rejects with TypeError('fetch failed') and the socket error as cause.
  return error instanceof TypeError && /fetch failed|network|socket|ECONN|terminated/i.test(`${error.message} ${String((error as { cause?: unknown }).cause ?? '')}`);
}

export function toParcoursError(error: HubspotHttpError, extra: { recordId?: string; resumeAt?: number } = {}): ParcoursError {
  const { status, body } = error;
  let code: ErrorCode = 'CRM_ERROR';
  let message = error.message;
  if (status === 401) {
    code = 'AUTH_FAILED';
    message = `HubSpot rejected the access token (401 on ${error.endpoint}). Create or rotate the token (private app / service key) or reconnect the OAuth app, then update the connector configuration.`;
  } else if (status === 403) {
    code = 'AUTH_FAILED';
    message = `HubSpot refused ${error.endpoint} (403${body.category ? ` ${body.category}` : ''}): ${body.message ?? 'missing scope'}. Grant the missing scopes to the app and reinstall it.`;
  } else if (status === 429) code = body.policyName === 'DAILY' ? 'DAILY_LIMIT' : 'RATE_LIMITED';
  else if (status >= 500 || status === 423 || status === 477) code = 'CRM_UNAVAILABLE';
  else if (status === 404) code = 'NOT_FOUND';
  else if (status >= 400) code = 'CRM_VALIDATION';
  return new ParcoursError(code, message, {
    crm: 'hubspot',
    status,
    requestId: error.requestId,
    endpoint: error.endpoint,
    category: body.category,
    errors: body.errors?.map((e) => e.message ?? e.code ?? '').filter(Boolean),
    // A property the kept catalogue still lists was deleted (error-handling doc: `PROPERTY_DOESNT_EXIST`).
    ...(status === 400 && (body.category === 'PROPERTY_DOESNT_EXIST' || body.errors?.some((e) => e.code === 'PROPERTY_DOESNT_EXIST')) ? { schemaStale: true } : {}),
    ...extra,
  }, { cause: error });
}

export function classifyHubspotFailure(error: unknown, ctx: ClassifyContext): FailureDecision {
  if (error instanceof ParcoursError) return { kind: 'fatal', error };
  if (isNetworkFailure(error)) return { kind: 'transient' };
  if (!(error instanceof HubspotHttpError)) {
    return { kind: 'fatal', error: new ParcoursError('CRM_ERROR', `HubSpot call failed: ${error instanceof Error ? error.message : String(error)}`, { crm: 'hubspot' }, { cause: error }) };
  }
  const { status, body } = error;
  const retryAfter = error.retryAfterMs;
  if (status === 429) {
    if (body.policyName === 'DAILY') {
      return { kind: 'fatal', error: toParcoursError(error, { resumeAt: nextUtcMidnight(ctx.now()) }) };
    }
    // TEN_SECONDLY_ROLLING, the search "secondly" limit, or an unnamed 429: wait for the window, then retry.
    const headerInterval = Number(error.headers.get('x-hubspot-ratelimit-interval-milliseconds'));
    const wait = retryAfter ?? (Number.isFinite(headerInterval) && headerInterval > 0 ? headerInterval : ctx.intervalMs);
    return { kind: 'wait', ms: wait };
  }
  if (status === 423) return { kind: 'wait', ms: Math.max(2_000, retryAfter ?? 0) }; // lock lasts 2 s
  if (status === 477) {
    const wait = retryAfter ?? 60_000;
    if (wait > ctx.maxWaitMs) return { kind: 'fatal', error: toParcoursError(error, { resumeAt: ctx.now() + wait }) };
    return { kind: 'wait', ms: wait };
  }
  if (status >= 500) return { kind: 'transient' };
  return { kind: 'fatal', error: toParcoursError(error) };
}
