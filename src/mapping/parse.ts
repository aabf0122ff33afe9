/**
 * Mapping file text → typed `Mapping`, or a `MappingError` listing every problem by file, line and path.
 * Pure: the caller reads the file.
 */
import { isMap, isPair, isScalar as isYamlScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { MappingError, type MappingIssue } from '../errors.ts';
import { SEVERITIES, type ObjectKind } from '../model.ts';
import { KPI_METRICS, type Condition, type FrictionDef, type JourneyDef, type KpiDef, type Mapping, type SegmentDef } from './ast.ts';
import { parseActions } from './actions.ts';
import { conditionReadsJourney, parseCondition, type PathSeg, type RawIssue, formatPath } from './conditions.ts';
import { OVERRIDABLE } from './vocabulary.ts';

const id = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'ids are lowercase letters, digits and underscores, starting with a letter');
const text = z.string().min(1).max(255);
const template = z.string().min(1).max(500);
const numberTest = z
  .object({ eq: z.number(), gt: z.number(), gte: z.number(), lt: z.number(), lte: z.number() })
  .partial()
  .strict()
  .refine((t) => Object.keys(t).length === 1, 'a target has exactly one comparison, e.g. { gte: 85 }');
const crmField = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a CRM field name is letters, digits and underscores');
/**
 * A field override: a CRM field name, or per-object names for CRMs where one kind spans several
 * objects (Salesforce contacts are Contacts and Leads): `Contact:NPS__c, Lead:NPS_Score__c`.
 */
const overrideField = z
  .string()
  .regex(/^(?:[A-Za-z]+:)?[A-Za-z][A-Za-z0-9_]*(?:\s*,\s*(?:[A-Za-z]+:)?[A-Za-z][A-Za-z0-9_]*)*$/, 'expected a CRM field name, or Object:Field pairs separated by commas');

const writebackSchema = z
  .object({
    group: z.object({ name: crmField, label: text }).strict().default({ name: 'parcours', label: 'Parcours' }),
    contact: z
      .object({
        stage: crmField,
        stage_entered_at: crmField,
        stage_reason: crmField,
        friction: crmField,
        friction_reason: crmField,
        segments: crmField,
      })
      .partial()
      .strict(),
    deal: z.object({ friction: crmField, friction_reason: crmField }).partial().strict().default({}),
    ticket: z.object({ friction: crmField, friction_reason: crmField }).partial().strict().default({}),
    stage_values: z.record(z.string(), z.string().min(1).max(255)).default({}),
    segment_list_prefix: z.string().max(80).default('Parcours: '),
    // A segment's list / campaign deleted in the CRM: create it again, or only report it.
    deleted_segment_list: z.enum(['recreate', 'report']).default('recreate'),
  })
  .strict();

const FileSchema = z
  .object({
    version: z.literal(1),
    crm: z.enum(['hubspot', 'salesforce', 'any', 'linked']).default('any'),
    journeys: z
      .array(
        z
          .object({
            id,
            label: text,
            segment: id.optional(),
            stages: z
              .array(z.object({ id, label: text, when: z.unknown().optional(), reason: template.optional() }).strict())
              .min(1),
          })
          .strict(),
      )
      .min(1),
    segments: z
      .array(
        z
          .object({
            id,
            label: text,
            kind: z.enum(['demographic', 'behavioural', 'behavioral']).transform((k) => (k === 'behavioral' ? 'behavioural' : k)),
            when: z.unknown(),
            reason: template.optional(),
          })
          .strict(),
      )
      .default([]),
    friction: z
      .array(
        z
          .object({
            id,
            label: text,
            severity: z.enum(SEVERITIES).default('medium'),
            on: z.union([z.enum(['contact', 'deal', 'ticket']), z.array(z.enum(['contact', 'deal', 'ticket'])).min(1)]),
            when: z.unknown(),
            reason: template.optional(),
          })
          .strict(),
      )
      .default([]),
    kpis: z
      .array(
        z
          .object({
            id,
            label: text,
            metric: z.enum(KPI_METRICS),
            flag: id.optional(),
            target: numberTest,
            satisfied: numberTest.optional(),
            unit: z.enum(['percent', 'score']).default('percent'),
          })
          .strict(),
      )
      .default([]),
    actions: z
      .array(
        z
          .object({
            id,
            label: text.optional(),
            on_flag: id.optional(),
            on_stage: id.optional(),
            subject: template,
            body: z.string().min(1).max(2000).optional(),
            owner: z.string().min(1),
            fallback_owner: z.string().min(1).max(255).optional(),
            priority: z.enum(SEVERITIES).optional(),
            due_in_days: z.number().int().min(0).max(365).default(1),
            business_days: z.boolean().default(false),
            close_when_cleared: z.boolean().default(true),
          })
          .strict(),
      )
      .default([]),
    writeback: writebackSchema,
    fields: z.record(z.string(), overrideField).default({}),
  })
  .strict();

