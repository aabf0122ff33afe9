import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JourneyFieldSpec } from '../../connectors/port.ts';
import { minimumCalls } from '../../connectors/hubspot/index.ts';
import { TOKEN, api, connector } from './helpers.ts';

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const spec: JourneyFieldSpec = {
  group: { name: 'parcours', label: 'Parcours' },
  fields: [{ kind: 'contact', field: 'stage', name: 'parcours_stage', label: 'Stage', type: 'enumeration', options: [{ value: 'active', label: 'Active' }, { value: 'churned', label: 'Churned' }] }],
  segments: [{ id: 'vip', name: 'VIP' }],
};

const CLIENT = { clientId: 'app-client-id', clientSecret: 'app-client-secret-value' };

/** An active access token's metadata, shaped as the 2026-03 spec's PublicAccessTokenInfoResponse (guide example). */
function introspection(scopes: string[]) {
  return {
    active: true,
    token: TOKEN,
    hub_id: 62515,
    user_id: 1,
    client_id: CLIENT.clientId,
    app_id: 1234444,
    user: 'a@b.c',
    hub_domain: 'example.com',
    scopes,
    signed_access_token: { expiresAt: 1769213087721, scopes: 'x', hubId: 62515, userId: 1, appId: 1234444, signature: 'x', scopeToScopeGroupPks: 'x', newSignature: 'x', hublet: 'na1', trialScopes: '', trialScopeToScopeGroupPks: '', isUserLevel: false, isPrivateDistribution: true },
    expires_in: 1789,
    is_private_distribution: true,
    token_use: 'access_token',
    token_type: 'Bearer',
  };
}

/** One owner as `GET /crm/v3/owners` lists it (owners guide example; SDK `PublicOwner`). */
function ownerJson(id: string, archived: boolean) {
  return { id, email: 'email@hubspot.com', type: 'PERSON', firstName: 'HubSpot', lastName: 'Test Owner', userId: 9586504, userIdIncludingInactive: 9586504, createdAt: '2019-12-25T13:01:35.228Z', updatedAt: '2023-08-22T13:40:26.790Z', archived, teams: [] };
}

