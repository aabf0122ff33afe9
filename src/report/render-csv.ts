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
import { channelLabel } from './labels.ts';
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
    // How customers came in (contact source) and which support channels they used (ticket channel).
    'channels.csv': csvTable(['journey', 'stage', 'kind', 'channel', 'channel_label', 'customers'], js.flatMap((j) => j.touchpoints.map((t) => [j.id, t.stage, t.kind, t.channel, channelLabel(t.channel), t.customers]))),
    // Touchpoints by stage × channel, each in the stage of its time.
    'touchpoints.csv': csvTable(
      ['journey', 'stage', 'channel', 'channel_label', 'touchpoints', 'customers', 'inbound', 'outbound', 'response_median_hours', 'response_n', 'unanswered', 'touched_stays', 'moved_on', 'conversion_to_next', 'csat_value', 'csat_n'],
      js.flatMap((j) => j.stageChannels.map((r) => [j.id, r.stage, r.channel, channelLabel(r.channel), r.touchpoints, r.customers, r.inbound, r.outbound, r.responseHours.median, r.responseHours.n, r.unanswered, r.touchedStays, r.movedOn, r.conversionToNext, r.satisfaction.value, r.satisfaction.n])),
    ),
    'satisfaction.csv': csvTable(
      ['journey', 'stage', 'label', 'csat_value', 'csat_n', 'csat_source', 'csat_enough', 'nps_value', 'nps_n', 'nps_promoters', 'nps_detractors', 'ces_value', 'ces_n', 'placed_by_ledger', 'placed_by_evidence'],
      js.flatMap((j) => j.satisfaction.stages.map((s) => [j.id, s.stage, j.stages.find((x) => x.id === s.stage)?.label ?? s.stage, s.csat.value, s.csat.n, s.csat.source, s.csat.enough, s.nps.value, s.nps.n, s.nps.promoters, s.nps.detractors, s.ces.value, s.ces.n, s.placedBy.ledger, s.placedBy.evidence])),
    ),
    'moments.csv': csvTable(
      ['journey', 'stage', 'kind', 'label', 'metric', 'with_value', 'with_n', 'without_value', 'without_n', 'difference_points'],
      js.flatMap((j) => j.momentsOfTruth.map((m) => [j.id, m.stage, m.kind, m.label, m.metric, m.with.value, m.with.n, m.without.value, m.without.n, m.difference])),
    ),
    'friction.csv': csvTable(
      ['journey', 'flag', 'label', 'severity', 'stage', 'channel', 'customers', 'flag_customers_total'],
      js.flatMap((j) => j.friction.flatMap((f) => f.cells.map((c) => [j.id, f.id, f.label, f.severity, c.stage, c.channel, c.customers, f.customers]))),
    ),
    'kpis.csv': csvTable(
      ['journey', 'kpi', 'label', 'metric', 'scope', 'value', 'unit', 'op', 'target', 'met', 'n', 'definition'],
      js.flatMap((j) => j.kpis.flatMap((k) => [
        [j.id, k.id, k.label, k.metric, 'all', k.value, k.unit, k.op, k.target, k.met, k.n, k.definition] as Cell[],
        ...Object.entries(k.byStage ?? {}).map(([stage, s]) => [j.id, k.id, k.label, k.metric, `stage:${stage}`, s.value, k.unit, k.op, k.target, s.value === null || s.enough === false ? null : meets(s.value, { op: k.op, value: k.target }), s.n, k.definition] as Cell[]),
      ])),
    ),
    'segments.csv': csvTable(['journey', 'segment', 'label', 'customers', 'entered', 'exited'], js.flatMap((j) => j.segments.map((s) => [j.id, s.id, s.label, s.customers, s.entered, s.exited]))),
    ...(doc.actions ? { 'actions.csv': actionsCsv(doc.actions) } : {}),
    ...(doc.link ? linkCsv(doc.link) : {}),
  };
}

/** Linked maps: per stage, deals / tickets / touchpoints by the CRM holding them; the link's counts; its conflicts. */
function linkCsv(l: NonNullable<JourneyMap['link']>): Record<string, string> {
  return {
    'link.csv': csvTable(
      ['link', 'hubspot', 'salesforce', 'customers', 'linked', 'linked_by_integration_id', 'linked_by_email', 'unlinked', 'unlinked_hubspot', 'unlinked_salesforce', 'conflicting', 'conflict_emails'],
      [[l.id, l.hubspot, l.salesforce, l.customers, l.linked, l.matchedBy['integration-id'], l.matchedBy.email, l.unlinked, l.unlinkedBySide.hubspot, l.unlinkedBySide.salesforce, l.conflicting, l.conflicts.length]],
    ),
    'sources.csv': csvTable(
      ['journey', 'stage', 'crm', 'customers', 'linked', 'deals', 'tickets', 'touchpoints'],
      l.bySource.flatMap((r) => (['hubspot', 'salesforce'] as const).map((crm) => [r.journey, r.stage, crm, r.customers, r.linked, r.deals[crm], r.tickets[crm], r.touchpoints[crm]])),
    ),
    'conflicts.csv': csvTable(['side', 'email', 'records'], l.conflicts.map((c) => [c.side, c.email, c.records.map((r) => `${r.objectType}:${r.id}`).join(' ')])),
  };
}

/** Follow-up tasks: one row for all, then one per flag and one per owner (`scope` says which). */
function actionsCsv(a: NonNullable<JourneyMap['actions']>): string {
  const row = (scope: string, g: NonNullable<JourneyMap['actions']>['byFlag'][number]): Cell[] => [scope, g.id, g.label, g.opened, g.completed, g.open, g.overdue, g.medianDaysToCompletion];
  return csvTable(
    ['scope', 'id', 'label', 'opened', 'completed', 'open', 'overdue', 'median_days_to_completion'],
    [row('all', a), ...a.byFlag.map((g) => row('flag', g)), ...a.byOwner.map((g) => row('owner', g))],
  );
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
