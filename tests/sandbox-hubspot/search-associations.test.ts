import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { NOW, call, sdk, sdkError } from './helpers.ts';

let sb: HubspotSandbox;
beforeAll(async () => {
  sb = await startHubspotSandbox({ contacts: 300, seed: 9, now: NOW, searchPerSecond: 1000, associationPageSize: 3 });
});
afterAll(() => sb.close());

describe('search', () => {
  it('filters, sorts ascending on the modified date, pages by offset with total, via the SDK', async () => {
    const since = NOW - 365 * 86_400_000;
    const ids: string[] = [];
    let after: string | undefined = '0';
    let total = -1;
    let last = 0;
    while (after !== undefined) {
      const page = await sdk(sb).crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE' as never, value: String(since) }] }],
        sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }] as never,
        properties: ['lifecyclestage'],
        limit: 50,
        after,
      });
      total = page.total;
      for (const r of page.results) {
        const t = Date.parse(r.properties['lastmodifieddate']!);
        expect(t).toBeGreaterThanOrEqual(Math.max(since, last));
        last = t;
        ids.push(r.id);
      }
      after = page.paging?.next?.after;
    }
    const expected = sb.data.ids('contacts').filter((id) => sb.data.getRecord('contacts', id)!.updatedAt >= since);
    expect(ids.length).toBe(total);
    expect([...ids].sort()).toEqual([...expected].sort());
  });

  it('ORs groups, ANDs filters; IN, BETWEEN, HAS_PROPERTY, NOT_HAS_PROPERTY', async () => {
    const r = await call(sb, 'POST', '/crm/v3/objects/deals/search', {
      filterGroups: [
        { filters: [{ propertyName: 'dealstage', operator: 'IN', values: ['closedwon', '151728306'] }, { propertyName: 'amount', operator: 'BETWEEN', value: '10000', highValue: '200000' }] },
        { filters: [{ propertyName: 'amount', operator: 'NOT_HAS_PROPERTY' }] },
      ],
      limit: 200,
    });
    const expected = sb.data.ids('deals').filter((id) => {
      const p = sb.data.getRecord('deals', id)!.properties;
      const amt = p['amount'] === undefined ? null : Number(p['amount']);
      return (['closedwon', '151728306'].includes(p['dealstage']!) && amt !== null && amt >= 10000 && amt <= 200000) || amt === null;
    });
    expect(r.json.total).toBe(expected.length);
    expect(r.json.results.map((x: any) => x.id).sort()).toEqual(expected.sort());
    expect(Object.keys(r.json.results[0].properties)).toEqual(expect.arrayContaining(['dealname', 'dealstage', 'hs_lastmodifieddate']));
  });

  it('sends no X-HubSpot-RateLimit headers, while other endpoints do', async () => {
    const s = await call(sb, 'POST', '/crm/v3/objects/tickets/search', { limit: 1 });
    expect([...s.headers.keys()].filter((k) => k.startsWith('x-hubspot-ratelimit'))).toEqual([]);
    const g = await call(sb, 'GET', '/crm/v3/objects/tickets?limit=1');
    expect(g.headers.get('x-hubspot-ratelimit-max')).not.toBeNull();
    expect(g.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
  });

  it('refuses paging past 10,000 results with 400, limit > 200, too many filters, and bodies over 3,000 chars', async () => {
    expect((await call(sb, 'POST', '/crm/v3/objects/contacts/search', { limit: 100, after: '9900' })).status).toBe(200);
    const cap = await sdkError(sdk(sb).crm.contacts.searchApi.doSearch({ limit: 100, after: '9950' } as never));
    expect(cap.code).toBe(400);
    expect(cap.body.category).toBe('VALIDATION_ERROR');
    expect((await call(sb, 'POST', '/crm/v3/objects/contacts/search', { limit: 201 })).status).toBe(400);
    const f = { propertyName: 'email', operator: 'HAS_PROPERTY' };
    expect((await call(sb, 'POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: Array(7).fill(f) }] })).status).toBe(400);
    expect((await call(sb, 'POST', '/crm/v3/objects/contacts/search', { filterGroups: Array(6).fill({ filters: [f] }) })).status).toBe(400);
    expect((await call(sb, 'POST', '/crm/v3/objects/contacts/search', { filterGroups: Array(4).fill({ filters: Array(5).fill(f) }) })).status).toBe(400);
    expect((await call(sb, 'POST', '/crm/v3/objects/contacts/search', { sorts: ['a', 'b'] })).status).toBe(400);
    expect((await call(sb, 'POST', '/crm/v3/objects/contacts/search', { query: 'x'.repeat(3100) })).status).toBe(400);
  });

  it('never returns archived records', async () => {
    const id = sb.data.ids('contacts')[5]!;
    sb.data.archiveRecord('contacts', id);
    const r = await call(sb, 'POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'EQ', value: id }] }] });
    expect(r.json.total).toBe(0);
  });

  it('has its own per-second limit with the message the SDK recognises', async () => {
    const strict = await startHubspotSandbox({ contacts: 5, searchPerSecond: 2, clock: () => NOW });
    try {
      const statuses: number[] = [];
      let limited: any = null;
      for (let i = 0; i < 4; i++) {
        const r = await call(strict, 'POST', '/crm/v3/objects/contacts/search', {});
        statuses.push(r.status);
        if (r.status === 429) limited = r;
      }
      expect(statuses.slice(0, 2)).toEqual([200, 200]);
      expect(limited.json.message).toBe('You have reached your secondly limit.');
      expect([...limited.headers.keys()].some((k: string) => k.startsWith('x-hubspot-ratelimit'))).toBe(false);
      expect(strict.stats().rateLimited).toBeGreaterThan(0);
    } finally {
      await strict.close();
    }
  });
});

describe('v4 association batch read', () => {
  it('returns numeric toObjectId and pages each input with paging.next.after', async () => {
    const contactId = sb.data.ids('contacts')[0]!;
    const extra = sb.data.ids('deals').slice(0, 7);
    for (const d of extra) sb.data.associate('contacts', contactId, 'deals', d);
    const expected = sb.data.associated('contacts', contactId, 'deals');
    expect(expected.length).toBeGreaterThan(3);
    const got: number[] = [];
    let after: string | undefined;
    do {
      const res = await sdk(sb).crm.associations.v4.batchApi.getPage('contacts', 'deals', { inputs: [{ id: contactId, ...(after ? { after } : {}) }] });
      const result = res.results[0]!;
      expect(result.to.length).toBeLessThanOrEqual(3);
      for (const t of result.to) {
        expect(typeof t.toObjectId).toBe('number');
        expect(t.associationTypes[0]).toMatchObject({ category: 'HUBSPOT_DEFINED', typeId: 4 });
        got.push(Number(t.toObjectId));
      }
      after = result.paging?.next?.after;
    } while (after);
    expect(got.map(String)).toEqual(expected);
  });

  it('answers 207 for unknown ids and 400 above 1,000 inputs', async () => {
    const r = await call(sb, 'POST', '/crm/v4/associations/contacts/tickets/batch/read', { inputs: [{ id: sb.data.ids('contacts')[1] }, { id: '424242' }] });
    expect(r.status).toBe(207);
    expect(r.json.errors[0].context.ids).toEqual(['424242']);
    const big = await call(sb, 'POST', '/crm/v4/associations/contacts/deals/batch/read', { inputs: Array.from({ length: 1001 }, (_, i) => ({ id: String(i) })) });
    expect(big.status).toBe(400);
  });
});
