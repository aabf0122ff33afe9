/**
 * HubSpot OAuth token endpoint (2026-03): code exchange and refresh, every parameter form-encoded in the body
 * (https://developers.hubspot.com/docs/api-reference/latest/authentication/manage-oauth-tokens; the v1
 * endpoints are removed on 2027-02-16: https://developers.hubspot.com/changelog/v1-oauth-api-deprecation).
 * Access tokens live 30 minutes; we track `expires_in` ourselves rather than wait for a 401.
 */
import { z } from 'zod';
import { hubspotPaths } from '../../../connectors/hubspot/paths.ts';
import type { HubspotSecrets } from '../installation-secrets.ts';
import { tokenRequest } from './token-request.ts';

/** AccessTokenResponse of HubSpot's 2026-03 OAuth spec; `hub_id` is optional there. */
export const HubspotTokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  hub_id: z.number().int().optional(),
});

/** POST /oauth/2026-03/token/introspect names the portal of an active token (PublicAccessTokenInfoResponse). */
const IntrospectionSchema = z.object({ active: z.literal(true), hub_id: z.number().int() });

export interface HubspotOauthClient {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

function toSecrets(t: z.infer<typeof HubspotTokenResponseSchema>, now: number): HubspotSecrets {
  return { crm: 'hubspot', accessToken: t.access_token, refreshToken: t.refresh_token, expiresAt: now + t.expires_in * 1000 };
}

export async function exchangeHubspotCode(c: HubspotOauthClient, code: string, redirectUri: string, now: () => number): Promise<{ secrets: HubspotSecrets; hubId: string }> {
  const t = await tokenRequest('hubspot', `${c.baseUrl}${hubspotPaths.oauthToken()}`, { grant_type: 'authorization_code', client_id: c.clientId, client_secret: c.clientSecret, redirect_uri: redirectUri, code }, HubspotTokenResponseSchema);
  let hubId = t.hub_id;
  if (hubId === undefined) {
    // A response without hub_id: introspection names the portal (the token travels in the body, not the URL).
    const info = await tokenRequest('hubspot', `${c.baseUrl}${hubspotPaths.oauthIntrospect()}`, { client_id: c.clientId, client_secret: c.clientSecret, token: t.access_token, token_type_hint: 'access_token' }, IntrospectionSchema);
    hubId = info.hub_id;
  }
  return { secrets: toSecrets(t, now()), hubId: String(hubId) };
}

export async function refreshHubspotToken(c: HubspotOauthClient, current: HubspotSecrets, now: () => number): Promise<HubspotSecrets> {
  const t = await tokenRequest('hubspot', `${c.baseUrl}${hubspotPaths.oauthToken()}`, { grant_type: 'refresh_token', client_id: c.clientId, client_secret: c.clientSecret, refresh_token: current.refreshToken }, HubspotTokenResponseSchema);
  return toSecrets(t, now());
}
