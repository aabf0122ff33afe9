/**
 * The service's HubSpot token calls at the HTTP boundary: the 2026-03 OAuth API, every parameter in a
 * form-encoded body (HubSpot-public-api-spec-collection PublicApiSpecs/Auth/Oauth/Rollouts/279897/2026-03/oauth.json;
 * https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/migration-guide).
 * Bodies as in the manage-oauth-tokens guide; nothing may reach the v1 paths, removed on 2027-02-16.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParcoursError } from '../../src/errors.ts';
import { exchangeHubspotCode, refreshHubspotToken } from '../../src/server/oauth/hubspot-tokens.ts';

const BASE = 'http://hubspot-oauth.test';
const CLIENT = { baseUrl: BASE, clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', clientSecret: 'client-secret-value' };
const NOW = Date.UTC(2026, 10, 30, 12);

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function tokenBody(extra: Record<string, unknown> = {}) {
  return { token_type: 'bearer', refresh_token: 'na1-refresh-1111', access_token: 'CJSP-access-2222', expires_in: 1800, token_use: 'access_token', scopes: ['oauth', 'crm.objects.contacts.write'], ...extra };
}

describe('HubSpot OAuth token calls (2026-03)', () => {
  it('exchanges an authorization code at /oauth/2026-03/token and takes the portal from hub_id', async () => {
    let form: Record<string, string> = {};
    nock(BASE)
      .post('/oauth/2026-03/token', (b) => ((form = b as Record<string, string>), true))
      .matchHeader('content-type', 'application/x-www-form-urlencoded')
      .reply(200, tokenBody({ hub_id: 1234567, user_id: 222222 }));
    const r = await exchangeHubspotCode(CLIENT, 'na1-code', 'https://parcours.example/oauth/hubspot/callback', () => NOW);
    expect(form).toEqual({ grant_type: 'authorization_code', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, redirect_uri: 'https://parcours.example/oauth/hubspot/callback', code: 'na1-code' });
    expect(r).toEqual({ hubId: '1234567', secrets: { crm: 'hubspot', accessToken: 'CJSP-access-2222', refreshToken: 'na1-refresh-1111', expiresAt: NOW + 1_800_000 } });
    expect(nock.isDone()).toBe(true);
  });

  it('without hub_id in the token response, introspects the token (in the body, not the URL) for the portal', async () => {
    let introspected: Record<string, string> = {};
    nock(BASE)
      .post('/oauth/2026-03/token')
      .reply(200, tokenBody())
      .post('/oauth/2026-03/token/introspect', (b) => ((introspected = b as Record<string, string>), true))
      .reply(200, { active: true, token: 'CJSP-access-2222', hub_id: 7654321, user_id: 1, client_id: CLIENT.clientId, app_id: 1, scopes: ['oauth'], expires_in: 1799, is_private_distribution: true, token_use: 'access_token', token_type: 'Bearer', signed_access_token: {} });
    const r = await exchangeHubspotCode(CLIENT, 'na1-code', 'https://parcours.example/cb', () => NOW);
    expect(r.hubId).toBe('7654321');
    expect(introspected).toEqual({ client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, token: 'CJSP-access-2222', token_type_hint: 'access_token' });
    expect(nock.isDone()).toBe(true);
  });

  it('refreshes at /oauth/2026-03/token; a refused refresh is AUTH_FAILED naming the OAuth error, never a secret', async () => {
    let form: Record<string, string> = {};
    nock(BASE)
      .post('/oauth/2026-03/token', (b) => ((form = b as Record<string, string>), true))
      .reply(200, tokenBody({ access_token: 'CJSP-access-3333', hub_id: 1234567 }));
    const current = { crm: 'hubspot' as const, accessToken: 'old', refreshToken: 'na1-refresh-1111', expiresAt: NOW };
    const next = await refreshHubspotToken(CLIENT, current, () => NOW);
    expect(form).toEqual({ grant_type: 'refresh_token', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, refresh_token: 'na1-refresh-1111' });
    expect(next).toEqual({ crm: 'hubspot', accessToken: 'CJSP-access-3333', refreshToken: 'na1-refresh-1111', expiresAt: NOW + 1_800_000 });

    // Error body of the manage-oauth-tokens guide ("Error handling").
    nock(BASE)
      .post('/oauth/2026-03/token')
      .reply(400, { error: 'invalid_grant', error_description: 'refresh token is invalid, expired or revoked', status: 'BAD_REFRESH_TOKEN', message: 'refresh token is invalid, expired or revoked' });
    const err = await refreshHubspotToken(CLIENT, current, () => NOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParcoursError);
    expect(err).toMatchObject({ code: 'AUTH_FAILED', context: { status: 400, oauthError: 'invalid_grant', endpoint: '/oauth/2026-03/token' } });
    const text = `${(err as Error).message} ${JSON.stringify((err as ParcoursError).context)}`;
    expect(text).not.toContain(CLIENT.clientSecret);
    expect(text).not.toContain('na1-refresh-1111');
    expect(nock.isDone()).toBe(true);
  });
});
