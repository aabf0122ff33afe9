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

/**
 * The "field" a touchpoint rule needs: the touchpoints themselves. Missing when the connector cannot read
 * them; a rule (or the `any` branch) that reads them is then off, instead of every `no_touchpoint` holding.
 */
export const TOUCHPOINTS = 'touchpoints';

/** `contact.csat`, or `contact.raw.<name>` for a raw CRM field; one side of a linked pair: `contact.hubspot.raw.<name>`. */
export function fieldKey(f: Pick<FieldRef, 'scope' | 'name' | 'raw' | 'side'>): string {
  const scope = f.side ? `${f.scope}.${f.side}` : f.scope;
  return f.raw ? `${scope}.raw.${f.name}` : `${scope}.${f.name}`;
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
    case 'touch':
      out.add(TOUCHPOINTS);
      if (c.window) add(c.window.anchor);
      if (c.where) conditionFields(c.where, out);
      if (c.matches) conditionFields(c.matches, out);
      break;
    case 'always':
    case 'constant':
      break;
  }
  return out;
}

/** Touchpoint fields come with the touchpoints: only `touchpoints` itself can be missing. */
function fieldMissing(f: FieldRef, missing: ReadonlySet<string>): boolean {
  if (f.scope === 'journey' || f.scope === 'touchpoint') return false;
  const derivedFrom = f.raw ? undefined : DERIVED_FIELDS[f.scope as Scope]?.[f.name];
  return derivedFrom ? derivedFrom.some((d) => missing.has(`${f.scope}.${d}`)) : missing.has(fieldKey(f));
}

/**
 * The part of a condition the CRM can feed, or null when nothing of it can be evaluated. A test on a
 * missing field makes its condition unknown: an `all` with an unknown part is unknown, an `any` keeps
 * the branches it can evaluate (the detractor rule reads survey answers where a Salesforce org has no NPS
 * field). One test keeps a meaning: `exists: false` on a field the CRM lacks holds (nothing can be there),
 * so "when the ticket holds no first-response time" still reads right on an org without the field.
 */
export function pruneCondition(c: Condition, missing: ReadonlySet<string>): Condition | null {
  if (missing.size === 0) return c;
  switch (c.type) {
    case 'always':
    case 'constant':
      return c;
    case 'field': {
      if (!fieldMissing(c.field, missing)) return c;
      if (c.tests.length > 0 && c.tests.every((t) => t.op === 'exists' && t.value === false)) {
        return { type: 'constant', value: true, text: `${fieldKey(c.field)}: the CRM has no such field, so it holds nothing`, path: c.path };
      }
      return null;
    }
    case 'all': {
      const items: Condition[] = [];
      for (const i of c.items) {
        const p = pruneCondition(i, missing);
        if (p === null) return null;
        items.push(p);
      }
      return { ...c, items };
    }
    case 'any': {
      const items = c.items.map((i) => pruneCondition(i, missing)).filter((i): i is Condition => i !== null);
      return items.length === 0 ? null : { ...c, items };
    }
    case 'not': {
      const item = pruneCondition(c.item, missing);
      return item === null ? null : { ...c, item };
    }
    case 'some':
    case 'none':
    case 'every': {
      const where = pruneCondition(c.where, missing);
      return where === null ? null : { ...c, where };
    }
    case 'count':
    case 'sum': {
      if (c.type === 'sum' && fieldMissing(c.field, missing)) return null;
      if (!c.where) return c;
      const where = pruneCondition(c.where, missing);
      return where === null ? null : { ...c, where };
    }
    case 'touch': {
      if (missing.has(TOUCHPOINTS) || (c.window && fieldMissing(c.window.anchor, missing))) return null;
      const where = c.where ? pruneCondition(c.where, missing) : null;
      const matches = c.matches ? pruneCondition(c.matches, missing) : null;
      if ((c.where && !where) || (c.matches && !matches)) return null;
      return { ...c, where, matches };
    }
  }
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
  if (key === TOUCHPOINTS) return 'this CRM connector does not read touchpoints: the touchpoint rules count as not holding';
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
  const check = (rule: string, fields: Iterable<string>, when?: Condition): DisabledRule | null => {
    const needs = [...new Set(fields)].filter((f) => missing.has(f)).sort();
    if (needs.length === 0) return null;
    // A rule still holding through a branch the CRM can feed is not off.
    if (when && pruneCondition(when, missing) !== null) return null;
    const d = { rule, needs, fix: needs.map((n) => fixFor(mapping, n)).join('; ') };
    out.push(d);
    return d;
  };
  for (const j of mapping.journeys) for (const s of j.stages) check(`journeys.${j.id}.stages.${s.id}`, conditionFields(s.when), s.when);
  for (const s of mapping.segments) check(`segments.${s.id}`, conditionFields(s.when), s.when);
  const flags = new Map<string, DisabledRule>();
  for (const f of mapping.friction) {
    const d = check(`friction.${f.id}`, conditionFields(f.when), f.when);
    if (d) flags.set(f.id, d);
  }
  for (const k of mapping.kpis) {
    const viaFlag = k.metric === 'flag_rate' && k.flag ? flags.get(k.flag) : undefined;
    check(`kpis.${k.id}`, [...KPI_FIELDS[k.metric], ...(viaFlag?.needs ?? [])]);
  }
  return out;
}
