/** Undoing one run's stage-ledger stays and membership moves, except where a later run changed them again. */
import { afterEach, describe, expect, it } from 'vitest';
import { type Store } from '../../src/store/index.ts';
import { INST } from './fixtures.ts';
import { storeBackends } from './backends.ts';

const backends = storeBackends();

let store: Store | undefined;
afterEach(async () => await store?.close());

const T = Date.UTC(2026, 10, 1);
const stays = async (s: Store) => (await Array.fromAsync(s.iterateStageHistory(INST))).map((r) => `${r.contactId}:${r.stage}:${r.leftAt === null ? 'open' : 'closed'}`);

describe.each(backends)('undoing a run ($name)', (backend) => {
  it('removes the stays the run opened, reopens the ones it closed, keeps customers a later run moved on', async () => {
    const s = (store = await backend.open());
    await s.recordStageChanges(INST, [{ contactId: 'a', journeyId: 'default', stage: 'awareness', at: T }, { contactId: 'b', journeyId: 'default', stage: 'awareness', at: T }], 1);
    await s.recordStageChanges(INST, [{ contactId: 'a', journeyId: 'default', stage: 'decision', at: T + 1 }, { contactId: 'b', journeyId: 'default', stage: 'decision', at: T + 1 }, { contactId: 'c', journeyId: 'default', stage: 'awareness', at: T + 1 }], 2);
    await s.recordStageChanges(INST, [{ contactId: 'b', journeyId: 'default', stage: 'purchase', at: T + 2 }], 3);
    const undo = await s.undoStageChanges(INST, 2);
    expect(undo.undone).toBe(2);
    expect(undo.kept).toEqual([{ contactId: 'b', journeyId: 'default', reason: 'the stage changed again after run 2' }]);
    expect((await stays(s)).sort()).toEqual(['a:awareness:open', 'b:awareness:closed', 'b:decision:closed', 'b:purchase:open'].sort());
    expect(await s.currentStages(INST, ['a', 'b', 'c'])).toEqual(new Map([
      ['a', { journeyId: 'default', stage: 'awareness', enteredAt: T, basis: null }],
      ['b', { journeyId: 'default', stage: 'purchase', enteredAt: T + 2, basis: null }],
    ]));
  });

  it('removes every stay one run opened for a customer (backfilled history included)', async () => {
    const s = (store = await backend.open());
    await s.recordStageChanges(INST, [
      { contactId: 'a', journeyId: 'default', stage: 'awareness', at: T, backfilled: true },
      { contactId: 'a', journeyId: 'default', stage: 'decision', at: T + 1 },
    ], 1);
    expect(await s.undoStageChanges(INST, 1)).toEqual({ undone: 1, kept: [] });
    expect(await stays(s)).toEqual([]);
  });

  it('lists the membership moves no later run changed again; undoing them restores members and drops their events', async () => {
    const s = (store = await backend.open());
    await s.applyMembership(INST, 'emea', ['a', 'b'], [], T, 1);
    await s.applyMembership(INST, 'emea', ['c', 'd'], ['a'], T + 1, 2);
    await s.applyMembership(INST, 'emea', [], ['d'], T + 2, 3);
    const { moves, total } = await s.membershipMovesOfRun(INST, 2);
    expect(total).toBe(3);
    expect(moves.map((m) => `${m.contactId}:${m.type}`)).toEqual(['a:exited', 'c:entered']);
    await s.undoMembershipMoves(INST, moves);
    expect([...await s.getSegmentMembers(INST, 'emea')].sort()).toEqual(['a', 'b']);
    expect((await Array.fromAsync(s.iterateSegmentEvents(INST))).map((e) => `${e.contactId}:${e.type}`)).toEqual(['a:entered', 'b:entered', 'd:entered', 'd:exited']);
  });
});
