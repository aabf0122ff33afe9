/**
 * The jsforce Connection and its session: access token, refresh-token flow or JWT bearer flow.
 *
 * jsforce's SessionRefreshDelegate re-sends a request after a 401 and shares one refresh among
 * concurrent calls (src/session-refresh-delegate.ts). We give it our own `refreshFn` because the
 * built-in one keeps the *old* refresh token after a rotation (jsforce `oauthRefreshFn` sets only
 * instanceUrl/accessToken), and with Refresh Token Rotation reusing it revokes the token family
 * (https://help.salesforce.com/s/articleView?id=005316711).
 */
import { Connection, type TokenResponse } from 'jsforce';
import type { ResolvedConfig } from './config.ts';
import { jwtAudience, signJwtAssertion } from './jwt-assertion.ts';
import { SalesforceCallError } from './sf-error.ts';
import { isTrustedSalesforceUrl, SALESFORCE_DOMAINS } from './trusted-hosts.ts';

type RefreshCallback = (err?: Error | null, accessToken?: string, res?: TokenResponse) => void;

/** More refreshes than this within a minute means the new tokens are rejected too: stop instead of looping. */
const MAX_REFRESHES_PER_MINUTE = 3;

export interface Session {
  conn: Connection;
  /** Obtains a first access token when the config has none (refresh / JWT modes). */
  ensure(): Promise<void>;
  /** The integration user's id, when a token response told us (identity URL `…/id/<org>/<user>`). */
  userId(): string | null;
}

export function createSession(cfg: ResolvedConfig, onTokenCall: (status: number | null) => void): Session {
  let refreshToken = cfg.refreshToken;
  const refreshTimes: number[] = [];

  const establish = (conn: Connection, res: TokenResponse): void => {
    // The next calls carry the bearer token to these URLs: Salesforce's domains or the login host only.
    for (const [name, value] of [['instance_url', res.instance_url], ['id', res.id]] as const) {
      if (!isTrustedSalesforceUrl(value, cfg.loginUrl)) {
        throw new SalesforceCallError(`the token response's ${name} is not a Salesforce URL (https under ${SALESFORCE_DOMAINS.map((d) => `*.${d}`).join(', ')}) nor on the login host: refused`, { status: 401, errorCode: 'UNTRUSTED_INSTANCE_URL', endpoint: 'oauth.token' });
      }
    }
    conn.instanceUrl = res.instance_url.replace(/\/+$/, '');
    const [organizationId = '', id = ''] = res.id.split('/').slice(-2);
    conn.userInfo = { id, organizationId, url: res.id };
  };

  /** One refresh-token grant; a rotated refresh token (and, with shared tokens, the access token) is stored before use. */
  const refreshWith = async (conn: Connection, current: string): Promise<TokenResponse> => {
    const res = (await conn.oauth2.refreshToken(current)) as TokenResponse;
    const rotated = Boolean(res.refresh_token && res.refresh_token !== current);
    if (rotated) refreshToken = res.refresh_token as string;
    if (rotated || cfg.sharedTokens) await cfg.onRefreshToken?.(refreshToken as string, res.access_token);
    return res;
  };

  const requestToken = async (conn: Connection): Promise<TokenResponse | { adopted: string }> => {
    const now = Date.now();
    while (refreshTimes.length > 0 && (refreshTimes[0] as number) < now - 60_000) refreshTimes.shift();
    if (refreshTimes.length >= MAX_REFRESHES_PER_MINUTE) throw new Error('new sessions are rejected right after being issued');
    refreshTimes.push(now);
    try {
      let res: TokenResponse;
      if (cfg.jwt && cfg.clientId) {
        const assertion = signJwtAssertion({ keyPem: cfg.jwt.keyPem, clientId: cfg.clientId, username: cfg.jwt.username, audience: jwtAudience(cfg.loginUrl, cfg.jwt.audience) });
        res = (await conn.oauth2.requestToken({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion })) as TokenResponse;
      } else if (refreshToken) {
        const shared = cfg.sharedTokens;
        if (!shared) res = await refreshWith(conn, refreshToken);
        else {
          const held = conn.accessToken;
          const got = await shared.run(async (stored): Promise<TokenResponse | { adopted: string }> => {
            if (stored.refreshToken) refreshToken = stored.refreshToken;
            // Another process refreshed since this session's token was issued: its token is as good as a new one.
            if (stored.accessToken && stored.accessToken !== held) return { adopted: stored.accessToken };
            return refreshWith(conn, refreshToken as string);
          });
          if ('adopted' in got) return got;
          res = got;
        }
      } else {
        throw new Error('the access token expired and no refresh token or JWT key is configured');
      }
      onTokenCall(200);
      return res;
    } catch (error) {
      if (error instanceof Error && /no refresh token|rejected right after/.test(error.message)) throw error;
      onTokenCall(null);
      throw error;
    }
  };

  const refreshFn = (conn: Connection, callback: RefreshCallback): void => {
    requestToken(conn).then(
      (res) => {
        // Adopted from another process: the instance and user are this session's already.
        if ('adopted' in res) return callback(null, res.adopted);
        try {
          establish(conn, res);
        } catch (error) {
          callback(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        callback(null, res.access_token, res);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  };

  const canRefresh = Boolean((cfg.jwt && cfg.clientId) || (cfg.refreshToken && cfg.clientId));
  const conn = new Connection({
    version: cfg.apiVersion,
    loginUrl: cfg.loginUrl,
    ...(cfg.instanceUrl ? { instanceUrl: cfg.instanceUrl } : {}),
    ...(cfg.accessToken ? { accessToken: cfg.accessToken } : {}),
    // JWT needs no client id/secret on the token request; the refresh flow does.
    oauth2: { loginUrl: cfg.loginUrl, ...(cfg.jwt ? {} : { clientId: cfg.clientId, clientSecret: cfg.clientSecret }) },
    ...(canRefresh ? { refreshFn } : {}),
    // Marks our writes (`changeOrigin …;client=Parcours` in change events) so echo loops can be recognised.
    callOptions: { client: 'Parcours' },
  });

  return {
    conn,
    userId: () => conn.userInfo?.id || null,
    async ensure() {
      if (conn.accessToken) return;
      const delegate = conn._refreshDelegate;
      if (!delegate) throw new SalesforceCallError('no access token and no way to obtain one', { status: 401, errorCode: 'REFRESH_FAILED', endpoint: 'oauth.token' });
      try {
        await delegate.refresh(Date.now());
      } catch (error) {
        throw new SalesforceCallError(refreshMessage(error), { status: 401, errorCode: 'REFRESH_FAILED', endpoint: 'oauth.token' }, error);
      }
    },
  };
}

/** jsforce reports "Unable to refresh session due to: <error_description>"; keep Salesforce's words only. */
export function refreshMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Unable to refresh session due to:\s*/, '');
}