describe('doctor', () => {
  it('reports missing OAuth scopes (by token introspection), missing options and lists, each with a fix, and the rate-limit tier', async () => {
    let introspected: Record<string, string> = {};
    api()
      .get('/crm/v3/objects/contacts')
      .query({ limit: '1', properties: 'hs_object_id' })
      .reply(200, { results: [] }, { 'X-HubSpot-RateLimit-Max': '110', 'X-HubSpot-RateLimit-Remaining': '109', 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000' })
      // POST /oauth/2026-03/token/introspect, form-encoded (HubSpot 2026-03 OAuth spec; v1 metadata GET removed 2027-02-16).
      .post('/oauth/2026-03/token/introspect', (body) => {
        introspected = body as Record<string, string>;
        return true;
      })
      .matchHeader('content-type', 'application/x-www-form-urlencoded')
      .reply(200, introspection(['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.objects.deals.read', 'tickets', 'crm.schemas.contacts.write', 'crm.lists.read', 'crm.objects.owners.read']))
      .get('/crm/v3/properties/contacts')
      .reply(200, { results: [{ name: 'parcours_stage', label: 'Stage', type: 'enumeration', fieldType: 'select', options: [{ value: 'active', label: 'Active', hidden: false }] }] })
      .get('/crm/v3/lists/object-type-id/0-1/name/Parcours%3A%20VIP')
      .reply(404, { status: 'error', message: 'not found' })
      .get('/crm/v3/owners')
      .query({ limit: '100', archived: 'false' })
      .reply(200, { results: [ownerJson('41629779', false)] })
      .get('/crm/v3/owners')
      .query({ limit: '100', archived: 'true' })
      .reply(200, { results: [] });
    const checks = await connector({ authKind: 'oauth', oauthClient: CLIENT }).doctor(spec);
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(byId['hubspot.token']?.ok).toBe(true);
    expect(introspected).toEqual({ client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, token: TOKEN, token_type_hint: 'access_token' });
    expect(JSON.stringify(checks)).not.toContain(CLIENT.clientSecret);
    expect(byId['hubspot.scopes']).toMatchObject({ ok: false, detail: 'Missing scopes: crm.lists.write.' });
    expect(byId['hubspot.scopes']?.fix).toContain('crm.lists.write');
    expect(byId['hubspot.properties.contacts']).toMatchObject({ ok: false, detail: 'parcours_stage lacks options churned' });
    expect(byId['hubspot.properties.contacts']?.fix).toContain('setup');
    expect(byId['hubspot.list.vip']).toMatchObject({ ok: false });
    expect(byId['hubspot.rate-limit']).toMatchObject({ ok: true, detail: expect.stringContaining('Burst 110 per 10000 ms') });
    expect(byId['hubspot.owners']).toMatchObject({ ok: true, detail: expect.stringContaining('1 active owner') });
    expect(nock.isDone()).toBe(true);
  });

  it('an inactive OAuth token fails the scope check; without the app credentials the scopes are not inspected at all', async () => {
    const spec0: JourneyFieldSpec = { ...spec, fields: [], segments: [] };
    api()
      .get('/crm/v3/objects/contacts')
      .query(true)
      .reply(200, { results: [] })
      .post('/oauth/2026-03/token/introspect')
      .reply(200, { active: false })
      .get('/crm/v3/owners')
      .query(true)
      .times(2)
      .reply(200, { results: [] });
    const inactive = await connector({ authKind: 'oauth', oauthClient: CLIENT }).doctor(spec0);
    expect(inactive.find((c) => c.id === 'hubspot.scopes')).toMatchObject({ ok: false, detail: expect.stringContaining('inactive') });
    expect(nock.isDone()).toBe(true);

    api().get('/crm/v3/objects/contacts').query(true).reply(200, { results: [] }).get('/crm/v3/owners').query(true).times(2).reply(200, { results: [ownerJson('41629779', false)] });
    const c = connector({ authKind: 'oauth' });
    const unchecked = await c.doctor(spec0);
    expect(unchecked.find((x) => x.id === 'hubspot.scopes')).toMatchObject({ ok: true, fix: expect.stringContaining('HUBSPOT_CLIENT_ID') });
    expect(Object.keys(c.stats().byEndpoint)).toEqual(['objects.contacts.list', 'owners.list']);
    expect(nock.isDone()).toBe(true);
  });

  it('stops at a rejected token with the fix', async () => {
    api().get('/crm/v3/objects/contacts').query(true).reply(401, { status: 'error', message: 'Authentication credentials not found.', category: 'INVALID_AUTHENTICATION' });
    const checks = await connector().doctor(spec);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ id: 'hubspot.token', ok: false, fix: expect.stringContaining('token') });
    expect(JSON.stringify(checks)).not.toContain(TOKEN);
  });
});

describe('minimumCalls', () => {
  it('counts search or list pages, archived pages and pipelines for a full sync, and 6 calls for an unchanged run', () => {
    // By search: 5 + 2 + 1 pages, 1 v4 read for the deals' contacts, 3 archived pages, the deal pipelines.
    expect(minimumCalls({ contacts: 1000, deals: 250, tickets: 0 }, 'full')).toBe(5 + 2 + 1 + 1 + 3 + 1);
    expect(minimumCalls({ contacts: 20_000, deals: 2_500, tickets: 1_000 }, 'full')).toBe(100 + 13 + 5 + 3 + 1 + 3 + 2);
    expect(minimumCalls({ contacts: 1000, deals: 250, tickets: 0, fullPullBy: 'list' }, 'full')).toBe(10 + 3 + 1 + 3 + 1);
    expect(minimumCalls({ contacts: 1000, deals: 250, tickets: 0 }, 'unchanged')).toBe(6);
    // The deal pipelines that shape the stage-history search properties are kept from the full run.
    expect(minimumCalls({ contacts: 10, deals: 10, tickets: 10, stageHistory: true }, 'unchanged')).toBe(6);
  });
});
