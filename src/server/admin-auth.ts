/**
 * Bearer-token guard for the admin API. Both sides are hashed first, so the comparison is constant
 * time whatever the lengths. Without PARCOURS_ADMIN_TOKEN the admin API is closed, not open.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { sendError } from './http-errors.ts';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function requireAdmin(token: string | undefined) {
  const expected = token === undefined ? null : digest(token);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!expected) return sendError(res, 503, 'CONFIG_INVALID', 'the admin API is disabled: set PARCOURS_ADMIN_TOKEN');
    const given = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (!given || !timingSafeEqual(digest(given), expected)) {
      res.set('WWW-Authenticate', 'Bearer realm="parcours-admin"');
      return sendError(res, 401, 'AUTH_FAILED', 'missing or wrong admin token');
    }
    next();
  };
}
