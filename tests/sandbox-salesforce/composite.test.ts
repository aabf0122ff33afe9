/**
 * Composite contract (https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html,
 * requests_composite, responses_composite): ≤ 25 subrequests, ≤ 5 of them sObject Collections or query
 * operations (Query, QueryAll, next pages); per-subrequest status and body under `compositeResponse`, each with
 * its `referenceId`; top-level 200; "the entire series of requests counts as a single call toward your API limits".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { NOW, rest } from './helpers.ts';

let sb: SalesforceSandbox;
beforeAll(async () => {
  sb = await startSalesforceSandbox({ seed: 12, contacts: 300, now: NOW });
});
afterAll(() => sb.close());

const V = '/services/data/v66.0';
const q = (soql: string, all = false) => `${V}/${all ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`;
type Sub = { body: unknown; httpHeaders: Record<string, string>; httpStatusCode: number; referenceId: string };
const composite = (subs: unknown[]) => rest(sb, 'POST', `${V}/composite`, { allOrNone: false, compositeRequest: subs });

describe('POST /composite', () => {
  it('runs queries, a next page by reference and a describe as one counted, logged call', async () => {
    const usedBefore = sb.apiUsage().used;
    const callsBefore = sb.calls.length;
    const res = await composite([
      { method: 'GET', url: q('SELECT Id FROM OpportunityHistory'), referenceId: 'opps', httpHeaders: { 'Sforce-Query-Options': 'batchSize=200' } },
      { method: 'GET', url: '@{opps.nextRecordsUrl}', referenceId: 'opps2', httpHeaders: { 'Sforce-Query-Options': 'batchSize=200' } },
      { method: 'GET', url: q('SELECT Id FROM Contact WHERE IsDeleted = true', true), referenceId: 'gone' },
      { method: 'GET', url: `${V}/sobjects/Contact/describe`, referenceId: 'describe' },
    ]);
    expect(res.status).toBe(200);
    const out = (res.json as { compositeResponse: Sub[] }).compositeResponse;
    expect(out.map((s) => [s.referenceId, s.httpStatusCode])).toEqual([['opps', 200], ['opps2', 200], ['gone', 200], ['describe', 200]]);
    const first = out[0]?.body as { totalSize: number; records: Array<{ Id: string }>; nextRecordsUrl: string };
    const second = out[1]?.body as { records: Array<{ Id: string }> };
    expect(first.records).toHaveLength(200);
    expect(first.totalSize).toBeGreaterThan(200);
    // The second page continues the first (no overlap): the reference resolved to its nextRecordsUrl.
    expect(second.records.length).toBeGreaterThan(0);
    expect(new Set([...first.records, ...second.records].map((r) => r.Id)).size).toBe(first.records.length + second.records.length);
    expect((out[3]?.body as { name: string }).name).toBe('Contact');
    expect(sb.apiUsage().used).toBe(usedBefore + 1);
    expect(sb.calls.slice(callsBefore).map((c) => c.endpoint)).toEqual(['POST /services/data/vXX.X/composite']);
    expect(res.headers.get('sforce-limit-info')).toBe(`api-usage=${usedBefore + 1}/${sb.apiUsage().max}`);
  });

  it('reports each failed subrequest with its own status and error array; the others still run', async () => {
    const [contact] = sb.data.query('SELECT Id FROM Contact LIMIT 1');
    const res = await composite([
      { method: 'GET', url: q('SELECT Nope__c FROM Contact'), referenceId: 'bad' },
      { method: 'GET', url: '@{bad.nextRecordsUrl}', referenceId: 'dependent' },
      {
        method: 'PATCH', url: `${V}/composite/sobjects`, referenceId: 'update',
        body: { allOrNone: false, records: [{ attributes: { type: 'Contact' }, id: contact?.Id, Title: 'Buyer' }, { attributes: { type: 'Contact' }, id: '003000000000000AAA', Title: 'x' }] },
      },
    ]);
    expect(res.status).toBe(200);
    const out = (res.json as { compositeResponse: Sub[] }).compositeResponse;
    expect(out[0]).toMatchObject({ httpStatusCode: 400, referenceId: 'bad', body: [{ errorCode: 'INVALID_FIELD' }] });
    expect(out[1]).toMatchObject({ httpStatusCode: 400, referenceId: 'dependent', body: [{ errorCode: 'PROCESSING_HALTED' }] });
    expect(out[2]?.httpStatusCode).toBe(200);
    const results = out[2]?.body as Array<{ success: boolean; errors: Array<{ statusCode: string }> }>;
    expect(results[0]?.success).toBe(true);
    expect(results[1]?.success).toBe(false);
    expect(sb.data.get('Contact', String(contact?.Id))?.Title).toBe('Buyer');
  });

  it('refuses more than 5 query or Collections subrequests, and more than 25 subrequests, as one failed call', async () => {
    const six = Array.from({ length: 6 }, (_, i) => ({ method: 'GET', url: q('SELECT Id FROM Case LIMIT 1'), referenceId: `q${i}` }));
    const tooManyQueries = await composite(six);
    expect(tooManyQueries.status).toBe(400);
    expect(tooManyQueries.json).toEqual([{ errorCode: 'LIMIT_EXCEEDED', message: expect.stringContaining('5') }]);

    const fiveAndDescribes = [...six.slice(0, 5), ...Array.from({ length: 20 }, (_, i) => ({ method: 'GET', url: `${V}/sobjects/Lead/describe`, referenceId: `d${i}` }))];
    expect((await composite(fiveAndDescribes)).status).toBe(200);
    const twentySix = [...fiveAndDescribes, { method: 'GET', url: `${V}/sobjects/Case/describe`, referenceId: 'd20' }];
    const tooMany = await composite(twentySix);
    expect(tooMany.status).toBe(400);
    expect(tooMany.json).toEqual([{ errorCode: 'LIMIT_EXCEEDED', message: expect.stringContaining('25') }]);
  });

  it('answers a fault on a subrequest path in that subrequest only', async () => {
    sb.faults.add({ method: 'PATCH', path: '/composite/sobjects', status: 503, times: 1 });
    const [contact] = sb.data.query('SELECT Id FROM Contact LIMIT 1');
    const res = await composite([
      { method: 'GET', url: q('SELECT Id FROM Lead LIMIT 1'), referenceId: 'lead' },
      { method: 'PATCH', url: `${V}/composite/sobjects`, referenceId: 'write', body: { allOrNone: false, records: [{ attributes: { type: 'Contact' }, id: contact?.Id, Title: 'x' }] } },
    ]);
    sb.faults.clear();
    const out = (res.json as { compositeResponse: Sub[] }).compositeResponse;
    expect(res.status).toBe(200);
    expect(out.map((s) => s.httpStatusCode)).toEqual([200, 503]);
    expect(out[1]?.body).toEqual([{ errorCode: 'SERVER_UNAVAILABLE', message: 'Server temporarily unavailable' }]);
  });
});
