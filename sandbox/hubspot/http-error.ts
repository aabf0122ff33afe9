/**
 * HubSpot-shaped error responses. Handlers throw a ParcoursError carrying the HTTP status and the
 * exact body HubSpot would send; the server's error middleware writes it out unchanged.
 * Body shape: https://developers.hubspot.com/docs/api-reference/error-handling (status, message,
 * correlationId, category, errors[], context).
 */
import { randomUUID } from 'node:crypto';
import { ParcoursError } from '../../src/errors.ts';

export interface HubspotErrorDetail {
  message: string;
  code?: string;
  context?: Record<string, string[]>;
  in?: string;
}

export type HubspotErrorBody = Record<string, unknown> & { status: string; message: string; correlationId: string };

export function correlationId(): string {
  return randomUUID();
}

export function errorBody(
  category: string,
  message: string,
  extra: { errors?: HubspotErrorDetail[]; context?: Record<string, unknown>; subCategory?: string } = {},
): HubspotErrorBody {
  return { status: 'error', message, correlationId: correlationId(), category, ...extra };
}

/** Error a route handler throws; the error middleware sends `context.body` with `context.status`. */
export function httpError(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): ParcoursError {
  const code = status === 401 ? 'AUTH_FAILED' : status === 404 ? 'NOT_FOUND' : status === 429 ? 'RATE_LIMITED' : status >= 500 ? 'CRM_UNAVAILABLE' : 'CRM_VALIDATION';
  return new ParcoursError(code, String(body['message'] ?? `HTTP ${status}`), { crm: 'hubspot', status, body, headers });
}

export function validationError(message: string, errors: HubspotErrorDetail[] = []): ParcoursError {
  return httpError(400, errorBody('VALIDATION_ERROR', message, errors.length ? { errors } : {}));
}

export function notFound(message: string): ParcoursError {
  return httpError(404, errorBody('OBJECT_NOT_FOUND', message));
}

export function conflict(message: string): ParcoursError {
  // Category seen on real 409s: https://github.com/HubSpot/hubspot-api-nodejs/issues/545
  return httpError(409, errorBody('CONFLICT', message));
}

/** Reads the status/body/headers back from an error thrown by `httpError`. */
export function asHttpError(err: unknown): { status: number; body: Record<string, unknown>; headers: Record<string, string> } | null {
  if (!(err instanceof ParcoursError)) return null;
  const { status, body, headers } = err.context;
  if (typeof status !== 'number' || typeof body !== 'object' || body === null) return null;
  return { status, body: body as Record<string, unknown>, headers: (headers ?? {}) as Record<string, string> };
}
