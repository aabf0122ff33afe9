/**
 * HubSpot OAuth v1 token endpoint: code exchange and refresh (hubspot.md §1.2,
 * https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/guide).
 * Access tokens live 30 minutes; we track `expires_in` ourselves rather than wait for a 401.
 */
import { z } from 'zod';
import type { HubspotSecrets } from '../installation-secrets.ts';
import { tokenRequest } from './token-request.ts';

export const HubspotTokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  // Sent by the v1 endpoint since 2024 (changelog "additional details returned when generating OAuth access tokens").
  hub_id: z.number().int().optional(),
});

const TokenMetadataSchema = z.object({ hub_id: z.number().int() });

export interface HubspotOauthClient {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

function toSecrets(t: z.infer<typeof HubspotTokenResponseSchema>, now: number): HubspotSecrets {
  return { crm: 'hubspot', accessToken: t.access_token, refreshToken: t.refresh_token, expiresAt: now + t.expires_in * 1000 };
}

export async function exchangeHubspotCode(c: HubspotOauthClient, code: string, redirectUri: string, now: () => number): Promise<{ secrets: HubspotSecrets; hubId: string }> {
  const t = await tokenRequest('hubspot', `${c.baseUrl}/oauth/v1/token`, { grant_type: 'authorization_code', client_id: c.clientId, client_secret: c.clientSecret, redirect_uri: redirectUri, code }, HubspotTokenResponseSchema);
  let hubId = t.hub_id;
  if (hubId === undefined) {
    // Older responses lack hub_id: the token metadata endpoint names the portal.
    const res = await fetch(`${c.baseUrl}/oauth/v1/access-tokens/${encodeURIComponent(t.access_token)}`, { signal: AbortSignal.timeout(15_000) });
    hubId = TokenMetadataSchema.parse(await res.json()).hub_id;
  }
  return { secrets: toSecrets(t, now()), hubId: String(hubId) };
}

export async function refreshHubspotToken(c: HubspotOauthClient, current: HubspotSecrets, now: () => number): Promise<HubspotSecrets> {
  const t = await tokenRequest('hubspot', `${c.baseUrl}/oauth/v1/token`, { grant_type: 'refresh_token', client_id: c.clientId, client_secret: c.clientSecret, refresh_token: current.refreshToken }, HubspotTokenResponseSchema);
  return toSecrets(t, now());
}
