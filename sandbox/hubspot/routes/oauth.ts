/**
 * OAuth token endpoints, the authorize redirect used by install tests, and the daily usage endpoint
 * (hubspot.md §1.2, §2.3).
 * - Current (2026-03) API: POST /oauth/2026-03/token and POST /oauth/2026-03/token/introspect, every
 *   parameter form-encoded in the body. Spec: HubSpot-public-api-spec-collection
 *   PublicApiSpecs/Auth/Oauth/Rollouts/279897/2026-03/oauth.json; guide:
 *   https://developers.hubspot.com/docs/api-reference/latest/authentication/manage-oauth-tokens
 * - v1 (POST /oauth/v1/token, GET /oauth/v1/access-tokens/{token}) is deprecated, removed on 2027-02-16
 *   (https://developers.hubspot.com/changelog/v1-oauth-api-deprecation); still served, as HubSpot does until then.
 */
import type { Express, Request, Response } from 'express';
import { z } from 'zod';
import { SANDBOX_SCOPES, type Credentials } from '../auth.ts';
import { notFound } from '../http-error.ts';
import type { RateLimiter } from '../rate-limit.ts';
import type { SandboxContext } from '../context.ts';

const TokenForm = z.object({
  grant_type: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  refresh_token: z.string().optional(),
  code: z.string().optional(),
  redirect_uri: z.string().optional(),
});

const IntrospectForm = z.object({
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  token: z.string().optional(),
  token_type_hint: z.string().optional(),
  // The guide's prose names the token field after the hint; the 2026-03 spec and reference call it `token`. Both accepted.
  access_token: z.string().optional(),
  refresh_token: z.string().optional(),
});

const APP_ID = 4_242_424;
const USER_ID = 1;
const USER = 'sandbox-admin@parcours.example';
const HUB_DOMAIN = 'parcours-sandbox.hubspot.example';

function oauthError(status: string, error: string, message: string): Record<string, unknown> {
  // RFC 6749 fields plus HubSpot's own, kept for compatibility (manage-oauth-tokens guide, "Error handling").
  return { status, message, error, error_description: message, correlationId: crypto.randomUUID() };
}

/** HubSpot allows http only for localhost redirect URIs and refuses IP-address hosts other than loopback in tests. */
function redirectAllowed(uri: string): URL | null {
  try {
    const u = new URL(uri);
    if (u.protocol === 'https:') return u;
    if (u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '127.0.0.1')) return u;
    return null;
  } catch {
    return null;
  }
}