/**
 * A linked mapping (issue 16): the same rules, with each side's owned names and field overrides:
 * `writeback: { hubspot: {…}, salesforce: {…} }`, `fields: { hubspot: {…}, salesforce: {…} }`.
 */
const overrides = z.record(z.string(), overrideField).default({});
const LinkedFileSchema = FileSchema.extend({
  writeback: z.object({ hubspot: writebackSchema, salesforce: writebackSchema }).strict(),
  fields: z.object({ hubspot: overrides, salesforce: overrides }).partial().strict().default({}),
});

export function parseMapping(source: string, file: string): Mapping {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues: MappingIssue[] = [];
  const locate = (path: PathSeg[]): number | null => lineOf(doc, lineCounter, path);

  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const line = e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line;
      issues.push({ file, line, path: '', message: `YAML syntax error: ${e.message.split('\n')[0]}` });
    }
    throw new MappingError(issues);
  }
  const data: unknown = doc.toJS();
  const linked = isLinked(data);
  const parsed = (linked ? LinkedFileSchema : FileSchema).safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
      let message = issue.message;
      if (issue.code === 'unrecognized_keys') {
        const keys = (issue as { keys: string[] }).keys;
        for (const key of keys) {
          issues.push({ file, line: locate([...path, key]), path: formatPath([...path, key]), message: `unknown key "${key}"` });
        }
        continue;
      }
      if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) message = 'required';
      issues.push({ file, line: locate(path), path: formatPath(path), message });
    }
    // Rules are checked too, wherever the structure around them is readable: every problem at once.
    for (const i of ruleIssues(data, linked)) issues.push({ file, line: locate(i.path), path: formatPath(i.path), message: i.message });
    throw new MappingError(byLine(issues));
  }
  const raw = parsed.data as z.infer<typeof FileSchema>;
  const sidesRaw = linked ? (parsed.data as z.infer<typeof LinkedFileSchema>) : null;
  const rawIssues: RawIssue[] = [];

  // Segments: base segments first (no journey.*), derived ones may read stage and flags.
  const segments: SegmentDef[] = raw.segments.map((s, i) => {
    const when = parseCondition(s.when, ['segments', i, 'when'], { bound: new Set(), journey: true, linked }, rawIssues);
    return { id: s.id, label: s.label, kind: s.kind as SegmentDef['kind'], when, reason: s.reason ?? null, derived: conditionReadsJourney(when) };
  });
  checkUnique(raw.segments.map((s) => s.id), 'segments', 'segment', rawIssues);

  const journeys: JourneyDef[] = raw.journeys.map((j, ji) => ({
    id: j.id,
    label: j.label,
    segment: j.segment ?? null,
    stages: j.stages.map((st, si) => ({
      id: st.id,
      label: st.label,
      when:
        st.when === undefined
          ? ({ type: 'always', path: formatPath(['journeys', ji, 'stages', si]) } as Condition)
          : parseCondition(st.when, ['journeys', ji, 'stages', si, 'when'], { bound: new Set(), journey: false, linked }, rawIssues),
      reason: st.reason ?? null,
    })),
  }));
  checkUnique(raw.journeys.map((j) => j.id), 'journeys', 'journey', rawIssues);
  raw.journeys.forEach((j, ji) => checkUnique(j.stages.map((s) => s.id), ['journeys', ji, 'stages'], 'stage', rawIssues));
  const defaults = raw.journeys.filter((j) => j.segment === undefined);
  if (defaults.length !== 1) {
    rawIssues.push({ path: ['journeys'], message: `exactly one journey must have no "segment" (the default journey); found ${defaults.length}` });
  }
  raw.journeys.forEach((j, ji) => {
    if (j.segment === undefined) return;
    const seg = segments.find((s) => s.id === j.segment);
    if (!seg) rawIssues.push({ path: ['journeys', ji, 'segment'], message: `unknown segment "${j.segment}"; defined segments: ${segments.map((s) => s.id).join(', ') || 'none'}` });
    else if (seg.derived) rawIssues.push({ path: ['journeys', ji, 'segment'], message: `segment "${j.segment}" reads journey.* and so cannot choose a journey` });
  });

  const friction: FrictionDef[] = raw.friction.map((f, i) => {
    const on = (Array.isArray(f.on) ? f.on : [f.on]) as ObjectKind[];
    const bound = new Set(on.filter((k): k is 'deal' | 'ticket' => k !== 'contact'));
    if (bound.size > 1) rawIssues.push({ path: ['friction', i, 'on'], message: 'a flag attaches to deals or to tickets, not both (the contact may be added)' });
    const when = parseCondition(f.when, ['friction', i, 'when'], { bound, journey: true, linked }, rawIssues);
    return { id: f.id, label: f.label, severity: f.severity, on, when, reason: f.reason ?? null };
  });
  checkUnique(raw.friction.map((f) => f.id), 'friction', 'flag', rawIssues);
  friction.forEach((f, i) => {
    if (conditionReadsFlags(f.when)) rawIssues.push({ path: ['friction', i, 'when'], message: 'a friction rule cannot read journey.flags (flags are computed together)' });
  });

  const kpis: KpiDef[] = raw.kpis.map((k, i) => {
    if (k.metric === 'flag_rate' && (!k.flag || !friction.some((f) => f.id === k.flag))) {
      rawIssues.push({ path: ['kpis', i, 'flag'], message: `metric flag_rate needs flag: one of ${friction.map((f) => f.id).join(', ')}` });
    }
    if (k.satisfied && k.metric !== 'csat_by_stage') rawIssues.push({ path: ['kpis', i, 'satisfied'], message: 'satisfied applies to metric csat_by_stage only' });
    const [op, value] = Object.entries(k.target)[0] as [KpiDef['target']['op'], number];
    const satisfied = k.satisfied ? (Object.entries(k.satisfied)[0] as [KpiDef['target']['op'], number]) : null;
    return { id: k.id, label: k.label, metric: k.metric, flag: k.flag ?? null, target: { op, value }, unit: k.unit, ...(satisfied ? { satisfied: { op: satisfied[0], value: satisfied[1] } } : {}) };
  });
  checkUnique(raw.kpis.map((k) => k.id), 'kpis', 'KPI', rawIssues);

  const actions = parseActions(raw.actions, friction, journeys, rawIssues);
  checkUnique(raw.actions.map((a) => a.id), 'actions', 'action', rawIssues);

  const stageIds = new Set(journeys.flatMap((j) => j.stages.map((s) => s.id)));
  const checkStageValues = (wb: RawWriteback, at: PathSeg[]): void => {
    for (const key of Object.keys(wb.stage_values)) {
      if (!stageIds.has(key)) rawIssues.push({ path: [...at, 'stage_values', key], message: `unknown stage id "${key}"; stages are ${[...stageIds].join(', ')}` });
    }
  };
  const readFields = (entries: Record<string, string>, at: PathSeg[]): Mapping['fields'] => {
    const fields: Mapping['fields'] = { contact: {}, deal: {}, ticket: {} };
    for (const [key, crmName] of Object.entries(entries)) {
      const [kind, name, ...extra] = key.split('.');
      if ((kind !== 'contact' && kind !== 'deal' && kind !== 'ticket') || !name || extra.length > 0 || !OVERRIDABLE[kind].includes(name)) {
        const allowed = Object.entries(OVERRIDABLE).flatMap(([k, names]) => names.map((n) => `${k}.${n}`));
        rawIssues.push({ path: [...at, key], message: `cannot map "${key}"; mappable fields: ${allowed.join(', ')}` });
        continue;
      }
      fields[kind][name] = crmName;
    }
    return fields;
  };

  let writeback: Mapping['writeback'];
  let fields: Mapping['fields'];
  let sides: Mapping['sides'];
  if (sidesRaw) {
    // Not silently ignored: a linked run does not open or close follow-up tasks (yet).
    if (raw.actions.length > 0) rawIssues.push({ path: ['actions'], message: 'follow-up tasks (actions:) are not run on a linked installation: keep them in each side\'s own mapping' });
    checkStageValues(sidesRaw.writeback.hubspot, ['writeback', 'hubspot']);
    checkStageValues(sidesRaw.writeback.salesforce, ['writeback', 'salesforce']);
    sides = {
      hubspot: { writeback: toWriteback(sidesRaw.writeback.hubspot), fields: readFields(sidesRaw.fields.hubspot ?? {}, ['fields', 'hubspot']) },
      salesforce: { writeback: toWriteback(sidesRaw.writeback.salesforce), fields: readFields(sidesRaw.fields.salesforce ?? {}, ['fields', 'salesforce']) },
    };
    // The merged customer has no CRM fields of its own to override; each side's overrides feed its own records.
    writeback = sides.hubspot.writeback;
    fields = { contact: {}, deal: {}, ticket: {} };
  } else {
    checkStageValues(raw.writeback, ['writeback']);
    writeback = toWriteback(raw.writeback);
    fields = readFields(raw.fields, ['fields']);
  }

  if (rawIssues.length > 0) {
    throw new MappingError(byLine(rawIssues.map((i) => ({ file, line: locate(i.path), path: formatPath(i.path), message: i.message }))));
  }

  return { file, version: 1, crm: raw.crm, journeys, segments, friction, kpis, actions, writeback, fields, ...(sides ? { sides } : {}) };
}

