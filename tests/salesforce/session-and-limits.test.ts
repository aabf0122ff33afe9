import nock from 'nock';
import { generateKeyPairSync, verify } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ParcoursError } from '../../src/errors.ts';
import { INSTANCE, LOGIN, V, connector, needs, page, sf, usage, compositeEndpoint, type CompositeLog } from './fixtures.ts';

beforeAll(() => nock.disableNetConnect());
// Concurrent reads and writes travel packed in `POST /composite`; its subrequests are served by the interceptors below.
let composites: CompositeLog = [];
beforeEach(() => {
  composites = compositeEndpoint();
});
afterEach(() => {
  nock.cleanAll();
});

const EXPIRED = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];
const tokenResponse = (access: string, extra: Record<string, string> = {}) => ({
  access_token: access,
  instance_url: INSTANCE,
  id: `${LOGIN}/id/00D000000000001AAA/005000000000001AAA`,
  token_type: 'Bearer',
  issued_at: '1761300000000',
  signature: 'c2lnbmF0dXJl',
  ...extra,
});
const readCurrentRefs = (n: number) => Array.from({ length: n }, (_, i) => ({ kind: 'contact' as const, objectType: 'Contact', id: `003${i}` }));

describe('session refresh', () => {
  it('refreshes once for concurrent 401s, retries each call with the new token, and hands over the rotated refresh token', async () => {
    // The three reads travel in one Composite call; an expired session fails that call as a whole (401), once.
    nock.cleanAll();
    const expired = sf().post(`${V}/composite`).matchHeader('authorization', 'Bearer access-0').reply(401, EXPIRED);
    composites = compositeEndpoint();
    const rotated: string[] = [];
    const token = nock(LOGIN)
      .post('/services/oauth2/token', (body) => body.grant_type === 'refresh_token' && body.refresh_token === 'refresh-1' && body.client_id === 'cid')
      .reply(200, tokenResponse('access-1', { refresh_token: 'refresh-2' }));
    const api = sf()
      .get(`${V}/query`).query(true).times(3).matchHeader('authorization', 'Bearer access-1').reply(200, page('Contact', [{ Id: '003A', P__c: 'x' }]), usage(10));

    const c = connector({ refreshToken: 'refresh-1', clientId: 'cid', clientSecret: 'secret', onRefreshToken: (rt) => void rotated.push(rt) });
    const results = await Promise.all([0, 1, 2].map(() => c.readCurrent(readCurrentRefs(1), ['P__c'])));
    expect(results.map((m) => m.get('003A'))).toEqual([{ P__c: 'x' }, { P__c: 'x' }, { P__c: 'x' }]);
    expect(token.isDone()).toBe(true);
    expect(api.isDone()).toBe(true);
    expect(expired.isDone()).toBe(true);
    expect(composites.map((c) => c.length)).toEqual([3]);
    expect(rotated).toEqual(['refresh-2']);
    expect(c.stats().byEndpoint['oauth.token']).toBe(1);

    // The next refresh must present the rotated token, never the revoked one.
    const second = nock(LOGIN).post('/services/oauth2/token', (body) => body.refresh_token === 'refresh-2').reply(200, tokenResponse('access-2'));
    sf().get(`${V}/query`).query(true).matchHeader('authorization', 'Bearer access-1').reply(401, EXPIRED)
      .get(`${V}/query`).query(true).matchHeader('authorization', 'Bearer access-2').reply(200, page('Contact', []));
    await c.readCurrent(readCurrentRefs(1), ['P__c']);
    expect(second.isDone()).toBe(true);
  });

  it('stops with AUTH_FAILED when the refresh token is refused, without leaking it', async () => {
    nock(LOGIN).post('/services/oauth2/token').reply(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
    sf().get(`${V}/query`).query(true).reply(401, EXPIRED);
    const c = connector({ refreshToken: 'refresh-secret-1', clientId: 'cid', clientSecret: 'secret' });
    const error = await c.readCurrent(readCurrentRefs(1), ['P__c']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParcoursError);
    expect(error).toMatchObject({ code: 'AUTH_FAILED' });
    expect((error as Error).message).toContain('expired access/refresh token');
    expect((error as Error).message).not.toContain('refresh-secret-1');
    expect(JSON.stringify((error as ParcoursError).context)).not.toContain('refresh-secret-1');
  });

  it('JWT bearer: signs an RS256 assertion the consumer key and user can be verified from, before the first call', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    let claims: Record<string, unknown> = {};
    let signatureValid = false;
    nock(LOGIN)
      .post('/services/oauth2/token', (body) => {
        if (body.grant_type !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || 'client_secret' in body) return false;
        const [h, p, s] = String(body.assertion).split('.');
        signatureValid = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(String(s), 'base64url'));
        claims = JSON.parse(Buffer.from(String(p), 'base64url').toString());
        return true;
      })
      .reply(200, tokenResponse('access-jwt'));
    sf().get(`${V}/query`).query(true).matchHeader('authorization', 'Bearer access-jwt').reply(200, page('Contact', []));
    const c = createJwtConnector(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    await c.readCurrent(readCurrentRefs(1), ['P__c']);
    expect(signatureValid).toBe(true);
    expect(claims).toMatchObject({ iss: 'consumer-key', sub: 'integration@acme.com', aud: 'https://login.salesforce.com' });
    expect(Number(claims.exp) - Date.now() / 1000).toBeLessThanOrEqual(181);
  });
});

