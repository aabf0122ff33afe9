/**
 * Who may start an OAuth install. Unless PARCOURS_PUBLIC_INSTALLS=true (a marketplace app), an install
 * needs either the admin token or a link the admin issued (`POST /api/install-links`): single use,
 * expiring, only a hash of its token stored. The link is spent when the install starts.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ParcoursError } from '../../errors.ts';
import type { CrmName } from '../../model.ts';
import type { Store } from '../../store/index.ts';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export async function issueInstallLink(store: Store, crm: CrmName, expiresAt: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await store.saveInstallLink(digest(token).toString('hex'), crm, expiresAt);
  return token;
}

export function installGate(o: { crm: CrmName; store: Store; publicInstalls: boolean; adminToken: string | undefined; now: () => number }) {
  const admin = o.adminToken === undefined ? null : digest(o.adminToken);
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    if (o.publicInstalls) return next();
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (admin && bearer && timingSafeEqual(digest(bearer), admin)) return next();
    const link = typeof req.query.link === 'string' && /^[A-Za-z0-9_-]{43}$/.test(req.query.link) ? req.query.link : null;
    if (link && await o.store.useInstallLink(digest(link).toString('hex'), o.now()) === o.crm) return next();
    throw new ParcoursError('AUTH_FAILED', link ? 'this install link is invalid, expired or already used: ask the admin for a new one' : 'installs need an install link from the admin (POST /api/install-links) or the admin token', { crm: o.crm });
  };
}
