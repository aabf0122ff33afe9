import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParcoursError } from '../../src/errors.ts';
import { MIGRATIONS, migrate, openStore, schemaVersion } from '../../src/store/index.ts';
import { contact, INST } from './fixtures.ts';

const LATEST = MIGRATIONS.at(-1)!.version;

function tables(db: DatabaseSync): string[] {
  return db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map((r) => String(r['name']));
}

describe('schema migrations', () => {
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parcours-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('numbers migrations 1..n', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('creates every table on a fresh file and records the version', async () => {
    const file = join(dir, 'fresh.db');
    await openStore(file).close();
    const db = new DatabaseSync(file);
    expect(schemaVersion(db)).toBe(LATEST);
    expect(tables(db)).toEqual(
      [
        'audit', 'cursors', 'failure_log', 'failures', 'installations', 'link_conflicts', 'link_matches', 'links', 'mirror_links', 'mirror_records',
        'record_aliases', 'kept_outcome_seals', 'kept_outcomes',
        'install_links', 'oauth_states', 'runs', 'segment_events', 'segment_members', 'settings', 'stage_history',
        'task_audit', 'task_episodes', 'touchpoint_cursors', 'touchpoint_links', 'touchpoints',
        'webhook_events', 'webhook_inbox', 'written',
      ].sort(),
    );
    db.close();
  });

  it('upgrades a v1 file, keeping its data', async () => {
    const file = join(dir, 'v1.db');
    const old = new DatabaseSync(file);
    expect(migrate(old, MIGRATIONS.slice(0, 1))).toEqual([1]);
    old.prepare('INSERT INTO settings (installation, key, value, updated_at) VALUES (?, ?, ?, ?)').run(INST, 'list:vip', '42', 1);
    old
      .prepare('INSERT INTO mirror_records (installation, kind, id, json, updated_at, stored_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(INST, 'contact', '7', JSON.stringify(contact('7')), 1, 1);
    expect(tables(old)).not.toContain('runs');
    old.close();

    const store = openStore(file);
    expect(await store.getSetting(INST, 'list:vip')).toBe('42');
    expect(await store.getRecord(INST, 'contact', '7')).toEqual(contact('7'));
    // Tables from later migrations work.
    const run = await store.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 1 });
    await store.recordStageChanges(INST, [{ contactId: '7', journeyId: 'b2b', stage: 'aware', at: 1 }]);
    expect((await store.getRun(run))?.status).toBe('running');
    await store.close();

    const db = new DatabaseSync(file);
    expect(schemaVersion(db)).toBe(LATEST);
    db.close();
  });

  it('is a no-op on an up-to-date file', () => {
    const db = new DatabaseSync(':memory:');
    expect(migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(migrate(db)).toEqual([]);
    db.close();
  });

  it('rolls a failing step back entirely, version included', () => {
    const db = new DatabaseSync(':memory:');
    const broken = [
      ...MIGRATIONS.slice(0, 1),
      { version: 2, name: 'broken', sql: 'CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1);' },
    ];
    expect(() => migrate(db, broken)).toThrow(/migration 2 \(broken\) failed/);
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).not.toContain('half_done');
    db.close();
  });

  it('refuses a file written by a newer Parcours', () => {
    const file = join(dir, 'future.db');
    const db = new DatabaseSync(file);
    db.exec(`PRAGMA user_version = ${LATEST + 1}`);
    db.close();
    let caught: unknown;
    try {
      openStore(file);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ParcoursError);
    expect((caught as ParcoursError).code).toBe('STORE_ERROR');
    expect((caught as ParcoursError).context.file).toBe(file);
    expect((caught as ParcoursError).message).toMatch(/newer than this Parcours/);
  });

  it('rejects migration lists that are not numbered in order', () => {
    const db = new DatabaseSync(':memory:');
    expect(() => migrate(db, [{ version: 2, name: 'x', sql: '' }])).toThrow(/numbered 1..n/);
    db.close();
  });
});
