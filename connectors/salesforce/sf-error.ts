/**
 * Salesforce failures, classified: the retry decision for `callWithPolicy` and the typed `ParcoursError`.
 *
 * jsforce's `HttpApiError` carries `errorCode` + message but no HTTP status
 * (https://github.com/jsforce/jsforce/issues/1701), so the client captures the status and headers
 * of each response itself and wraps failures in `SalesforceCallError`.
 */
import type { FailureDecision } from '../../src/http/index.ts';
import { ParcoursError, type ErrorCode } from '../../src/errors.ts';

export class SalesforceCallError extends Error {
  readonly status: number | null;
  readonly errorCode: string;
  readonly endpoint: string;
  readonly retryAfterMs: number | null;
  constructor(message: string, fields: { status: number | null; errorCode: string; endpoint: string; retryAfterMs?: number | null }, cause?: unknown) {
    super(message, { cause });
    this.name = 'SalesforceCallError';
    this.status = fields.status;
    this.errorCode = fields.errorCode;
    this.endpoint = fields.endpoint;
    this.retryAfterMs = fields.retryAfterMs ?? null;
  }
}

/** Socket-level failures undici/jsforce surface without an HTTP status. */
const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'ENETDOWN', 'ENETUNREACH', 'EHOSTDOWN', 'EHOSTUNREACH',
  'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT',
]);

export function isNetworkError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (e instanceof TypeError && /fetch failed|network|socket/i.test(e.message)) return true;
  }
  return false;
}

/** 403 REQUEST_LIMIT_EXCEEDED is both the daily org limit ("TotalRequests Limit exceeded.") and the concurrent long-running limit. */
export function isDailyLimit(e: SalesforceCallError): boolean {
  return e.errorCode === 'REQUEST_LIMIT_EXCEEDED' && /TotalRequests/i.test(e.message);
}

const AUTH_CODES = new Set(['INVALID_SESSION_ID', 'INVALID_AUTH_HEADER', 'API_DISABLED_FOR_ORG', 'API_CURRENTLY_DISABLED', 'INSUFFICIENT_ACCESS', 'INVALID_GRANT', 'REFRESH_FAILED']);

/** Daily usage is a rolling 24 h window that Salesforce does not date; one hour is our guess at when enough ages out. */
export const DAILY_LIMIT_RESUME_MS = 3_600_000;

export function decide(error: unknown): FailureDecision {
  if (error instanceof ParcoursError) return { kind: 'fatal', error };
  if (!(error instanceof SalesforceCallError)) {
    return isNetworkError(error) ? { kind: 'transient' } : { kind: 'fatal', error: toParcoursError(error) };
  }
  if (error.status === 429 || error.status === 420) return error.retryAfterMs !== null ? { kind: 'wait', ms: error.retryAfterMs } : { kind: 'transient' };
  if (error.errorCode === 'REQUEST_LIMIT_EXCEEDED') return isDailyLimit(error) ? { kind: 'fatal', error: toParcoursError(error) } : { kind: 'transient' };
  if (error.status !== null && error.status >= 500) return { kind: 'transient' };
  if (error.status === null && (error.errorCode === 'NETWORK' || isNetworkError(error.cause))) return { kind: 'transient' };
  return { kind: 'fatal', error: toParcoursError(error) };
}

/** The typed error the rest of Parcours sees. Messages carry Salesforce's code and text, never a token. */
export function toParcoursError(error: unknown): ParcoursError {
  if (error instanceof ParcoursError) return error;
  if (!(error instanceof SalesforceCallError)) {
    const message = error instanceof Error ? error.message : String(error);
    return new ParcoursError('CRM_ERROR', `Salesforce call failed: ${message}`, { crm: 'salesforce' }, { cause: error });
  }
  // INVALID_FIELD: a field the kept describe still lists was deleted or hidden (salesforce.md §5.3).
  const context = { crm: 'salesforce' as const, status: error.status ?? undefined, endpoint: error.endpoint, sfErrorCode: error.errorCode, ...(error.errorCode === 'INVALID_FIELD' ? { schemaStale: true } : {}) };
  let code: ErrorCode;
  let message = `Salesforce ${error.endpoint} failed: ${error.errorCode}: ${error.message}`;
  if (error.errorCode === 'REFRESH_FAILED') {
    code = 'AUTH_FAILED';
    message = `Salesforce session could not be refreshed (${error.message}). Reconnect the org: issue a new refresh token, or check the JWT certificate, consumer key and user pre-authorization.`;
  } else if (error.status === 401 || AUTH_CODES.has(error.errorCode)) {
    code = 'AUTH_FAILED';
    message = `Salesforce rejected the credentials on ${error.endpoint} (${error.errorCode}: ${error.message}). Reconnect the org or check the integration user's API access.`;
  } else if (isDailyLimit(error)) {
    return new ParcoursError('DAILY_LIMIT', `Salesforce daily API request limit reached (${error.message}); stopping with cursors saved.`, {
      ...context,
      resumeAt: Date.now() + DAILY_LIMIT_RESUME_MS,
    }, { cause: error });
  } else if (error.errorCode === 'REQUEST_LIMIT_EXCEEDED' || error.status === 429 || error.status === 420) {
    code = 'RATE_LIMITED';
  } else if (error.status === null || error.status >= 500) {
    code = 'CRM_UNAVAILABLE';
  } else if (error.status === 400 || error.status === 404) {
    code = 'CRM_VALIDATION';
  } else {
    code = 'CRM_ERROR';
  }
  return new ParcoursError(code, message, context, { cause: error });
}
