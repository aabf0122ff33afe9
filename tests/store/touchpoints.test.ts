import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { contact, INST, touchpoint } from './fixtures.ts';
import { storeBackends } from './backends.ts';

const backends = storeBackends();

const T0 = 1_700_000_000_000;

describe.each(backends)('touchpoints in the store ($name)', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open({ now: () => 1_000 });
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1'), contact('2'), contact('3')], removed: [] });
  });
  afterEach(async () => await store.close());

  const tpIds = async (contactId: string) => (await store.touchpointsOf(INST, contactId)).map((t) => `${t.objectType}/${t.id}`);

  it('gives each customer its touchpoints oldest first, whatever the arrival order, and round-trips every field', async () => {
    const survey = touchpoint('s1', ['1'], {
      objectType: 'feedback_submissions', channel: 'survey', rawChannel: 'NPS', direction: 'inbound', at: T0 + 3_000,
      outcome: null, rawOutcome: null, survey: { type: 'nps', score: 4, scale: { min: 0, max: 10 }, sentiment: 'negative' },
      raw: { hs_response_group: 'DETRACTOR' }, ownerId: '77', dealIds: ['d1'], ticketIds: ['t1'],
    });
    await store.applyTouchpointBatch(INST, {
      records: [
        touchpoint('c2', ['1'], { at: T0 + 2_000 }),
        survey,
        touchpoint('e1', ['1', '2'], { objectType: 'emails', channel: 'email', direction: 'outbound', at: T0 + 1_000 }),
      ],
      removed: [],
      cursor: { calls: { after: 'x' } },
    });
    expect(await tpIds('1')).toEqual(['emails/e1', 'calls/c2', 'feedback_submissions/s1']);
    expect(await tpIds('2')).toEqual(['emails/e1']);
    expect((await store.touchpointsOf(INST, '1'))[2]).toEqual(survey);
    const customers = (await Array.fromAsync(store.iterateCustomers(INST, { pageSize: 2 })));
    expect(customers.map((c) => [c.contact.id, (c.touchpoints ?? []).map((t) => t.id)])).toEqual([
      ['1', ['e1', 'c2', 's1']],
      ['2', ['e1']],
      ['3', []],
    ]);
    expect((await Array.fromAsync(store.iterateCustomers(INST, { contactIds: ['2', '1'] }))).map((c) => c.touchpoints?.length)).toEqual([3, 1]);
    expect((await Array.fromAsync(store.iterateCustomers(INST, { touchpoints: false })))[0]?.touchpoints).toBeUndefined();
    expect(await store.getTouchpointCursor(INST)).toEqual({ calls: { after: 'x' } });
    expect(await store.countTouchpoints(INST)).toBe(3);
  });

  it('a re-pulled touchpoint replaces its time, fields and customers; removals take it from every customer', async () => {
    await store.applyTouchpointBatch(INST, { records: [touchpoint('c1', ['1', '2'], { at: T0 })], removed: [] });
    await store.applyTouchpointBatch(INST, { records: [touchpoint('c1', ['2', '3'], { at: T0 + 5, outcome: 'no_answer' })], removed: [] });
    expect(await tpIds('1')).toEqual([]);
    expect((await store.touchpointsOf(INST, '3'))[0]).toMatchObject({ at: T0 + 5, outcome: 'no_answer', contactIds: ['2', '3'] });
    const applied = await store.applyTouchpointBatch(INST, { records: [], removed: [{ objectType: 'calls', id: 'c1' }, { objectType: 'calls', id: 'gone' }] });
    expect(applied.removed).toBe(1);
    expect(await tpIds('2')).toEqual([]);
    expect(await store.countTouchpoints(INST)).toBe(0);
  });

  it('names the customers touchpoints are linked to now (what a change to them affects), by object type and id', async () => {
    await store.applyTouchpointBatch(INST, {
      records: [touchpoint('7', ['1', '3'], { at: T0 }), touchpoint('7', ['2'], { objectType: 'emails', channel: 'email', at: T0 }), touchpoint('8', ['3'], { at: T0 })],
      removed: [],
    });
    expect(await store.contactsOfTouchpoints(INST, [{ objectType: 'calls', id: '7' }])).toEqual(['1', '3']);
    expect(await store.contactsOfTouchpoints(INST, [{ objectType: 'emails', id: '7' }, { objectType: 'calls', id: '8' }, { objectType: 'calls', id: 'none' }])).toEqual(['2', '3']);
    expect(await store.contactsOfTouchpoints(INST, [])).toEqual([]);
    expect(await store.contactsOfTouchpoints('hubspot:other', [{ objectType: 'calls', id: '7' }])).toEqual([]);
  });

  it('ids are unique per object type: a call and an email with the same id are two touchpoints', async () => {
    await store.applyTouchpointBatch(INST, {
      records: [touchpoint('9', ['1'], { at: T0 }), touchpoint('9', ['1'], { objectType: 'emails', channel: 'email', at: T0 + 1 })],
      removed: [],
    });
    expect(await tpIds('1')).toEqual(['calls/9', 'emails/9']);
  });

  it('skips a malformed touchpoint with its reason and stores the rest of the batch', async () => {
    const bad = { ...touchpoint('b1', ['1']), channel: 'pigeon' } as unknown as ReturnType<typeof touchpoint>;
    const noId = { ...touchpoint('', ['1']) };
    const applied = await store.applyTouchpointBatch(INST, { records: [touchpoint('ok', ['1']), bad, noId], removed: [], cursor: { n: 1 } });
    expect(applied.stored.map((t) => t.id)).toEqual(['ok']);
    expect(applied.rejected).toEqual([
      expect.objectContaining({ objectType: 'calls', id: 'b1', message: expect.stringContaining('channel') }),
      expect.objectContaining({ id: '', message: expect.stringContaining('id') }),
    ]);
    expect(await tpIds('1')).toEqual(['calls/ok']);
    expect(await store.getTouchpointCursor(INST)).toEqual({ n: 1 });
  });

  it('stores nothing, cursor included, when a batch fails midway', async () => {
    await store.applyTouchpointBatch(INST, { records: [], removed: [], cursor: { n: 1 } });
    // A removal SQLite cannot bind fails after the records were written in the transaction.
    const unbindable = { objectType: {} as unknown as string, id: 'x' };
    await expect(store.applyTouchpointBatch(INST, { records: [touchpoint('a', ['1'])], removed: [unbindable], cursor: { n: 2 } })).rejects.toThrow();
    expect(await tpIds('1')).toEqual([]);
    expect(await store.getTouchpointCursor(INST)).toEqual({ n: 1 });
  });

  it('a complete full pass sweeps the touchpoints it did not see; an incomplete one sweeps nothing', async () => {
    await store.applyTouchpointBatch(INST, { records: [touchpoint('old', ['1']), touchpoint('kept', ['1', '2'])], removed: [] });
    await store.applyTouchpointBatch(INST, { records: [touchpoint('kept', ['1', '2'])], removed: [], fullPass: { id: 'p1' } });
    expect(await store.countTouchpoints(INST)).toBe(2);
    const done = await store.applyTouchpointBatch(INST, { records: [touchpoint('new', ['2'])], removed: [], fullPass: { id: 'p1', complete: true } });
    expect(done.swept).toBe(1);
    expect(await tpIds('1')).toEqual(['calls/kept']);
    expect((await tpIds('2')).sort()).toEqual(['calls/kept', 'calls/new']);
  });

  it('a full run resets the touchpoint cursor with the others', async () => {
    await store.applyTouchpointBatch(INST, { records: [], removed: [], cursor: { n: 1 } });
    await store.applyPullBatch(INST, { kind: 'contact', records: [], removed: [], cursor: { c: 1 } });
    await store.resetCursors(INST);
    expect(await store.getTouchpointCursor(INST)).toBeUndefined();
    expect(await store.getCursors(INST)).toEqual({});
  });

  it('a removed contact loses its links; a converted lead hands its touchpoints to its contact', async () => {
    await store.applyTouchpointBatch(INST, { records: [touchpoint('a', ['1', '2']), touchpoint('b', ['3'], { at: T0 - 1 })], removed: [] });
    await store.applyPullBatch(INST, { kind: 'contact', records: [], removed: [{ kind: 'contact', objectType: 'contacts', id: '1' }] });
    expect(await tpIds('1')).toEqual([]);
    expect(await tpIds('2')).toEqual(['calls/a']);
    await store.applyPullBatch(INST, {
      kind: 'contact', records: [], removed: [],
      handovers: [{ from: { kind: 'contact', objectType: 'Lead', id: '3' }, to: { kind: 'contact', objectType: 'Contact', id: '2' }, at: T0 }],
    });
    expect(await tpIds('2')).toEqual(['calls/b', 'calls/a']);
    expect(await tpIds('3')).toEqual([]);
  });

  it('a touchpoint without a time comes first in its customer\'s list', async () => {
    await store.applyTouchpointBatch(INST, { records: [touchpoint('t', ['1'], { at: T0 }), touchpoint('n', ['1'], { at: null })], removed: [] });
    expect((await store.touchpointsOf(INST, '1')).map((t) => [t.id, t.at])).toEqual([['n', null], ['t', T0]]);
  });

  it('a damaged stored touchpoint stops the stream with a store error naming it, not a crash in a rule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parcours-tp-'));
    const file = join(dir, 'store.db');
    try {
      const fileStore = openStore(file);
      await fileStore.applyPullBatch(INST, { kind: 'contact', records: [contact('1')], removed: [] });
      await fileStore.applyTouchpointBatch(INST, { records: [touchpoint('ok', ['1'], { at: T0 }), touchpoint('bad', ['1'], { at: T0 + 1 })], removed: [] });
      expect((await Array.fromAsync(fileStore.iterateCustomers(INST)))[0]?.touchpoints?.map((t) => t.id)).toEqual(['ok', 'bad']);
      const raw = new DatabaseSync(file);
      raw.prepare("UPDATE touchpoints SET json = '{not json' WHERE id = 'bad'").run();
      raw.close();
      await expect(Array.fromAsync(fileStore.iterateCustomers(INST))).rejects.toThrow(expect.objectContaining({ code: 'STORE_ERROR', message: expect.stringContaining('calls/bad') }));
      await fileStore.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
