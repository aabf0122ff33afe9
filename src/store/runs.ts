/** Sync runs: one row per `sync`/webhook batch, with the final status and summary. */
import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import { z } from 'zod';
import { ParcoursError } from '../errors.ts';
import { CRMS, type CrmName } from '../model.ts';
import { readSummary } from './json-columns.ts';
import { int, intOrNull, text } from './row-values.ts';
import { RUN_MODES, RUN_STATUSES, type RunMode, type RunRow, type RunStatus } from './types.ts';

export const DEFAULT_RUN_LIMIT = 50;

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

export function createRuns(db: DatabaseSync) {
  const insert = db.prepare(`
    INSERT INTO runs (installation, crm, mode, dry_run, started_at, finished_at, status, summary)
    VALUES (?, ?, ?, ?, ?, NULL, 'running', NULL)`);
  const finish = db.prepare('UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?');
  const selectOne = db.prepare('SELECT * FROM runs WHERE id = ?');
  const selectRecent = db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT ?');
  const selectRecentFor = db.prepare('SELECT * FROM runs WHERE installation = ? ORDER BY id DESC LIMIT ?');

  return {
    start(input: { installation: string; crm: CrmName; mode: RunMode; dryRun: boolean; startedAt: number }): number {
      const r = parseInput(startSchema, input, 'startRun');
      return Number(insert.run(r.installation, r.crm, r.mode, r.dryRun ? 1 : 0, r.startedAt).lastInsertRowid);
    },

    finish(id: number, input: { finishedAt: number; status: Exclude<RunStatus, 'running'>; summary: unknown }): void {
      const r = parseInput(finishSchema, input, 'finishRun');
      const summary = r.summary === undefined ? null : JSON.stringify(r.summary);
      if (Number(finish.run(r.finishedAt, r.status, summary, id).changes) === 0) {
        throw new ParcoursError('NOT_FOUND', `no run with id ${id}`, { runId: id });
      }
    },

    list(opts: { installation?: string; limit?: number }): RunRow[] {
      const limit = opts.limit ?? DEFAULT_RUN_LIMIT;
      const rows = opts.installation === undefined ? selectRecent.all(limit) : selectRecentFor.all(opts.installation, limit);
      return rows.map(toRunRow);
    },

    get(id: number): RunRow | undefined {
      const row = selectOne.get(id);
      return row ? toRunRow(row) : undefined;
    },
  };
}

function parseInput<T>(schema: z.ZodType<T>, input: unknown, operation: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ParcoursError('INPUT_INVALID', `${operation}: ${z.prettifyError(parsed.error)}`, { operation });
  }
  return parsed.data;
}

function toRunRow(row: Record<string, SQLOutputValue>): RunRow {
  return {
    id: int(row, 'id'),
    installation: text(row, 'installation'),
    crm: text(row, 'crm') as CrmName,
    mode: text(row, 'mode') as RunMode,
    dryRun: int(row, 'dry_run') === 1,
    startedAt: int(row, 'started_at'),
    finishedAt: intOrNull(row, 'finished_at'),
    status: text(row, 'status') as RunStatus,
    summary: readSummary(row['summary']),
  };
}
