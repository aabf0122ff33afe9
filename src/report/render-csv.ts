/**
 * The journey map as CSV: one table per file (RFC 4180: comma-separated, CRLF line ends, fields with
 * a comma, quote or line break are quoted and their quotes doubled), each row carrying its journey.
 *
 * CRM values reach these cells (a Web-to-Lead form sets a contact's source to anything), so text cells
 * that a spreadsheet would run as a formula — starting with =, +, -, @, tab or carriage return — are
 * neutralised with a leading apostrophe and quoted (OWASP "CSV Injection"). Numbers are left as numbers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParcoursError } from '../errors.ts';
import { meets } from './analytics/kpis.ts';
import type { JourneyMap } from './schema.ts';

type Cell = string | number | boolean | null;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(v: Cell): string {
  if (v === null) return '';
  const neutralised = typeof v === 'string' && FORMULA_START.test(v);
  const s = neutralised ? `'${v}` : String(v);
  return neutralised || /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvTable(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** File name → CSV text. */
export function renderCsvTables(doc: JourneyMap): Record<string, string> {
  const js = doc.journeys;
  return {
    'stages.csv': csvTable(
      ['journey', 'stage', 'label', 'customers', 'entered_in_period', 'moved_on', 'conversion_to_next', 'duration_source', 'duration_n', 'duration_avg_days', 'duration_median_days', 'duration_min_days', 'duration_max_days', 'duration_p90_days', 'backfilled_entered', 'backfilled_moved_on', 'backfilled_duration_n'],
      js.flatMap((j) => j.stages.map((s) => [j.id, s.id, s.label, s.customers, s.enteredInPeriod, s.movedOn, s.conversionToNext, s.durationSource, s.durationDays.n, s.durationDays.avg, s.durationDays.median, s.durationDays.min, s.durationDays.max, s.durationDays.p90, s.backfilled.entered, s.backfilled.movedOn, s.backfilled.durations])),
    ),
    'touchpoints.csv': csvTable(['journey', 'stage', 'kind', 'channel', 'customers'], js.flatMap((j) => j.touchpoints.map((t) => [j.id, t.stage, t.kind, t.channel, t.customers]))),
    'friction.csv': csvTable(
      ['journey', 'flag', 'label', 'severity', 'stage', 'channel', 'customers', 'flag_customers_total'],
      js.flatMap((j) => j.friction.flatMap((f) => f.cells.map((c) => [j.id, f.id, f.label, f.severity, c.stage, c.channel, c.customers, f.customers]))),
    ),
    'kpis.csv': csvTable(
      ['journey', 'kpi', 'label', 'metric', 'scope', 'value', 'unit', 'op', 'target', 'met', 'n', 'definition'],
      js.flatMap((j) => j.kpis.flatMap((k) => [
        [j.id, k.id, k.label, k.metric, 'all', k.value, k.unit, k.op, k.target, k.met, k.n, k.definition] as Cell[],
        ...Object.entries(k.byStage ?? {}).map(([stage, s]) => [j.id, k.id, k.label, k.metric, `stage:${stage}`, s.value, k.unit, k.op, k.target, s.value === null ? null : meets(s.value, { op: k.op, value: k.target }), s.n, k.definition] as Cell[]),
      ])),
    ),
    'segments.csv': csvTable(['journey', 'segment', 'label', 'customers', 'entered', 'exited'], js.flatMap((j) => j.segments.map((s) => [j.id, s.id, s.label, s.customers, s.entered, s.exited]))),
  };
}

/** Writes the tables into `dir` (created if missing); returns the paths written. */
export function writeCsvTables(doc: JourneyMap, dir: string): string[] {
  try {
    mkdirSync(dir, { recursive: true });
    return Object.entries(renderCsvTables(doc)).map(([name, text]) => {
      const file = join(dir, name);
      writeFileSync(file, text, 'utf8');
      return file;
    });
  } catch (err) {
    throw new ParcoursError('INPUT_INVALID', `cannot write the CSV tables to ${dir}: ${(err as Error).message}`, { file: dir }, { cause: err });
  }
}
