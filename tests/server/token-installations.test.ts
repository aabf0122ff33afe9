/**
 * `POST|DELETE /api/installations` against the sandbox CRMs (issue 15): a HubSpot portal and a Salesforce org
 * added with their credentials, synced on demand, added again, removed; bad credentials answered 422 with
 * nothing stored; the credentials never in a response, a log line or the store file's plaintext.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { SANDBOX_HUB_ID } from '../../sandbox/hubspot/auth.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { startServer, type ParcoursServer } from '../../src/server/index.ts';
import { ADMIN_TOKEN, SECRET_KEY, admin, capturingLogger, tempDb } from './harness.ts';

const HS_TOKEN = 'test-hubspot-token-installation-api';

describe('token installations through the admin API, against the sandbox CRMs', () => {
  let hs: HubspotSandbox;
  let sf: SalesforceSandbox;
  let srv: ParcoursServer;
  let db: string;
  const logs = capturingLogger();
  const responses: string[] = [];
  const secrets = () => [HS_TOKEN, sf.oauth.clientSecret, sf.oauth.refreshToken];

  async function call(path: string, init: RequestInit = {}, token?: string): Promise<{ status: number; text: string; json: any }> {
    const res = await admin(srv.url, path, init, token);
    const text = await res.text();
    responses.push(text);
    return { status: res.status, text, json: text ? JSON.parse(text) : null };
  }
  const post = (path: string, body: unknown, token?: string) => call(path, { method: 'POST', body: JSON.stringify(body) }, token);

  beforeAll(async () => {
    hs = await startHubspotSandbox({ port: 0, seed: 15, contacts: 30, accessToken: HS_TOKEN });
    sf = await startSalesforceSandbox({ port: 0, seed: 15, contacts: 30, rotateRefreshTokens: true });
    db = tempDb();
    // No CRM credentials in the environment: every installation here is added through the API.
    srv = await startServer({
      port: 0,
      schedule: false,
      log: logs.log,
      env: { PARCOURS_DB: db, PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_SECRET_KEY: SECRET_KEY, HUBSPOT_BASE_URL: hs.url, SALESFORCE_LOGIN_URL: sf.url, PARCOURS_LOG_LEVEL: 'debug' },
    });
  });
  afterAll(async () => {
    await srv?.close();
    await Promise.all([hs?.close(), sf?.close()]);
  });

  it('needs the admin token', async () => {
    expect((await post('/api/installations', { crm: 'hubspot', accessToken: HS_TOKEN }, '')).status).toBe(401);
    expect((await call('/api/installations/hubspot:1', { method: 'DELETE' }, 'wrong-admin-token-0123456789abcdef')).status).toBe(401);
  });

  it('answers 422 to a token HubSpot refuses, and stores nothing', async () => {
    const before = hs.calls.length;
    const r = await post('/api/installations', { crm: 'hubspot', accessToken: 'pat-na1-not-a-real-token' });
    expect(r.status).toBe(422);
    expect(r.json).toEqual({ error: { code: 'CREDENTIALS_REJECTED', message: 'HubSpot answered 401 INVALID_AUTHENTICATION to the token check (GET /account-info/v3/details): the token is wrong, revoked or rotated; nothing was stored' } });
    expect(r.text).not.toContain('pat-na1-not-a-real-token');
    expect(hs.calls.slice(before).map((c) => `${c.endpoint} ${c.status}`)).toEqual(['GET /account-info/v3/details 401']);
    expect((await call('/api/installations')).json).toEqual([]);
  });

  it('answers 400 to a malformed body, naming the field', async () => {
    const r = await post('/api/installations', { crm: 'salesforce', loginUrl: 'https://login.salesforce.com', clientId: 'x' });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('INPUT_INVALID');
    expect(r.json.error.message).toMatch(/clientSecret/);
    expect(r.json.error.message).toMatch(/refreshToken/);
    const offHost = await post('/api/installations', { crm: 'salesforce', loginUrl: 'https://login.example.com', clientId: 'x', clientSecret: 'y', refreshToken: 'z' });
    expect(offHost.status).toBe(400);
    expect(offHost.json.error.message).toMatch(/loginUrl must be https on a Salesforce host/);
  });

  it('adds a HubSpot portal with one check call, then syncs it on demand', async () => {
    const before = hs.calls.length;
    const r = await post('/api/installations', { crm: 'hubspot', accessToken: HS_TOKEN });
    expect(r.status).toBe(201);
    const id = `hubspot:${SANDBOX_HUB_ID}`;
    expect(r.json).toEqual({ id, crm: 'hubspot', externalId: String(SANDBOX_HUB_ID), label: `HubSpot portal ${SANDBOX_HUB_ID}`, created: true });
    expect(hs.calls[before]?.endpoint).toBe('GET /account-info/v3/details');

    const sync = await post(`/api/installations/${encodeURIComponent(id)}/sync`, { mode: 'incremental', wait: true });
    expect(sync.status).toBe(200);
    expect(sync.json.status).toBe('succeeded');
    await srv.idle();
    const listed = (await call('/api/installations')).json as Array<{ id: string; source: string; tokensStored: boolean; lastRun: { status: string } | null }>;
    expect(listed).toEqual([expect.objectContaining({ id, source: 'token', tokensStored: true, lastRun: expect.objectContaining({ status: 'succeeded' }) })]);
    // The first full sync queued at the add, then the incremental one asked for: both succeeded.
    const runs = (await call(`/api/runs?installation=${encodeURIComponent(id)}`)).json as Array<{ status: string; mode: string }>;
    expect(runs.map((run) => `${run.mode} ${run.status}`).sort()).toEqual(['full succeeded', 'incremental succeeded']);
    expect((await srv.store.countRecords(id)).contacts).toBeGreaterThan(0);
  });

  it('adding the same portal again replaces its token under the same id (200)', async () => {
    const r = await post('/api/installations', { crm: 'hubspot', accessToken: HS_TOKEN, label: 'Acme (HubSpot)' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: `hubspot:${SANDBOX_HUB_ID}`, created: false, label: 'Acme (HubSpot)' });
  });

  it('adds a Salesforce org through the refresh-token grant (rotated token kept) and syncs it', async () => {
    const bad = await post('/api/installations', { crm: 'salesforce', loginUrl: sf.url, clientId: sf.oauth.clientId, clientSecret: sf.oauth.clientSecret, refreshToken: 'not-the-refresh-token' });
    expect(bad.status).toBe(422);
    expect(bad.json.error.message).toMatch(/^Salesforce answered 400 invalid_grant to the refresh-token grant at /);

    const r = await post('/api/installations', { crm: 'salesforce', loginUrl: sf.url, clientId: sf.oauth.clientId, clientSecret: sf.oauth.clientSecret, refreshToken: sf.oauth.refreshToken });
    expect(r.status).toBe(201);
    expect(r.json.id).toMatch(/^salesforce:00D[A-Za-z0-9]{15}$/);
    const sync = await post(`/api/installations/${encodeURIComponent(r.json.id)}/sync`, { mode: 'full', wait: true });
    expect(sync.json.status).toBe('succeeded');
    await srv.idle();
    const detail = (await call(`/api/installations/${encodeURIComponent(r.json.id)}`)).json;
    expect(detail).toMatchObject({ source: 'token', externalId: r.json.externalId });
    expect(detail.webhook.salesforceUrl).toMatch(/\/webhooks\/salesforce\/[A-Za-z0-9_-]{43}$/);
  });

  it('removes an installation (204), then knows it no more (404)', async () => {
    const id = encodeURIComponent(`hubspot:${SANDBOX_HUB_ID}`);
    const del = await call(`/api/installations/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await call(`/api/installations/${id}`)).status).toBe(404);
    const again = await call(`/api/installations/${id}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(again.json).toEqual({ error: { code: 'NOT_FOUND', message: `no installation hubspot:${SANDBOX_HUB_ID}` } });
    expect((await post(`/api/installations/${id}/sync`, { wait: true })).status).toBe(404);
    // The mirror stays (documented): the portal added again resumes with it.
    expect((await srv.store.countRecords(`hubspot:${SANDBOX_HUB_ID}`)).contacts).toBeGreaterThan(0);
  });

  it('never shows the credentials: not in responses, not in the log, not in the store file', async () => {
    expect(responses.length).toBeGreaterThan(10);
    expect(logs.lines.length).toBeGreaterThan(0);
    const stored = readdirSync(dirname(db)).map((f) => readFileSync(`${dirname(db)}/${f}`).toString('latin1')).join('');
    expect(stored).toContain('salesforce:00D'); // the rows are in what was read
    for (const s of secrets()) {
      for (const text of responses) expect(text).not.toContain(s);
      for (const line of logs.lines) expect(line).not.toContain(s);
      expect(stored).not.toContain(s);
    }
  });
});
