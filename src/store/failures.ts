/**
 * Records that failed to write: a retry queue (one row per record still failing, with an attempt
 * count) and an append-only log per run, so admins still see failures after a retry succeeded.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { ObjectKind, RecordRef } from '../model.ts';
import { int, text } from './row-values.ts';
import type { FailureInput, FailureLogRow, PendingFailure } from './types.ts';

export function createFailures(db: DatabaseSync) {
  const upsert = db.prepare(`
    INSERT INTO failures (installation, kind, id, code, message, run_id, attempts, first_failed_at, last_failed_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?7)
    ON CONFLICT (installation, kind, id) DO UPDATE SET
      code = excluded.code, message = excluded.message, run_id = excluded.run_id,
      attempts = attempts + 1, last_failed_at = excluded.last_failed_at`);
  const insertLog = db.prepare(`
    INSERT INTO failure_log (run_id, installation, kind, record_id, code, message, at) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const selectPending = db.prepare(`
    SELECT kind, id, code, message, attempts, run_id, last_failed_at FROM failures WHERE installation = ? ORDER BY kind, id`);
  const remove = db.prepare('DELETE FROM failures WHERE installation = ? AND kind = ? AND id = ?');
  const selectLog = db.prepare(`
    SELECT run_id, installation, kind, record_id, code, message, at FROM failure_log WHERE run_id = ? ORDER BY id`);

  return {
    record(installation: string, runId: number, failures: readonly FailureInput[], at: number): void {
      for (const f of failures) {
        upsert.run(installation, f.kind, f.id, f.code, f.message, runId, at);
        insertLog.run(runId, installation, f.kind, f.id, f.code, f.message, at);
      }
    },

    pending(installation: string): PendingFailure[] {
      return selectPending.all(installation).map((row) => ({
        kind: text(row, 'kind') as ObjectKind,
        id: text(row, 'id'),
        code: text(row, 'code'),
        message: text(row, 'message'),
        attempts: int(row, 'attempts'),
        runId: int(row, 'run_id'),
        lastFailedAt: int(row, 'last_failed_at'),
      }));
    },

    clear(installation: string, refs: ReadonlyArray<Pick<RecordRef, 'kind' | 'id'>>): void {
      for (const ref of refs) remove.run(installation, ref.kind, ref.id);
    },

    forRun(runId: number): FailureLogRow[] {
      return selectLog.all(runId).map((row) => ({
        runId: int(row, 'run_id'),
        installation: text(row, 'installation'),
        kind: text(row, 'kind') as ObjectKind,
        id: text(row, 'record_id'),
        code: text(row, 'code'),
        message: text(row, 'message'),
        at: int(row, 'at'),
      }));
    },
  };
}
