/**
 * Adding and removing token installations (src/sync/installation-admin.ts) with nock at the HTTP boundary:
 * one documented check call each, the documented error bodies, nothing stored on refusal, credentials
 * sealed (never in the store file's plaintext, never in an error).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParcoursError } from '../../src/errors.ts';
import { createSecretBox } from '../../src/secret-box.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { addTokenInstallation, checkLoginUrl, openTokenSecrets, removeInstallation, type InstallationAdminDeps } from '../../src/sync/installation-admin.ts';

const SECRET_KEY = 'bWzi5wEOuCgYtKT71d7G/FTB4jy0itQywmGMDlwP6LU=';
const box = createSecretBox(SECRET_KEY);
const HS = 'https://api.hubapi.com';
const SF_LOGIN = 'https://login.salesforce.com';
const TOKEN = 'test-hubspot-token-installation-admin';
const OTHER_TOKEN = 'test-hubspot-token-rotated';
const CLIENT_SECRET = 'B2C1D0E9F8A7B6C5D4E3F2A1B0C9D8E7F6A5B4C3D2E1F0A9B8C7D6E5F4A3B2C1';
const REFRESH = '5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJrj1LNpvCZTl5iWxvLeCpTM0xHwKv0mKsDhEn7Ht4WDt4kGWJA';
const ROTATED = '5Aep861TSESvWeug_rotatedrotatedrotatedrotatedrotated0xHwKv0mKsDhEn7Ht4WDt4kGWJA';
const CLIENT_ID = '3MVG9PwZx9R6_UrcZ2AZq7dPZDs2tY0J5WsZ3Ux7YcSHkS0dq1y8FjA1bCDEF';
const ORG = '00D5g000004abcdEAA';

/** https://developers.hubspot.com/docs/api-reference/legacy/account/account-information/get-account-details */
const ACCOUNT_DETAILS = { portalId: 62515, accountType: 'STANDARD', timeZone: 'US/Eastern', companyCurrency: 'USD', additionalCurrencies: [], utcOffset: '-05:00', utcOffsetMilliseconds: -18000000, uiDomain: 'app.hubspot.com', dataHostingLocation: 'na1' };
/** The 401 HubSpot sends for an unknown token (https://github.com/HubSpot/hubspot-api-nodejs/issues/432). */
const HS_401 = { status: 'error', message: 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview', correlationId: '4a7e3a4f-0b8e-4b8c-9f4c-1c2d3e4f5a6b', category: 'INVALID_AUTHENTICATION' };
/** Refresh-token grant answer (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm). */
function grant(extra: Record<string, string> = {}) {
  return { access_token: 'test-salesforce-access-token', signature: 'test-signature', scope: 'refresh_token api', instance_url: 'https://acme.my.salesforce.com', id: `${SF_LOGIN}/id/${ORG}/0055g00000ABCDEAA4`, token_type: 'Bearer', issued_at: '1767225600000', ...extra };
}

const dir = mkdtempSync(join(tmpdir(), 'parcours-admin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
let store: Store;
let file: string;
let deps: InstallationAdminDeps;

beforeEach(() => {
  nock.disableNetConnect();
  file = join(dir, `store-${++n}.db`);
  store = openStore(file);
  deps = { store, box, hubspotBaseUrl: HS, configuredLoginUrls: [SF_LOGIN, 'https://test.salesforce.com'] };
});
afterEach(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await store.close();
});

async function failure(p: Promise<unknown>): Promise<ParcoursError> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ParcoursError);
  return error as ParcoursError;
}

/** Every byte SQLite wrote for this store (file and WAL), as text. */
function storeBytes(): string {
  return readdirSync(dir).filter((f) => f === file.split('/').at(-1) || f.startsWith(`${file.split('/').at(-1)}-`)).map((f) => readFileSync(join(dir, f)).toString('latin1')).join('');
}

