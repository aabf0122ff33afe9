/**
 * Issue 15: API budgets shared by the service's processes. What one connector heard of the CRM's budget is kept
 * per installation in the store; the next job's connector (another worker) takes it over before its first call,
 * so the daily reserve holds across processes instead of each one spending a call to learn it.
 */
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resolveHubspotConfig } from '../../connectors/hubspot/config.ts';
import { HubspotTransport } from '../../connectors/hubspot/transport.ts';
import { BUDGET_FRESH_MS, type CrmConnector } from '../../connectors/port.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { adoptStoredBudget, BUDGET_SETTING, storeBudget } from '../../src/sync/budget-state.ts';
import { api, BASE, connector as hubspotConnector, TOKEN } from '../hubspot/helpers.ts';
import { connector as salesforceConnector, sf, usage, V } from '../salesforce/fixtures.ts';

afterEach(() => nock.cleanAll());

// HubSpot reports its budgets on every response: X-HubSpot-RateLimit-Daily / -Daily-Remaining (private apps) and
// the burst window (https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines).
const hubspotHeaders = (dailyRemaining: number) => ({
  'X-HubSpot-RateLimit-Daily': '250000',
  'X-HubSpot-RateLimit-Daily-Remaining': String(dailyRemaining),
  'X-HubSpot-RateLimit-Max': '100',
  'X-HubSpot-RateLimit-Remaining': '97',
  'X-HubSpot-RateLimit-Interval-Milliseconds': '10000',
});
// https://developers.hubspot.com/docs/api-reference/legacy/account/account-information/get-account-details
const details = { portalId: 62515, accountType: 'STANDARD', timeZone: 'US/Eastern', companyCurrency: 'USD', additionalCurrencies: [], utcOffset: '-05:00', utcOffsetMilliseconds: -18_000_000, uiDomain: 'app.hubspot.com', dataHostingLocation: 'na1' };

/** A fresh SQLite store for one test, closed after it. */
async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const store = await openStore(':memory:');
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

describe('API budgets kept per installation between jobs', () => {
  it('HubSpot: the next worker stops on the daily reserve before its first call, from the budget the last job heard', async () => {
    await withStore(async (store) => {
      api().get('/account-info/v3/details').reply(200, details, hubspotHeaders(900));
      const a = hubspotConnector({ dailyReserve: 1000 });
      await a.accountId();
      expect(a.budget?.()).toMatchObject({ daily: { limit: 250_000, remaining: 900 }, window: { max: 100, remaining: 97, intervalMs: 10_000 } });
      await storeBudget(store, 'hubspot:1', a);

      // Another worker: no request may leave it (nock has no interceptor left and would fail the call otherwise).
      const b = hubspotConnector({ dailyReserve: 1000 });
      expect(await adoptStoredBudget(store, 'hubspot:1', b)).toMatchObject({ daily: { remaining: 900 } });
      await expect(b.accountId()).rejects.toMatchObject({ code: 'QUOTA_RESERVE', context: { crm: 'hubspot' } });
      expect(b.stats().total).toBe(0);
    });
  });

  it('Salesforce: the same with the org\'s Sforce-Limit-Info', async () => {
    await withStore(async (store) => {
      sf().get(`${V}/query`).query(true).reply(200, { totalSize: 0, done: true, records: [] }, usage(95_000));
      const a = salesforceConnector();
      await a.readCurrent([{ kind: 'contact', objectType: 'Contact', id: '003000000000001AAA' }], ['Email']);
      expect(a.budget?.()).toMatchObject({ daily: { limit: 100_000, remaining: 5_000 } });
      await storeBudget(store, 'salesforce:1', a);

      const b = salesforceConnector();
      await adoptStoredBudget(store, 'salesforce:1', b);
      await expect(b.readCurrent([{ kind: 'contact', objectType: 'Contact', id: '003000000000001AAA' }], ['Email'])).rejects.toMatchObject({ code: 'QUOTA_RESERVE', context: { crm: 'salesforce', used: 95_000, limit: 100_000 } });
      expect(b.stats().total).toBe(0);
    });
  });

  it('an old state is not taken over (the budget has refilled since), and an older one never overwrites a newer', async () => {
    await withStore(async (store) => {
      await store.setSetting('hubspot:1', BUDGET_SETTING, JSON.stringify({ at: Date.now() - BUDGET_FRESH_MS - 1000, daily: { limit: 250_000, remaining: 10 } }));
      const b = hubspotConnector({ dailyReserve: 1000 });
      await adoptStoredBudget(store, 'hubspot:1', b);
      api().get('/account-info/v3/details').reply(200, details, hubspotHeaders(200_000));
      expect(await b.accountId()).toBe('62515');

      // A newer state stored by another worker stays.
      const newer = { at: Date.now() + 60_000, daily: { limit: 250_000, remaining: 150_000 } };
      await store.setSetting('hubspot:1', BUDGET_SETTING, JSON.stringify(newer));
      await storeBudget(store, 'hubspot:1', b);
      expect(JSON.parse((await store.getSetting('hubspot:1', BUDGET_SETTING)) as string)).toEqual(newer);
      // A damaged value is ignored, not fatal.
      await store.setSetting('hubspot:1', BUDGET_SETTING, '{not json');
      expect(await adoptStoredBudget(store, 'hubspot:1', hubspotConnector())).toBeNull();
    });
  });

  it('HubSpot search: a new process waits out the searches the one before it made in the last second', async () => {
    // Search counts 5 requests/s per account, across clients, and sends no rate-limit headers
    // (https://developers.hubspot.com/docs/api-reference/legacy/crm/search-the-crm, "Limits"): only the kept
    // answer times can tell the next CLI process that the second is spent.
    await withStore(async (store) => {
      const arrivals: number[] = [];
      const answered: number[] = [];
      api()
        .post('/crm/v3/objects/contacts/search')
        .times(6)
        .reply(() => {
          arrivals.push(Date.now());
          return [200, { total: 0, results: [] }];
        });
      const transport = () => new HubspotTransport(resolveHubspotConfig({ accessToken: TOKEN, baseUrl: BASE, searchPerSecond: 5, retry: { retries: 0, minTimeoutMs: 1 } }));
      const search = (t: HubspotTransport) => t.request({ endpoint: 'objects.contacts.search', endpointClass: 'search', method: 'POST', path: '/crm/v3/objects/contacts/search', body: { limit: 200 }, schema: z.object({ results: z.array(z.unknown()) }) }).then(() => answered.push(Date.now()));
      const portOf = (t: HubspotTransport) => ({ budget: () => t.budget(), adoptBudget: (s: Parameters<HubspotTransport['adoptBudget']>[0]) => t.adoptBudget(s) }) as unknown as CrmConnector;

      const a = transport();
      await Promise.all([1, 2, 3, 4, 5].map(() => search(a)));
      expect(a.budget()?.search?.ends).toHaveLength(5);
      await storeBudget(store, 'hubspot:1', portOf(a));

      const b = transport();
      const adopted = await adoptStoredBudget(store, 'hubspot:1', portOf(b));
      expect(adopted?.search?.ends).toHaveLength(5);
      await search(b);
      // The sixth search reaches the server a full second after the first answer of the process before.
      expect(arrivals).toHaveLength(6);
      expect(arrivals[5] as number).toBeGreaterThanOrEqual((answered[0] as number) + 1000);
    });
  });
});
