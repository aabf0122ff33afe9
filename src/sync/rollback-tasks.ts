/**
 * Rollback of one run's follow-up tasks: tasks it created that still stand exactly as Parcours left
 * them are deleted; tasks it completed that are still as it left them are re-opened. Anything a person
 * touched since is reported and left alone. Only task ids from the store are read or written.
 */
import type { CrmConnector, TaskFields } from '../../connectors/port.ts';
import type { Store, TaskEpisode } from '../store/index.ts';
import { episodeKey, untouched } from './tasks.ts';

export interface TaskRollback {
  removed: number;
  reopened: number;
  skipped: Array<{ taskId: string; key: string; reason: string }>;
  failed: Array<{ taskId: string; key: string; code: string; message: string }>;
}

const READ_CHUNK = 100;

export async function rollbackTasks(connector: CrmConnector, store: Store, installation: string, runId: number, rollbackRunId: number, now: number): Promise<TaskRollback | undefined> {
  const { opened, closed } = await store.taskEpisodesOfRun(installation, runId);
  const toRemove = opened.filter((e) => e.state !== 'deleted' && e.state !== 'gone');
  const toReopen = closed.filter((e) => e.state === 'completed');
  if (toRemove.length === 0 && toReopen.length === 0) return undefined;
  const report: TaskRollback = { removed: 0, reopened: 0, skipped: [], failed: [] };
  const tasks = connector.tasks;
  if (!tasks) {
    for (const e of [...toRemove, ...toReopen]) report.skipped.push({ taskId: e.taskId, key: episodeKey(e), reason: `the ${connector.crm} connector cannot write tasks` });
    return report;
  }
  const live = new Map<string, TaskFields>();
  const ids = [...new Set([...toRemove, ...toReopen].map((e) => e.taskId))];
  for (let i = 0; i < ids.length; i += READ_CHUNK) for (const [id, f] of await tasks.read(ids.slice(i, i + READ_CHUNK))) live.set(id, f);

  const skip = (e: TaskEpisode, reason: string): void => {
    report.skipped.push({ taskId: e.taskId, key: episodeKey(e), reason });
  };
  const remove: TaskEpisode[] = [];
  for (const e of toRemove) {
    const cur = live.get(e.taskId);
    if (!cur) {
      if (e.state === 'open') await store.endTaskEpisode(e, 'gone', rollbackRunId, now, 'deleted in the CRM');
      skip(e, 'already deleted in the CRM');
    } else if (!untouched(cur, e.fields)) skip(e, `changed in the CRM since run ${runId}`);
    else remove.push(e);
  }
  if (remove.length) {
    const result = await tasks.remove(remove.map((e) => e.taskId));
    const done = new Set(result.removed);
    for (const e of remove) {
      if (!done.has(e.taskId)) continue;
      await store.endTaskEpisode(e, 'deleted', rollbackRunId, now, `removed by the rollback of run ${runId}`, { op: 'delete', after: null });
      report.removed++;
    }
    const byId = new Map(remove.map((e) => [e.taskId, e]));
    for (const f of result.failed) report.failed.push({ taskId: f.id, key: byId.has(f.id) ? episodeKey(byId.get(f.id) as TaskEpisode) : '', code: f.code, message: f.message });
  }

  const openKeys = new Set((await store.openTaskEpisodesOf(installation)).map(episodeKey));
  const reopen: TaskEpisode[] = [];
  for (const e of toReopen) {
    const cur = live.get(e.taskId);
    if (!cur) skip(e, 'deleted in the CRM');
    else if (!untouched(cur, e.fields)) skip(e, `changed in the CRM since run ${runId}`);
    else if (openKeys.has(episodeKey(e))) skip(e, 'a later run opened another task for the same problem');
    else reopen.push(e);
  }
  if (reopen.length) {
    const result = await tasks.update(reopen.map((e) => ({ id: e.taskId, fields: { status: 'open' } })));
    const done = new Set(result.written);
    for (const e of reopen) {
      if (!done.has(e.taskId)) continue;
      await store.reopenTaskEpisode(e, rollbackRunId, now, { ...e.fields, status: 'open' });
      report.reopened++;
    }
    const byId = new Map(reopen.map((e) => [e.taskId, e]));
    for (const f of result.failed) report.failed.push({ taskId: f.id, key: byId.has(f.id) ? episodeKey(byId.get(f.id) as TaskEpisode) : '', code: f.code, message: f.message });
  }
  return report;
}
