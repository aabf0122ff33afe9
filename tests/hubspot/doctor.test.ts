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

describe('doctor', () => {
  it('reports missing OAuth scopes, missing options and lists, each with a fix, and the rate-limit tier', async () => {
    api()
      .get('/crm/v3/objects/contacts')
      .query({ limit: '1', properties: 'hs_object_id' })
      .reply(200, { results: [] }, { 'X-HubSpot-RateLimit-Max': '110', 'X-HubSpot-RateLimit-Remaining': '109', 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000' })
      .get(`/oauth/v1/access-tokens/${TOKEN}`)
      .reply(200, { token: TOKEN, user: 'a@b.c', hub_id: 62515, app_id: 1, expires_in: 1700, user_id: 1, token_type: 'access', scopes: ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.objects.deals.read', 'tickets', 'crm.schemas.contacts.write', 'crm.lists.read'] })
      .get('/crm/v3/properties/contacts')
      .reply(200, { results: [{ name: 'parcours_stage', label: 'Stage', type: 'enumeration', fieldType: 'select', options: [{ value: 'active', label: 'Active', hidden: false }] }] })
      .get('/crm/v3/lists/object-type-id/0-1/name/Parcours%3A%20VIP')
      .reply(404, { status: 'error', message: 'not found' });
    const checks = await connector({ authKind: 'oauth' }).doctor(spec);
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(byId['hubspot.token']?.ok).toBe(true);
    expect(byId['hubspot.scopes']).toMatchObject({ ok: false, detail: 'Missing scopes: crm.lists.write.' });
    expect(byId['hubspot.scopes']?.fix).toContain('crm.lists.write');
    expect(byId['hubspot.properties.contacts']).toMatchObject({ ok: false, detail: 'parcours_stage lacks options churned' });
    expect(byId['hubspot.properties.contacts']?.fix).toContain('setup');
    expect(byId['hubspot.list.vip']).toMatchObject({ ok: false });
    expect(byId['hubspot.rate-limit']).toMatchObject({ ok: true, detail: expect.stringContaining('Burst 110 per 10000 ms') });
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
  it('counts list pages, archived pages and pipelines for a full sync, and 6 calls for an unchanged run', () => {
    expect(minimumCalls({ contacts: 1000, deals: 250, tickets: 0 }, 'full')).toBe(10 + 3 + 1 + 3 + 1);
    expect(minimumCalls({ contacts: 1000, deals: 250, tickets: 0 }, 'unchanged')).toBe(6);
    expect(minimumCalls({ contacts: 10, deals: 10, tickets: 10, stageHistory: true }, 'unchanged')).toBe(7);
  });
});
