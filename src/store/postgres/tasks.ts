/**
 * Follow-up task episodes (issue 14) and the audit of every task write, on PostgreSQL; same rules as
 * src/store/tasks.ts (one open episode per action and record; only tasks Parcours created are kept).
 */
import type { TaskFields } from '../../../connectors/port.ts';
import { ParcoursError } from '../../errors.ts';
import { taskRows } from '../rows/tasks.ts';
import type { NewTaskEpisode, TaskAuditRow, TaskEpisode, TaskEpisodeState, TaskWriteOp } from '../types.ts';
import type { Queryable } from './db.ts';
import { jsonb, postgresRows, str } from './row-values.ts';

const decode = taskRows(postgresRows);

const COLUMNS = `id, installation, action, kind, record_id, contact_id, flag, task_id, fields::text AS fields, state,
  opened_run, opened_at, closed_run, closed_at, note`;

async function audit(q: Queryable, rows: readonly TaskAuditRow[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO task_audit (run_id, installation, task_id, episode_id, op, before, after, at)
     SELECT a.run_id, a.installation, a.task_id, a.episode_id, a.op, a.before::jsonb, a.after::jsonb, a.at
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::bigint[]) WITH ORDINALITY
       AS a(run_id, installation, task_id, episode_id, op, before, after, at, n)
     ORDER BY a.n`,
    [
      rows.map((r) => r.runId), rows.map((r) => r.installation), rows.map((r) => r.taskId), rows.map((r) => r.episodeId), rows.map((r) => r.op),
      rows.map((r) => (r.before ? jsonb(r.before) : null)), rows.map((r) => (r.after ? jsonb(r.after) : null)), rows.map((r) => r.at),
    ],
  );
}

async function openFor(q: Queryable, installation: string, action: string, kind: string, recordId: string): Promise<boolean> {
  const r = await q.query("SELECT 1 FROM task_episodes WHERE installation = $1 AND action = $2 AND kind = $3 AND record_id = $4 AND state = 'open'", [installation, action, kind, recordId]);
  return r.rows.length > 0;
}

/** Opens episodes for tasks just created (and audits the creates); one open episode per (action, record). */
export async function openTaskEpisodes(q: Queryable, installation: string, runId: number, at: number, episodes: readonly NewTaskEpisode[]): Promise<TaskEpisode[]> {
  if (episodes.length === 0) return [];
  const already = await q.query(
    `SELECT DISTINCT t.action, t.kind, t.record_id FROM task_episodes t JOIN unnest($2::text[], $3::text[], $4::text[]) AS x(action, kind, record_id)
     ON t.installation = $1 AND t.action = x.action AND t.kind = x.kind AND t.record_id = x.record_id AND t.state = 'open'`,
    [installation, episodes.map((e) => e.action), episodes.map((e) => e.kind), episodes.map((e) => e.recordId)],
  );
  const open = new Set(already.rows.map((row) => JSON.stringify([str(row, 'action'), str(row, 'kind'), str(row, 'record_id')])));
  for (const e of episodes) {
    const key = JSON.stringify([e.action, e.kind, e.recordId]);
    // Open in the store, or earlier in this same list.
    if (open.has(key)) throw new ParcoursError('STORE_ERROR', `a task for ${e.action} on ${e.kind} ${e.recordId} is already open`, { action: e.action, recordId: e.recordId });
    open.add(key);
  }
  const inserted = await q.query(
    `INSERT INTO task_episodes (installation, action, kind, record_id, contact_id, flag, task_id, fields, state, opened_run, opened_at)
     SELECT $1, e.action, e.kind, e.record_id, e.contact_id, e.flag, e.task_id, e.fields::jsonb, 'open', $2, $3
     FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) WITH ORDINALITY
       AS e(action, kind, record_id, contact_id, flag, task_id, fields, n)
     ORDER BY e.n
     RETURNING ${COLUMNS}`,
    [
      installation, runId, at,
      episodes.map((e) => e.action), episodes.map((e) => e.kind), episodes.map((e) => e.recordId), episodes.map((e) => e.contactId),
      episodes.map((e) => e.flag), episodes.map((e) => e.taskId), episodes.map((e) => jsonb(e.fields)),
    ],
  );
  // Ids are drawn in list order; RETURNING promises no order, so sort by id.
  const opened = inserted.rows.map(decode.episode).sort((a, b) => a.id - b.id);
  await audit(q, opened.map((e) => ({ runId, installation, taskId: e.taskId, episodeId: e.id, op: 'create' as const, before: null, after: e.fields, at })));
  return opened;
}

export async function openTaskEpisodesOf(q: Queryable, installation: string, page?: { afterId?: number; limit: number }): Promise<TaskEpisode[]> {
  const r = page
    ? await q.query(`SELECT ${COLUMNS} FROM task_episodes WHERE installation = $1 AND state = 'open' AND id > $2 ORDER BY id LIMIT $3`, [installation, page.afterId ?? 0, page.limit])
    : await q.query(`SELECT ${COLUMNS} FROM task_episodes WHERE installation = $1 AND state = 'open' ORDER BY id`, [installation]);
  return r.rows.map(decode.episode);
}

export async function allTaskEpisodes(q: Queryable, installation: string): Promise<TaskEpisode[]> {
  const r = await q.query(`SELECT ${COLUMNS} FROM task_episodes WHERE installation = $1 ORDER BY id`, [installation]);
  return r.rows.map(decode.episode);
}

export async function taskEpisodesOfRun(q: Queryable, installation: string, runId: number): Promise<{ opened: TaskEpisode[]; closed: TaskEpisode[] }> {
  const opened = await q.query(`SELECT ${COLUMNS} FROM task_episodes WHERE installation = $1 AND opened_run = $2 ORDER BY id`, [installation, runId]);
  const closed = await q.query(`SELECT ${COLUMNS} FROM task_episodes WHERE installation = $1 AND closed_run = $2 ORDER BY id`, [installation, runId]);
  return { opened: opened.rows.map(decode.episode), closed: closed.rows.map(decode.episode) };
}

/** Ends an episode; `write` (complete / delete) is audited, and its `after` becomes what Parcours last wrote. */
export async function endTaskEpisode(q: Queryable, episode: TaskEpisode, state: Exclude<TaskEpisodeState, 'open'>, runId: number, at: number, note: string | null, write?: { op: TaskWriteOp; after: TaskFields | null }): Promise<void> {
  const fields = write?.after ?? episode.fields;
  await q.query('UPDATE task_episodes SET state = $1, closed_run = $2, closed_at = $3, note = $4, fields = $5::jsonb WHERE id = $6', [state, runId, at, note, jsonb(fields), episode.id]);
  if (write) await audit(q, [{ runId, installation: episode.installation, taskId: episode.taskId, episodeId: episode.id, op: write.op, before: episode.fields, after: write.after, at }]);
}

/** Rollback: the episode is open again with `fields`; false when another episode is open for its key. */
export async function reopenTaskEpisode(q: Queryable, episode: TaskEpisode, runId: number, at: number, fields: TaskFields): Promise<boolean> {
  if (await openFor(q, episode.installation, episode.action, episode.kind, episode.recordId)) return false;
  await q.query("UPDATE task_episodes SET state = 'open', closed_run = NULL, closed_at = NULL, note = NULL, fields = $1::jsonb WHERE id = $2", [jsonb(fields), episode.id]);
  await audit(q, [{ runId, installation: episode.installation, taskId: episode.taskId, episodeId: episode.id, op: 'reopen', before: episode.fields, after: fields, at }]);
  return true;
}

export async function taskAuditForRun(q: Queryable, runId: number): Promise<TaskAuditRow[]> {
  const r = await q.query('SELECT run_id, installation, task_id, episode_id, op, before::text AS before, after::text AS after, at FROM task_audit WHERE run_id = $1 ORDER BY id', [runId]);
  return r.rows.map(decode.audit);
}

/** Which of these CRM ids are tasks Parcours created. */
export async function ownTaskIds(q: Queryable, installation: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const r = await q.query('SELECT task_id FROM task_episodes WHERE installation = $1 AND task_id = ANY($2::text[])', [installation, ids]);
  return new Set(r.rows.map((row) => str(row, 'task_id')));
}