function createJwtConnector(keyPem: string) {
  return connector({ instanceUrl: undefined, accessToken: undefined, clientId: 'consumer-key', jwt: { keyPem, username: 'integration@acme.com' } });
}

describe('limits and faults', () => {
  it('backs off and retries REQUEST_LIMIT_EXCEEDED (concurrent limit) and 503', async () => {
    const scope = sf()
      .get(`${V}/query`).query(true).reply(403, [{ message: 'ConcurrentPerOrgLongTxn Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }])
      .get(`${V}/query`).query(true).reply(503, [{ message: 'Server unavailable', errorCode: 'SERVER_UNAVAILABLE' }])
      .get(`${V}/query`).query(true).reply(200, page('Contact', [{ Id: '003A', P__c: 'y' }]));
    const c = connector();
    const current = await c.readCurrent(readCurrentRefs(1), ['P__c']);
    expect(current.get('003A')).toEqual({ P__c: 'y' });
    expect(scope.isDone()).toBe(true);
    expect(c.stats().byEndpoint['soql.query']).toBe(3);
  });

  it('stops with DAILY_LIMIT and a resume time when the org is out of daily requests', async () => {
    sf().get(`${V}/query`).query(true).reply(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    const error = await connector().readCurrent(readCurrentRefs(1), ['P__c']).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DAILY_LIMIT', context: { crm: 'salesforce', status: 403 } });
    expect((error as ParcoursError).context.resumeAt).toBeGreaterThan(Date.now());
  });

  it('stops with QUOTA_RESERVE before the daily budget falls under the reserve, after storing what it read', async () => {
    // The first pages travel in one Composite call: its response carries the org's usage (one call counted).
    nock.cleanAll();
    compositeEndpoint(usage(90_000, 100_000));
    const scope = sf()
      .get(`${V}/queryAll`).query((q) => String(q.q).includes('FROM Contact')).reply(200, page('Contact', [{ Id: '003A', SystemModstamp: '2026-03-01T10:00:00.000+0000' }], `${V}/query/01gZZ-1`, 2))
      .get(`${V}/queryAll`).query((q) => String(q.q).includes('FROM Lead')).reply(200, page('Lead', []))
      .get(`${V}/query`).query((q) => String(q.q).includes('FROM Lead')).reply(200, page('Lead', []));
    const c = connector();
    const seen: string[] = [];
    const run = async () => {
      for await (const b of c.pull({ objects: ['contact'], fields: needs(), mode: 'full', cursors: {} })) seen.push(...b.records.map((r) => r.id));
    };
    const error = await run().catch((e: unknown) => e);
    expect(scope.isDone()).toBe(true);
    expect(seen).toEqual(['003A']);
    expect(error).toMatchObject({ code: 'QUOTA_RESERVE', context: { crm: 'salesforce', used: 90_000, limit: 100_000 } });
    // 10,000 left = exactly the 10 % reserve: one more call would dip under it.
    expect((error as ParcoursError).context.resumeAt).toBeGreaterThan(Date.now());
    // The next page was never requested.
    expect(c.stats().total).toBe(1);
  });

  it('does not retry validation errors', async () => {
    const scope = sf().get(`${V}/query`).query(true).reply(400, [{ message: "No such column 'P__c' on entity 'Contact'.", errorCode: 'INVALID_FIELD' }]);
    await expect(connector().readCurrent(readCurrentRefs(1), ['P__c'])).rejects.toMatchObject({ code: 'CRM_VALIDATION', context: { sfErrorCode: 'INVALID_FIELD', status: 400 } });
    expect(scope.isDone()).toBe(true);
  });
});
