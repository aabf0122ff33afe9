import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Store } from '../../src/store/index.ts';
import { contact, deal, INST, ticket } from './fixtures.ts';
import { storeBackends } from './backends.ts';

const backends = storeBackends();

const ref = (kind: 'contact' | 'deal' | 'ticket', id: string, objectType = kind === 'contact' ? 'contacts' : `${kind}s`) => ({ kind, objectType, id });

describe.each(backends)('full-pass sweep ($name)', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open({ now: () => 1_000 });
  });
  afterEach(async () => await store.close());

  it('removes, once the pass completes, the records of its kind it did not see — with their links, snapshot and failures', async () => {
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1'), contact('2'), contact('3')], removed: [] });
    await store.applyPullBatch(INST, { kind: 'ticket', records: [ticket('t1', ['2']), ticket('t2', ['1'])], removed: [] });
    await store.recordWrites(INST, await store.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 1 }), [{ kind: 'contact', id: '2', before: {}, after: { parcours_stage: 'decision' } }]);
    await store.recordFailures(INST, 1, [{ kind: 'contact', id: '2', code: 'X', message: 'x' }]);

    // The pass sees 1 and 3; a batch in the middle of it sweeps nothing.
    const mid = await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1')], removed: [], fullPass: { id: 'p1' } });
    expect(mid.swept).toEqual([]);
    expect((await store.countRecords(INST)).contacts).toBe(3);
    const last = await store.applyPullBatch(INST, { kind: 'contact', records: [contact('3')], removed: [], fullPass: { id: 'p1', complete: true }, cursor: { done: true } });
    expect(last.swept).toEqual([ref('contact', '2')]);
    expect(last.removed).toEqual([ref('contact', '2')]);
    // What Parcours last wrote on it comes back with it (the snapshot itself is forgotten).
    expect(last.sweptWritten).toEqual([{ ref: ref('contact', '2'), written: { parcours_stage: 'decision' } }]);
    expect(mid.sweptWritten).toEqual([]);
    expect(await store.getRecord(INST, 'contact', '2')).toBeUndefined();
    expect((await store.getWritten(INST, 'contact', ['2'])).size).toBe(0);
    expect(await store.pendingFailures(INST)).toEqual([]);
    // Its ticket stays (another kind, not swept by a contact pass) but no longer belongs to a customer.
    expect((await Array.fromAsync(store.iterateCustomers(INST))).map((c) => [c.contact.id, c.tickets.map((t) => t.id)])).toEqual([['1', ['t2']], ['3', []]]);
    expect(await store.getCursors(INST)).toEqual({ contact: { done: true } });
  });

  it('keeps records seen earlier in the same pass (a pass resumed in a later run) and sweeps only its kind', async () => {
    await store.applyPullBatch(INST, { kind: 'deal', records: [deal('d1', ['1'])], removed: [] });
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1'), contact('2')], removed: [], fullPass: { id: 'p1' } });
    // An incremental upsert between the two halves keeps the mark of the pass.
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1', { lifecycle: 'customer' })], removed: [] });
    const done = await store.applyPullBatch(INST, { kind: 'contact', records: [contact('3')], removed: [], fullPass: { id: 'p1', complete: true } });
    expect(done.swept).toEqual([]);
    expect(await store.countRecords(INST)).toEqual({ contacts: 3, deals: 1, tickets: 0 });
    // The next pass that does not see 2 removes it.
    const next = await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1'), contact('3')], removed: [], fullPass: { id: 'p2', complete: true } });
    expect(next.swept.map((r) => r.id)).toEqual(['2']);
    // Parcours never wrote on 2: nothing to clear.
    expect(next.sweptWritten).toEqual([]);
    expect(await store.countRecords(INST)).toEqual({ contacts: 2, deals: 1, tickets: 0 });
  });

  it('a pass that never completes removes nothing', async () => {
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1'), contact('2')], removed: [] });
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1')], removed: [], fullPass: { id: 'p1' } });
    expect((await store.countRecords(INST)).contacts).toBe(2);
  });

  it('counts as removed only records that were in the mirror', async () => {
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1')], removed: [] });
    const r = await store.applyPullBatch(INST, { kind: 'contact', records: [], removed: [ref('contact', '1'), ref('contact', '99')] });
    expect(r.removed).toEqual([ref('contact', '1')]);
  });
});

describe.each(backends)('hand-over (a converted Lead continues as its Contact) ($name)', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open({ now: () => 1_000 });
  });
  afterEach(async () => await store.close());

  const lead = { kind: 'contact' as const, objectType: 'Lead', id: '00QL' };
  const to = { kind: 'contact' as const, objectType: 'Contact', id: '003C' };

  it('moves the stage ledger, segment membership and history to the new record, and the old one leaves the mirror', async () => {
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('00QL', { objectType: 'Lead' })], removed: [] });
    await store.recordStageChanges(INST, [
      { contactId: '00QL', journeyId: 'default', stage: 'awareness', at: 100 },
      { contactId: '00QL', journeyId: 'default', stage: 'consideration', at: 200 },
    ]);
    await store.applyMembership(INST, 'emea', ['00QL'], [], 150);
    const r = await store.applyPullBatch(INST, { kind: 'contact', records: [contact('003C', { objectType: 'Contact' })], removed: [], handovers: [{ from: lead, to, at: 300 }] });
    expect(r.handedOver).toEqual([{ from: lead, to, at: 300 }]);
    expect(r.removed).toEqual([lead]);
    expect(await store.getRecord(INST, 'contact', '00QL')).toBeUndefined();
    // Same stage, same entry time: the Contact carries on where the Lead was.
    const current = await store.currentStages(INST, ['003C', '00QL']);
    expect([...current.keys()]).toEqual(['003C']);
    expect(current.get('003C')).toMatchObject({ journeyId: 'default', stage: 'consideration', enteredAt: 200 });
    expect((await Array.fromAsync(store.iterateStageHistory(INST))).map((h) => [h.contactId, h.stage])).toEqual([['003C', 'awareness'], ['003C', 'consideration']]);
    expect(await store.getSegmentMembers(INST, 'emea')).toEqual(new Set(['003C']));
    expect((await Array.fromAsync(store.iterateSegmentEvents(INST)))).toEqual([{ segmentId: 'emea', contactId: '003C', type: 'entered', at: 150 }]);
    // Seen again (every full run lists converted Leads): nothing left to move.
    expect((await store.applyPullBatch(INST, { kind: 'contact', records: [], removed: [], handovers: [{ from: lead, to, at: 300 }] })).handedOver).toEqual([]);
  });

  it('a Contact with its own ledger keeps it; the Lead rows stay as they were', async () => {
    await store.recordStageChanges(INST, [
      { contactId: '00QL', journeyId: 'default', stage: 'awareness', at: 100 },
      { contactId: '003C', journeyId: 'default', stage: 'purchase', at: 120 },
    ]);
    await store.applyPullBatch(INST, { kind: 'contact', records: [], removed: [], handovers: [{ from: lead, to, at: 300 }] });
    expect((await Array.fromAsync(store.iterateStageHistory(INST))).map((h) => [h.contactId, h.stage])).toEqual([['00QL', 'awareness'], ['003C', 'purchase']]);
  });
});
