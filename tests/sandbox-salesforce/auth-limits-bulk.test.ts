import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { connect, NOW, rest, until } from './helpers.ts';

let sb: SalesforceSandbox;
beforeAll(async () => {
  sb = await startSalesforceSandbox({ seed: 9, contacts: 120, now: NOW, rotateRefreshTokens: true });
});
afterAll(() => sb.close());

const V = '/services/data/v66.0';
const tokenCall = (url: string, form: Record<string, string>) =>
  fetch(`${url}/services/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });

describe('sessions and OAuth', () => {
  it('401 INVALID_SESSION_ID on an expired session, then jsforce refreshes once and retries', async () => {
    const conn = connect(sb);
    const refreshed: Array<{ refresh_token?: string }> = [];
    conn.on('refresh', (_token: string, res: { refresh_token?: string }) => refreshed.push(res));
    sb.faults.expireSessions();
    const raw = await rest(sb, 'GET', `${V}/limits`);
    expect(raw.status).toBe(401);
    expect(raw.json).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    const [a, b] = await Promise.all([conn.query('SELECT COUNT() FROM Contact'), conn.query('SELECT COUNT() FROM Lead')]);
    expect(a.totalSize + b.totalSize).toBeGreaterThan(0);
    expect(sb.calls.filter((c) => c.path === '/services/oauth2/token')).toHaveLength(1);
    // Rotation: a new refresh token came back; the old one is now spent and reusing it revokes the family.
    expect(refreshed[0]!.refresh_token).toMatch(/^5Aep861/);
    const reuse = await tokenCall(sb.url, { grant_type: 'refresh_token', refresh_token: sb.oauth.refreshToken, client_id: sb.oauth.clientId, client_secret: sb.oauth.clientSecret });
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
    const revoked = await tokenCall(sb.url, { grant_type: 'refresh_token', refresh_token: refreshed[0]!.refresh_token!, client_id: sb.oauth.clientId });
    expect(revoked.status).toBe(400);
    await expect(conn.query('SELECT COUNT() FROM Contact')).rejects.toThrow();
  });

  it('authorization code with PKCE: redirect carries code and state, a wrong verifier is refused', async () => {
    const verifier = 'a-very-long-verifier-string-for-pkce-tests-0123456789';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const authorize = async (): Promise<URL> => {
      const res = await fetch(`${sb.url}/services/oauth2/authorize?response_type=code&client_id=${sb.oauth.clientId}&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/cb')}&state=xyz&code_challenge=${challenge}&code_challenge_method=S256`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      return new URL(res.headers.get('location')!);
    };
    const loc = await authorize();
    expect(loc.searchParams.get('state')).toBe('xyz');
    const base = { grant_type: 'authorization_code', client_id: sb.oauth.clientId, client_secret: sb.oauth.clientSecret, redirect_uri: 'http://127.0.0.1:9/cb' };
    const bad = await tokenCall(sb.url, { ...base, code: loc.searchParams.get('code')!, code_verifier: 'wrong' });
    expect(await bad.json()).toEqual({ error: 'invalid_grant', error_description: 'invalid code verifier' });
    const good = await tokenCall(sb.url, { ...base, code: (await authorize()).searchParams.get('code')!, code_verifier: verifier });
    const body = (await good.json()) as Record<string, string>;
    expect(body).toMatchObject({ instance_url: sb.url, token_type: 'Bearer' });
    expect(body.id).toMatch(/\/id\/00D\w{15}\/005\w{15}$/);
    expect(body.refresh_token).toBeTruthy();
    const info = await fetch(`${sb.url}/services/oauth2/userinfo`, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(((await info.json()) as { preferred_username: string }).preferred_username).toBe(sb.username);
  });

  it('JWT bearer: verifies the RS256 signature and claims against the configured key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwtSb = await startSalesforceSandbox({ contacts: 5, now: NOW, jwtPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    try {
      const jwt = (claims: Record<string, unknown>, key = privateKey): string => {
        const h = Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url');
        const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
        return `${h}.${p}.${sign('RSA-SHA256', Buffer.from(`${h}.${p}`), key).toString('base64url')}`;
      };
      const claims = { iss: jwtSb.oauth.clientId, sub: jwtSb.username, aud: jwtSb.url, exp: Math.floor(Date.now() / 1000) + 180 };
      const grant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
      const ok = (await (await tokenCall(jwtSb.url, { grant_type: grant, assertion: jwt(claims) })).json()) as Record<string, string>;
      expect(ok.access_token).toBeTruthy();
      expect(ok.refresh_token).toBeUndefined();
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const forged = await tokenCall(jwtSb.url, { grant_type: grant, assertion: jwt(claims, other) });
      expect(await forged.json()).toEqual({ error: 'invalid_grant', error_description: 'invalid assertion' });
      const expired = await tokenCall(jwtSb.url, { grant_type: grant, assertion: jwt({ ...claims, exp: 1 }) });
      expect(expired.status).toBe(400);
      const wrongAud = await tokenCall(jwtSb.url, { grant_type: grant, assertion: jwt({ ...claims, aud: 'https://evil.example' }) });
      expect(((await wrongAud.json()) as { error_description: string }).error_description).toBe('audience is invalid');
    } finally {
      await jwtSb.close();
    }
  });
});

