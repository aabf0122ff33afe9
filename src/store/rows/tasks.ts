/**
 * Task episodes and the task audit (issue 14), backend-neutral: the row decoders and the check of the
 * task fields kept as JSON. SQL stays in src/store/tasks.ts and src/store/postgres/tasks.ts.
 */
import { z } from 'zod';
import type { TaskFields } from '../../../connectors/port.ts';
import { ParcoursError } from '../../errors.ts';
import type { ObjectKind } from '../../model.ts';
import type { TaskAuditRow, TaskEpisode, TaskEpisodeState, TaskWriteOp } from '../types.ts';
import type { Row, RowReader } from './reader.ts';

const fieldsSchema = z.object({
  subject: z.string(),
  body: z.string(),
  status: z.enum(['open', 'completed']),
  priority: z.enum(['low', 'medium', 'high']),
  dueAt: z.number(),
  ownerId: z.string(),
});

/** Task fields from their JSON text (PostgreSQL: the jsonb column read as `::text`). */
function readFields(value: unknown, column: string): TaskFields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(value));
  } catch {
    parsed = undefined;
  }
  const ok = fieldsSchema.safeParse(parsed);
  if (!ok.success) throw new ParcoursError('STORE_ERROR', `store column ${column} holds unreadable task fields`, { column });
  return ok.data;
}

/** Decoders of task_episodes rows (all columns, fields as JSON text) and task_audit rows (before and after as JSON text or null). */
export function taskRows(r: RowReader) {
  return {
    episode(row: Row): TaskEpisode {
      return {
        id: r.int(row, 'id'),
        installation: r.text(row, 'installation'),
        action: r.text(row, 'action'),
        kind: r.text(row, 'kind') as ObjectKind,
        recordId: r.text(row, 'record_id'),
        contactId: r.textOrNull(row, 'contact_id'),
        flag: r.textOrNull(row, 'flag'),
        taskId: r.text(row, 'task_id'),
        fields: readFields(row['fields'], 'task_episodes.fields'),
        state: r.text(row, 'state') as TaskEpisodeState,
        openedRun: r.int(row, 'opened_run'),
        openedAt: r.int(row, 'opened_at'),
        closedRun: r.intOrNull(row, 'closed_run'),
        closedAt: r.intOrNull(row, 'closed_at'),
        note: r.textOrNull(row, 'note'),
      };
    },

    audit(row: Row): TaskAuditRow {
      return {
        runId: r.int(row, 'run_id'),
        installation: r.text(row, 'installation'),
        taskId: r.text(row, 'task_id'),
        episodeId: r.int(row, 'episode_id'),
        op: r.text(row, 'op') as TaskWriteOp,
        before: row['before'] === null ? null : readFields(row['before'], 'task_audit.before'),
        after: row['after'] === null ? null : readFields(row['after'], 'task_audit.after'),
        at: r.int(row, 'at'),
      };
    },
  };
}
