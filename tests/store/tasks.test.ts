import { afterEach, describe, expect, it } from 'vitest';
import type { TaskFields } from '../../connectors/port.ts';
import { type Store } from '../../src/store/index.ts';
import { storeBackends } from './backends.ts';

const backends = storeBackends();

const INST = 'hubspot:default';
const fields: TaskFields = { subject: 'Follow up', body: 'b', status: 'open', priority: 'high', dueAt: 1_800_000_000_000, ownerId: '7' };
let store: Store;
afterEach(async () => await store?.close());

async function run(): Promise<number> {
  return await store.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 1 });
}

describe.each(backends)('task episodes ($name)', (backend) => {
  it('keeps one open task per (action, record); a new one may open once the last ended', async () => {
    store = await backend.open();
    const r1 = await run();
    const ep = { action: 'a', kind: 'deal' as const, recordId: 'd1', contactId: 'c1', flag: 'stalled_deal', taskId: 't1', fields };
    const [open] = await store.openTaskEpisodes(INST, r1, 10, [ep]);
    await expect(store.openTaskEpisodes(INST, r1, 11, [{ ...ep, taskId: 't2' }])).rejects.toThrow(/a task for a on deal d1 is already open/);
    const r2 = await run();
    await store.endTaskEpisode(open!, 'completed', r2, 20, null, { op: 'complete', after: { ...fields, status: 'completed' } });
    await store.openTaskEpisodes(INST, r2, 21, [{ ...ep, taskId: 't2' }]);
    expect((await store.allTaskEpisodes(INST)).map((e) => [e.taskId, e.state, e.fields.status, e.openedRun, e.closedRun])).toEqual([['t1', 'completed', 'completed', r1, r2], ['t2', 'open', 'open', r2, null]]);
    expect((await store.taskEpisodesOfRun(INST, r2)).closed.map((e) => e.taskId)).toEqual(['t1']);
    expect((await store.taskAuditForRun(r2)).map((a) => [a.op, a.taskId, a.before?.status ?? null, a.after?.status])).toEqual([['complete', 't1', 'open', 'completed'], ['create', 't2', null, 'open']]);
    // Re-opening t1 would make two open tasks for one problem: refused.
    const t1 = (await store.allTaskEpisodes(INST))[0]!;
    expect(await store.reopenTaskEpisode(t1, await run(), 30, fields)).toBe(false);
  });
});
