import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PullBatch } from '../../connectors/port.ts';
import { ParcoursError } from '../../src/errors.ts';
import type { CrmRecord, Customer } from '../../src/model.ts';
import { type Store } from '../../src/store/index.ts';
import { contact, deal, INST, ticket } from './fixtures.ts';
import { storeBackends } from './backends.ts';

const backends = storeBackends();

async function summary(customers: AsyncIterable<Customer>): Promise<Array<[string, string[], string[]]>> {
  return (await Array.fromAsync(customers)).map((c) => [c.contact.id, c.deals.map((d) => d.id), c.tickets.map((t) => t.id)]);
}

async function thrown(fn: () => Promise<unknown>): Promise<ParcoursError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ParcoursError) return err;
    throw err;
  }
  throw new Error('expected a ParcoursError');
}

describe.each(backends)('mirror ($name)', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open({ now: () => 1_000 });
  });
  afterEach(async () => await store.close());

  it('upserts records, keeps the latest version, and saves the cursor', async () => {
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1'), contact('2')], removed: [], cursor: { after: '2' } });
    await store.applyPullBatch(INST, {
      kind: 'contact',
      records: [contact('2', { lifecycle: 'customer' })],
      removed: [],
      cursor: { after: '3', since: 5 },
    });
    expect(await store.countRecords(INST)).toEqual({ contacts: 2, deals: 0, tickets: 0 });
    expect(await store.getRecord(INST, 'contact', '2')).toEqual(contact('2', { lifecycle: 'customer' }));
    expect(await store.getRecord(INST, 'deal', '2')).toBeUndefined();
    expect(await store.getCursors(INST)).toEqual({ contact: { after: '3', since: 5 } });
  });

  it('leaves the cursor unchanged when a batch carries none', async () => {
    await store.applyPullBatch(INST, { kind: 'deal', records: [], removed: [], cursor: { page: 1 } });
    await store.applyPullBatch(INST, { kind: 'deal', records: [deal('d1', [])], removed: [] });
    expect(await store.getCursors(INST)).toEqual({ deal: { page: 1 } });
  });

  it('stores nothing, cursor included, when a batch fails midway', async () => {
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1')], removed: [], cursor: { after: '1' } });
    // A BigInt cannot be serialized: the third record throws after two were written in the transaction.
    const poisoned = contact('4', { raw: { big: 1n as unknown as number } });
    const err = await thrown(async () =>
      await store.applyPullBatch(INST, {
        kind: 'contact',
        records: [contact('2'), contact('3'), poisoned],
        removed: [{ kind: 'contact', objectType: 'contacts', id: '1' }],
        cursor: { after: '4' },
      }),
    );
    expect(err.code).toBe('STORE_ERROR');
    expect(err.context.operation).toBe('applyPullBatch');
    expect((await store.countRecords(INST)).contacts).toBe(1);
    expect(await store.getRecord(INST, 'contact', '1')).toBeDefined();
    expect(await store.getCursors(INST)).toEqual({ contact: { after: '1' } });
  });

  it('rejects a record whose kind differs from the batch, storing nothing', async () => {
    const err = await thrown(async () =>
      await store.applyPullBatch(INST, {
        kind: 'deal',
        records: [deal('d1', ['1']), contact('1') as unknown as CrmRecord],
        removed: [],
        cursor: { x: 1 },
      }),
    );
    expect(err.code).toBe('INPUT_INVALID');
    expect(await store.countRecords(INST)).toEqual({ contacts: 0, deals: 0, tickets: 0 });
    expect(await store.contactsLinkedTo(INST, [{ kind: 'deal', id: 'd1' }])).toEqual([]);
    expect(await store.getCursors(INST)).toEqual({});
  });

  it('keeps installations apart', async () => {
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1')], removed: [], cursor: { a: 1 } });
    await store.applyPullBatch('hubspot:portal-2', { kind: 'contact', records: [contact('1'), contact('2')], removed: [] });
    expect((await store.countRecords(INST)).contacts).toBe(1);
    expect((await store.countRecords('hubspot:portal-2')).contacts).toBe(2);
    expect(await store.getCursors('hubspot:portal-2')).toEqual({});
    await store.resetCursors(INST);
    expect(await store.getCursors(INST)).toEqual({});
  });

  it('links customers from the deal/ticket side and from the contact side', async () => {
    await store.applyPullBatch(INST, { kind: 'contact', records: ['1', '2', '3'].map((id) => contact(id)), removed: [] });
    // Record side: d1 belongs to 1 and 2; t1 to 3.
    await store.applyPullBatch(INST, { kind: 'deal', records: [deal('d1', ['1', '2']), deal('d2', [])], removed: [] });
    await store.applyPullBatch(INST, { kind: 'ticket', records: [ticket('t1', ['3'])], removed: [] });
    // Contact side: contact 3 now has d2 (deals replaced), tickets untouched since not given.
    await store.applyPullBatch(INST, { kind: 'contact', records: [], removed: [], links: [{ contactId: '3', deals: ['d2'] }] });
    expect(await summary(store.iterateCustomers(INST))).toEqual([
      ['1', ['d1'], []],
      ['2', ['d1'], []],
      ['3', ['d2'], ['t1']],
    ]);
    const c1 = (await Array.fromAsync(store.iterateCustomers(INST, { contactIds: ['1'] })))[0];
    expect(c1?.deals[0]).toEqual(deal('d1', ['1', '2']));

    // A re-pulled deal replaces its own links.
    await store.applyPullBatch(INST, { kind: 'deal', records: [deal('d1', ['3'])], removed: [] });
    // Contact side replaces contact 3's tickets with none.
    await store.applyPullBatch(INST, { kind: 'contact', records: [], removed: [], links: [{ contactId: '3', tickets: [] }] });
    expect(await summary(store.iterateCustomers(INST))).toEqual([
      ['1', [], []],
      ['2', [], []],
      ['3', ['d1', 'd2'], []],
    ]);
    expect(await store.contactsLinkedTo(INST, [{ kind: 'deal', id: 'd1' }, { kind: 'deal', id: 'd2' }, { kind: 'ticket', id: 't1' }])).toEqual(['3']);
  });

  it('skips links to records that are not mirrored, and links to contacts that are not', async () => {
    await store.applyPullBatch(INST, { kind: 'deal', records: [deal('d1', ['1', 'ghost'])], removed: [] });
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1')], removed: [], links: [{ contactId: '1', tickets: ['t-missing'] }] });
    expect(await summary(store.iterateCustomers(INST))).toEqual([['1', ['d1'], []]]);
    expect(await store.contactsLinkedTo(INST, [{ kind: 'deal', id: 'd1' }])).toEqual(['1', 'ghost']);
  });

  it('pages customers across page boundaries without losing or repeating any', async () => {
    const ids = Array.from({ length: 23 }, (_, i) => `c${String(i).padStart(3, '0')}`);
    await store.applyPullBatch(INST, { kind: 'contact', records: [...ids].reverse().map((id) => contact(id)), removed: [] });
    // Deals on contacts that sit on both sides of page boundaries (pages of 5: c004|c005, c009|c010).
    await store.applyPullBatch(INST, {
      kind: 'deal',
      records: [deal('d-edge', ['c004', 'c005']), deal('d-last', ['c022']), deal('d-mid', ['c009', 'c010', 'c011'])],
      removed: [],
    });
    await store.applyPullBatch(INST, { kind: 'ticket', records: [ticket('t-first', ['c000', 'c010'])], removed: [] });
    for (const pageSize of [1, 5, 22, 23, 24, 500]) {
      const got = await summary(store.iterateCustomers(INST, { pageSize }));
      expect(got.map(([id]) => id)).toEqual(ids);
      const byId = new Map(got.map(([id, d, t]) => [id, [d, t]]));
      expect(byId.get('c004')).toEqual([['d-edge'], []]);
      expect(byId.get('c005')).toEqual([['d-edge'], []]);
      expect(byId.get('c010')).toEqual([['d-mid'], ['t-first']]);
      expect(byId.get('c022')).toEqual([['d-last'], []]);
      expect(byId.get('c000')).toEqual([[], ['t-first']]);
      expect(byId.get('c001')).toEqual([[], []]);
    }
  });

  it('iterates only the requested contacts, sorted, unknown ids skipped, in pages', async () => {
    await store.applyPullBatch(INST, { kind: 'contact', records: ['a', 'b', 'c', 'd', 'e'].map((id) => contact(id)), removed: [] });
    await store.applyPullBatch(INST, { kind: 'deal', records: [deal('d1', ['e', 'b'])], removed: [] });
    const got = await summary(store.iterateCustomers(INST, { contactIds: ['e', 'zz', 'b', 'e', 'a'], pageSize: 2 }));
    expect(got).toEqual([
      ['a', [], []],
      ['b', ['d1'], []],
      ['e', ['d1'], []],
    ]);
    expect((await Array.fromAsync(store.iterateCustomers(INST, { contactIds: [] })))).toEqual([]);
  });

  it('reads lazily: a write between pages is seen by the following pages', async () => {
    await store.applyPullBatch(INST, { kind: 'contact', records: ['1', '2', '3', '4'].map((id) => contact(id)), removed: [] });
    const seen: string[] = [];
    for await (const c of store.iterateCustomers(INST, { pageSize: 2 })) {
      seen.push(c.contact.id);
      if (c.contact.id === '1') await store.applyPullBatch(INST, { kind: 'contact', records: [contact('5')], removed: [] });
    }
    expect(seen).toEqual(['1', '2', '3', '4', '5']);
  });

  it('removes records with their links, written snapshot and pending failure', async () => {
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1'), contact('2')], removed: [] });
    await store.applyPullBatch(INST, { kind: 'deal', records: [deal('d1', ['1', '2']), deal('d2', ['2'])], removed: [] });
    await store.applyPullBatch(INST, { kind: 'ticket', records: [ticket('t1', ['1'])], removed: [] });
    const run = await store.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 1 });
    await store.recordWrites(INST, run, [{ kind: 'contact', id: '1', before: {}, after: { parcours_stage: 'aware' } }]);
    await store.recordFailures(INST, run, [{ kind: 'contact', id: '1', code: 'CRM_VALIDATION', message: 'bad' }]);

    await store.applyPullBatch(INST, {
      kind: 'contact',
      records: [],
      removed: [{ kind: 'contact', objectType: 'contacts', id: '1' }],
      // Links re-added for a contact removed in the same batch do not survive.
      links: [{ contactId: '1', deals: ['d2'] }],
    });
    await store.applyPullBatch(INST, { kind: 'deal', records: [], removed: [{ kind: 'deal', objectType: 'deals', id: 'd2' }] });

    expect(await store.getRecord(INST, 'contact', '1')).toBeUndefined();
    expect(await store.countRecords(INST)).toEqual({ contacts: 1, deals: 1, tickets: 1 });
    expect(await store.contactsLinkedTo(INST, [{ kind: 'deal', id: 'd1' }, { kind: 'ticket', id: 't1' }, { kind: 'deal', id: 'd2' }])).toEqual(['2']);
    expect(await summary(store.iterateCustomers(INST))).toEqual([['2', ['d1'], []]]);
    expect((await store.getWritten(INST, 'contact', ['1'])).size).toBe(0);
    expect(await store.pendingFailures(INST)).toEqual([]);
    // The audit trail of the removed record stays.
    expect(await store.auditForRun(run)).toHaveLength(1);
  });

  it('reports which ids exist', async () => {
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1'), contact('2')], removed: [] });
    expect(await store.existingIds(INST, 'contact', ['2', '3', '1'])).toEqual(new Set(['1', '2']));
    expect(await store.existingIds(INST, 'deal', ['1'])).toEqual(new Set());
    expect(await store.existingIds(INST, 'contact', [])).toEqual(new Set());
  });

  it('rejects unknown kinds and bad page sizes as input errors', async () => {
    const bad = { kind: 'company', records: [], removed: [] } as unknown as PullBatch;
    expect((await thrown(() => store.applyPullBatch(INST, bad))).code).toBe('INPUT_INVALID');
    expect((await thrown(() => store.applyPullBatch('', { kind: 'contact', records: [], removed: [] }))).code).toBe('INPUT_INVALID');
    expect((await thrown(() => Array.fromAsync(store.iterateCustomers(INST, { pageSize: 0 })))).code).toBe('INPUT_INVALID');
  });
});