type RawWriteback = z.infer<typeof writebackSchema>;

function toWriteback(wb: RawWriteback): Mapping['writeback'] {
  return {
    group: wb.group,
    contact: {
      stage: wb.contact.stage,
      stageEnteredAt: wb.contact.stage_entered_at,
      stageReason: wb.contact.stage_reason,
      friction: wb.contact.friction,
      frictionReason: wb.contact.friction_reason,
      segments: wb.contact.segments,
    },
    deal: { friction: wb.deal.friction, frictionReason: wb.deal.friction_reason },
    ticket: { friction: wb.ticket.friction, frictionReason: wb.ticket.friction_reason },
    stageValues: wb.stage_values,
    segmentListPrefix: wb.segment_list_prefix,
    deletedSegmentList: wb.deleted_segment_list,
  };
}

/** `crm: linked` decides the file's shape (writeback and fields per side), so it is read first. */
function isLinked(data: unknown): boolean {
  return typeof data === 'object' && data !== null && !Array.isArray(data) && (data as Record<string, unknown>)['crm'] === 'linked';
}

/** Condition problems in a document whose structure is otherwise broken (best effort, read-only walk). */
function ruleIssues(data: unknown, linked: boolean): RawIssue[] {
  const out: RawIssue[] = [];
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const doc = obj(data);
  list(doc.journeys).forEach((j, ji) =>
    list(obj(j).stages).forEach((st, si) => {
      const when = obj(st).when;
      if (when !== undefined) parseCondition(when, ['journeys', ji, 'stages', si, 'when'], { bound: new Set(), journey: false, linked }, out);
    }),
  );
  list(doc.segments).forEach((sg, i) => {
    const when = obj(sg).when;
    if (when !== undefined) parseCondition(when, ['segments', i, 'when'], { bound: new Set(), journey: true, linked }, out);
  });
  list(doc.friction).forEach((f, i) => {
    const on = obj(f).on;
    const kinds = (Array.isArray(on) ? on : [on]).filter((k): k is 'deal' | 'ticket' => k === 'deal' || k === 'ticket');
    const when = obj(f).when;
    if (when !== undefined) parseCondition(when, ['friction', i, 'when'], { bound: new Set(kinds), journey: true, linked }, out);
  });
  return out;
}

