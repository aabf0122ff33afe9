/**
 * Token installations in the store (issue 15), on every backend: source `token`, and removal — the row and
 * the sealed values kept for it go, its mirror, runs and plain settings stay. Plus the SQLite upgrade of a
 * schema-12 file (the installations table is rebuilt to accept the new source).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate, openStore, schemaVersion, type Store } from '../../src/store/index.ts';
import { storeBackends } from './backends.ts';
import { contact } from './fixtures.ts';

const backends = storeBackends();
const ID = 'hubspot:62515';

describe.each(backends)('token installations on $name', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open({ now: () => 5_000 });
  });
  afterEach(async () => await store.close());

  it('stores source token and removes the row with its sealed values, keeping mirror, runs and plain settings', async () => {
    await store.saveInstallation({ id: ID, crm: 'hubspot', externalId: '62515', source: 'token', label: 'Acme', secrets: 'v1.a.b.c' });
    await store.setSetting(ID, 'salesforce-refresh-token', 'sealed:v1.x.y.z');
    await store.setSetting(ID, 'list:vip', '42');
    await store.applyPullBatch(ID, { kind: 'contact', records: [contact('7')], removed: [] });
    const run = await store.startRun({ installation: ID, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 1 });
    await store.finishRun(run, { finishedAt: 2, status: 'succeeded', summary: {} });
    expect(await store.getInstallation(ID)).toMatchObject({ source: 'token', secrets: 'v1.a.b.c' });

    expect(await store.removeInstallation(ID)).toBe(true);
    expect(await store.getInstallation(ID)).toBeUndefined();
    expect(await store.findInstallation('hubspot', '62515')).toBeUndefined();
    expect(await store.hasSealedSecrets()).toBe(false);
    expect(await store.getSetting(ID, 'salesforce-refresh-token')).toBeUndefined();
    expect(await store.getSetting(ID, 'list:vip')).toBe('42');
    expect(await store.getRecord(ID, 'contact', '7')).toEqual(contact('7'));
    expect((await store.getRun(run))?.status).toBe('succeeded');
    expect(await store.removeInstallation(ID)).toBe(false);
    // The portal can be installed again, under the same id.
    await store.saveInstallation({ id: ID, crm: 'hubspot', externalId: '62515', source: 'token', label: 'Acme', secrets: 'v1.d.e.f' });
    expect((await store.findInstallation('hubspot', '62515'))?.id).toBe(ID);
  });

  it('refuses a source it does not know', async () => {
    await expect(store.saveInstallation({ id: ID, crm: 'hubspot', externalId: null, source: 'pasted' as never, label: 'x', secrets: null })).rejects.toThrow(/source/);
  });
});

describe('SQLite upgrade to the token source', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parcours-inst-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps installations, their webhook secrets and the one-installation-per-portal rule', async () => {
    const file = join(dir, 'v12.db');
    const old = new DatabaseSync(file);
    migrate(old, MIGRATIONS.filter((m) => m.version <= 12));
    expect(schemaVersion(old)).toBe(12);
    old.prepare(`INSERT INTO installations (id, crm, external_id, source, label, secrets, created_at, updated_at, webhook_secret) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run('salesforce:00D000000000001AAA', 'salesforce', '00D000000000001AAA', 'oauth', 'Org', 'v1.s.e.c', 10, 20, 'w'.repeat(43));
    expect(() => old.prepare(`INSERT INTO installations (id, crm, external_id, source, label, created_at, updated_at) VALUES ('x', 'hubspot', NULL, 'token', 'X', 1, 1)`).run()).toThrow(/CHECK/);
    old.close();

    const store = openStore(file);
    try {
      expect(await store.getInstallation('salesforce:00D000000000001AAA')).toEqual({
        id: 'salesforce:00D000000000001AAA', crm: 'salesforce', externalId: '00D000000000001AAA', source: 'oauth', label: 'Org', secrets: 'v1.s.e.c', webhookSecret: 'w'.repeat(43), createdAt: 10, updatedAt: 20,
      });
      expect((await store.installationsWithWebhookSecret('salesforce')).map((r) => r.id)).toEqual(['salesforce:00D000000000001AAA']);
      await store.saveInstallation({ id: 'hubspot:1', crm: 'hubspot', externalId: '1', source: 'token', label: 'T', secrets: 'v1.t' });
      await expect(store.saveInstallation({ id: 'salesforce:other', crm: 'salesforce', externalId: '00D000000000001AAA', source: 'token', label: 'Y', secrets: null })).rejects.toThrow(/already installation/);
    } finally {
      await store.close();
    }
  });
});
