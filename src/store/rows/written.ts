/** The field-write audit, backend-neutral: the row decoder (SQL in src/store/written.ts and src/store/postgres/written.ts). */
import type { ObjectKind } from '../../model.ts';
import type { AuditRow } from '../types.ts';
import type { Row, RowReader } from './reader.ts';

/** Decoder of audit rows (run_id, installation, kind, record_id, field, before, after, at). */
export function auditRows(r: RowReader) {
  return {
    audit(row: Row): AuditRow {
      return {
        runId: r.int(row, 'run_id'),
        installation: r.text(row, 'installation'),
        kind: r.text(row, 'kind') as ObjectKind,
        recordId: r.text(row, 'record_id'),
        field: r.text(row, 'field'),
        before: r.textOrNull(row, 'before'),
        after: r.textOrNull(row, 'after'),
        at: r.int(row, 'at'),
      };
    },
  };
}
