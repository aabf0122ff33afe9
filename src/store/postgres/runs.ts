/** Sync runs on PostgreSQL: one row per run, with its final status and summary (json: kept as written). */
import { z } from 'zod';
import { ParcoursError } from '../../errors.ts';
import { CRMS, type CrmName } from '../../model.ts';
import { readSummary } from '../json-columns.ts';
import { DEFAULT_RUN_LIMIT } from '../runs.ts';
import { RUN_MODES, RUN_STATUSES, type RunMode, type RunRow, type RunStatus } from '../types.ts';
import type { Queryable, Row } from './db.ts';
import { bool, num, numOrNull, str } from './row-values.ts';

// The SQLite side's input checks (src/store/runs.ts), same messages.
const startSchema = z.object({
  installation: z.string().min(1),
  crm: z.enum(CRMS),
  mode: z.enum(RUN_MODES),
  dryRun: z.boolean(),
  startedAt: z.number().int(),
});
const finishSchema = z.object({
  finishedAt: z.number().int(),
  status: z.enum(RUN_STATUSES).exclude(['running']),
  summary: z.unknown(),
});

function parseInput<T>(schema: z.ZodType<T>, input: unknown, operation: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ParcoursError('INPUT_INVALID', `${operation}: ${z.prettifyError(parsed.error)}`, { operation });
  return parsed.data;
}

const COLUMNS = 'id, installation, crm, mode, dry_run, started_at, finished_at, status, summary::text AS summary';

export async function startRun(q: Queryable, input: { installation: string; crm: CrmName; mode: RunMode; dryRun: boolean; startedAt: number }): Promise<number> {
  const r = parseInput(startSchema, input, 'startRun');
  const res = await q.query(
    `INSERT INTO runs (installation, crm, mode, dry_run, started_at, finished_at, status, summary) VALUES ($1, $2, $3, $4, $5, NULL, 'running', NULL) RETURNING id`,
    [r.installation, r.crm, r.mode, r.dryRun, r.startedAt],
  );
  return num(res.rows[0] as Row, 'id');
}

export async function finishRun(q: Queryable, id: number, input: { finishedAt: number; status: Exclude<RunStatus, 'running'>; summary: unknown }): Promise<void> {
  const r = parseInput(finishSchema, input, 'finishRun');
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

function toRunRow(row: Row): RunRow {
  return {
    id: num(row, 'id'),
    installation: str(row, 'installation'),
    crm: str(row, 'crm') as CrmName,
    mode: str(row, 'mode') as RunMode,
    dryRun: bool(row, 'dry_run'),
    startedAt: num(row, 'started_at'),
    finishedAt: numOrNull(row, 'finished_at'),
    status: str(row, 'status') as RunStatus,
    summary: readSummary(row['summary']),
  };
}
