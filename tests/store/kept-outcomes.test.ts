/**
 * Outcomes kept between runs (src/store/kept-outcomes.ts, src/store/postgres/kept-outcomes.ts): read back only
 * under the fingerprint they were sealed with, and only while nothing an evaluation reads has changed since.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeptOutcomeRow, Store } from '../../src/store/index.ts';
import { storeBackends } from './backends.ts';
import { contact, deal, INST, touchpoint } from './fixtures.ts';

const backends = storeBackends();
const row = (contactId: string, validUntil: number | null = 5_000, outcome: string | null = `{"contactId":"${contactId}"}`): KeptOutcomeRow => ({ contactId, validUntil, outcome });
/** Every kept row of a sealed set (paged two at a time), or null when the seal is not `fingerprint`'s. */
async function kept(store: Store, installation: string, fingerprint: string): Promise<KeptOutcomeRow[] | null> {
  if ((await store.keptOutcomeSeal(installation)) !== fingerprint) return null;
  const rows: KeptOutcomeRow[] = [];
  for (;;) {
    const page = await store.keptOutcomeRows(installation, { limit: 2, ...(rows.length ? { after: (rows.at(-1) as KeptOutcomeRow).contactId } : {}) });
    rows.push(...page);
    if (page.length < 2) break;
  }
  return rows;
}

describe.each(backends)('kept outcomes ($name)', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open();
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1'), contact('2'), contact('3')], removed: [] });
  });
  afterEach(async () => await store.close());

  it('are read back under their fingerprint only; rows of customers not in the mirror go', async () => {
    expect(await kept(store, INST, 'f1')).toBeNull();
    const { gone } = await store.keepOutcomes(INST, 'f1', [row('1'), row('2', null), row('3', 7_000, null), row('9')], { replace: true });
    expect(gone).toBe(1);
    expect(await kept(store, INST, 'f1')).toEqual([row('1'), row('2', null), row('3', 7_000, null)]);
    expect(await kept(store, INST, 'f2')).toBeNull();
    expect(await kept(store, 'hubspot:other', 'f1')).toBeNull();
    // An upsert keeps the other rows; a replace does not.
    await store.keepOutcomes(INST, 'f1', [row('2', 8_000)], { replace: false });
    expect(await kept(store, INST, 'f1')).toEqual([row('1'), row('2', 8_000), row('3', 7_000, null)]);
    // Only the named customers are looked for in the mirror (those a run's pull touched).
    await store.keepOutcomes(INST, 'f1', [row('8'), row('9')], { replace: false, goneAmong: [] });
    expect((await store.keepOutcomes(INST, 'f1', [], { replace: false, goneAmong: ['2', '9'] })).gone).toBe(1);
    expect((await kept(store, INST, 'f1'))?.map((r) => r.contactId)).toEqual(['1', '2', '3', '8']);
    await store.keepOutcomes(INST, 'f2', [row('3')], { replace: true });
    expect(await kept(store, INST, 'f2')).toEqual([row('3')]);
    expect(await kept(store, INST, 'f1')).toBeNull();
  });

  it('are unsealed by every change to what an evaluation reads, and by nothing else', async () => {
    const seal = () => store.keepOutcomes(INST, 'f', [row('1'), row('2'), row('3')], { replace: true });
    const changes: Array<[string, () => Promise<unknown>]> = [
      ['a pulled batch', () => store.applyPullBatch(INST, { kind: 'deal', records: [deal('d1', ['1'])], removed: [] })],
      ['pulled batches', () => store.applyPullBatches(INST, [{ kind: 'contact', records: [], removed: [{ kind: 'contact', objectType: 'contacts', id: '3' }] }])],
      ['a touchpoint batch', () => store.applyTouchpointBatch(INST, { records: [touchpoint('t1', ['1'])], removed: [] })],
      ['stage changes', () => store.recordStageChanges(INST, [{ contactId: '1', journeyId: 'default', stage: 'awareness', at: 1_000, basis: null, backfilled: false }], 1)],
      ['a run undone', () => store.undoStageChanges(INST, 1)],
    ];
    for (const [what, change] of changes) {
      await seal();
      expect(await kept(store, INST, 'f'), `sealed before ${what}`).not.toBeNull();
      await change();
      expect(await kept(store, INST, 'f'), `after ${what}`).toBeNull();
    }
    // What no evaluation reads leaves the seal: runs, memberships, settings, writes.
    await seal();
    const runId = await store.startRun({ installation: INST, crm: 'hubspot', mode: 'incremental', dryRun: false, startedAt: 1 });
    await store.applyMembership(INST, 'vip', ['1'], [], 2, runId);
    await store.setSetting(INST, 'k', 'v');
    await store.recordWrites(INST, runId, [{ kind: 'contact', id: '1', before: {}, after: { parcours_stage: 'decision' } }], 3);
    await store.finishRun(runId, { finishedAt: 4, status: 'succeeded', summary: {} });
    expect(await kept(store, INST, 'f')).not.toBeNull();
  });
});
