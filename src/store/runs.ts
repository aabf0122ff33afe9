/** Sync runs: one row per `sync`/webhook batch, with the final status and summary. */
import type { DatabaseSync } from 'node:sqlite';
import { ParcoursError } from '../errors.ts';
import { sqliteRows } from './row-values.ts';
import { parseRunFinish, parseRunStart, runRows, type RunFinish, type RunStart } from './rows/runs.ts';
import type { RunRow } from './types.ts';

export const DEFAULT_RUN_LIMIT = 50;

const toRunRow = runRows(sqliteRows).run;

export function createRuns(db: DatabaseSync) {
  const insert = db.prepare(`
    INSERT INTO runs (installation, crm, mode, dry_run, started_at, finished_at, status, summary)
    VALUES (?, ?, ?, ?, ?, NULL, 'running', NULL)`);
  const finish = db.prepare('UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?');
  const selectOne = db.prepare('SELECT * FROM runs WHERE id = ?');
  const selectRecent = db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT ?');
  const selectRecentFor = db.prepare('SELECT * FROM runs WHERE installation = ? ORDER BY id DESC LIMIT ?');

  return {
    start(input: RunStart): number {
      const r = parseRunStart(input);
      return Number(insert.run(r.installation, r.crm, r.mode, r.dryRun ? 1 : 0, r.startedAt).lastInsertRowid);
    },

    finish(id: number, input: RunFinish): void {
      const r = parseRunFinish(input);
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
