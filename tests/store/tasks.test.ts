import { afterEach, describe, expect, it } from 'vitest';
import type { TaskFields } from '../../connectors/port.ts';
import { openStore, type Store } from '../../src/store/index.ts';

const INST = 'hubspot:default';
const fields: TaskFields = { subject: 'Follow up', body: 'b', status: 'open', priority: 'high', dueAt: 1_800_000_000_000, ownerId: '7' };
let store: Store;
afterEach(() => store?.close());

function run(): number {
  return store.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 1 });
}

describe('task episodes', () => {
  it('keeps one open task per (action, record); a new one may open once the last ended', () => {
    store = openStore(':memory:');
    const r1 = run();
    const ep = { action: 'a', kind: 'deal' as const, recordId: 'd1', contactId: 'c1', flag: 'stalled_deal', taskId: 't1', fields };
    const [open] = store.openTaskEpisodes(INST, r1, 10, [ep]);
    expect(() => store.openTaskEpisodes(INST, r1, 11, [{ ...ep, taskId: 't2' }])).toThrow(/a task for a on deal d1 is already open/);
    const r2 = run();
    store.endTaskEpisode(open!, 'completed', r2, 20, null, { op: 'complete', after: { ...fields, status: 'completed' } });
    store.openTaskEpisodes(INST, r2, 21, [{ ...ep, taskId: 't2' }]);
    expect(store.allTaskEpisodes(INST).map((e) => [e.taskId, e.state, e.fields.status, e.openedRun, e.closedRun])).toEqual([['t1', 'completed', 'completed', r1, r2], ['t2', 'open', 'open', r2, null]]);
    expect(store.taskEpisodesOfRun(INST, r2).closed.map((e) => e.taskId)).toEqual(['t1']);
    expect(store.taskAuditForRun(r2).map((a) => [a.op, a.taskId, a.before?.status ?? null, a.after?.status])).toEqual([['complete', 't1', 'open', 'completed'], ['create', 't2', null, 'open']]);
    // Re-opening t1 would make two open tasks for one problem: refused.
    const t1 = store.allTaskEpisodes(INST)[0]!;
    expect(store.reopenTaskEpisode(t1, run(), 30, fields)).toBe(false);
  });
});
