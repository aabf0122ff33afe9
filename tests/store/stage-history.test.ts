import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Store } from '../../src/store/index.ts';
import { INST } from './fixtures.ts';
import { storeBackends } from './backends.ts';

const backends = storeBackends();

describe.each(backends)('stage history ($name)', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open();
  });
  afterEach(async () => await store.close());

  it('opens a row per stage and closes the previous one at the change', async () => {
    await store.recordStageChanges(INST, [
      { contactId: '1', journeyId: 'b2b', stage: 'aware', at: 100 },
      { contactId: '2', journeyId: 'b2b', stage: 'aware', at: 110 },
      { contactId: '1', journeyId: 'b2b', stage: 'buying', at: 200 },
    ]);
    // Same stage again: no new row.
    await store.recordStageChanges(INST, [{ contactId: '1', journeyId: 'b2b', stage: 'buying', at: 250 }]);
    await store.recordStageChanges(INST, [{ contactId: '1', journeyId: 'b2b', stage: 'customer', at: 300 }]);

    expect((await Array.fromAsync(store.iterateStageHistory(INST)))).toEqual([
      { contactId: '1', journeyId: 'b2b', stage: 'aware', enteredAt: 100, leftAt: 200, backfilled: false },
      { contactId: '2', journeyId: 'b2b', stage: 'aware', enteredAt: 110, leftAt: null, backfilled: false },
      { contactId: '1', journeyId: 'b2b', stage: 'buying', enteredAt: 200, leftAt: 300, backfilled: false },
      { contactId: '1', journeyId: 'b2b', stage: 'customer', enteredAt: 300, leftAt: null, backfilled: false },
    ]);
    expect(await store.currentStages(INST, ['1', '2', '3'])).toEqual(
      new Map([
        ['1', { journeyId: 'b2b', stage: 'customer', enteredAt: 300, basis: null }],
        ['2', { journeyId: 'b2b', stage: 'aware', enteredAt: 110, basis: null }],
      ]),
    );
    expect((await store.currentStages('hubspot:other', ['1'])).size).toBe(0);
  });

  it('keeps journeys apart and filters by journey', async () => {
    await store.recordStageChanges(INST, [
      { contactId: '1', journeyId: 'b2b', stage: 'aware', at: 100 },
      { contactId: '1', journeyId: 'support', stage: 'onboarding', at: 150 },
      { contactId: '1', journeyId: 'b2b', stage: 'buying', at: 200 },
    ]);
    expect((await store.currentStages(INST, ['1'], 'support')).get('1')).toEqual({ journeyId: 'support', stage: 'onboarding', enteredAt: 150, basis: null });
    // Without a journey, the most recently entered stage wins.
    expect((await store.currentStages(INST, ['1'])).get('1')).toEqual({ journeyId: 'b2b', stage: 'buying', enteredAt: 200, basis: null });
    expect((await Array.fromAsync(store.iterateStageHistory(INST, { journeyId: 'support' })))).toEqual([
      { contactId: '1', journeyId: 'support', stage: 'onboarding', enteredAt: 150, leftAt: null, backfilled: false },
    ]);
  });

  it('never lets a late-dated change close a stay before it began', async () => {
    await store.recordStageChanges(INST, [
      { contactId: '1', journeyId: 'b2b', stage: 'aware', at: 500 },
      { contactId: '1', journeyId: 'b2b', stage: 'buying', at: 300 },
    ]);
    expect((await Array.fromAsync(store.iterateStageHistory(INST)))).toEqual([
      { contactId: '1', journeyId: 'b2b', stage: 'aware', enteredAt: 500, leftAt: 500, backfilled: false },
      { contactId: '1', journeyId: 'b2b', stage: 'buying', enteredAt: 500, leftAt: null, backfilled: false },
    ]);
  });

  it('streams more rows than one page, in order', async () => {
    const changes = Array.from({ length: 4_500 }, (_, i) => ({ contactId: `c${i}`, journeyId: 'b2b', stage: 'aware', at: i }));
    await store.recordStageChanges(INST, changes);
    let count = 0;
    let lastAt = -1;
    for await (const row of store.iterateStageHistory(INST)) {
      expect(row.enteredAt).toBe(lastAt + 1);
      lastAt = row.enteredAt;
      count++;
    }
    expect(count).toBe(4_500);
  });

  it('keeps what dated each entry and which stays were backfilled from CRM history', async () => {
    await store.recordStageChanges(INST, [
      { contactId: '1', journeyId: 'b2b', stage: 'aware', at: 100, basis: 'contact created', backfilled: true },
      { contactId: '1', journeyId: 'b2b', stage: 'buying', at: 200, basis: 'deal entered contractsent', backfilled: true },
    ]);
    await store.recordStageChanges(INST, [{ contactId: '1', journeyId: 'b2b', stage: 'customer', at: 300, basis: 'change observed by Parcours' }]);
    expect((await Array.fromAsync(store.iterateStageHistory(INST))).map((r) => [r.stage, r.backfilled])).toEqual([['aware', true], ['buying', true], ['customer', false]]);
    expect((await store.currentStages(INST, ['1'])).get('1')).toEqual({ journeyId: 'b2b', stage: 'customer', enteredAt: 300, basis: 'change observed by Parcours' });
  });
});
