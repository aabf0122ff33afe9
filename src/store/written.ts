/**
 * What Parcours last wrote on each record (to ignore its own echoes, pitfall 12) and the audit log
 * of every field written (before -> after, the rollback image, pitfall 14).
 */
import type { DatabaseSync } from 'node:sqlite';
import type { ObjectKind, RecordRef } from '../model.ts';
import { readFieldValues } from './json-columns.ts';
import { sqliteRows, text } from './row-values.ts';
import { auditRows } from './rows/written.ts';
import type { AuditRow, FieldValues, RecordWrite } from './types.ts';

const toAudit = auditRows(sqliteRows).audit;

export function createWritten(db: DatabaseSync) {
  const selectSnapshot = db.prepare('SELECT vals FROM written WHERE installation = ? AND kind = ? AND id = ?');
  const selectSnapshots = db.prepare(`
    SELECT id, vals FROM written WHERE installation = ? AND kind = ? AND id IN (SELECT value FROM json_each(?))`);
  const upsertSnapshot = db.prepare(`
    INSERT INTO written (installation, kind, id, vals, run_id, written_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (installation, kind, id) DO UPDATE SET
      vals = excluded.vals, run_id = excluded.run_id, written_at = excluded.written_at`);
  const deleteSnapshot = db.prepare('DELETE FROM written WHERE installation = ? AND kind = ? AND id = ?');
  const insertAudit = db.prepare(`
    INSERT INTO audit (run_id, installation, kind, record_id, field, before, after, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const selectAudit = db.prepare(`
    SELECT run_id, installation, kind, record_id, field, before, after, at FROM audit WHERE run_id = ? ORDER BY id`);
  // Index audit_by_record (installation, kind, record_id).
  const selectRecordAudit = db.prepare(`
    SELECT run_id, installation, kind, record_id, field, before, after, at FROM audit
    WHERE installation = ? AND kind = ? AND record_id IN (SELECT value FROM json_each(?)) ORDER BY id`);

  return {
    get(installation: string, kind: ObjectKind, ids: readonly string[]): Map<string, FieldValues> {
      const out = new Map<string, FieldValues>();
      if (ids.length === 0) return out;
      for (const row of selectSnapshots.all(installation, kind, JSON.stringify(ids))) {
        out.set(text(row, 'id'), readFieldValues(row['vals']));
      }
      return out;
    },

    record(installation: string, runId: number, writes: readonly RecordWrite[], at: number): void {
      for (const w of writes) {
        const previous = selectSnapshot.get(installation, w.kind, w.id);
        // A write may touch only some owned fields; the others keep their last written value.
        const merged = { ...(previous ? readFieldValues(previous['vals']) : {}), ...w.after };
        upsertSnapshot.run(installation, w.kind, w.id, JSON.stringify(merged), runId, at);
        for (const [field, after] of Object.entries(w.after)) {
          insertAudit.run(runId, installation, w.kind, w.id, field, w.before[field] ?? null, after, at);
        }
      }
    },

    /** Snapshots of records that left the CRM are meaningless; the audit rows stay. */
    forget(installation: string, refs: readonly RecordRef[]): void {
      for (const ref of refs) deleteSnapshot.run(installation, ref.kind, ref.id);
    },

    auditOfRecords(installation: string, kind: ObjectKind, ids: readonly string[]): AuditRow[] {
      if (ids.length === 0) return [];
      return selectRecordAudit.all(installation, kind, JSON.stringify(ids)).map(toAudit);
    },

    auditForRun(runId: number): AuditRow[] {
      return selectAudit.all(runId).map(toAudit);
    },
  };
}
