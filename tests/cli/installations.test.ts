/**
 * `parcours installations add|list|remove` (issue 15), the real CLI in-process against the sandbox CRMs:
 * secrets read from the named environment variables only and never printed; an installation added by the
 * CLI is synced by the service and reachable by `--installation`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { SANDBOX_HUB_ID } from '../../sandbox/hubspot/auth.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { startServer } from '../../src/server/index.ts';
import { existsSync } from 'node:fs';
import { openStoreFor } from '../../src/store/open.ts';
import { tempDb } from '../e2e/cli.ts';
import { POSTGRES_URL, postgresBackend } from '../store/backends.ts';
import { ADMIN_TOKEN, SECRET_KEY, admin, capturingLogger } from '../server/harness.ts';
import { runCli } from './in-process.ts';

const HS_TOKEN = 'test-hubspot-token-installations-cli';
const postgres = POSTGRES_URL ? postgresBackend(POSTGRES_URL) : null;

describe('parcours installations', () => {
  let hs: HubspotSandbox;
  let sf: SalesforceSandbox;
  beforeAll(async () => {
    hs = await startHubspotSandbox({ port: 0, seed: 21, contacts: 20, accessToken: HS_TOKEN });
    sf = await startSalesforceSandbox({ port: 0, seed: 21, contacts: 20 });
  });
  afterAll(async () => await Promise.all([hs?.close(), sf?.close()]));

  const base = (db: string) => ({ PARCOURS_DB: db, PARCOURS_SECRET_KEY: SECRET_KEY, HUBSPOT_BASE_URL: hs.url, SALESFORCE_LOGIN_URL: sf.url });

  it('adds a HubSpot portal and a Salesforce org, lists them, removes one; never prints a secret', async () => {
    const db = tempDb();
    const env = { ...base(db), ACME_HS: HS_TOKEN, ACME_SF_SECRET: sf.oauth.clientSecret, ACME_SF_REFRESH: sf.oauth.refreshToken };
    const outputs: string[] = [];
    const run = async (args: string[], e: Record<string, string> = env) => {
      const r = await runCli(args, e);
      outputs.push(r.stdout, r.stderr);
      return r;
    };

    const hub = await run(['installations', 'add', '--crm', 'hubspot', '--token-env', 'ACME_HS', '--label', 'Acme']);
    expect(hub.stderr).toBe('');
    expect(hub.code).toBe(0);
    expect(hub.stdout).toContain(`added installation hubspot:${SANDBOX_HUB_ID} (Acme)`);

    const org = await run(['installations', 'add', '--crm', 'salesforce', '--login-url', sf.url, '--client-id', sf.oauth.clientId, '--client-secret-env', 'ACME_SF_SECRET', '--refresh-token-env', 'ACME_SF_REFRESH', '--json']);
    expect(org.code).toBe(0);
    const added = JSON.parse(org.stdout) as { id: string; externalId: string; created: boolean };
    expect(added).toMatchObject({ crm: 'salesforce', created: true });
    expect(added.id).toBe(`salesforce:${added.externalId}`);

    // The same portal again: its token replaced, same id.
    const again = await run(['installations', 'add', '--crm', 'hubspot', '--token-env', 'ACME_HS']);
    expect(again.stdout).toContain(`credentials replaced for installation hubspot:${SANDBOX_HUB_ID} (Acme)`);

    const list = await run(['installations', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^hubspot:${SANDBOX_HUB_ID}  hubspot  ${SANDBOX_HUB_ID}  token  \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  Acme$`, 'm'));
    expect(list.stdout).toContain(`${added.id}  salesforce  ${added.externalId}  token  `);
    const json = JSON.parse((await run(['installations', 'list', '--json'])).stdout) as Array<Record<string, unknown>>;
    expect(json.map((i) => [i.id, i.source, i.credentialsStored])).toEqual([[`hubspot:${SANDBOX_HUB_ID}`, 'token', true], [added.id, 'token', true]]);

    // Outbound-message URL of the org added here (`--installation`).
    const url = await run(['webhooks', 'url', '--crm', 'salesforce', '--installation', added.id], { ...env, PARCOURS_PUBLIC_URL: 'https://parcours.example.com' });
    expect(url.code).toBe(0);
    expect(url.stdout).toMatch(/^https:\/\/parcours\.example\.com\/webhooks\/salesforce\/[A-Za-z0-9_-]{43}$/);

    const removed = await run(['installations', 'remove', added.id]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(`removed installation ${added.id}`);
    expect((JSON.parse((await run(['installations', 'list', '--json'])).stdout) as unknown[]).length).toBe(1);
    const gone = await run(['installations', 'remove', added.id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`error [NOT_FOUND]: no installation ${added.id}`);

    for (const s of [HS_TOKEN, sf.oauth.clientSecret, sf.oauth.refreshToken]) for (const o of outputs) expect(o).not.toContain(s);
  });

  it('refuses a missing variable, a secret in place of a variable name, options of the other CRM, and refused credentials', async () => {
    const db = tempDb();
    const unset = await runCli(['installations', 'add', '--crm', 'hubspot', '--token-env', 'NOT_SET_ANYWHERE'], base(db));
    expect(unset.code).toBe(1);
    expect(unset.stderr).toBe('error [INPUT_INVALID]: --token-env NOT_SET_ANYWHERE: that environment variable is not set or empty');
    const pasted = await runCli(['installations', 'add', '--crm', 'hubspot', '--token-env', HS_TOKEN], base(db));
    expect(pasted.code).toBe(1);
    expect(pasted.stderr).toContain('--token-env: the value given is not an environment variable name');
    expect(pasted.stderr).not.toContain(HS_TOKEN);
    const mixed = await runCli(['installations', 'add', '--crm', 'hubspot', '--token-env', 'T', '--client-id', 'x'], { ...base(db), T: HS_TOKEN });
    expect(mixed.stderr).toBe('error [INPUT_INVALID]: --client-id: not for --crm hubspot');
    const refused = await runCli(['installations', 'add', '--crm', 'hubspot', '--token-env', 'T'], { ...base(db), T: 'pat-na1-wrong' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error [CREDENTIALS_REJECTED]: HubSpot answered 401 INVALID_AUTHENTICATION to the token check');
    const noKey = await runCli(['installations', 'add', '--crm', 'hubspot', '--token-env', 'T'], { PARCOURS_DB: db, HUBSPOT_BASE_URL: hs.url, T: HS_TOKEN });
    expect(noKey.stderr).toContain('set PARCOURS_SECRET_KEY');
    expect((await runCli(['installations', 'list'], base(db))).stdout).toContain('no installations yet');
    const env = await runCli(['installations', 'remove', 'hubspot:default'], base(db));
    expect(env.stderr).toBe('error [NOT_FOUND]: no installation hubspot:default');
  });

  it('an installation added by the CLI is synced by the service', async () => {
    const db = tempDb();
    const added = await runCli(['installations', 'add', '--crm', 'hubspot', '--token-env', 'T', '--json'], { ...base(db), T: HS_TOKEN });
    expect(added.code).toBe(0);
    const { id } = JSON.parse(added.stdout) as { id: string };
    const logs = capturingLogger();
    // No CRM credentials in the service's environment: only the stored installation.
    const srv = await startServer({ port: 0, schedule: false, log: logs.log, env: { PARCOURS_DB: db, PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_SECRET_KEY: SECRET_KEY, HUBSPOT_BASE_URL: hs.url } });
    try {
      const res = await admin(srv.url, `/api/installations/${encodeURIComponent(id)}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'full', wait: true }) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { status: string }).status).toBe('succeeded');
      expect((await srv.store.countRecords(id)).contacts).toBeGreaterThan(0);
    } finally {
      await srv.close();
    }
    expect(logs.lines.join('')).not.toContain(HS_TOKEN);
  });

  it.skipIf(!postgres)('works on a PostgreSQL store (PARCOURS_DATABASE_URL), never touching the SQLite file', async () => {
    const sqliteFile = tempDb();
    const env = { ...base(sqliteFile), PARCOURS_DATABASE_URL: await postgres!.location(), T: HS_TOKEN };
    const added = await runCli(['installations', 'add', '--crm', 'hubspot', '--token-env', 'T', '--json'], env);
    expect(added.stderr).toBe('');
    const { id } = JSON.parse(added.stdout) as { id: string };
    expect((JSON.parse((await runCli(['installations', 'list', '--json'], env)).stdout) as Array<{ id: string; source: string }>).map((i) => `${i.id} ${i.source}`)).toEqual([`${id} token`]);
    const store = await openStoreFor({ PARCOURS_DB: sqliteFile, PARCOURS_DATABASE_URL: env.PARCOURS_DATABASE_URL });
    try {
      expect((await store.getInstallation(id))?.secrets).not.toContain(HS_TOKEN);
    } finally {
      await store.close();
    }
    expect((await runCli(['installations', 'remove', id], env)).code).toBe(0);
    expect((await runCli(['installations', 'list', '--json'], env)).stdout.trim()).toBe('[]');
    expect(existsSync(sqliteFile)).toBe(false);
  });
});