describe('limits', () => {
  it('reports usage on every response and answers 403 REQUEST_LIMIT_EXCEEDED once the budget is spent', async () => {
    const small = await startSalesforceSandbox({ contacts: 5, now: NOW, dailyApiLimit: 3 });
    try {
      const conn = connect(small);
      await conn.query('SELECT COUNT() FROM Contact');
      expect(conn.limitInfo).toEqual({ apiUsage: { used: 1, limit: 3 } });
      const limits = (await rest(small, 'GET', `${V}/limits`)).json as { DailyApiRequests: { Max: number; Remaining: number } };
      expect(limits.DailyApiRequests).toEqual({ Max: 3, Remaining: 1 });
      const third = await rest(small, 'GET', `${V}/sobjects/Contact/describe`);
      expect(third.headers.get('sforce-limit-info')).toBe('api-usage=3/3');
      const over = await rest(small, 'GET', `${V}/limits`);
      expect(over.status).toBe(403);
      expect(over.json).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
      await expect(conn.query('SELECT COUNT() FROM Contact')).rejects.toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED' });
    } finally {
      await small.close();
    }
  });
});

describe('faults and stats', () => {
  it('injects a status on a matching POST once, and counts calls by endpoint', async () => {
    await freshToken();
    sb.faults.add({ method: 'POST', path: '/composite/sobjects', status: 503 });
    const first = await rest(sb, 'POST', `${V}/composite/sobjects`, { records: [] }, auth());
    expect(first.status).toBe(503);
    expect((first.json as Array<{ errorCode: string }>)[0]!.errorCode).toBe('SERVER_UNAVAILABLE');
    const second = await rest(sb, 'POST', `${V}/composite/sobjects`, { records: [] }, auth());
    expect(second.status).toBe(200);
    expect(sb.stats().byEndpoint['POST /services/data/vXX.X/composite/sobjects']).toBeGreaterThanOrEqual(2);
  });
});

