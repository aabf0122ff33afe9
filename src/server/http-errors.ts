/**
 * Every error leaves as JSON `{ error: { code, message } }` with a fitting status. Messages of
 * ParcoursErrors are written never to carry secrets; anything else is logged and answered generically.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { ParcoursError, type ErrorCode } from '../errors.ts';
import { redactWebhookPath } from './webhook-secrets.ts';

const STATUS: Partial<Record<ErrorCode, number>> = {
  INPUT_INVALID: 400,
  MAPPING_INVALID: 400,
  AUTH_FAILED: 401,
  NOT_FOUND: 404,
  CONFIG_INVALID: 409,
  PAUSED: 409,
  // Well-formed credentials the CRM refused: the request was understood, its content is unusable.
  CREDENTIALS_REJECTED: 422,
  RATE_LIMITED: 503,
  DAILY_LIMIT: 503,
  QUOTA_RESERVE: 503,
  CRM_UNAVAILABLE: 502,
  CRM_ERROR: 502,
  CRM_VALIDATION: 502,
  STORE_ERROR: 500,
};

export function sendError(res: Response, status: number, code: ErrorCode, message: string): void {
  const requestId = typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined;
  res.status(status).json({ error: { code, message, ...(status >= 500 && requestId ? { requestId } : {}) } });
}

export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const bodyError = err as { type?: string };
    if (bodyError.type === 'entity.too.large') return sendError(res, 413, 'INPUT_INVALID', 'request body too large');
    if (bodyError.type === 'entity.parse.failed' || bodyError.type === 'encoding.unsupported' || bodyError.type === 'charset.unsupported') {
      return sendError(res, 400, 'INPUT_INVALID', 'request body is not valid JSON');
    }
    const requestId = res.locals.requestId as string | undefined;
    if (err instanceof ParcoursError && err.code !== 'STORE_ERROR') {
      const status = STATUS[err.code] ?? 500;
      if (status >= 500) log.error({ requestId, err: { code: err.code, message: err.message, context: err.context }, path: redactWebhookPath(req.path) }, 'request failed');
      return sendError(res, status, err.code, err.message);
    }
    // Store and unexpected failures: the details (file paths, SQL) go to the log under the request id only.
    const code: ErrorCode = err instanceof ParcoursError ? err.code : 'STORE_ERROR';
    log.error({ requestId, err: { code, message: err instanceof Error ? err.message : String(err) }, path: redactWebhookPath(req.path) }, 'unexpected error');
    sendError(res, 500, code, `internal error; the service log has the details under request id ${requestId ?? 'unknown'}`);
  };
}