/** Problems in file order, so an admin can fix them top to bottom. */
function byLine(issues: MappingIssue[]): MappingIssue[] {
  return [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

function checkUnique(ids: string[], path: PathSeg | PathSeg[], what: string, issues: RawIssue[]): void {
  const base = Array.isArray(path) ? path : [path];
  const seen = new Map<string, number>();
  ids.forEach((v, i) => {
    const first = seen.get(v);
    if (first !== undefined) issues.push({ path: [...base, i, 'id'], message: `duplicate ${what} id "${v}" (first defined at ${formatPath([...base, first])})` });
    else seen.set(v, i);
  });
}

function conditionReadsFlags(c: Condition): boolean {
  switch (c.type) {
    case 'all':
    case 'any':
      return c.items.some(conditionReadsFlags);
    case 'not':
      return conditionReadsFlags(c.item);
    case 'field':
      return c.field.scope === 'journey' && c.field.name === 'flags';
    case 'some':
    case 'none':
    case 'every':
      return conditionReadsFlags(c.where);
    case 'count':
    case 'sum':
      return c.where ? conditionReadsFlags(c.where) : false;
    case 'touch':
      return (c.where ? conditionReadsFlags(c.where) : false) || (c.matches ? conditionReadsFlags(c.matches) : false);
    default:
      return false;
  }
}

/** The 1-based line of the node at `path` (its key, for map entries), or of its nearest existing ancestor. */
function lineOf(doc: Document, lc: LineCounter, path: PathSeg[]): number | null {
  let node: unknown = doc.contents;
  let best: number | null = offsetOf(node);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isYamlScalar(it.key) && it.key.value === seg);
      if (!pair) break;
      best = offsetOf(pair.key) ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      best = offsetOf(item) ?? best;
      node = item;
    } else break;
  }
  return best === null ? null : lc.linePos(best).line;
}

function offsetOf(node: unknown): number | null {
  const range = (node as { range?: [number, number, number] | null } | null)?.range;
  return range ? range[0] : null;
}
