/**
 * Follow-up task episodes (issue 14): which CRM task Parcours opened for which (action, record), what
 * it wrote on it, and how the episode ended; plus the audit of every task write.
 */
import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import type { TaskFields } from '../../connectors/port.ts';
import { ParcoursError } from '../errors.ts';
import { sqliteRows, text } from './row-values.ts';
import { taskRows } from './rows/tasks.ts';
import type { NewTaskEpisode, TaskAuditRow, TaskEpisode, TaskEpisodeState, TaskWriteOp } from './types.ts';

const decode = taskRows(sqliteRows);

export function createTasks(db: DatabaseSync) {
  const insert = db.prepare(`
    INSERT INTO task_episodes (installation, action, kind, record_id, contact_id, flag, task_id, fields, state, opened_run, opened_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`);
  const selectOpen = db.prepare("SELECT * FROM task_episodes WHERE installation = ? AND state = 'open' ORDER BY id");
  const selectOpenPage = db.prepare("SELECT * FROM task_episodes WHERE installation = ? AND state = 'open' AND id > ? ORDER BY id LIMIT ?");
  const selectAll = db.prepare('SELECT * FROM task_episodes WHERE installation = ? ORDER BY id');
  const selectOpenedBy = db.prepare('SELECT * FROM task_episodes WHERE installation = ? AND opened_run = ? ORDER BY id');
  const selectClosedBy = db.prepare('SELECT * FROM task_episodes WHERE installation = ? AND closed_run = ? ORDER BY id');
  const selectOpenFor = db.prepare("SELECT id FROM task_episodes WHERE installation = ? AND action = ? AND kind = ? AND record_id = ? AND state = 'open'");
  const end = db.prepare('UPDATE task_episodes SET state = ?, closed_run = ?, closed_at = ?, note = ?, fields = ? WHERE id = ?');
  const reopen = db.prepare("UPDATE task_episodes SET state = 'open', closed_run = NULL, closed_at = NULL, note = NULL, fields = ? WHERE id = ?");
  const insertAudit = db.prepare('INSERT INTO task_audit (run_id, installation, task_id, episode_id, op, before, after, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const selectAudit = db.prepare('SELECT * FROM task_audit WHERE run_id = ? ORDER BY id');
  const selectEpisode = db.prepare('SELECT * FROM task_episodes WHERE id = ?');
  const selectTaskIds = db.prepare('SELECT task_id FROM task_episodes WHERE installation = ? AND task_id IN (SELECT value FROM json_each(?))');

  const audit = (runId: number, e: { installation: string; taskId: string; id: number }, op: TaskWriteOp, before: TaskFields | null, after: TaskFields | null, at: number): void => {
    insertAudit.run(runId, e.installation, e.taskId, e.id, op, before ? JSON.stringify(before) : null, after ? JSON.stringify(after) : null, at);
  };

  return {
    /** Opens episodes for tasks just created (and audits the creates); one open episode per (action, record). */
    open(installation: string, runId: number, at: number, episodes: readonly NewTaskEpisode[]): TaskEpisode[] {
      return episodes.map((e) => {
        if (selectOpenFor.get(installation, e.action, e.kind, e.recordId)) {
          throw new ParcoursError('STORE_ERROR', `a task for ${e.action} on ${e.kind} ${e.recordId} is already open`, { action: e.action, recordId: e.recordId });
        }
        const id = Number(insert.run(installation, e.action, e.kind, e.recordId, e.contactId, e.flag, e.taskId, JSON.stringify(e.fields), runId, at).lastInsertRowid);
        audit(runId, { installation, taskId: e.taskId, id }, 'create', null, e.fields, at);
        return decode.episode(selectEpisode.get(id) as Record<string, SQLOutputValue>);
      });
    },

    openEpisodes: (installation: string, page?: { afterId?: number; limit: number }): TaskEpisode[] =>
      (page ? selectOpenPage.all(installation, page.afterId ?? 0, page.limit) : selectOpen.all(installation)).map(decode.episode),
    allEpisodes: (installation: string): TaskEpisode[] => selectAll.all(installation).map(decode.episode),
    openedBy: (installation: string, runId: number): TaskEpisode[] => selectOpenedBy.all(installation, runId).map(decode.episode),
    closedBy: (installation: string, runId: number): TaskEpisode[] => selectClosedBy.all(installation, runId).map(decode.episode),

    /**
     * Ends an episode. `write`: the task write that ended it (complete / delete), audited with the
     * fields before and after; `fields` becomes what Parcours last wrote on the task.
     */
    end(episode: TaskEpisode, state: Exclude<TaskEpisodeState, 'open'>, runId: number, at: number, note: string | null, write?: { op: TaskWriteOp; after: TaskFields | null }): void {
      const fields = write?.after ?? episode.fields;
      end.run(state, runId, at, note, JSON.stringify(fields), episode.id);
      if (write) audit(runId, episode, write.op, episode.fields, write.after, at);
    },

    /** Rollback: the episode is open again with `fields` (as re-opened); false when another episode is open for its key. */
    reopen(episode: TaskEpisode, runId: number, at: number, fields: TaskFields): boolean {
      if (selectOpenFor.get(episode.installation, episode.action, episode.kind, episode.recordId)) return false;
      reopen.run(JSON.stringify(fields), episode.id);
      audit(runId, episode, 'reopen', episode.fields, fields, at);
      return true;
    },

    /** Which of these CRM ids are tasks Parcours created. */
    ownTaskIds(installation: string, ids: readonly string[]): Set<string> {
      if (ids.length === 0) return new Set();
      return new Set(selectTaskIds.all(installation, JSON.stringify(ids)).map((row) => text(row, 'task_id')));
    },

    auditForRun(runId: number): TaskAuditRow[] {
      return selectAudit.all(runId).map(decode.audit);
    },
  };
}
