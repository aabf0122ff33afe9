/**
 * Records that failed to write, on PostgreSQL: the retry queue (one row per record still failing, with
 * an attempt count) and the append-only log per run.
 */
import type { ObjectKind, RecordRef } from '../../model.ts';
import type { FailureInput, FailureLogRow, PendingFailure } from '../types.ts';
import { byKey, type Queryable } from './db.ts';
import { num, str } from './row-values.ts';

export async function recordFailures(q: Queryable, installation: string, runId: number, failures: readonly FailureInput[], at: number): Promise<void> {
  if (failures.length === 0) return;
  // A record failing twice in one call counts two attempts and keeps the last code and message.
  const queue = new Map<string, { f: FailureInput; n: number }>();
  for (const f of failures) {
    const key = `${f.kind}\u0000${f.id}`;
    const seen = queue.get(key);
    queue.set(key, { f, n: (seen?.n ?? 0) + 1 });
  }
  const rows = byKey([...queue.values()], (r) => `${r.f.kind}\u0000${r.f.id}`);
  await q.query(
    `INSERT INTO failures (installation, kind, id, code, message, run_id, attempts, first_failed_at, last_failed_at)
     SELECT $1, x.kind, x.id, x.code, x.message, $2, x.n, $3, $3 FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::int[]) AS x(kind, id, code, message, n)
     ON CONFLICT (installation, kind, id) DO UPDATE SET
       code = excluded.code, message = excluded.message, run_id = excluded.run_id,
       attempts = failures.attempts + excluded.attempts, last_failed_at = excluded.last_failed_at`,
    [installation, runId, at, rows.map((r) => r.f.kind), rows.map((r) => r.f.id), rows.map((r) => r.f.code), rows.map((r) => r.f.message), rows.map((r) => r.n)],
  );
  await q.query(
    `INSERT INTO failure_log (run_id, installation, kind, record_id, code, message, at)
     SELECT $1, $2, x.kind, x.id, x.code, x.message, $3 FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS x(kind, id, code, message, n) ORDER BY x.n`,
    [runId, installation, at, failures.map((f) => f.kind), failures.map((f) => f.id), failures.map((f) => f.code), failures.map((f) => f.message)],
  );
}

export async function pendingFailures(q: Queryable, installation: string): Promise<PendingFailure[]> {
  const r = await q.query('SELECT kind, id, code, message, attempts, run_id, last_failed_at FROM failures WHERE installation = $1 ORDER BY kind, id', [installation]);
  return r.rows.map((row) => ({
    kind: str(row, 'kind') as ObjectKind,
    id: str(row, 'id'),
    code: str(row, 'code'),
    message: str(row, 'message'),
    attempts: num(row, 'attempts'),
    runId: num(row, 'run_id'),
    lastFailedAt: num(row, 'last_failed_at'),
  }));
}

export async function clearFailures(q: Queryable, installation: string, refs: ReadonlyArray<Pick<RecordRef, 'kind' | 'id'>>): Promise<void> {
  if (refs.length === 0) return;
  await q.query(
    `DELETE FROM failures f USING unnest($2::text[], $3::text[]) AS x(kind, id) WHERE f.installation = $1 AND f.kind = x.kind AND f.id = x.id`,
    [installation, refs.map((r) => r.kind), refs.map((r) => r.id)],
  );
}

export async function failuresForRun(q: Queryable, runId: number): Promise<FailureLogRow[]> {
  const r = await q.query('SELECT run_id, installation, kind, record_id, code, message, at FROM failure_log WHERE run_id = $1 ORDER BY id', [runId]);
  return r.rows.map((row) => ({
    runId: num(row, 'run_id'),
    installation: str(row, 'installation'),
    kind: str(row, 'kind') as ObjectKind,
    id: str(row, 'record_id'),
    code: str(row, 'code'),
    message: str(row, 'message'),
    at: num(row, 'at'),
  }));
}
