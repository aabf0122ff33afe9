/**
 * Issue 15: token refresh is single-flight per installation across processes. Two connectors of one Salesforce
 * org — as two workers hold them — share its tokens through one PostgreSQL store under an advisory lock
 * (`withRefreshLock`). The org rotates refresh tokens and, as Salesforce does, revokes the whole token family when
 * a spent refresh token is used again: the lock is what keeps the second worker from doing that.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { readEnv } from '../../src/config.ts';
import type { RecordRef } from '../../src/model.ts';
import { withRefreshLock } from '../../src/server/installation-lock.ts';
import type { Store } from '../../src/store/index.ts';
import { connect, type RefreshLock } from '../../src/sync/connect.ts';
import { salesforceEnv } from '../e2e/cli.ts';
import { SECRET_KEY } from '../server/harness.ts';
import { clusterDatabase, openStoreAt, POSTGRES_URL, SKIPPED } from './cluster.ts';

const database = clusterDatabase();

describe.skipIf(!POSTGRES_URL)(`Salesforce token refresh shared by two workers${SKIPPED}`, { timeout: 60_000 }, () => {
  let sb: SalesforceSandbox;
  let url: string;
  let pool: pg.Pool;
  let store: Store;
  let ref: RecordRef;
  beforeAll(async () => {
    sb = await startSalesforceSandbox({ port: 0, seed: 7, contacts: 5, rotateRefreshTokens: true, seedTouchpoints: false });
    url = await database();
    pool = new pg.Pool({ connectionString: url, max: 4 });
    store = await openStoreAt(url);
    ref = { kind: 'contact', objectType: 'Contact', id: String(sb.data.query('SELECT Id FROM Contact')[0]?.Id) };
  });
  afterAll(async () => {
    await store?.close();
    await pool?.end();
    await sb?.close();
  });

  const env = () => readEnv({ PARCOURS_DB: ':memory:', ...salesforceEnv(sb), PARCOURS_SECRET_KEY: SECRET_KEY });
  const grants = (): number => sb.calls.filter((c) => c.path === '/services/oauth2/token').length;
  const lock: RefreshLock = (id, fn) => withRefreshLock(pool, id, fn);

  it('refreshes once for both workers, the other adopts the token, and a rotated refresh token is never lost', async () => {
    const installation = 'salesforce:shared';
    const workers = [await connect('salesforce', { env: env(), store, installation, refreshLock: lock }), await connect('salesforce', { env: env(), store, installation, refreshLock: lock })];
    const before = grants();
    // Both start without an access token and call at once: one grant, the other worker adopts its token.
    await Promise.all(workers.map((w) => w.readCurrent([ref], ['Email'])));
    expect(grants() - before).toBe(1);
    const first = await store.getSetting(installation, 'salesforce-refresh-token');
    expect(first).toMatch(/^sealed:/);

    // Both sessions expire: again one grant (with the rotated token), again both go on.
    sb.faults.expireSessions();
    await Promise.all(workers.map((w) => w.readCurrent([ref], ['Email'])));
    expect(grants() - before).toBe(2);
    const second = await store.getSetting(installation, 'salesforce-refresh-token');
    expect(second).not.toBe(first);

    // A third worker, started later, takes the stored tokens over: no grant, and no spent token used.
    const late = await connect('salesforce', { env: env(), store, installation, refreshLock: lock });
    await late.readCurrent([ref], ['Email']);
    expect(grants() - before).toBe(2);
  });

  it('without the shared lock, the second worker reuses the spent refresh token and the org revokes them all', async () => {
    const installation = 'salesforce:unshared';
    // Each worker reads the refresh token stored when it started, as before issue 15.
    const workers = [await connect('salesforce', { env: env(), store, installation }), await connect('salesforce', { env: env(), store, installation })];
    const results = await Promise.allSettled(workers.map((w) => w.readCurrent([ref], ['Email'])));
    expect(results.map((r) => r.status)).toContain('rejected');
  });
});
