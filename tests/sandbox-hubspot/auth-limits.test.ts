import { afterEach, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { call, sdk, sdkError } from './helpers.ts';

const open: HubspotSandbox[] = [];
async function start(opts: Parameters<typeof startHubspotSandbox>[0]): Promise<HubspotSandbox> {
  const s = await startHubspotSandbox({ contacts: 20, ...opts });
  open.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('authentication', () => {
  it('answers 401 INVALID_AUTHENTICATION without or with a wrong token, and never echoes the token', async () => {
    const sb = await start({});
    const none = await call(sb, 'GET', '/crm/v3/objects/contacts', undefined, null);
    expect(none.status).toBe(401);
    expect(none.json.category).toBe('INVALID_AUTHENTICATION');
    const wrong = await sdkError(sdk(sb, 'pat-wrong-secret-token').crm.contacts.basicApi.getPage());
    expect(wrong.code).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain('pat-wrong-secret-token');
  });

  it('still serves the deprecated v1 endpoints the SDK calls (removed 2027-02-16): refresh, metadata, expiry, BAD_REFRESH_TOKEN', async () => {
    let now = Date.UTC(2026, 0, 1);
    const sb = await start({ clock: () => now });
    const client = sdk(sb);
    const t = await client.oauth.tokensApi.create('refresh_token', undefined, undefined, sb.oauth.clientId, sb.oauth.clientSecret, sb.oauth.refreshToken);
    expect(t.expiresIn).toBe(1800);
    expect(t.refreshToken).toBe(sb.oauth.refreshToken);
    const meta = await client.oauth.accessTokensApi.get(t.accessToken);
    expect(meta.scopes).toContain('crm.lists.write');
    expect(meta.hubId).toBeGreaterThan(0);
    const ok = await call(sb, 'GET', '/crm/v3/objects/deals?limit=1', undefined, t.accessToken);
    expect(ok.status).toBe(200);
    // OAuth calls carry burst headers but no daily ones.
    expect(ok.headers.get('x-hubspot-ratelimit-max')).not.toBeNull();
    expect(ok.headers.get('x-hubspot-ratelimit-daily')).toBeNull();
    now += 1801 * 1000;
    const expired = await call(sb, 'GET', '/crm/v3/objects/deals?limit=1', undefined, t.accessToken);
    expect(expired.status).toBe(401);
    const bad = await sdkError(client.oauth.tokensApi.create('refresh_token', undefined, undefined, sb.oauth.clientId, sb.oauth.clientSecret, 'nope'));
    expect(bad.code).toBe(400);
    expect(bad.body.status).toBe('BAD_REFRESH_TOKEN');
  });

  // 2026-03 OAuth API (HubSpot-public-api-spec-collection PublicApiSpecs/Auth/Oauth/Rollouts/279897/2026-03/oauth.json;
  // https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/migration-guide):
  // every parameter in the form body, token metadata by POST introspection with the client credentials.
  it('issues and refreshes tokens at /oauth/2026-03/token and describes them at /oauth/2026-03/token/introspect', async () => {
    let now = Date.UTC(2026, 0, 1);
    const sb = await start({ clock: () => now });
    const post = async (path: string, form: Record<string, string>) => {
      const res = await fetch(`${sb.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
      return { status: res.status, json: (await res.json()) as any };
    };
    const client = { client_id: sb.oauth.clientId, client_secret: sb.oauth.clientSecret };
    const t = await post('/oauth/2026-03/token', { grant_type: 'refresh_token', ...client, refresh_token: sb.oauth.refreshToken });
    expect(t.status).toBe(200);
    // AccessTokenResponse: access_token, expires_in, refresh_token, token_type, token_use required; hub_id, scopes, user_id.
    expect(t.json).toMatchObject({ token_type: 'bearer', token_use: 'access_token', refresh_token: sb.oauth.refreshToken, expires_in: 1800, hub_id: expect.any(Number), scopes: expect.arrayContaining(['oauth']) });
    const access = t.json.access_token as string;

    const info = await post('/oauth/2026-03/token/introspect', { ...client, token: access, token_type_hint: 'access_token' });
    expect(info.status).toBe(200);
    expect(info.json).toMatchObject({ active: true, token: access, token_use: 'access_token', hub_id: t.json.hub_id, client_id: sb.oauth.clientId, expires_in: 1800, is_private_distribution: expect.any(Boolean), signed_access_token: expect.objectContaining({ hubId: t.json.hub_id }) });
    expect(info.json.scopes).toContain('crm.lists.write');
    const refresh = await post('/oauth/2026-03/token/introspect', { ...client, token: sb.oauth.refreshToken, token_type_hint: 'refresh_token' });
    expect(refresh.json).toMatchObject({ active: true, token_use: 'refresh_token' });
    expect(refresh.json).not.toHaveProperty('expires_in');
    // The client credentials are required; an expired token is reported inactive (RFC 7662 §2.2).
    expect((await post('/oauth/2026-03/token/introspect', { client_id: sb.oauth.clientId, token: access })).json.error).toBe('invalid_client');
    now += 1801 * 1000;
    expect((await post('/oauth/2026-03/token/introspect', { ...client, token: access })).json).toEqual({ active: false });
    const bad = await post('/oauth/2026-03/token', { grant_type: 'refresh_token', ...client, refresh_token: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: 'invalid_grant', error_description: 'refresh token is invalid, expired or revoked', status: 'BAD_REFRESH_TOKEN' });
  });

  it('runs the install flow: authorize redirects with code and state, the code is exchanged once', async () => {
    const sb = await start({});
    const redirectUri = 'http://localhost:3000/oauth/callback';
    const q = new URLSearchParams({ client_id: sb.oauth.clientId, redirect_uri: redirectUri, scope: 'crm.objects.contacts.read tickets', state: 'xyz' });
    const res = await fetch(`${sb.url}/oauth/authorize?${q}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get('location')!);
    expect(loc.origin + loc.pathname).toBe(redirectUri);
    expect(loc.searchParams.get('state')).toBe('xyz');
    const code = loc.searchParams.get('code')!;
    const form = (c: string) => new URLSearchParams({ grant_type: 'authorization_code', client_id: sb.oauth.clientId, client_secret: sb.oauth.clientSecret, redirect_uri: redirectUri, code: c });
    const first = await fetch(`${sb.url}/oauth/2026-03/token`, { method: 'POST', body: form(code) });
    expect(first.status).toBe(200);
    expect(((await first.json()) as { scopes: string[] }).scopes).toEqual(expect.arrayContaining(['crm.objects.contacts.read', 'tickets']));
    const second = await fetch(`${sb.url}/oauth/2026-03/token`, { method: 'POST', body: form(code) });
    expect(second.status).toBe(400);
    const badScope = await fetch(`${sb.url}/oauth/authorize?${new URLSearchParams({ client_id: sb.oauth.clientId, redirect_uri: redirectUri, scope: 'made.up' })}`, { redirect: 'manual' });
    expect(new URL(badScope.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
    const badClient = await fetch(`${sb.url}/oauth/authorize?${new URLSearchParams({ client_id: 'x', redirect_uri: redirectUri, scope: 'tickets' })}`, { redirect: 'manual' });
    expect(badClient.status).toBe(400);
  });
});

describe('rate limits', () => {
  it('sends burst and daily headers and a TEN_SECONDLY_ROLLING 429 past the window, then recovers', async () => {
    let now = 1_000_000;
    const sb = await start({ rateLimit: { max: 3, intervalMs: 10_000 }, clock: () => now });
    const rs = [];
    for (let i = 0; i < 4; i++) rs.push(await call(sb, 'GET', '/crm/v3/objects/contacts?limit=1'));
    expect(rs.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(rs.map((r) => r.headers.get('x-hubspot-ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(rs[0]!.headers.get('x-hubspot-ratelimit-max')).toBe('3');
    expect(rs[0]!.headers.get('x-hubspot-ratelimit-daily')).not.toBeNull();
    expect(rs[3]!.json).toMatchObject({ status: 'error', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
    const sdkErr = await sdkError(sdk(sb).crm.contacts.basicApi.getPage(1));
    expect(sdkErr.code).toBe(429);
    now += 10_001;
    expect((await call(sb, 'GET', '/crm/v3/objects/contacts?limit=1')).status).toBe(200);
    expect(sb.stats().rateLimited).toBe(2);
  });

  it('answers DAILY 429s once the daily allowance is spent, and reports usage', async () => {
    const sb = await start({ dailyLimit: 3 });
    const usage = await call(sb, 'GET', '/account-info/v3/api-usage/daily/private-apps');
    expect(usage.json.results[0]).toMatchObject({ name: 'private-apps-api-calls-daily', usageLimit: 3, currentUsage: 1 });
    await call(sb, 'GET', '/crm/v3/objects/contacts');
    const third = await call(sb, 'GET', '/crm/v3/objects/contacts');
    expect(third.headers.get('x-hubspot-ratelimit-daily-remaining')).toBe('0');
    const over = await call(sb, 'GET', '/crm/v3/objects/contacts');
    expect(over.status).toBe(429);
    expect(over.json.policyName).toBe('DAILY');
  });
});

describe('faults, calls and unknown routes', () => {
  it('injects a fault for the given number of calls, then serves normally; logs calls by endpoint', async () => {
    const sb = await start({});
    sb.faults.add({ method: 'POST', path: /\/batch\/update$/, status: 503, times: 2 });
    sb.faults.add({ path: '/crm/v3/objects/deals', status: 502, body: { status: 'error', message: 'Bad gateway' }, headers: { 'retry-after': '1' } });
    const body = { inputs: [{ id: sb.data.ids('contacts')[0], properties: { firstname: 'A' } }] };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(sb, 'POST', '/crm/v3/objects/contacts/batch/update', body)).status);
    expect(statuses).toEqual([503, 503, 200]);
    const deal = await call(sb, 'GET', '/crm/v3/objects/deals');
    expect(deal.status).toBe(502);
    expect(deal.headers.get('retry-after')).toBe('1');
    expect(sb.faults.pending()).toBe(0);
    const stats = sb.stats();
    expect(stats.byEndpoint['POST /crm/v3/objects/:objectType/batch/update']).toBe(3);
    expect(sb.calls.filter((c) => c.status === 503)).toHaveLength(2);
  });

  it('answers unknown routes with a HubSpot-style 404 body and unknown object types with 400', async () => {
    const sb = await start({});
    const r = await call(sb, 'GET', '/crm/v3/nothing/here');
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    expect(typeof r.json.correlationId).toBe('string');
    expect((await call(sb, 'GET', '/crm/v3/objects/widgets')).status).toBe(400);
  });
});

describe('data API', () => {
  it('merges contacts: associations move to the primary, the merged id reads as the primary', async () => {
    const sb = await start({ contacts: 40 });
    const [a, b] = sb.data.ids('contacts');
    const deal = sb.data.createRecord('deals', { dealname: 'Merged deal', pipeline: 'default', dealstage: 'qualifiedtobuy' });
    sb.data.associate('contacts', b!, 'deals', deal.id);
    const primary = sb.data.mergeContacts(a!, b!);
    expect(primary.properties['hs_merged_object_ids']).toBe(b);
    expect(sb.data.associated('contacts', a!, 'deals')).toContain(deal.id);
    const read = await call(sb, 'POST', '/crm/v3/objects/contacts/batch/read', { inputs: [{ id: b }] });
    expect(read.json.results[0].id).toBe(a);
    const archived = await call(sb, 'GET', '/crm/v3/objects/contacts?archived=true&limit=100');
    expect(archived.json.results.map((r: any) => r.id)).toContain(b);
  });
});
