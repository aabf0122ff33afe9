/**
 * Sync runs, backend-neutral: the checks of a run's start and finish and the row decoder. SQL stays in
 * src/store/runs.ts and src/store/postgres/runs.ts.
 */
import { z } from 'zod';
import { ParcoursError } from '../../errors.ts';
import { CRMS, type CrmName } from '../../model.ts';
import { readSummary } from '../json-columns.ts';
import { RUN_MODES, RUN_STATUSES, type RunMode, type RunRow, type RunStatus } from '../types.ts';
import type { Row, RowReader } from './reader.ts';

export interface RunStart {
  installation: string;
  crm: CrmName;
  mode: RunMode;
  dryRun: boolean;
  startedAt: number;
}

export interface RunFinish {
  finishedAt: number;
  status: Exclude<RunStatus, 'running'>;
  summary: unknown;
}

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

export const parseRunStart = (input: RunStart): RunStart => parseInput(startSchema, input, 'startRun');
export const parseRunFinish = (input: RunFinish): RunFinish => parseInput(finishSchema, input, 'finishRun');

function parseInput<T>(schema: z.ZodType<T>, input: unknown, operation: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ParcoursError('INPUT_INVALID', `${operation}: ${z.prettifyError(parsed.error)}`, { operation });
  return parsed.data;
}

/** Decoder of runs rows (all columns, summary as JSON text or null). */
export function runRows(r: RowReader) {
  return {
    run(row: Row): RunRow {
      return {
        id: r.int(row, 'id'),
        installation: r.text(row, 'installation'),
        crm: r.text(row, 'crm') as CrmName,
        mode: r.text(row, 'mode') as RunMode,
        dryRun: r.bool(row, 'dry_run'),
        startedAt: r.int(row, 'started_at'),
        finishedAt: r.intOrNull(row, 'finished_at'),
        status: r.text(row, 'status') as RunStatus,
        summary: readSummary(row['summary']),
      };
    },
  };
}
