/**
 * Rules the CRM cannot feed: a stage, segment, flag or KPI whose source field the CRM lacks (a
 * standard Salesforce org has no CSAT field; a HubSpot portal without feedback surveys has no CSAT
 * rollup) is disabled, not fatal. It evaluates as not holding, and every report says which rule is
 * off, which field it needs and how to map it.
 *
 * Pure: the caller passes the set of missing fields (`contact.csat`, `contact.raw.Rating__c`), as the
 * connector found them; this module only reads the mapping.
 */
import type { Condition, FieldRef, Mapping } from '../mapping/ast.ts';
import { DERIVED_FIELDS, type Scope } from '../mapping/vocabulary.ts';

export interface DisabledRule {
  /** Where the rule lives in the mapping: `friction.detractor`, `segments.enterprise`, `journeys.default.stages.decision`, `kpis.nps`. */
  rule: string;
  /** The fields it reads that the CRM lacks: `contact.csat`, `ticket.firstResponseAt`, `contact.raw.X`. */
  needs: string[];
  /** One sentence an admin can act on. */
  fix: string;
}

/** `contact.csat`, or `contact.raw.<name>` for a raw CRM field. */
export function fieldKey(f: Pick<FieldRef, 'scope' | 'name' | 'raw'>): string {
  return f.raw ? `${f.scope}.raw.${f.name}` : `${f.scope}.${f.name}`;
}

/** Every connector-filled field a condition reads (derived fields resolve to their sources). */
export function conditionFields(c: Condition, out: Set<string> = new Set()): Set<string> {
  const add = (f: FieldRef): void => {
    if (f.scope === 'journey') return;
    const derivedFrom = f.raw ? undefined : DERIVED_FIELDS[f.scope as Scope]?.[f.name];
    if (derivedFrom) for (const d of derivedFrom) out.add(`${f.scope}.${d}`);
    else out.add(fieldKey(f));
  };
  switch (c.type) {
    case 'all':
    case 'any':
      for (const i of c.items) conditionFields(i, out);
      break;
    case 'not':
      conditionFields(c.item, out);
      break;
    case 'field':
      add(c.field);
      break;
    case 'some':
    case 'none':
    case 'every':
      conditionFields(c.where, out);
      break;
    case 'count':
      if (c.where) conditionFields(c.where, out);
      break;
    case 'sum':
      add(c.field);
      if (c.where) conditionFields(c.where, out);
      break;
    case 'always':
      break;
  }
  return out;
}

/** What each KPI metric is computed from (see src/report/analytics/kpis.ts). */
const KPI_FIELDS: Record<Mapping['kpis'][number]['metric'], string[]> = {
  csat_by_stage: ['contact.csat'],
  nps: ['contact.npsScore'],
  first_contact_resolution: ['ticket.firstResponseAt', 'ticket.closedAt'],
  checkout_abandonment: ['deal.stagesReached', 'deal.closedAt'],
  flag_rate: [],
};

/** What kind of CRM field an admin should point a normalized field at, for the fix sentence. */
const FIELD_HINT: Record<string, string> = {
  'contact.csat': 'your survey field',
  'contact.npsScore': 'your survey field',
  'ticket.firstResponseAt': 'your first-response date field',
};

function fixFor(mapping: Mapping, key: string): string {
  const parts = key.split('.');
  const scope = parts[0] as 'contact' | 'deal' | 'ticket';
  if (parts[1] === 'raw') {
    const name = parts.slice(2).join('.');
    return `the CRM has no ${scope} field "${name}" the integration user can read: create it (and grant read access), or change the rules that read ${key} in ${mapping.file}`;
  }
  const name = parts[1] as string;
  const override = mapping.fields[scope]?.[name];
  if (override !== undefined) {
    return `the CRM has no field "${override}" (mapped to ${key}) the integration user can read: create it (and grant read access), or map ${key} to another field in ${mapping.file}`;
  }
  return `map ${key} to ${FIELD_HINT[key] ?? 'a field your CRM has'} in ${mapping.file}`;
}

/**
 * The rules of `mapping` that read a field in `missing`, in mapping order. A KPI over a flag is
 * disabled with its flag.
 */
export function findDisabled(mapping: Mapping, missing: ReadonlySet<string>): DisabledRule[] {
  if (missing.size === 0) return [];
  const out: DisabledRule[] = [];
  const check = (rule: string, fields: Iterable<string>): DisabledRule | null => {
    const needs = [...new Set(fields)].filter((f) => missing.has(f)).sort();
    if (needs.length === 0) return null;
    const d = { rule, needs, fix: needs.map((n) => fixFor(mapping, n)).join('; ') };
    out.push(d);
    return d;
  };
  for (const j of mapping.journeys) for (const s of j.stages) check(`journeys.${j.id}.stages.${s.id}`, conditionFields(s.when));
  for (const s of mapping.segments) check(`segments.${s.id}`, conditionFields(s.when));
  const flags = new Map<string, DisabledRule>();
  for (const f of mapping.friction) {
    const d = check(`friction.${f.id}`, conditionFields(f.when));
    if (d) flags.set(f.id, d);
  }
  for (const k of mapping.kpis) {
    const viaFlag = k.metric === 'flag_rate' && k.flag ? flags.get(k.flag) : undefined;
    check(`kpis.${k.id}`, [...KPI_FIELDS[k.metric], ...(viaFlag?.needs ?? [])]);
  }
  return out;
}
