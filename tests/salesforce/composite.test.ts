/**
 * Requests in flight together travel as subrequests of `POST /composite` (resources_composite_composite_post:
 * ≤ 25 subrequests, ≤ 5 of them query operations or sObject Collections, one API call), and each answers as the
 * same request made alone (responses_composite: per-subrequest `httpStatusCode` and `body`).
 */
import nock from 'nock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RecordChange } from '../../connectors/port.ts';
import { V, compositeEndpoint, connector, page, sf, soql, type CompositeLog } from './fixtures.ts';

beforeAll(() => nock.disableNetConnect());
let composites: CompositeLog = [];
beforeEach(() => {
  composites = compositeEndpoint();
});
afterEach(() => {
  nock.cleanAll();
});

const change = (n: number): RecordChange => ({ ref: { kind: 'contact', objectType: 'Contact', id: `003${String(n).padStart(12, '0')}AAA` }, values: { Parcours_Stage__c: 'Active' } });
const ok = (records: Array<{ id: string }>) => records.map((r) => ({ id: r.id, success: true, errors: [] }));
/** A Collections answer computed from the request's records (nock hands the reply function the request). */
const answer = (fn: (records: Array<{ id: string }>) => unknown) => async (request: unknown) => fn(((await (request as Request).json()) as { records: Array<{ id: string }> }).records);

describe('Composite packing', () => {
  it('sends 1,400 records as seven Collections calls packed 5 + 2, never over the limit of five', async () => {
    sf().patch(`${V}/composite/sobjects`).times(7).reply(200, answer(ok));
    const c = connector();
    const report = await c.push(Array.from({ length: 1_400 }, (_, i) => change(i)));
    expect(report.written).toHaveLength(1_400);
    expect(report.failed).toEqual([]);
    expect(composites.map((call) => call.length)).toEqual([5, 2]);
    expect(c.stats().byEndpoint).toEqual({ composite: 2 });
  });

  it('retries a subrequest that failed with 503 as it would a call alone, and keeps the per-record failures of another', async () => {
    sf()
      .patch(`${V}/composite/sobjects`).reply(503, [{ errorCode: 'SERVER_UNAVAILABLE', message: 'Server temporarily unavailable' }])
      .patch(`${V}/composite/sobjects`).times(2).reply(200, answer((records) =>
        // One record of the batch is refused (a validation rule): a per-record failure, not a failed call.
        records.map((r, i) => (i === 0 && r.id.endsWith('0000000000AAA') ? { success: false, errors: [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Stage locked', fields: [] }] } : { id: r.id, success: true, errors: [] }))));
    const report = await connector().push(Array.from({ length: 400 }, (_, i) => change(i)));
    // The two calls went out in one Composite call; the one that met the 503 was sent again (alone: plain).
    expect(composites.map((call) => call.map((s) => s.status))).toEqual([[503, 200]]);
    expect(report.written).toHaveLength(399);
    expect(report.failed).toEqual([{ ref: change(0).ref, code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Stage locked', retryable: false }]);
  });

  it('fails a query subrequest with a 400 exactly as alone: CRM_VALIDATION with its errorCode, not retried', async () => {
    const bad = sf().get(`${V}/query`).query(soql((q) => q.includes('Nope__c'))).once().reply(400, [{ message: "No such column 'Nope__c' on entity 'Contact'.", errorCode: 'INVALID_FIELD' }]);
    sf().get(`${V}/query`).query(soql((q) => q.includes('P__c'))).reply(200, page('Contact', [{ Id: '003A', P__c: 'x' }]));
    const c = connector();
    const refs = [{ kind: 'contact' as const, objectType: 'Contact', id: '003A' }];
    const [good, failed] = await Promise.allSettled([c.readCurrent(refs, ['P__c']), c.readCurrent(refs, ['Nope__c'])]);
    expect(composites.map((call) => call.length)).toEqual([2]);
    expect(good).toMatchObject({ status: 'fulfilled' });
    expect((good as PromiseFulfilledResult<Map<string, unknown>>).value.get('003A')).toEqual({ P__c: 'x' });
    expect(failed).toMatchObject({ status: 'rejected', reason: { code: 'CRM_VALIDATION', context: { sfErrorCode: 'INVALID_FIELD', status: 400 } } });
    expect(bad.isDone()).toBe(true);
  });

  it('chains the next pages of a query by reference, never past the last page', async () => {
    const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ Id: `003${String(from + i).padStart(12, '0')}AAA`, SystemModstamp: '2026-03-01T10:00:00.000+0000' }));
    // 9 pages of 2 rows (totalSize 17): the first alone, then chains of 5 and 3 pages.
    const scope = sf().get(`${V}/query`).query(soql((q) => q.startsWith('SELECT Id, Name FROM Campaign'))).reply(200, page('Campaign', rows(0, 2), `${V}/query/0r8xx0000000001-2`, 17));
    for (let p = 1; p < 9; p++) {
      const next = p < 8 ? `${V}/query/0r8xx0000000001-${2 * (p + 1)}` : undefined;
      scope.get(`${V}/query/0r8xx0000000001-${2 * p}`).reply(200, page('Campaign', rows(2 * p, p < 8 ? 2 : 1), next, 17));
    }
    const { queryRows } = await import('../../connectors/salesforce/rest-query.ts');
    const { SalesforceClient } = await import('../../connectors/salesforce/client.ts');
    const { resolveConfig } = await import('../../connectors/salesforce/config.ts');
    const client = new SalesforceClient(resolveConfig({ instanceUrl: 'https://acme.my.salesforce.com', accessToken: 'access-0', apiVersion: '66.0', retry: { retries: 1, minTimeoutMs: 1, maxRetryTimeMs: 1_000, recordRetries: 0 } }));
    const all = await queryRows(client, 'SELECT Id, Name FROM Campaign');
    expect(all).toHaveLength(17);
    expect(scope.isDone()).toBe(true);
    // First page plain; then 5 chained pages in one call, the last 3 in another.
    expect(composites.map((call) => call.length)).toEqual([5, 3]);
    expect(client.stats().byEndpoint).toEqual({ 'soql.query': 1, composite: 2 });
  });
});
