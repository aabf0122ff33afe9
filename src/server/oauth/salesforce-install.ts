/**
 * Salesforce OAuth install: web-server flow with PKCE (salesforce.md §1.2,
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm).
 * `?org=sandbox` installs from test.salesforce.com. The refresh token is stored sealed; the org id
 * (from the identity URL `…/id/<orgId>/<userId>`) names the installation.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Express, Request, Response } from 'express';
import { z } from 'zod';
import { ParcoursError } from '../../errors.ts';
import { isTrustedSalesforceUrl, SALESFORCE_DOMAINS } from '../../../connectors/salesforce/trusted-hosts.ts';
import { sealSecrets } from '../installation-secrets.ts';
import { ensureWebhookSecret } from '../webhook-secrets.ts';
import { requireBox, type InstallDeps } from './install-deps.ts';
import { clearStateCookie, consumeState, issueState, readCookie, setStateCookie, stateCookieName } from './state.ts';
import { tokenRequest } from './token-request.ts';

const InstallQuery = z.object({ org: z.enum(['production', 'sandbox']).default('production'), link: z.string().optional() });
const CallbackQuery = z.union([
  z.object({ code: z.string().min(1).max(2048), state: z.string().min(1).max(512) }),
  z.object({ error: z.string().max(200), error_description: z.string().max(1000).optional(), state: z.string().max(512).optional() }),
]);
const TokenResponse = z.object({
  access_token: z.string().min(1),
  // Only sent when the connected app has the refresh_token (offline_access) scope.
  refresh_token: z.string().min(1).optional(),
  instance_url: z.url(),
  id: z.url(),
});

function client(d: InstallDeps): { clientId: string; clientSecret: string } {
  const { SALESFORCE_CLIENT_ID: clientId, SALESFORCE_CLIENT_SECRET: clientSecret } = d.env;
  if (!clientId || !clientSecret) throw new ParcoursError('CONFIG_INVALID', 'Salesforce OAuth needs SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET (the connected app\'s consumer key and secret)', { crm: 'salesforce' });
  return { clientId, clientSecret };
}

export function mountSalesforceInstall(app: Express, d: InstallDeps): void {
  const redirectUri = () => `${d.publicUrl()}/oauth/salesforce/callback`;

  app.get('/oauth/salesforce/install', d.gate('salesforce'), async (req: Request, res: Response) => {
    const q = InstallQuery.safeParse(req.query);
    if (!q.success) throw new ParcoursError('INPUT_INVALID', 'org must be "production" or "sandbox"', { crm: 'salesforce' });
    const { clientId } = client(d);
    const box = requireBox(d.box);
    const loginUrl = q.data.org === 'sandbox' ? d.settings.SALESFORCE_SANDBOX_LOGIN_URL : d.env.SALESFORCE_LOGIN_URL;
    const verifier = randomBytes(32).toString('base64url');
    const url = new URL(`${loginUrl}/services/oauth2/authorize`);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', clientId);
    url.searchParams.set('redirect_uri', redirectUri());
    url.searchParams.set('scope', 'api refresh_token');
    url.searchParams.set('code_challenge', createHash('sha256').update(verifier).digest('base64url'));
    url.searchParams.set('code_challenge_method', 'S256');
    const { state, binding } = await issueState(d.store, box, 'salesforce', { verifier, loginUrl }, d.now());
    url.searchParams.set('state', state);
    setStateCookie(res, 'salesforce', binding, d.publicUrl());
    res.redirect(302, url.toString());
  });

  app.get('/oauth/salesforce/callback', async (req: Request, res: Response) => {
    const query = CallbackQuery.safeParse(req.query);
    if (!query.success) throw new ParcoursError('INPUT_INVALID', 'the callback needs code and state', { crm: 'salesforce' });
    if ('error' in query.data) throw new ParcoursError('AUTH_FAILED', `Salesforce refused the install: ${query.data.error}`, { crm: 'salesforce' });
    const box = requireBox(d.box);
    clearStateCookie(res, 'salesforce', d.publicUrl());
    const pending = z.object({ verifier: z.string(), loginUrl: z.url() }).parse(await consumeState(d.store, box, 'salesforce', query.data.state, readCookie(req, stateCookieName('salesforce'))));
    const { clientId, clientSecret } = client(d);
    const t = await tokenRequest('salesforce', `${pending.loginUrl}/services/oauth2/token`, {
      grant_type: 'authorization_code', code: query.data.code, client_id: clientId, client_secret: clientSecret, redirect_uri: redirectUri(), code_verifier: pending.verifier,
    }, TokenResponse);
    // The bearer token goes to these URLs next: Salesforce's domains or the configured login host only.
    for (const [name, value] of [['instance_url', t.instance_url], ['identity URL', t.id]] as const) {
      if (!isTrustedSalesforceUrl(value, pending.loginUrl)) throw new ParcoursError('CRM_ERROR', `Salesforce's token response names an untrusted ${name}: refused (https under ${SALESFORCE_DOMAINS.map((d) => `*.${d}`).join(', ')}, or the login host)`, { crm: 'salesforce' });
    }
    if (!t.refresh_token) throw new ParcoursError('CONFIG_INVALID', 'Salesforce sent no refresh token: add the "refresh_token, offline_access" scope to the connected app', { crm: 'salesforce' });
    const orgId = new URL(t.id).pathname.split('/').at(-2) ?? '';
    if (!/^00D[a-zA-Z0-9]{12,15}$/.test(orgId)) throw new ParcoursError('CRM_ERROR', 'Salesforce identity URL does not name an org', { crm: 'salesforce' });
    const id = `salesforce:${orgId}`;
    const secrets = { crm: 'salesforce' as const, refreshToken: t.refresh_token, instanceUrl: t.instance_url.replace(/\/+$/, ''), loginUrl: pending.loginUrl };
    await d.store.saveInstallation({ id, crm: 'salesforce', externalId: orgId, source: 'oauth', label: `Salesforce org ${orgId}`, secrets: sealSecrets(box, id, secrets) });
    // The outbound-message URL is for the admin (admin API, `parcours webhooks url`), not the installing user.
    await ensureWebhookSecret(d.store, id);
    const row = await d.store.getInstallation(id);
    if (row) d.onInstalled(row);
    res.status(200).json({ installed: { id, crm: 'salesforce', externalId: orgId } });
  });
}
