/**
 * HubSpot OAuth install (an app on HubSpot's developer platform, hubspot.md §0–1.3):
 * `/oauth/hubspot/install` redirects to the authorize URL with the scopes the mapping needs and a
 * signed single-use state; `/oauth/hubspot/callback` exchanges the code and stores the tokens sealed.
 */
import type { Express, Request, Response } from 'express';
import { z } from 'zod';
import { requiredScopes } from '../../../connectors/hubspot/doctor.ts';
import { ParcoursError } from '../../errors.ts';
import { journeyFieldSpec } from '../../sync/field-spec.ts';
import { sealSecrets } from '../installation-secrets.ts';
import { exchangeHubspotCode } from './hubspot-tokens.ts';
import { requireBox, type InstallDeps } from './install-deps.ts';
import { clearStateCookie, consumeState, issueState, readCookie, setStateCookie, stateCookieName } from './state.ts';

const CallbackQuery = z.union([
  z.object({ code: z.string().min(1).max(2048), state: z.string().min(1).max(512) }),
  z.object({ error: z.string().max(200), error_description: z.string().max(1000).optional(), state: z.string().max(512).optional() }),
]);

function oauthClient(d: InstallDeps): { clientId: string; clientSecret: string } {
  const { HUBSPOT_CLIENT_ID: clientId, HUBSPOT_CLIENT_SECRET: clientSecret } = d.settings;
  if (!clientId || !clientSecret) throw new ParcoursError('CONFIG_INVALID', 'HubSpot OAuth needs HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET (the app\'s Auth tab)', { crm: 'hubspot' });
  return { clientId, clientSecret };
}

export function hubspotScopes(d: InstallDeps): string[] {
  // `oauth` is part of every app's scopes; the rest follows from what the mapping writes.
  return ['oauth', ...requiredScopes(journeyFieldSpec(d.mappingFor('hubspot')))];
}

export function mountHubspotInstall(app: Express, d: InstallDeps): void {
  const redirectUri = () => `${d.publicUrl()}/oauth/hubspot/callback`;

  app.get('/oauth/hubspot/install', d.gate('hubspot'), async (_req: Request, res: Response) => {
    const { clientId } = oauthClient(d);
    const box = requireBox(d.box);
    const url = new URL(d.settings.HUBSPOT_AUTHORIZE_URL);
    url.searchParams.set('client_id', clientId);
    url.searchParams.set('redirect_uri', redirectUri());
    url.searchParams.set('scope', hubspotScopes(d).join(' '));
    const { state, binding } = await issueState(d.store, box, 'hubspot', {}, d.now());
    url.searchParams.set('state', state);
    setStateCookie(res, 'hubspot', binding, d.publicUrl());
    res.redirect(302, url.toString());
  });

  app.get('/oauth/hubspot/callback', async (req: Request, res: Response) => {
    const query = CallbackQuery.safeParse(req.query);
    if (!query.success) throw new ParcoursError('INPUT_INVALID', 'the callback needs code and state', { crm: 'hubspot' });
    if ('error' in query.data) throw new ParcoursError('AUTH_FAILED', `HubSpot refused the install: ${query.data.error}`, { crm: 'hubspot' });
    const box = requireBox(d.box);
    clearStateCookie(res, 'hubspot', d.publicUrl());
    await consumeState(d.store, box, 'hubspot', query.data.state, readCookie(req, stateCookieName('hubspot')));
    const { clientId, clientSecret } = oauthClient(d);
    const { secrets, hubId } = await exchangeHubspotCode({ baseUrl: d.env.HUBSPOT_BASE_URL, clientId, clientSecret }, query.data.code, redirectUri(), d.now);
    const id = `hubspot:${hubId}`;
    await d.store.saveInstallation({ id, crm: 'hubspot', externalId: hubId, source: 'oauth', label: `HubSpot portal ${hubId}`, secrets: sealSecrets(box, id, secrets) });
    const row = await d.store.getInstallation(id);
    if (row) d.onInstalled(row);
    res.status(200).json({ installed: { id, crm: 'hubspot', externalId: hubId } });
  });
}
