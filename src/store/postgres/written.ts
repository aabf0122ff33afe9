/**
 * What Parcours last wrote on each record (its own echoes) and the audit of every field written, on
 * PostgreSQL. A call's writes are merged in memory in order (a record written twice merges twice), then
 * stored with one upsert and one audit insert.
 */
import type { ObjectKind, RecordRef } from '../../model.ts';
import { readFieldValues } from '../json-columns.ts';
import type { AuditRow, FieldValues, RecordWrite } from '../types.ts';
import { auditRows } from '../rows/written.ts';
import { byKey, type Queryable } from './db.ts';
import { jsonb, postgresRows, str } from './row-values.ts';

const toAudit = auditRows(postgresRows).audit;

const key = (kind: string, id: string): string => `${kind}\u0000${id}`;

export async function getWritten(q: Queryable, installation: string, kind: ObjectKind, ids: readonly string[]): Promise<Map<string, FieldValues>> {
  const out = new Map<string, FieldValues>();
  if (ids.length === 0) return out;
  const r = await q.query('SELECT id, vals::text AS vals FROM written WHERE installation = $1 AND kind = $2 AND id = ANY($3::text[])', [installation, kind, ids]);
  for (const row of r.rows) out.set(str(row, 'id'), readFieldValues(row['vals']));
  return out;
}

export async function recordWrites(q: Queryable, installation: string, runId: number, writes: readonly RecordWrite[], at: number): Promise<void> {
  if (writes.length === 0) return;
  const previous = await q.query(
    `SELECT w.kind, w.id, w.vals::text AS vals FROM written w JOIN unnest($2::text[], $3::text[]) AS x(kind, id)
     ON w.installation = $1 AND w.kind = x.kind AND w.id = x.id`,
    [installation, writes.map((w) => w.kind), writes.map((w) => w.id)],
  );
  const snapshots = new Map<string, { kind: ObjectKind; id: string; vals: FieldValues }>();
  for (const row of previous.rows) {
    snapshots.set(key(str(row, 'kind'), str(row, 'id')), { kind: str(row, 'kind') as ObjectKind, id: str(row, 'id'), vals: readFieldValues(row['vals']) });
  }
  const touched = new Map<string, { kind: ObjectKind; id: string; vals: FieldValues }>();
  const audit = { kind: [] as string[], id: [] as string[], field: [] as string[], before: [] as Array<string | null>, after: [] as Array<string | null> };
  for (const w of writes) {
    const k = key(w.kind, w.id);
    // A write may touch only some owned fields; the others keep their last written value.
    const merged = { kind: w.kind, id: w.id, vals: { ...(snapshots.get(k)?.vals ?? {}), ...w.after } };
    snapshots.set(k, merged);
    touched.set(k, merged);
    for (const [field, after] of Object.entries(w.after)) {
      audit.kind.push(w.kind);
      audit.id.push(w.id);
      audit.field.push(field);
      audit.before.push(w.before[field] ?? null);
      audit.after.push(after);
    }
  }
  const rows = byKey([...touched.values()], (r) => key(r.kind, r.id));
  await q.query(
    `INSERT INTO written (installation, kind, id, vals, run_id, written_at)
     SELECT $1, x.kind, x.id, x.vals::jsonb, $2, $3 FROM unnest($4::text[], $5::text[], $6::text[]) AS x(kind, id, vals)
     ON CONFLICT (installation, kind, id) DO UPDATE SET vals = excluded.vals, run_id = excluded.run_id, written_at = excluded.written_at`,
    [installation, runId, at, rows.map((r) => r.kind), rows.map((r) => r.id), rows.map((r) => jsonb(r.vals))],
  );
  if (audit.kind.length === 0) return;
  // ORDER BY the position: audit ids follow the order of the writes.
  await q.query(
    `INSERT INTO audit (run_id, installation, kind, record_id, field, before, after, at)
     SELECT $1, $2, a.kind, a.id, a.field, a.before, a.after, $3
     FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS a(kind, id, field, before, after, n) ORDER BY a.n`,
    [runId, installation, at, audit.kind, audit.id, audit.field, audit.before, audit.after],
  );
}

/** Snapshots of records that left the CRM are meaningless; the audit rows stay. */
export async function forgetWritten(q: Queryable, installation: string, refs: readonly RecordRef[]): Promise<void> {
  if (refs.length === 0) return;
  await q.query(
    `DELETE FROM written w USING unnest($2::text[], $3::text[]) AS x(kind, id) WHERE w.installation = $1 AND w.kind = x.kind AND w.id = x.id`,
    [installation, refs.map((r) => r.kind), refs.map((r) => r.id)],
  );
}

const AUDIT_COLUMNS = 'run_id, installation, kind, record_id, field, before, after, at';

export async function auditForRun(q: Queryable, runId: number): Promise<AuditRow[]> {
  const r = await q.query(`SELECT ${AUDIT_COLUMNS} FROM audit WHERE run_id = $1 ORDER BY id`, [runId]);
  return r.rows.map(toAudit);
}

export async function auditOfRecords(q: Queryable, installation: string, kind: ObjectKind, ids: readonly string[]): Promise<AuditRow[]> {
  if (ids.length === 0) return [];
  const r = await q.query(`SELECT ${AUDIT_COLUMNS} FROM audit WHERE installation = $1 AND kind = $2 AND record_id = ANY($3::text[]) ORDER BY id`, [installation, kind, ids]);
  return r.rows.map(toAudit);
}
