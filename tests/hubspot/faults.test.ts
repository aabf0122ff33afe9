import nock from 'nock';
import { Client } from '@hubspot/api-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParcoursError } from '../../src/errors.ts';
import type { PullBatch } from '../../connectors/port.ts';
import { TOKEN, api, connector, contact, needs } from './helpers.ts';

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const listContacts = () => api().get('/crm/v3/objects/contacts').query((q) => q.archived === 'false');

async function firstError(run: () => Promise<unknown>): Promise<ParcoursError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ParcoursError);
    return error as ParcoursError;
  }
  throw new Error('expected a ParcoursError');
}

describe('rate limits and faults', () => {
  it('waits out a 429 TEN_SECONDLY_ROLLING and retries, learning the budget from the headers', async () => {
    listContacts()
      .reply(429, { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: 'c1', policyName: 'TEN_SECONDLY_ROLLING', groupName: 'publicapi:private-app-ten-secondly:1' }, {
        'X-HubSpot-RateLimit-Max': '190',
        'X-HubSpot-RateLimit-Remaining': '0',
        'X-HubSpot-RateLimit-Interval-Milliseconds': '40',
      })
      .get('/crm/v3/objects/contacts')
      .query((q) => q.archived === 'false')
      .reply(200, { results: [contact('1')] }, { 'X-HubSpot-RateLimit-Max': '190', 'X-HubSpot-RateLimit-Remaining': '188', 'X-HubSpot-RateLimit-Interval-Milliseconds': '40' });
    api().get('/crm/v3/objects/contacts').query((q) => q.archived === 'true').reply(200, { results: [] });
    const c = connector({ retry: { retries: 1, minTimeoutMs: 1 } });
    const batches: PullBatch[] = [];
    for await (const b of c.pull({ objects: ['contact'], fields: needs(), mode: 'full', cursors: {} })) batches.push(b);
    expect(batches[0]?.records.map((r) => r.id)).toEqual(['1']);
    // The wait did not spend the single retry: a 429 is not a failure.
    expect(c.stats()).toMatchObject({ total: 3, rateLimited: 1, byEndpoint: { 'objects.contacts.list': 2 } });
    expect(nock.isDone()).toBe(true);
  });

  it('stops on a 429 DAILY with DAILY_LIMIT and resumeAt from the usage endpoint, after the stored batches', async () => {
    const resetsAt = Date.parse('2026-11-24T05:00:00.000Z');
    listContacts().reply(200, { results: [contact('1')], paging: { next: { after: '2' } } });
    api()
      .get('/crm/v3/objects/contacts')
      .query((q) => q.after === '2')
      .reply(429, { status: 'error', message: 'You have reached your daily limit.', errorType: 'RATE_LIMIT', correlationId: 'c033cdaa', policyName: 'DAILY', requestId: '3d3e35b7' })
      .get('/account-info/v3/api-usage/daily/private-apps')
      .reply(200, { results: [{ name: 'private-apps-api-calls-daily', usageLimit: 250000, currentUsage: 250000, collectedAt: '2026-11-23T20:00:00Z', fetchStatus: 'SUCCESS', resetsAt: '2026-11-24T05:00:00.000Z' }] });
    const c = connector();
    const batches: PullBatch[] = [];
    const error = await firstError(async () => {
      for await (const b of c.pull({ objects: ['contact'], fields: needs(), mode: 'full', cursors: {} })) batches.push(b);
    });
    expect(error.code).toBe('DAILY_LIMIT');
    expect(error.context).toMatchObject({ crm: 'hubspot', status: 429, resumeAt: resetsAt, endpoint: 'objects.contacts.list' });
    // The batch before the stop carries the position to resume from.
    expect(batches).toHaveLength(1);
    expect(batches[0]?.cursor).toMatchObject({ full: { after: '2' } });
    expect(c.stats().byEndpoint['objects.contacts.list']).toBe(2); // not retried

    // Next run resumes the full pass at `after=2`.
    api().get('/crm/v3/objects/contacts').query((q) => q.after === '2' && q.archived === 'false').reply(200, { results: [contact('2')] });
    api().get('/crm/v3/objects/contacts').query((q) => q.archived === 'true').reply(200, { results: [] });
    const resumed: PullBatch[] = [];
    for await (const b of connector().pull({ objects: ['contact'], fields: needs(), mode: 'incremental', cursors: { contact: batches[0]?.cursor ?? {} } })) resumed.push(b);
    expect(resumed.flatMap((b) => b.records.map((r) => r.id))).toEqual(['2']);
    expect(resumed.at(-1)?.cursor).toEqual({ watermark: expect.any(Number) });
    expect(nock.isDone()).toBe(true);
  });

  it('turns a 401 into AUTH_FAILED with a clear message and no token', async () => {
    listContacts().reply(401, { status: 'error', message: 'Authentication credentials not found. This API supports OAuth 2.0 authentication.', correlationId: 'x', category: 'INVALID_AUTHENTICATION' });
    const c = connector();
    const error = await firstError(async () => {
      for await (const _ of c.pull({ objects: ['contact'], fields: needs(), mode: 'full', cursors: {} })) void _;
    });
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toMatch(/rejected the access token/);
    expect(JSON.stringify({ m: error.message, c: error.context })).not.toContain(TOKEN);
    expect(c.stats().total).toBe(1); // no retry
  });

  it('retries 5xx with backoff, then succeeds', async () => {
    listContacts().reply(502, '<html>Bad gateway</html>').get('/crm/v3/objects/contacts').query((q) => q.archived === 'false').reply(524, { status: 'error', message: 'timeout' });
    listContacts().reply(200, { results: [contact('1')] });
    api().get('/crm/v3/objects/contacts').query((q) => q.archived === 'true').reply(200, { results: [] });
    const c = connector();
    const ids: string[] = [];
    for await (const b of c.pull({ objects: ['contact'], fields: needs(), mode: 'full', cursors: {} })) ids.push(...b.records.map((r) => r.id));
    expect(ids).toEqual(['1']);
    expect(c.stats().byEndpoint['objects.contacts.list']).toBe(3);
    expect(nock.isDone()).toBe(true);
  });

  it('does not retry a 400 validation error', async () => {
    api().post('/crm/v3/objects/contacts/search').reply(400, { status: 'error', message: 'There was a problem with the request.', category: 'VALIDATION_ERROR', correlationId: 'v1' });
    const c = connector();
    const error = await firstError(async () => {
      for await (const _ of c.pull({ objects: ['contact'], fields: needs(), mode: 'incremental', cursors: { contact: { watermark: 1 } } })) void _;
    });
    expect(error).toMatchObject({ code: 'CRM_VALIDATION', context: { status: 400, requestId: 'v1', category: 'VALIDATION_ERROR' } });
    expect(c.stats().total).toBe(1);
  });

  it('keeps the SDK’s own retries and limiter out even when another Client in the process sets them', async () => {
    const c = connector({ retry: { retries: 0, minTimeoutMs: 1 } });
    // Another part of the process configures the process-wide decorators with 6 SDK retries.
    new Client({ accessToken: 'other', basePath: 'http://elsewhere.test', numberOfApiCallRetries: 6 });
    listContacts().reply(503, { status: 'error', message: 'unavailable' });
    listContacts().reply(200, { results: [] }); // would be consumed by an SDK retry
    const error = await firstError(async () => {
      for await (const _ of c.pull({ objects: ['contact'], fields: needs(), mode: 'full', cursors: {} })) void _;
    });
    expect(error.code).toBe('CRM_UNAVAILABLE');
    expect(nock.pendingMocks()).toHaveLength(1);
  });
});
