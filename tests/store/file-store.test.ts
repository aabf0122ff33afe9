import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParcoursError } from '../../src/errors.ts';
import { openStore, openSyncStore } from '../../src/store/index.ts';
import { contact, deal, INST } from './fixtures.ts';

describe('file-backed store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parcours-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the parent directory, uses WAL, and keeps everything across reopen', async () => {
    const file = join(dir, 'nested', 'data', 'parcours.db');
    const store = openStore(file);
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1')], removed: [], cursor: { after: '1' } });
    await store.applyPullBatch(INST, { kind: 'deal', records: [deal('d1', ['1'])], removed: [] });
    const run = await store.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 5 });
    await store.recordWrites(INST, run, [{ kind: 'contact', id: '1', before: {}, after: { parcours_stage: 'aware' } }], 6);
    await store.finishRun(run, { finishedAt: 7, status: 'succeeded', summary: { written: 1 } });
    await store.recordStageChanges(INST, [{ contactId: '1', journeyId: 'b2b', stage: 'aware', at: 6 }]);
    await store.applyMembership(INST, 'vip', ['1'], [], 6);
    await store.setSetting(INST, 'sf:refresh', 'enc:v1:abc');
    await store.close();
    await store.close(); // idempotent
    expect(existsSync(file)).toBe(true);

    const raw = new DatabaseSync(file);
    expect(raw.prepare('PRAGMA journal_mode').get()?.['journal_mode']).toBe('wal');
    raw.close();

    const again = openStore(file);
    expect(await again.getCursors(INST)).toEqual({ contact: { after: '1' } });
    expect((await Array.fromAsync(again.iterateCustomers(INST))).map((c) => [c.contact.id, c.deals.map((d) => d.id)])).toEqual([['1', ['d1']]]);
    expect(await again.getRun(run)).toMatchObject({ status: 'succeeded', summary: { written: 1 } });
    expect((await again.getWritten(INST, 'contact', ['1'])).get('1')).toEqual({ parcours_stage: 'aware' });
    expect((await again.currentStages(INST, ['1'])).get('1')?.stage).toBe('aware');
    expect(await again.getSegmentMembers(INST, 'vip')).toEqual(new Set(['1']));
    expect(await again.getSetting(INST, 'sf:refresh')).toBe('enc:v1:abc');
    await again.close();
  });

  it('lets a second connection read while the first holds a write transaction', () => {
    const file = join(dir, 'p.db');
    const writer = openSyncStore(file);
    const reader = openSyncStore(file);
    writer.applyPullBatch(INST, { kind: 'contact', records: [contact('1')], removed: [] });
    writer.transaction(() => {
      writer.applyPullBatch(INST, { kind: 'contact', records: [contact('2')], removed: [] });
      // WAL: the reader sees the last commit, not the open transaction.
      expect(reader.countRecords(INST).contacts).toBe(1);
    });
    expect(reader.countRecords(INST).contacts).toBe(2);
    writer.close();
    reader.close();
  });

  it('reports a closed store as a STORE_ERROR naming the file', async () => {
    const file = join(dir, 'p.db');
    const store = openStore(file);
    await store.close();
    let caught: unknown;
    try {
      await store.getSetting(INST, 'x');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ParcoursError);
    expect((caught as ParcoursError).code).toBe('STORE_ERROR');
    expect((caught as ParcoursError).context.file).toBe(file);
  });
});

// The SQLite facade's own transaction runner (the async Store has none: each method is its own transaction).
describe('SQLite transactions', () => {
  it('commits nested store calls together, or rolls all of them back', () => {
    const store = openSyncStore(':memory:');
    const result = store.transaction(() => {
      store.applyPullBatch(INST, { kind: 'contact', records: [contact('1')], removed: [], cursor: { a: 1 } });
      store.setSetting(INST, 'k', 'v');
      return 'done';
    });
    expect(result).toBe('done');
    expect(store.getSetting(INST, 'k')).toBe('v');

    const boom = new ParcoursError('CRM_ERROR', 'push failed');
    expect(() =>
      store.transaction(() => {
        store.applyPullBatch(INST, { kind: 'contact', records: [contact('2')], removed: [], cursor: { a: 2 } });
        store.setSetting(INST, 'k', 'changed');
        throw boom;
      }),
    ).toThrow(boom);
    expect(store.countRecords(INST).contacts).toBe(1);
    expect(store.getCursors(INST)).toEqual({ contact: { a: 1 } });
    expect(store.getSetting(INST, 'k')).toBe('v');
    // The caller's own error is not decorated with store context.
    expect(boom.context).toEqual({});
    store.close();
  });

  it('rolls back only the inner part when a nested transaction fails and the outer catches it', () => {
    const store = openSyncStore(':memory:');
    store.transaction(() => {
      store.setSetting(INST, 'outer', '1');
      try {
        store.transaction(() => {
          store.setSetting(INST, 'inner', '1');
          throw new Error('inner failure');
        });
      } catch {
        // expected
      }
    });
    expect(store.getSetting(INST, 'outer')).toBe('1');
    expect(store.getSetting(INST, 'inner')).toBeUndefined();
    store.close();
  });

  it('refuses an async callback and rolls back what it did synchronously', () => {
    const store = openSyncStore(':memory:');
    let caught: unknown;
    try {
      store.transaction(async () => {
        store.setSetting(INST, 'k', 'v');
      });
    } catch (err) {
      caught = err;
    }
    expect((caught as ParcoursError).code).toBe('STORE_ERROR');
    expect(store.getSetting(INST, 'k')).toBeUndefined();
    store.close();
  });
});
