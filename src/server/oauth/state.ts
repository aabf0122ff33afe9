/**
 * OAuth `state`: a random nonce, signed (so a forged one is refused before any lookup) and single use
 * (the store deletes it as it reads it), bound to the browser that started the install: a short-lived
 * HttpOnly cookie holds a random binding whose hash the state keeps, so a callback URL replayed in
 * another browser (login CSRF: a victim finishing an attacker's install) is refused. The pending
 * install's own data (PKCE verifier, login host) stays server-side, sealed, under the nonce.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { ParcoursError } from '../../errors.ts';
import type { CrmName } from '../../model.ts';
import type { Store } from '../../store/index.ts';
import type { SecretBox } from '../../secret-box.ts';

export const STATE_TTL_MS = 10 * 60_000;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('base64url');

export function stateCookieName(crm: CrmName): string {
  return `parcours_oauth_${crm}`;
}

export async function issueState(store: Store, box: SecretBox, crm: CrmName, data: Record<string, string>, now: number): Promise<{ state: string; binding: string }> {
  const nonce = randomBytes(18).toString('base64url');
  const binding = randomBytes(24).toString('base64url');
  await store.saveOauthState(nonce, crm, box.seal(JSON.stringify({ ...data, binding: sha256(binding) }), `oauth-state:${nonce}`), now + STATE_TTL_MS);
  return { state: `${nonce}.${box.sign(`${crm}.${nonce}`)}`, binding };
}

export async function consumeState(store: Store, box: SecretBox, crm: CrmName, state: string, binding: string | undefined): Promise<Record<string, string>> {
  const [nonce, signature] = state.split('.');
  const refused = () => new ParcoursError('AUTH_FAILED', 'the install link is invalid, expired or already used: start the install again', { crm });
  if (!nonce || !signature || !box.verify(`${crm}.${nonce}`, signature)) throw refused();
  const row = await store.takeOauthState(nonce);
  if (!row || row.crm !== crm) throw refused();
  const { binding: expected, ...data } = JSON.parse(box.open(row.data, `oauth-state:${nonce}`)) as Record<string, string>;
  const given = Buffer.from(binding === undefined ? '' : sha256(binding));
  const want = Buffer.from(expected ?? '');
  if (want.length === 0 || given.length !== want.length || !timingSafeEqual(given, want)) {
    throw new ParcoursError('AUTH_FAILED', 'this install was started in another browser, or its cookie expired: start the install again from the same browser', { crm });
  }
  return data;
}

const cookieOptions = (crm: CrmName, publicUrl: string) => ({
  httpOnly: true,
  sameSite: 'lax' as const, // sent on the CRM's top-level redirect back to the callback
  secure: publicUrl.startsWith('https:'),
  path: `/oauth/${crm}/callback`,
});

export function setStateCookie(res: Response, crm: CrmName, binding: string, publicUrl: string): void {
  res.cookie(stateCookieName(crm), binding, { ...cookieOptions(crm, publicUrl), maxAge: STATE_TTL_MS });
}

export function clearStateCookie(res: Response, crm: CrmName, publicUrl: string): void {
  res.clearCookie(stateCookieName(crm), cookieOptions(crm, publicUrl));
}

/** One cookie's value from the Cookie header (no cookie-parser needed for one name). */
export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