export function mountOauthRoutes(app: Express, ctx: SandboxContext, creds: Credentials): void {
  /** Code exchange and refresh; `current` adds the 2026-03 fields (`token_use`, `user_id`: AccessTokenResponse). */
  const token = (current: boolean) => (req: Request, res: Response) => {
    const form = TokenForm.safeParse(req.body ?? {});
    const f = form.success ? form.data : {};
    if (f.client_id !== creds.clientId) return void res.status(400).json(oauthError('BAD_CLIENT_ID', 'invalid_client', 'missing or unknown client id'));
    if (f.client_secret !== creds.clientSecret) return void res.status(400).json(oauthError('BAD_CLIENT_SECRET', 'invalid_client', 'missing or invalid client secret'));
    let scopes: string[];
    let refresh: string | undefined;
    if (f.grant_type === 'refresh_token') {
      if (!f.refresh_token || !creds.hasRefreshToken(f.refresh_token)) {
        return void res.status(400).json(oauthError('BAD_REFRESH_TOKEN', 'invalid_grant', 'refresh token is invalid, expired or revoked'));
      }
      scopes = [...SANDBOX_SCOPES];
      refresh = f.refresh_token;
    } else if (f.grant_type === 'authorization_code') {
      const granted = f.code && f.redirect_uri ? creds.consumeCode(f.code, f.redirect_uri) : null;
      if (!granted) return void res.status(400).json(oauthError('BAD_AUTH_CODE', 'invalid_grant', 'missing or unknown auth code, or redirect_uri mismatch'));
      scopes = granted.scopes;
    } else {
      return void res.status(400).json(oauthError('BAD_GRANT_TYPE', 'unsupported_grant_type', `unsupported grant_type: ${f.grant_type ?? '(none)'}`));
    }
    const t = creds.issueTokens(scopes, refresh);
    const body = { token_type: 'bearer', refresh_token: t.refreshToken, access_token: t.accessToken, expires_in: t.expiresIn, hub_id: ctx.hubId, scopes };
    res.status(200).json(current ? { ...body, token_use: 'access_token', user_id: USER_ID } : body);
  };
  app.post('/oauth/2026-03/token', token(true));
  app.post('/oauth/v1/token', token(false)); // deprecated, removed 2027-02-16

  // Token metadata without the token in the URL: PublicAccessTokenInfoResponse / PublicRefreshTokenInfoResponse
  // of the 2026-03 spec (client credentials required). An unknown or expired token answers `{"active":false}`
  // as RFC 7662 §2.2 prescribes; HubSpot's docs show no example for that case.
  app.post('/oauth/2026-03/token/introspect', (req, res) => {
    const form = IntrospectForm.safeParse(req.body ?? {});
    const f = form.success ? form.data : {};
    if (f.client_id !== creds.clientId) return void res.status(400).json(oauthError('BAD_CLIENT_ID', 'invalid_client', 'missing or unknown client id'));
    if (f.client_secret !== creds.clientSecret) return void res.status(400).json(oauthError('BAD_CLIENT_SECRET', 'invalid_client', 'missing or invalid client secret'));
    const value = f.token ?? (f.token_type_hint === 'refresh_token' ? f.refresh_token : f.access_token) ?? f.access_token ?? f.refresh_token;
    if (!value) return void res.status(400).json(oauthError('BAD_REQUEST', 'invalid_request', 'token is required'));
    const common = { token: value, hub_id: ctx.hubId, user_id: USER_ID, client_id: creds.clientId, app_id: APP_ID, user: USER, hub_domain: HUB_DOMAIN, token_type: 'Bearer' };
    if (creds.hasRefreshToken(value)) {
      return void res.json({ active: true, ...common, scopes: [...SANDBOX_SCOPES], token_use: 'refresh_token' });
    }
    const info = creds.tokenInfo(value);
    if (!info || info.kind !== 'oauth' || info.expiresAt === null || info.expiresAt <= ctx.clock()) return void res.json({ active: false });
    res.json({
      active: true,
      ...common,
      scopes: info.scopes,
      signed_access_token: {
        expiresAt: info.expiresAt,
        scopes: info.scopes.join(' '),
        hubId: ctx.hubId,
        userId: USER_ID,
        appId: APP_ID,
        signature: 'sandbox-signature',
        scopeToScopeGroupPks: '',
        newSignature: 'sandbox-signature',
        hublet: 'na1',
        trialScopes: '',
        trialScopeToScopeGroupPks: '',
        isUserLevel: false,
        isPrivateDistribution: true,
        isServiceAccount: false,
        installingUserId: USER_ID,
        appInstallId: 'sandbox-install',
        audience: creds.clientId,
      },
      expires_in: Math.max(0, Math.floor((info.expiresAt - ctx.clock()) / 1000)),
      is_private_distribution: true,
      token_use: 'access_token',
    });
  });

  // Deprecated v1 token metadata (removed 2027-02-16): the token travels in the path.
  app.get('/oauth/v1/access-tokens/:token', (req, res) => {
    const info = creds.tokenInfo(req.params.token);
    if (!info || info.kind !== 'oauth' || info.expiresAt === null) throw notFound('The access token was not found or has expired');
    // https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/get-oauth-token-metadata
    res.json({
      token: req.params.token,
      user: USER,
      hub_domain: HUB_DOMAIN,
      scopes: info.scopes,
      hub_id: ctx.hubId,
      app_id: APP_ID,
      expires_in: Math.max(0, Math.floor((info.expiresAt - ctx.clock()) / 1000)),
      user_id: USER_ID,
      token_type: 'access',
    });
  });

  app.get('/oauth/authorize', (req, res) => {
    const q = (k: string) => (typeof req.query[k] === 'string' ? (req.query[k] as string) : '');
    const redirect = redirectAllowed(q('redirect_uri'));
    if (q('client_id') !== creds.clientId || !redirect) {
      return void res.status(400).type('text/plain').send('Authorization failed: unknown client_id or invalid redirect_uri.');
    }
    const requested = q('scope').split(/[ +]/).filter(Boolean);
    const optional = q('optional_scope').split(/[ +]/).filter(Boolean);
    const known = new Set<string>(SANDBOX_SCOPES);
    const state = q('state');
    const unknown = requested.filter((s) => !known.has(s));
    if (!requested.length || unknown.length) {
      redirect.searchParams.set('error', 'invalid_scope');
      redirect.searchParams.set('error_description', requested.length ? `Unknown scopes: ${unknown.join(' ')}` : 'scope is required');
    } else {
      // Optional scopes the portal lacks are dropped silently (hubspot.md §1.2).
      const scopes = [...new Set(['oauth', ...requested, ...optional.filter((s) => known.has(s))])];
      redirect.searchParams.set('code', creds.issueCode(q('redirect_uri'), scopes));
    }
    if (state) redirect.searchParams.set('state', state);
    res.redirect(302, redirect.toString());
  });
}

export function mountUsageRoute(app: Express, limiter: RateLimiter, ctx: SandboxContext): void {
  // Account details, as documented:
  // https://developers.hubspot.com/docs/api-reference/legacy/account/account-information/get-account-details
  app.get('/account-info/v3/details', (_req, res) => {
    res.json({
      portalId: ctx.hubId,
      accountType: 'STANDARD',
      timeZone: 'US/Eastern',
      companyCurrency: 'USD',
      additionalCurrencies: [],
      utcOffset: '-05:00',
      utcOffsetMilliseconds: -18_000_000,
      uiDomain: 'app.hubspot.com',
      dataHostingLocation: 'na1',
    });
  });
  app.get('/account-info/v3/api-usage/daily/private-apps', (_req, res) => {
    res.json({
      results: [
        {
          name: 'private-apps-api-calls-daily',
          usageLimit: limiter.dailyLimit,
          currentUsage: limiter.dailyUsed,
          collectedAt: new Date(ctx.clock()).toISOString(),
          fetchStatus: 'SUCCESS',
          resetsAt: new Date(limiter.resetsAt).toISOString(),
        },
      ],
    });
  });
}
