/**
 * Issue 14 acceptance, Salesforce: the real CLI against the sandbox org with the default mapping's
 * actions. A stalled opportunity gets exactly one Task for its owner (WhatId the opportunity); a re-run
 * adds none; when it moves on the next run completes the Task; a Task the rep edited is left open; a
 * Task the rep made by hand is never touched; rollback deletes the untouched Tasks of that run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { runCli, runJson, salesforceEnv, storeEnv, type SyncJson } from './cli.ts';

interface TasksJson {
  created: number;
  completed: number;
  held: number;
  leftOpen: number;
  failed: number;
  leftOpenTasks: Array<{ key: string; taskId: string; why: string }>;
  unassignableTasks: Array<{ key: string; why: string }>;
}
type SyncWithTasks = SyncJson & { tasks?: TasksJson };

// Several CLI runs per test, on a machine that may be busy: generous timeouts, never weaker assertions.
describe('owner tasks (Salesforce end to end)', { timeout: 300_000 }, () => {
  let sb: SalesforceSandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    sb = await startSalesforceSandbox({ port: 0, seed: 14, contacts: 60 });
    env = { ...salesforceEnv(sb), ...storeEnv() };
  });
  afterAll(() => sb.close());

  const sync = async (...args: string[]) => {
    const r = await runJson<SyncWithTasks>(['sync', '--crm', 'salesforce', ...args], env);
    expect(r.stderr).toBe('');
    return r.json;
  };
  const tasks = () => sb.data.query('SELECT Id, WhatId, WhoId, OwnerId, Subject, Status, Priority, TaskSubtype FROM Task');
  // The org also holds seeded logged activities (calls, emails: touchpoints); the to-dos are TaskSubtype Task.
  const tasksOn = (oppId: string) => tasks().filter((t) => t.WhatId === oppId && t.TaskSubtype === 'Task');

  let firstRun = 0;
  let firstCreated = 0;
  let oppA = '';
  let oppB = '';
  let edited = '';
  let handMade = '';

  it('a stalled opportunity yields exactly one Task for its owner; a re-run yields none', async () => {
    expect((await runCli(['setup', '--crm', 'salesforce'], env)).code).toBe(0);
    const before = tasks().length;
    const run = await sync();
    firstRun = run.runId;
    firstCreated = run.tasks?.created ?? -1;
    expect(run.status).toBe('succeeded');
    const active = new Set(sb.data.query('SELECT Id, IsActive FROM User').filter((u) => u.IsActive === true).map((u) => String(u.Id)));
    const flagged = sb.data
      .query('SELECT Id, OwnerId, Parcours_Friction__c FROM Opportunity')
      .filter((o) => String(o.Parcours_Friction__c ?? '').split(';').includes('stalled_deal'));
    const stalled = flagged.filter((o) => active.has(String(o.OwnerId)));
    expect(stalled.length).toBeGreaterThanOrEqual(2);
    // An opportunity owned by a deactivated user gets no Task: the run reports it unassignable.
    for (const o of flagged.filter((x) => !active.has(String(x.OwnerId)))) {
      expect(tasksOn(String(o.Id))).toEqual([]);
      expect(run.tasks?.unassignableTasks.some((u) => u.key === `follow_up_stalled_deal:deal:${String(o.Id)}`)).toBe(true);
    }
    for (const o of stalled) {
      const mine = tasksOn(String(o.Id)).filter((t) => String(t.Subject).startsWith('Follow up: opportunity'));
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ OwnerId: o.OwnerId, Status: 'Not Started', Priority: 'High' });
    }
    expect(tasks().length - before).toBe(run.tasks?.created);
    const again = await sync();
    expect(again.tasks).toMatchObject({ created: 0, completed: 0, held: run.tasks?.created });
    // The new Tasks come back in the incremental touchpoint read; Parcours's own are not stored as touchpoints
    // (the seeded org has no other plain to-dos, so any `internal` touchpoint would be one of ours).
    expect(again.touchpoints?.byChannel.internal ?? 0).toBe(0);
    expect(tasks().length - before).toBe(run.tasks?.created);
    [oppA, oppB] = stalled.map((o) => String(o.Id)) as [string, string];
  });

  it('the opportunities move on: the untouched Task is completed, the edited one left open, the hand-made one never touched', async () => {
    const a = tasksOn(oppA).find((t) => String(t.Subject).startsWith('Follow up'));
    edited = String(tasksOn(oppB).find((t) => String(t.Subject).startsWith('Follow up'))?.Id);
    sb.data.update('Task', edited, { Subject: 'Called, waiting for the budget' });
    const full = sb.data.get('Task', String(a?.Id)) ?? {};
    handMade = sb.data.create('Task', { Subject: full.Subject, Description: full.Description, Status: 'Not Started', Priority: 'High', ActivityDate: full.ActivityDate, OwnerId: full.OwnerId, WhatId: oppA });
    for (const id of [oppA, oppB]) sb.data.update('Opportunity', id, { StageName: 'Closed Won' });

    const run = await sync('--full');
    expect(run.tasks).toMatchObject({ created: 0, completed: 1, leftOpen: 1, failed: 0 });
    expect(run.tasks?.leftOpenTasks).toEqual([{ key: `follow_up_stalled_deal:deal:${oppB}`, taskId: edited, why: 'edited in the CRM (subject): left open for its owner' }]);
    expect(sb.data.get('Task', String(a?.Id))).toMatchObject({ Status: 'Completed', IsClosed: true });
    expect(sb.data.get('Task', edited)).toMatchObject({ Status: 'Not Started', IsClosed: false });
    expect(sb.data.get('Task', handMade)).toMatchObject({ Status: 'Not Started', IsClosed: false });
  });

  it('rollback --run N deletes the untouched Tasks run N created and leaves the edited and hand-made ones', async () => {
    const r = await runJson<{ tasks?: { removed: number; reopened: number; skipped: Array<{ taskId: string; reason: string }>; failed: unknown[] } }>(['rollback', '--run', String(firstRun)], env);
    expect(r.code).toBe(0);
    expect(r.json.tasks).toMatchObject({ removed: firstCreated - 1, reopened: 0, failed: [] });
    expect(r.json.tasks?.skipped).toEqual([{ taskId: edited, key: `follow_up_stalled_deal:deal:${oppB}`, reason: `changed in the CRM since run ${firstRun}` }]);
    expect(sb.data.get('Task', edited)).not.toBeNull();
    expect(sb.data.get('Task', handMade)).not.toBeNull();
    expect(tasksOn(oppA).map((t) => t.Id)).toEqual([handMade]);
  });
});