describe('Bulk API 2.0', () => {
  it('ingest: Open → UploadComplete → InProgress → JobComplete, processed in the background (no status read moves it), with successful and failed results', async () => {
    const conn = connect(sb, '66.0', await freshToken());
    const ids = (await conn.query<{ Id: string }>('SELECT Id FROM Contact ORDER BY Id LIMIT 2')).records.map((r) => r.Id);
    const job = (await rest(sb, 'POST', `${V}/jobs/ingest`, { object: 'Contact', operation: 'update', contentType: 'CSV', lineEnding: 'LF' }, auth())).json as { id: string; state: string };
    expect(job.state).toBe('Open');
    expect(job.id).toMatch(/^750/);
    const csv = `Id,Title,Phone\n${ids[0]},Head of Ops,#N/A\n${ids[1]},"Lead, ""Data""",\n003000000000000AAA,Nobody,\n`;
    const put = await fetch(`${sb.url}${V}/jobs/ingest/${job.id}/batches`, { method: 'PUT', headers: { ...auth(), 'content-type': 'text/csv' }, body: csv });
    expect(put.status).toBe(201);
    const state = async () => ((await rest(sb, 'GET', `${V}/jobs/ingest/${job.id}`, undefined, auth())).json as { state: string; numberRecordsProcessed: number });
    // A held org queue keeps the job InProgress with nothing processed, however often it is read.
    sb.faults.holdIngestJobs(0);
    // Queued at UploadComplete (job states: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_bulk_v2/bulk_api_2_job_states.htm).
    expect(((await rest(sb, 'PATCH', `${V}/jobs/ingest/${job.id}`, { state: 'UploadComplete' }, auth())).json as { state: string }).state).toBe('UploadComplete');
    await until('the job to leave the queue', async () => (await state()).state === 'InProgress');
    for (let i = 0; i < 3; i++) expect(await state()).toMatchObject({ state: 'InProgress', numberRecordsProcessed: 0 });
    // Released, it finishes with no status read at all: the org shows the write first.
    const before = sb.calls.length;
    sb.faults.holdIngestJobs(null);
    await until('the org to show the write', () => sb.data.get('Contact', ids[0]!)?.Title === 'Head of Ops');
    expect(sb.calls.slice(before).filter((c) => c.path.includes('/jobs/'))).toEqual([]);
    expect((await state()).state).toBe('JobComplete');
    const info = (await rest(sb, 'GET', `${V}/jobs/ingest/${job.id}`, undefined, auth())).json as { numberRecordsProcessed: number; numberRecordsFailed: number };
    expect(info).toMatchObject({ numberRecordsProcessed: 3, numberRecordsFailed: 1 });
    const ok = (await rest(sb, 'GET', `${V}/jobs/ingest/${job.id}/successfulResults`, undefined, auth())).text;
    expect(ok.split('\n')[0]).toBe('"sf__Id","sf__Created","Id","Title","Phone"');
    expect(ok).toContain(`"${ids[0]}","false"`);
    const failed = (await rest(sb, 'GET', `${V}/jobs/ingest/${job.id}/failedResults`, undefined, auth())).text;
    expect(failed.split('\n')[0]).toBe('"sf__Id","sf__Error","Id","Title","Phone"');
    expect(failed).toContain('INVALID_CROSS_REFERENCE_KEY');
    expect(sb.data.get('Contact', ids[0]!)).toMatchObject({ Title: 'Head of Ops', Phone: null });
    expect(sb.data.get('Contact', ids[1]!)!.Title).toBe('Lead, "Data"');
    expect((await rest(sb, 'DELETE', `${V}/jobs/ingest/${job.id}`, undefined, auth())).status).toBe(204);
  });

  it('ingest through jsforce loadAndWaitForResults; an unknown column fails the job', async () => {
    const conn = connect(sb, '66.0', await freshToken());
    conn.bulk2.pollInterval = 10;
    const res = await conn.bulk2.loadAndWaitForResults({ object: 'Lead', operation: 'insert', input: [{ LastName: 'Bulk', Company: 'Acme' }, { LastName: 'Bulk2' }] });
    expect(res.successfulResults).toHaveLength(1);
    expect(res.failedResults).toHaveLength(1);
    expect(String(res.failedResults[0]!.sf__Error)).toContain('REQUIRED_FIELD_MISSING');
    await expect(conn.bulk2.loadAndWaitForResults({ object: 'Lead', operation: 'insert', input: [{ LastName: 'x', Company: 'y', Bogus__c: 'z' }] })).rejects.toThrow();
  });

  it('query: pages CSV with Sforce-Locator until "null", queryAll adds deleted rows, subqueries are refused', async () => {
    const conn = connect(sb, '66.0', await freshToken());
    conn.bulk2.pollInterval = 10;
    const total = (await conn.query('SELECT COUNT() FROM Case')).totalSize;
    const job = (await rest(sb, 'POST', `${V}/jobs/query`, { operation: 'query', query: 'SELECT Id, Status, Account.Industry FROM Case' }, auth())).json as { id: string; state: string };
    expect(job.state).toBe('UploadComplete');
    // The job runs as time passes (20 ms queue, 200,000 rows/s by default): once that time has gone by, the
    // first status read ever made finds it complete.
    await new Promise((r) => setTimeout(r, 100));
    expect(((await rest(sb, 'GET', `${V}/jobs/query/${job.id}`, undefined, auth())).json as { state: string }).state).toBe('JobComplete');
    expect(sb.calls.filter((c) => c.path === `${V}/jobs/query/${job.id}`)).toHaveLength(1);
    let locator = '';
    let rows = 0;
    let pages = 0;
    do {
      const page = await rest(sb, 'GET', `${V}/jobs/query/${job.id}/results?maxRecords=50${locator ? `&locator=${locator}` : ''}`, undefined, auth());
      expect(page.text.split('\n')[0]).toBe('"Id","Status","Account.Industry"');
      rows += Number(page.headers.get('sforce-numberofrecords'));
      locator = page.headers.get('sforce-locator')!;
      pages++;
    } while (locator !== 'null');
    expect(rows).toBe(total);
    expect(pages).toBe(Math.ceil(total / 50));
    const gone = (await conn.query<{ Id: string }>('SELECT Id FROM Case LIMIT 1')).records[0]!.Id;
    sb.data.delete(gone);
    const all = await (await conn.bulk2.query(`SELECT Id, IsDeleted FROM Case WHERE Id = '${gone}'`, { scanAll: true })).toArray();
    expect(all).toHaveLength(1);
    const sub = await rest(sb, 'POST', `${V}/jobs/query`, { operation: 'query', query: 'SELECT Id, (SELECT Id FROM Cases) FROM Contact' }, auth());
    expect(sub.status).toBe(400);
  });
});