describe('HubSpot token', () => {
  it('checks the token with one account-details call, then stores hubspot:<portal> sealed', async () => {
    const api = nock(HS).get('/account-info/v3/details').matchHeader('authorization', `Bearer ${TOKEN}`).reply(200, ACCOUNT_DETAILS);
    const added = await addTokenInstallation(deps, { crm: 'hubspot', accessToken: TOKEN });
    expect(added).toEqual({ id: 'hubspot:62515', crm: 'hubspot', externalId: '62515', label: 'HubSpot portal 62515', created: true });
    expect(api.isDone()).toBe(true);
    const row = await store.getInstallation('hubspot:62515');
    expect(row).toMatchObject({ source: 'token', externalId: '62515' });
    expect(row?.secrets).not.toContain(TOKEN);
    expect(openTokenSecrets(box, row!)).toEqual({ crm: 'hubspot', kind: 'token', accessToken: TOKEN });
    expect(JSON.stringify(added)).not.toContain(TOKEN);
    await store.close();
    const bytes = storeBytes();
    expect(bytes).toContain('hubspot:62515'); // the row is in the bytes read; its token is not
    expect(bytes).not.toContain(TOKEN);
    store = openStore(file);
  });

  it('answers a 401 with CREDENTIALS_REJECTED naming the check, and stores nothing', async () => {
    const api = nock(HS).get('/account-info/v3/details').reply(401, HS_401);
    const error = await failure(addTokenInstallation(deps, { crm: 'hubspot', accessToken: TOKEN }));
    expect(error.code).toBe('CREDENTIALS_REJECTED');
    expect(error.message).toBe('HubSpot answered 401 INVALID_AUTHENTICATION to the token check (GET /account-info/v3/details): the token is wrong, revoked or rotated; nothing was stored');
    expect(JSON.stringify({ m: error.message, c: error.context })).not.toContain(TOKEN);
    expect(api.isDone()).toBe(true);
    expect(await store.listInstallations()).toEqual([]);
  });

  it('replaces the token when the same portal is added again (same id), and refuses a portal installed through OAuth', async () => {
    nock(HS).get('/account-info/v3/details').reply(200, ACCOUNT_DETAILS);
    await addTokenInstallation(deps, { crm: 'hubspot', accessToken: TOKEN, label: 'Acme' });
    const first = await store.getInstallation('hubspot:62515');
    nock(HS).get('/account-info/v3/details').matchHeader('authorization', `Bearer ${OTHER_TOKEN}`).reply(200, ACCOUNT_DETAILS);
    const again = await addTokenInstallation(deps, { crm: 'hubspot', accessToken: OTHER_TOKEN });
    expect(again).toMatchObject({ id: 'hubspot:62515', created: false, label: 'Acme' });
    const row = await store.getInstallation('hubspot:62515');
    expect(openTokenSecrets(box, row!)).toMatchObject({ accessToken: OTHER_TOKEN });
    expect(row?.createdAt).toBe(first?.createdAt);

    await store.saveInstallation({ id: 'hubspot:777', crm: 'hubspot', externalId: '777', source: 'oauth', label: 'OAuth portal', secrets: null });
    nock(HS).get('/account-info/v3/details').reply(200, { ...ACCOUNT_DETAILS, portalId: 777 });
    const held = await failure(addTokenInstallation(deps, { crm: 'hubspot', accessToken: TOKEN }));
    expect(held.code).toBe('CONFIG_INVALID');
    expect(held.message).toBe('HubSpot portal 777 is already installation hubspot:777 (through OAuth); remove that one first to manage it with a token');
    expect((await store.getInstallation('hubspot:777'))?.source).toBe('oauth');
  });

  it('refuses bad input and a missing key before any call', async () => {
    const bad = await failure(addTokenInstallation(deps, { crm: 'hubspot', accessToken: `${TOKEN}\n`, extra: 1 }));
    expect(bad.code).toBe('INPUT_INVALID');
    expect(bad.message).toMatch(/accessToken contains blanks/);
    expect(bad.message).toMatch(/extra/);
    expect(bad.message).not.toContain(TOKEN);
    const unknown = await failure(addTokenInstallation(deps, { crm: 'pipedrive', accessToken: TOKEN }));
    expect(unknown.code).toBe('INPUT_INVALID');
    const noKey = await failure(addTokenInstallation({ ...deps, box: null }, { crm: 'hubspot', accessToken: TOKEN }));
    expect(noKey.code).toBe('CONFIG_INVALID');
    expect(noKey.message).toMatch(/PARCOURS_SECRET_KEY/);
    expect(await store.listInstallations()).toEqual([]);
  });
});

