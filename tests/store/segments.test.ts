import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Store } from '../../src/store/index.ts';
import { INST } from './fixtures.ts';
import { storeBackends } from './backends.ts';

const backends = storeBackends();

describe.each(backends)('segment membership ($name)', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open();
  });
  afterEach(async () => await store.close());

  it('tracks members and logs only real entries and exits', async () => {
    await store.applyMembership(INST, 'vip', ['1', '2', '3'], [], 100);
    // Re-adding a member and removing a non-member are no-ops.
    await store.applyMembership(INST, 'vip', ['1', '4'], ['2', 'never'], 200);
    await store.applyMembership(INST, 'at-risk', ['2'], [], 200);
    await store.applyMembership('hubspot:other', 'vip', ['9'], [], 150);

    expect(await store.getSegmentMembers(INST, 'vip')).toEqual(new Set(['1', '3', '4']));
    expect(await store.getSegmentMembers(INST, 'at-risk')).toEqual(new Set(['2']));
    expect(await store.getSegmentMembers(INST, 'none')).toEqual(new Set());

    expect((await Array.fromAsync(store.iterateSegmentEvents(INST)))).toEqual([
      { segmentId: 'vip', contactId: '1', type: 'entered', at: 100 },
      { segmentId: 'vip', contactId: '2', type: 'entered', at: 100 },
      { segmentId: 'vip', contactId: '3', type: 'entered', at: 100 },
      { segmentId: 'vip', contactId: '4', type: 'entered', at: 200 },
      { segmentId: 'vip', contactId: '2', type: 'exited', at: 200 },
      { segmentId: 'at-risk', contactId: '2', type: 'entered', at: 200 },
    ]);
    expect((await Array.fromAsync(store.iterateSegmentEvents(INST, 200))).map((e) => `${e.segmentId}:${e.contactId}:${e.type}`)).toEqual([
      'vip:4:entered',
      'vip:2:exited',
      'at-risk:2:entered',
    ]);
    expect((await Array.fromAsync(store.iterateSegmentEvents(INST, 201)))).toEqual([]);
  });

  it('streams events across pages, ties on time included, in time order', async () => {
    const ids = Array.from({ length: 4_100 }, (_, i) => `c${i}`);
    // Recorded out of time order: the later batch first.
    await store.applyMembership(INST, 'vip', ids.slice(2_000), [], 500);
    await store.applyMembership(INST, 'vip', ids.slice(0, 2_000), [], 100);
    const events = (await Array.fromAsync(store.iterateSegmentEvents(INST)));
    expect(events).toHaveLength(4_100);
    expect(new Set(events.map((e) => e.contactId)).size).toBe(4_100);
    expect(events.slice(0, 2_000).every((e) => e.at === 100)).toBe(true);
    expect(events.slice(2_000).every((e) => e.at === 500)).toBe(true);
  });
});