let token: string | null = null;
/** The first test retires the seeded session family; later tests log in with client credentials. */
async function freshToken(): Promise<string> {
  if (!token) {
    const res = await tokenCall(sb.url, { grant_type: 'client_credentials', client_id: sb.oauth.clientId, client_secret: sb.oauth.clientSecret });
    token = ((await res.json()) as { access_token: string }).access_token;
  }
  return token;
}
function auth(): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

describe('Bulk API 2.0 ingest in internal batches, aborted mid-job', () => {
  it('keeps what the processed internal batches wrote, lists the rest as unprocessed', async () => {
    const small = await startSalesforceSandbox({ seed: 9, contacts: 20, now: NOW, bulkIngestBatchSize: 2 });
    try {
      const ids = (await connect(small).query<{ Id: string }>('SELECT Id FROM Contact ORDER BY Id LIMIT 5')).records.map((r) => r.Id);
      const job = (await rest(small, 'POST', `${V}/jobs/ingest`, { object: 'Contact', operation: 'update', contentType: 'CSV', lineEnding: 'LF' })).json as { id: string };
      const csv = `Id,Title\n${ids.map((id, i) => `${id},T${i}`).join('\n')}\n`;
      await fetch(`${small.url}${V}/jobs/ingest/${job.id}/batches`, { method: 'PUT', headers: { authorization: `Bearer ${small.accessToken}`, 'content-type': 'text/csv' }, body: csv });
      // A busy org's queue: the job processes one internal batch of 2, then stays InProgress.
      small.faults.holdIngestJobs(1);
      await rest(small, 'PATCH', `${V}/jobs/ingest/${job.id}`, { state: 'UploadComplete' });
      const read = async () => (await rest(small, 'GET', `${V}/jobs/ingest/${job.id}`)).json as { state: string; numberRecordsProcessed: number };
      await until('the first internal batch', async () => (await read()).numberRecordsProcessed === 2);
      expect(await read()).toMatchObject({ state: 'InProgress', numberRecordsProcessed: 2 });
      const aborted = await rest(small, 'PATCH', `${V}/jobs/ingest/${job.id}`, { state: 'Aborted' });
      expect(aborted.json).toMatchObject({ state: 'Aborted', numberRecordsProcessed: 2 });
      const ok = (await rest(small, 'GET', `${V}/jobs/ingest/${job.id}/successfulResults`)).text;
      expect(ok.trim().split('\n')).toEqual(['"sf__Id","sf__Created","Id","Title"', `"${ids[0]}","false","${ids[0]}","T0"`, `"${ids[1]}","false","${ids[1]}","T1"`]);
      expect((await rest(small, 'GET', `${V}/jobs/ingest/${job.id}/failedResults`)).text.trim()).toBe('"sf__Id","sf__Error","Id","Title"');
      const unprocessed = (await rest(small, 'GET', `${V}/jobs/ingest/${job.id}/unprocessedrecords`)).text.trim().split('\n');
      expect(unprocessed).toEqual(['"Id","Title"', ...ids.slice(2).map((id, i) => `"${id}","T${i + 2}"`)]);
      expect(small.data.get('Contact', ids[1]!)?.Title).toBe('T1');
      expect(small.data.get('Contact', ids[2]!)?.Title).not.toBe('T2');
      // An aborted job is terminal: it can be neither aborted again nor closed.
      expect((await rest(small, 'PATCH', `${V}/jobs/ingest/${job.id}`, { state: 'Aborted' })).status).toBe(409);
    } finally {
      await small.close();
    }
  });
});