describe('Salesforce connected app', () => {
  const input = { crm: 'salesforce', loginUrl: SF_LOGIN, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: REFRESH } as const;

  it('checks with the refresh-token grant, stores salesforce:<org> with the rotated refresh token and a webhook secret', async () => {
    const login = nock(SF_LOGIN)
      .post('/services/oauth2/token', { grant_type: 'refresh_token', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, refresh_token: REFRESH })
      .reply(200, grant({ refresh_token: ROTATED }));
    const added = await addTokenInstallation(deps, input);
    expect(added).toEqual({ id: `salesforce:${ORG}`, crm: 'salesforce', externalId: ORG, label: `Salesforce org ${ORG}`, created: true });
    expect(login.isDone()).toBe(true);
    const row = await store.getInstallation(`salesforce:${ORG}`);
    expect(row?.webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(openTokenSecrets(box, row!)).toEqual({ crm: 'salesforce', kind: 'token', loginUrl: SF_LOGIN, instanceUrl: 'https://acme.my.salesforce.com', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: ROTATED });
    await store.close();
    const bytes = storeBytes();
    expect(bytes).toContain(`salesforce:${ORG}`);
    for (const s of [CLIENT_SECRET, REFRESH, ROTATED]) expect(bytes).not.toContain(s);
    store = openStore(file);
  });

  it('keeps the given refresh token when the grant returns none (no rotation)', async () => {
    nock(SF_LOGIN).post('/services/oauth2/token').reply(200, grant());
    await addTokenInstallation(deps, input);
    expect(openTokenSecrets(box, (await store.getInstallation(`salesforce:${ORG}`))!)).toMatchObject({ refreshToken: REFRESH });
  });

  it('answers invalid_grant with CREDENTIALS_REJECTED naming Salesforce\'s error, and stores nothing', async () => {
    nock(SF_LOGIN).post('/services/oauth2/token').reply(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
    const error = await failure(addTokenInstallation(deps, input));
    expect(error.code).toBe('CREDENTIALS_REJECTED');
    expect(error.message).toBe('Salesforce answered 400 invalid_grant to the refresh-token grant at https://login.salesforce.com (expired access/refresh token): the refresh token is wrong, expired or revoked, or was issued to another connected app or login host; nothing was stored');
    expect(await store.listInstallations()).toEqual([]);
  });

  it('never repeats a given secret that Salesforce\'s description would carry', async () => {
    nock(SF_LOGIN).post('/services/oauth2/token').reply(400, { error: 'invalid_client', error_description: `bad secret ${CLIENT_SECRET}` });
    const error = await failure(addTokenInstallation(deps, input));
    expect(error.message).toContain('invalid_client');
    expect(error.message).not.toContain(CLIENT_SECRET);
  });

  it('refuses a login URL off Salesforce\'s hosts before any call, and a token response pointing elsewhere', async () => {
    for (const loginUrl of ['http://login.salesforce.com', 'https://login.salesforce.com.evil.example', 'https://login.salesforce.com/services', 'https://user:pw@login.salesforce.com', 'https://login.salesforce.com:8443', 'not a url']) {
      const error = await failure(addTokenInstallation(deps, { ...input, loginUrl }));
      expect(error.code, loginUrl).toBe('INPUT_INVALID');
      expect(error.context.field).toBe('loginUrl');
    }
    expect(checkLoginUrl('https://acme.my.salesforce.com/', [])).toBe('https://acme.my.salesforce.com');
    // The operator's own login URL (a local sandbox) is trusted as configured.
    expect(checkLoginUrl('http://127.0.0.1:4242', ['http://127.0.0.1:4242'])).toBe('http://127.0.0.1:4242');
    expect(() => checkLoginUrl('http://127.0.0.1:4242', [SF_LOGIN])).toThrow(/Salesforce host/);

    nock(SF_LOGIN).post('/services/oauth2/token').reply(200, grant({ instance_url: 'https://attacker.example' }));
    const untrusted = await failure(addTokenInstallation(deps, input));
    expect(untrusted.code).toBe('CRM_ERROR');
    expect(untrusted.message).toMatch(/untrusted instance_url/);
    expect(await store.listInstallations()).toEqual([]);
  });

  it('says the login host failed (not the credentials) on a 5xx', async () => {
    nock(SF_LOGIN).post('/services/oauth2/token').reply(503, 'Service Unavailable');
    const error = await failure(addTokenInstallation(deps, input));
    expect(error.code).toBe('CRM_UNAVAILABLE');
    expect(error.message).toMatch(/answered 503/);
  });
});

describe('removal', () => {
  it('removes token and OAuth installations; refuses environment ones, linked ones and unknown ids', async () => {
    await store.saveInstallation({ id: 'hubspot:62515', crm: 'hubspot', externalId: '62515', source: 'token', label: 'A', secrets: box.seal('{}', 'hubspot:62515') });
    await store.saveInstallation({ id: 'hubspot:default', crm: 'hubspot', externalId: null, source: 'env', label: 'Env', secrets: null });
    await store.saveInstallation({ id: 'salesforce:default', crm: 'salesforce', externalId: null, source: 'env', label: 'Env', secrets: null });
    await store.saveInstallation({ id: `salesforce:${ORG}`, crm: 'salesforce', externalId: ORG, source: 'token', label: 'B', secrets: null });
    await store.saveLink({ id: 'pair', hubspot: 'hubspot:default', salesforce: `salesforce:${ORG}`, source: 'admin', label: 'pair' });

    expect((await removeInstallation(store, 'hubspot:62515')).id).toBe('hubspot:62515');
    expect(await store.getInstallation('hubspot:62515')).toBeUndefined();
    expect((await failure(removeInstallation(store, 'hubspot:62515'))).code).toBe('NOT_FOUND');
    const env = await failure(removeInstallation(store, 'hubspot:default'));
    expect(env.code).toBe('CONFIG_INVALID');
    expect(env.message).toMatch(/comes from the environment: unset HUBSPOT_ACCESS_TOKEN/);
    const linked = await failure(removeInstallation(store, `salesforce:${ORG}`));
    expect(linked.message).toBe(`installation salesforce:${ORG} is in link pair: remove the link first (parcours links remove pair, or DELETE /api/links/pair)`);
    expect(await store.getInstallation(`salesforce:${ORG}`)).toBeDefined();
  });
});
