/**
 * Issue 14 acceptance, HubSpot: the real CLI against the sandbox with the default mapping's actions.
 * A stalled deal gets exactly one task for its owner; a re-run adds none; when the deal moves on the
 * next run completes the task; a task the rep edited is left open; a task the rep made by hand is never
 * touched; rollback removes the untouched tasks of the run that created them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { runCli, runJson, storeEnv, type SyncJson } from './cli.ts';

interface TasksJson {
  created: number;
  completed: number;
  held: number;
  leftOpen: number;
  unassignable: number;
  failed: number;
  leftOpenTasks: Array<{ key: string; taskId: string; why: string }>;
  toCreate?: Array<{ key: string; ownerId: string; dueAt: string }>;
}
type SyncWithTasks = SyncJson & { tasks?: TasksJson };

interface RollbackJson {
  tasks?: { removed: number; reopened: number; skipped: Array<{ taskId: string; reason: string }>; failed: unknown[] };
}

// Several CLI runs per test, on a machine that may be busy: generous timeouts, never weaker assertions.
describe('owner tasks (HubSpot end to end)', { timeout: 300_000 }, () => {
  let sb: HubspotSandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    sb = await startHubspotSandbox({ port: 0, seed: 14, contacts: 60 });
    env = { HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: sb.accessToken, ...storeEnv() };
  });
  afterAll(async () => {
    await sb.close();
  });

  const sync = async (...args: string[]) => {
    const r = await runJson<SyncWithTasks>(['sync', '--crm', 'hubspot', ...args], env);
    expect(r.stderr).toBe('');
    return r.json;
  };
  const tasksOn = (dealId: string) => sb.data.associated('deals', dealId, 'tasks').filter((id) => sb.data.getRecord('tasks', id)?.archived === false);
  const stalledDeals = () => sb.data.ids('deals').filter((id) => (sb.data.getRecord('deals', id)?.properties.parcours_friction ?? '').split(';').includes('stalled_deal'));

  let firstRun = 0;
  let dealA = '';
  let dealB = '';
  let handMade = '';
  let editedTask = '';

  it('a stalled deal yields exactly one task, for the deal owner; --dry-run listed it first; a re-run yields none', async () => {
    expect((await runCli(['setup', '--crm', 'hubspot'], env)).code).toBe(0);
    const dry = await sync('--dry-run');
    expect(sb.data.ids('tasks')).toEqual([]);

    const run = await sync();
    firstRun = run.runId;
    expect(run.status).toBe('succeeded');
    const stalled = stalledDeals().filter((id) => sb.data.getRecord('deals', id)?.properties.hubspot_owner_id);
    expect(stalled.length).toBeGreaterThanOrEqual(2);
    for (const id of stalled) {
      const tasks = tasksOn(id).map((t) => sb.data.getRecord('tasks', t)?.properties ?? {}).filter((p) => p.hs_task_subject?.startsWith('Follow up: deal'));
      expect(tasks).toHaveLength(1);
      expect(tasks[0]).toMatchObject({ hubspot_owner_id: sb.data.getRecord('deals', id)?.properties.hubspot_owner_id, hs_task_status: 'NOT_STARTED', hs_task_priority: 'HIGH' });
      expect(dry.tasks?.toCreate?.some((t) => t.key === `follow_up_stalled_deal:deal:${id}` && t.ownerId === tasks[0]?.hubspot_owner_id)).toBe(true);
    }
    expect(run.tasks?.created).toBe(sb.data.ids('tasks').length);
    expect(run.tasks?.failed).toBe(0);

    const again = await sync();
    expect(again.tasks).toMatchObject({ created: 0, completed: 0, held: run.tasks?.created });
    expect(sb.data.ids('tasks')).toHaveLength(run.tasks?.created ?? -1);
    [dealA, dealB] = stalled as [string, string];
  });

  it('the deals move on: the untouched task is completed, the edited one is left open, the hand-made one is never touched', async () => {
    const taskA = tasksOn(dealA)[0] as string;
    const taskB = tasksOn(dealB)[0] as string;
    editedTask = taskB;
    // The rep rewrites B's subject, and makes a task by hand on A that looks just like Parcours's.
    sb.data.updateRecord('tasks', taskB, { hs_task_subject: 'Called, waiting for the budget' });
    const a = sb.data.getRecord('tasks', taskA)?.properties ?? {};
    handMade = sb.data.createRecord('tasks', { hs_task_subject: a.hs_task_subject ?? '', hs_task_body: a.hs_task_body ?? '', hs_task_status: 'NOT_STARTED', hs_task_priority: 'HIGH', hs_timestamp: a.hs_timestamp ?? '', hubspot_owner_id: a.hubspot_owner_id ?? '', hs_task_type: 'TODO' }).id;
    sb.data.associate('tasks', handMade, 'deals', dealA);
    for (const id of [dealA, dealB]) sb.data.updateRecord('deals', id, { dealstage: 'closedwon' });

    const run = await sync('--full');
    expect(run.tasks).toMatchObject({ created: 0, completed: 1, leftOpen: 1 });
    expect(run.tasks?.leftOpenTasks).toEqual([{ key: `follow_up_stalled_deal:deal:${dealB}`, taskId: taskB, why: 'edited in the CRM (subject): left open for its owner' }]);
    expect(sb.data.getRecord('tasks', taskA)?.properties.hs_task_status).toBe('COMPLETED');
    expect(sb.data.getRecord('tasks', taskB)?.properties.hs_task_status).toBe('NOT_STARTED');
    expect(sb.data.getRecord('tasks', handMade)?.properties.hs_task_status).toBe('NOT_STARTED');

    const text = await runCli(['sync', '--crm', 'hubspot'], env);
    expect(text.stdout).toMatch(/tasks: +0 created, 0 completed, 0 left open \(edited\)/);
  });

  it('rollback --run N deletes the untouched tasks run N created and leaves the edited and hand-made ones', async () => {
    const before = new Set(sb.data.ids('tasks'));
    const r = await runJson<RollbackJson>(['rollback', '--run', String(firstRun)], env);
    expect(r.code).toBe(0);
    const after = new Set(sb.data.ids('tasks'));
    expect(after).toEqual(new Set([editedTask, handMade]));
    // The completed task A was as Parcours left it (completed): removed with the others.
    expect(r.json.tasks).toMatchObject({ removed: before.size - 2, reopened: 0, failed: [] });
    expect(r.json.tasks?.skipped.map((s) => s.reason)).toEqual([`changed in the CRM since run ${firstRun}`]);
  });
});
