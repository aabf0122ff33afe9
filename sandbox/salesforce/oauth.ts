/**
 * OAuth 2.0 endpoints on the login host (here: the same server).
 * Token: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm ,
 * refresh: …remoteaccess_oauth_refresh_token_flow.htm , JWT: …remoteaccess_oauth_jwt_flow.htm .
 * Errors are `{error, error_description}` objects, not arrays.
 */
import { createHash, createHmac, randomBytes, verify } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { Org } from './org.ts';
import type { Sessions } from './sessions.ts';

export interface OAuthSettings {
  clientId: string;
  clientSecret: string;
  rotateRefreshTokens: boolean;
  /** PEM public key for RS256 JWT bearer assertions; absent = structural checks only. */
  jwtPublicKey?: string;
  username: string;
}

export interface OAuthContext {
  org: Org;
  sessions: Sessions;
  settings: OAuthSettings;
  url: () => string;
}

const tokenForm = z.object({
  grant_type: z.string(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  refresh_token: z.string().optional(),
  code: z.string().optional(),
  redirect_uri: z.string().optional(),
  code_verifier: z.string().optional(),
  assertion: z.string().optional(),
});

const jwtClaims = z.object({ iss: z.string(), sub: z.string(), aud: z.string(), exp: z.number() });

function oauthError(res: Response, status: number, error: string, description: string): void {
  res.status(status).json({ error, error_description: description });
}

export function oauthRouter(ctx: OAuthContext): Router {
  const r = express.Router();
  const { settings, sessions, org } = ctx;
  const identityUrl = (): string => `${ctx.url()}/id/${org.orgId}/${org.apiUserId}`;

  const tokenResponse = (accessToken: string, refreshToken: string | null): Record<string, string> => {
    const id = identityUrl();
    const issuedAt = String(Date.now());
    const body: Record<string, string> = {
      access_token: accessToken,
      signature: createHmac('sha256', settings.clientSecret).update(id + issuedAt).digest('base64'),
      scope: 'api refresh_token',
      instance_url: ctx.url(),
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
    if (refreshToken) body.refresh_token = refreshToken;
    return body;
  };

  r.post('/services/oauth2/token', express.urlencoded({ extended: false }), (req: Request, res: Response) => {
    const parsed = tokenForm.safeParse(req.body ?? {});
    if (!parsed.success) return oauthError(res, 400, 'invalid_request', 'missing grant type');
    const form = parsed.data;
    const checkClient = (needSecret: boolean): boolean => {
      if (form.client_id !== settings.clientId) {
        oauthError(res, 400, 'invalid_client_id', 'client identifier invalid');
        return false;
      }
      if ((needSecret || form.client_secret !== undefined) && form.client_secret !== settings.clientSecret) {
        oauthError(res, 400, 'invalid_client', 'invalid client credentials');
        return false;
      }
      return true;
    };
    switch (form.grant_type) {
      case 'refresh_token': {
        if (!checkClient(false)) return;
        const used = form.refresh_token ? sessions.useRefresh(form.refresh_token, settings.rotateRefreshTokens) : { ok: false as const };
        if (!used.ok) return oauthError(res, 400, 'invalid_grant', 'expired access/refresh token');
        res.json(tokenResponse(sessions.issueAccess(used.family), used.next));
        return;
      }
      case 'authorization_code': {
        if (!checkClient(true)) return;
        const code = form.code ? sessions.codes.get(form.code) : undefined;
        if (!code || code.used || code.expiresAt < Date.now() || code.clientId !== form.client_id) {
          return oauthError(res, 400, 'invalid_grant', 'expired authorization code');
        }
        if (code.redirectUri !== form.redirect_uri) return oauthError(res, 400, 'redirect_uri_mismatch', 'redirect_uri must match configuration');
        if (code.challenge !== null) {
          const v = form.code_verifier ?? '';
          const computed = code.method === 'S256' ? createHash('sha256').update(v).digest('base64url') : v;
          if (!form.code_verifier || computed !== code.challenge) return oauthError(res, 400, 'invalid_grant', 'invalid code verifier');
        }
        code.used = true;
        const refresh = sessions.issueRefresh();
        res.json(tokenResponse(sessions.issueAccess(refresh), refresh));
        return;
      }
      case 'urn:ietf:params:oauth:grant-type:jwt-bearer': {
        const claims = checkJwt(form.assertion ?? '', settings.jwtPublicKey);
        if (!claims) return oauthError(res, 400, 'invalid_grant', 'invalid assertion');
        if (claims.iss !== settings.clientId) return oauthError(res, 400, 'invalid_client_id', 'client identifier invalid');
        if (claims.sub !== settings.username) return oauthError(res, 400, 'invalid_grant', 'user hasn\'t approved this consumer');
        const audiences = [ctx.url(), 'https://login.salesforce.com', 'https://test.salesforce.com'];
        if (!audiences.includes(claims.aud.replace(/\/$/, ''))) return oauthError(res, 400, 'invalid_grant', 'audience is invalid');
        if (claims.exp * 1000 <= Date.now()) return oauthError(res, 400, 'invalid_grant', 'expired authorization code');
        // No refresh token in the JWT bearer flow.
        res.json(tokenResponse(sessions.issueAccess(null), null));
        return;
      }
      case 'client_credentials': {
        if (!checkClient(true)) return;
        res.json(tokenResponse(sessions.issueAccess(null), null));
        return;
      }
      default:
        oauthError(res, 400, 'unsupported_grant_type', 'grant type not supported');
    }
  });

  // Auto-approves as the API user and redirects back with a one-time code.
  r.get('/services/oauth2/authorize', (req: Request, res: Response) => {
    const q = z
      .object({ response_type: z.literal('code'), client_id: z.string(), redirect_uri: z.string().url(), state: z.string().optional(), code_challenge: z.string().optional(), code_challenge_method: z.enum(['S256', 'plain']).optional() })
      .safeParse(req.query);
    if (!q.success) return oauthError(res, 400, 'invalid_request', 'missing or invalid authorize parameters');
    if (q.data.client_id !== settings.clientId) return oauthError(res, 400, 'invalid_client_id', 'client identifier invalid');
    const code = `aPrx${randomBytes(24).toString('base64url')}`;
    sessions.codes.set(code, {
      clientId: q.data.client_id,
      redirectUri: q.data.redirect_uri,
      challenge: q.data.code_challenge ?? null,
      method: q.data.code_challenge_method ?? 'S256',
      expiresAt: Date.now() + 15 * 60_000,
      used: false,
    });
    const target = new URL(q.data.redirect_uri);
    target.searchParams.set('code', code);
    if (q.data.state !== undefined) target.searchParams.set('state', q.data.state);
    res.redirect(302, target.toString());
  });

  const userinfo = (req: Request, res: Response): void => {
    const auth = req.get('authorization') ?? '';
    const t = auth.replace(/^(Bearer|OAuth)\s+/i, '');
    if (!sessions.isValid(t)) {
      res.status(403).type('text/plain').send('Bad_OAuth_Token');
      return;
    }
    const user = org.get(org.apiUserId)!;
    res.json({
      sub: identityUrl(),
      user_id: org.apiUserId,
      organization_id: org.orgId,
      preferred_username: user.values.Username,
      name: user.values.Name,
      email: user.values.Email,
      active: true,
      urls: { rest: `${ctx.url()}/services/data/v{version}/`, sobjects: `${ctx.url()}/services/data/v{version}/sobjects/`, query: `${ctx.url()}/services/data/v{version}/query/` },
    });
  };
  r.get('/services/oauth2/userinfo', userinfo);
  r.get('/id/:org/:user', userinfo);
  return r;
}

/** Decodes and checks an RS256 JWT; signature verified only when a public key is configured. */
function checkJwt(assertion: string, publicKey: string | undefined): z.infer<typeof jwtClaims> | null {
  const parts = assertion.split('.');
  if (parts.length !== 3) return null;
  const [h, p, s] = parts as [string, string, string];
  try {
    const header = z.object({ alg: z.literal('RS256') }).safeParse(JSON.parse(Buffer.from(h, 'base64url').toString('utf8')));
    const claims = jwtClaims.safeParse(JSON.parse(Buffer.from(p, 'base64url').toString('utf8')));
    if (!header.success || !claims.success) return null;
    if (publicKey && !verify('RSA-SHA256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'))) return null;
    return claims.data;
  } catch {
    return null;
  }
}
