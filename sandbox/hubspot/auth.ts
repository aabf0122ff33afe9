/**
 * Credentials the sandbox portal accepts: one static private-app token (never expires) and OAuth
 * access tokens issued by the token endpoint (/oauth/2026-03/token, or the deprecated /oauth/v1/token;
 * they expire after `expires_in`, hubspot.md §1.2).
 */
import { randomBytes } from 'node:crypto';
import { errorBody, httpError } from './http-error.ts';
import type { ParcoursError } from '../../src/errors.ts';

/** Everything the Parcours connector asks for, plus the OAuth baseline (hubspot.md §1.3). */
export const SANDBOX_SCOPES = [
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.objects.deals.read',
  'crm.objects.deals.write',
  'crm.objects.companies.read',
  'tickets',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.schemas.deals.read',
  'crm.schemas.deals.write',
  'crm.schemas.tickets.write',
  'crm.lists.read',
  'crm.lists.write',
  // Owners API: who records and tasks can be assigned to (touchpoints.md §5).
  'crm.objects.owners.read',
] as const;

export const SANDBOX_HUB_ID = 62515;

export interface TokenInfo {
  kind: 'private-app' | 'oauth';
  scopes: string[];
  /** Epoch ms, null for private-app tokens. */
  expiresAt: number | null;
}

export class Credentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly accessTokenTtlSeconds: number;
  private readonly clock: () => number;
  private readonly tokens = new Map<string, TokenInfo>();
  private readonly refreshTokens = new Set<string>();
  private readonly codes = new Map<string, { redirectUri: string; scopes: string[] }>();

  constructor(opts: { accessToken: string; clientId: string; clientSecret: string; refreshToken: string; ttlSeconds: number; clock: () => number; withoutScopes?: readonly string[] }) {
    this.clientId = opts.clientId;
    this.clientSecret = opts.clientSecret;
    this.accessTokenTtlSeconds = opts.ttlSeconds;
    this.clock = opts.clock;
    const missing = new Set(opts.withoutScopes ?? []);
    this.tokens.set(opts.accessToken, { kind: 'private-app', scopes: SANDBOX_SCOPES.filter((s) => !missing.has(s)), expiresAt: null });
    this.refreshTokens.add(opts.refreshToken);
  }

  /** Resolves a bearer header to its token, or the 401 HubSpot would send. */
  authenticate(header: string | undefined): TokenInfo | ParcoursError {
    const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    const info = token === undefined ? undefined : this.tokens.get(token);
    if (!info) {
      // Body as captured in https://github.com/HubSpot/hubspot-api-nodejs/issues/432 (no token echoed back).
      return httpError(
        401,
        errorBody(
          'INVALID_AUTHENTICATION',
          'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
        ),
      );
    }
    if (info.expiresAt !== null && info.expiresAt <= this.clock()) {
      const minutes = Math.max(1, Math.round((this.clock() - info.expiresAt) / 60_000));
      return httpError(401, errorBody('EXPIRED_AUTHENTICATION', `The OAuth token used to make this call expired ${minutes} minute(s) ago.`));
    }
    return info;
  }

  tokenInfo(token: string): TokenInfo | undefined {
    return this.tokens.get(token);
  }

  issueCode(redirectUri: string, scopes: string[]): string {
    const code = `sandbox-code-${randomBytes(12).toString('hex')}`;
    this.codes.set(code, { redirectUri, scopes });
    return code;
  }

  /** One-time use: an auth code is consumed by the exchange. */
  consumeCode(code: string, redirectUri: string): { scopes: string[] } | null {
    const c = this.codes.get(code);
    if (!c || c.redirectUri !== redirectUri) return null;
    this.codes.delete(code);
    return { scopes: c.scopes };
  }

  hasRefreshToken(token: string): boolean {
    return this.refreshTokens.has(token);
  }

  /** A fresh access token, and a refresh token (the given one is kept: HubSpot refresh tokens do not rotate). */
  issueTokens(scopes: string[], refreshToken?: string): { accessToken: string; refreshToken: string; expiresIn: number } {
    const accessToken = `sandbox-oauth-${randomBytes(24).toString('hex')}`;
    this.tokens.set(accessToken, { kind: 'oauth', scopes, expiresAt: this.clock() + this.accessTokenTtlSeconds * 1000 });
    const rt = refreshToken ?? `sandbox-refresh-${randomBytes(16).toString('hex')}`;
    this.refreshTokens.add(rt);
    return { accessToken, refreshToken: rt, expiresIn: this.accessTokenTtlSeconds };
  }
}
