/** Sync runs on PostgreSQL: one row per run, with its final status and summary (json: kept as written). */
import { ParcoursError } from '../../errors.ts';
import { DEFAULT_RUN_LIMIT } from '../runs.ts';
import { parseRunFinish, parseRunStart, runRows, type RunFinish, type RunStart } from '../rows/runs.ts';
import type { RunRow } from '../types.ts';
import type { Queryable, Row } from './db.ts';
import { num, postgresRows } from './row-values.ts';

const toRunRow = runRows(postgresRows).run;

const COLUMNS = 'id, installation, crm, mode, dry_run, started_at, finished_at, status, summary::text AS summary';

export async function startRun(q: Queryable, input: RunStart): Promise<number> {
  const r = parseRunStart(input);
  const res = await q.query(
    `INSERT INTO runs (installation, crm, mode, dry_run, started_at, finished_at, status, summary) VALUES ($1, $2, $3, $4, $5, NULL, 'running', NULL) RETURNING id`,
    [r.installation, r.crm, r.mode, r.dryRun, r.startedAt],
  );
  return num(res.rows[0] as Row, 'id');
}

export async function finishRun(q: Queryable, id: number, input: RunFinish): Promise<void> {
  const r = parseRunFinish(input);
  const summary = r.summary === undefined ? null : JSON.stringify(r.summary);
  const res = await q.query('UPDATE runs SET finished_at = $1, status = $2, summary = $3::json WHERE id = $4', [r.finishedAt, r.status, summary, id]);
  if ((res.rowCount ?? 0) === 0) throw new ParcoursError('NOT_FOUND', `no run with id ${id}`, { runId: id });
}

export async function listRuns(q: Queryable, opts: { installation?: string; limit?: number }): Promise<RunRow[]> {
  const limit = opts.limit ?? DEFAULT_RUN_LIMIT;
  const res = opts.installation === undefined
    ? await q.query(`SELECT ${COLUMNS} FROM runs ORDER BY id DESC LIMIT $1`, [limit])
    : await q.query(`SELECT ${COLUMNS} FROM runs WHERE installation = $1 ORDER BY id DESC LIMIT $2`, [opts.installation, limit]);
  return res.rows.map(toRunRow);
}

export async function getRun(q: Queryable, id: number): Promise<RunRow | undefined> {
  const res = await q.query(`SELECT ${COLUMNS} FROM runs WHERE id = $1`, [id]);
  const row = res.rows[0];
  return row ? toRunRow(row) : undefined;
}
