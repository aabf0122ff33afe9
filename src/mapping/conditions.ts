/**
 * Parses the condition language (a YAML node) into a typed `Condition`, collecting every problem
 * with its path instead of stopping at the first.
 *
 * A condition is a map; several keys in one map are ANDed. Keys are combinators (`all`, `any`, `not`,
 * `always`), quantifiers over related records (`any_deal`, `no_ticket`, `every_deal`, `count_tickets`,
 * `sum_deals`…) or field paths (`contact.lifecycle`, `deal.stage`, `contact.raw.hs_lead_status`,
 * `journey.stage`) whose value is an operator map (`{ in: [...] }`) or a shorthand scalar/list.
 */
import { DAY_MS, HOUR_MS } from '../model.ts';
import type { Condition, FieldRef, NumberTest, RelatedKind, Scalar, Test, TouchWindow } from './ast.ts';
import { SCOPES, TOUCHPOINT_VALUES, VOCABULARY, type Scope } from './vocabulary.ts';

export type PathSeg = string | number;
export interface RawIssue {
  path: PathSeg[];
  message: string;
}

const FIELD_OPERATORS = [
  'eq', 'ne', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'exists', 'contains',
  'within_days', 'older_than_days', 'within_hours', 'older_than_hours',
] as const;
const NUMBER_OPERATORS = ['eq', 'gt', 'gte', 'lt', 'lte'] as const;
const QUANTIFIERS: Record<string, { type: 'some' | 'none' | 'every'; kind: RelatedKind }> = {
  any_deal: { type: 'some', kind: 'deal' },
  no_deal: { type: 'none', kind: 'deal' },
  every_deal: { type: 'every', kind: 'deal' },
  any_ticket: { type: 'some', kind: 'ticket' },
  no_ticket: { type: 'none', kind: 'ticket' },
  every_ticket: { type: 'every', kind: 'ticket' },
};
/** Quantifiers over the customer's touchpoints (issue 13). */
const TOUCH_QUANTIFIERS: Record<string, 'some' | 'none' | 'count' | 'first' | 'last'> = {
  any_touchpoint: 'some',
  no_touchpoint: 'none',
  count_touchpoints: 'count',
  first_touchpoint: 'first',
  last_touchpoint: 'last',
};
const WINDOW_KEYS = ['after', 'before', 'within_hours', 'within_days'] as const;
const AGGREGATES: Record<string, { type: 'count' | 'sum'; kind: RelatedKind }> = {
  count_deals: { type: 'count', kind: 'deal' },
  count_tickets: { type: 'count', kind: 'ticket' },
  sum_deals: { type: 'sum', kind: 'deal' },
  sum_tickets: { type: 'sum', kind: 'ticket' },
};

export function formatPath(path: PathSeg[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): v is Scalar {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

/** Which record scopes a condition may read, given where it sits. */
export interface ConditionScope {
  /** Record kinds bound at this point (`deal` inside `any_deal`, or for a deal friction rule; `touchpoint` inside a touchpoint quantifier). */
  bound: Set<'deal' | 'ticket' | 'touchpoint'>;
  /** May it read `journey.*`? (not in rules that decide the stage itself). */
  journey: boolean;
  /** A linked mapping (`crm: linked`): `contact.hubspot.…` / `contact.salesforce.…`, and no unsided `contact.raw.…`. */
  linked?: boolean;
}

export function parseCondition(node: unknown, path: PathSeg[], scope: ConditionScope, issues: RawIssue[]): Condition {
  const p = formatPath(path);
  if (node === true) return { type: 'always', path: p };
  if (!isPlainObject(node)) {
    issues.push({ path, message: `a condition must be a map (e.g. "contact.lifecycle: { in: [lead] }"), got ${describe(node)}` });
    return { type: 'always', path: p };
  }
  const keys = Object.keys(node);
  if (keys.length === 0) {
    issues.push({ path, message: 'empty condition; use "always: true" for a rule that always holds' });
    return { type: 'always', path: p };
  }
  const parts = keys.map((key) => parseKey(key, node[key], [...path, key], scope, issues));
  return parts.length === 1 ? (parts[0] as Condition) : { type: 'all', items: parts, path: p };
}

function parseKey(key: string, value: unknown, path: PathSeg[], scope: ConditionScope, issues: RawIssue[]): Condition {
  const p = formatPath(path);
  if (key === 'always') {
    if (value !== true) issues.push({ path, message: '"always" takes the value true' });
    return { type: 'always', path: p };
  }
  if (key === 'all' || key === 'any') {
    if (!Array.isArray(value) || value.length === 0) {
      issues.push({ path, message: `"${key}" takes a non-empty list of conditions` });
      return { type: 'always', path: p };
    }
    return { type: key, items: value.map((v, i) => parseCondition(v, [...path, i], scope, issues)), path: p };
  }
  if (key === 'not') return { type: 'not', item: parseCondition(value, path, scope, issues), path: p };
  const quantifier = QUANTIFIERS[key];
  if (quantifier) {
    const inner: ConditionScope = { ...scope, bound: new Set([...scope.bound, quantifier.kind]) };
    return { type: quantifier.type, kind: quantifier.kind, where: parseCondition(value, path, inner, issues), path: p };
  }
  const aggregate = AGGREGATES[key];
  if (aggregate) return parseAggregate(aggregate, value, path, scope, issues);
  const touch = TOUCH_QUANTIFIERS[key];
  if (touch) return parseTouch(key, touch, value, path, scope, issues);
  if (key.includes('.')) return parseFieldCondition(key, value, path, scope, issues);
  issues.push({
    path,
    message: `unknown condition "${key}"; expected all, any, not, always, ${[...Object.keys(QUANTIFIERS), ...Object.keys(AGGREGATES), ...Object.keys(TOUCH_QUANTIFIERS)].join(', ')} or a field path such as contact.lifecycle`,
  });
  return { type: 'always', path: p };
}

function parseAggregate(
  agg: { type: 'count' | 'sum'; kind: RelatedKind },
  value: unknown,
  path: PathSeg[],
  scope: ConditionScope,
  issues: RawIssue[],
): Condition {
  const p = formatPath(path);
  if (!isPlainObject(value)) {
    issues.push({ path, message: `"${String(path.at(-1))}" takes a map such as { where: {...}, gte: 3 }` });
    return { type: 'always', path: p };
  }
  const inner: ConditionScope = { ...scope, bound: new Set([...scope.bound, agg.kind]) };
  const where = value.where === undefined ? null : parseCondition(value.where, [...path, 'where'], inner, issues);
  const tests: NumberTest[] = [];
  let field: FieldRef | null = null;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'where') continue;
    if (k === 'field' && agg.type === 'sum') {
      field = typeof v === 'string' ? resolveField(v, [...path, 'field'], inner, issues) : null;
      if (typeof v !== 'string') issues.push({ path: [...path, 'field'], message: 'expected a field path such as deal.amount' });
      else if (field && !field.raw && field.type !== 'number') {
        issues.push({ path: [...path, 'field'], message: `cannot sum ${v}: it is a ${field.type}, not a number` });
      }
      continue;
    }
    if ((NUMBER_OPERATORS as readonly string[]).includes(k)) {
      if (typeof v !== 'number') issues.push({ path: [...path, k], message: `"${k}" takes a number, got ${describe(v)}` });
      else tests.push({ op: k as NumberTest['op'], value: v });
      continue;
    }
    issues.push({ path: [...path, k], message: `unknown operator "${k}"; expected where, ${agg.type === 'sum' ? 'field, ' : ''}${NUMBER_OPERATORS.join(', ')}` });
  }
  if (tests.length === 0) issues.push({ path, message: `"${String(path.at(-1))}" needs a comparison such as gte: 3` });
  if (agg.type === 'sum') {
    if (!field) {
      if (value.field === undefined) issues.push({ path, message: `"${String(path.at(-1))}" needs field: (e.g. ${agg.kind}.amount)` });
      return { type: 'always', path: p };
    }
    return { type: 'sum', kind: agg.kind, field, where, tests, path: p };
  }
  return { type: 'count', kind: agg.kind, where, tests, path: p };
}

/**
 * `any_touchpoint: { where: {...}, after: ticket.createdAt, within_hours: 24 }` and its siblings. For
 * any_ / no_ a plain condition is the `where` (as `any_deal: {...}`). The window's anchor is read in the
 * scope around the quantifier, so `after: touchpoint.at` in a nested one names the outer touchpoint.
 */
function parseTouch(
  key: string,
  mode: 'some' | 'none' | 'count' | 'first' | 'last',
  value: unknown,
  path: PathSeg[],
  scope: ConditionScope,
  issues: RawIssue[],
): Condition {
  const p = formatPath(path);
  const inner: ConditionScope = { ...scope, bound: new Set([...scope.bound, 'touchpoint']) };
  const bare = (where: Condition | null): Condition => ({ type: 'touch', mode, where, window: null, matches: null, tests: [], path: p });
  // any_touchpoint: true — any touchpoint at all.
  if (value === true && (mode === 'some' || mode === 'none')) return bare(null);
  if (!isPlainObject(value)) {
    issues.push({ path, message: `"${key}" takes a map such as { where: { touchpoint.direction: inbound }, after: ticket.createdAt, within_hours: 24 }, got ${describe(value)}` });
    return { type: 'always', path: p };
  }
  const reserved = new Set<string>(['where', ...WINDOW_KEYS]);
  if (mode === 'first' || mode === 'last') reserved.add('matches');
  if (mode === 'count') for (const op of NUMBER_OPERATORS) reserved.add(op);
  const keys = Object.keys(value);
  // any_touchpoint: { touchpoint.channel: email } — a bare condition, as any_deal takes.
  if ((mode === 'some' || mode === 'none') && keys.length > 0 && keys.every((k) => !reserved.has(k))) {
    return bare(parseCondition(value, path, inner, issues));
  }
  let where: Condition | null = null;
  let matches: Condition | null = null;
  const tests: NumberTest[] = [];
  let side: 'after' | 'before' | null = null;
  let anchor: FieldRef | null = null;
  let spanMs: number | null = null;
  let spanText = '';
  for (const [k, v] of Object.entries(value)) {
    const at = [...path, k];
    if (k === 'where') where = parseCondition(v, at, inner, issues);
    else if (k === 'matches' && reserved.has(k)) matches = parseCondition(v, at, inner, issues);
    else if (k === 'after' || k === 'before') {
      if (side !== null) {
        issues.push({ path: at, message: 'a touchpoint window has one anchor: after or before, not both' });
        continue;
      }
      side = k;
      if (typeof v !== 'string') {
        issues.push({ path: at, message: `"${k}" takes a date field such as ticket.createdAt or touchpoint.at, got ${describe(v)}` });
        continue;
      }
      anchor = resolveField(v, at, scope, issues);
      if (anchor && !anchor.raw && anchor.type !== 'time') {
        issues.push({ path: at, message: `"${k}" takes a date field, but ${v} is a ${anchor.type}` });
        anchor = null;
      }
    } else if (k === 'within_hours' || k === 'within_days') {
      if (typeof v !== 'number' || !(v >= 0)) {
        issues.push({ path: at, message: `"${k}" takes a non-negative number, got ${describe(v)}` });
        continue;
      }
      if (spanMs !== null) issues.push({ path: at, message: 'a touchpoint window takes one of within_hours or within_days' });
      spanMs = v * (k === 'within_hours' ? HOUR_MS : DAY_MS);
      spanText = `within ${v} ${k === 'within_hours' ? 'hour' : 'day'}${v === 1 ? '' : 's'} `;
    } else if (mode === 'count' && (NUMBER_OPERATORS as readonly string[]).includes(k)) {
      if (typeof v !== 'number') issues.push({ path: at, message: `"${k}" takes a number, got ${describe(v)}` });
      else tests.push({ op: k as NumberTest['op'], value: v });
    } else {
      const allowed = [...reserved].join(', ');
      const hint = k.startsWith('touchpoint.') ? ' (put touchpoint conditions under where:)' : '';
      issues.push({ path: at, message: `unknown key "${k}" in ${key}${hint}; expected ${allowed}` });
    }
  }
  if (spanMs !== null && side === null) {
    issues.push({ path, message: `within_hours / within_days in ${key} are measured from a record's time: add after: or before: (e.g. after: ticket.createdAt); for "in the last N days" write where: { touchpoint.at: { within_days: N } }` });
  }
  if (mode === 'count' && tests.length === 0) issues.push({ path, message: `"${key}" needs a comparison such as gte: 3` });
  if ((mode === 'first' || mode === 'last') && matches === null) {
    issues.push({ path, message: `"${key}" needs matches: (the test on the ${mode === 'first' ? 'oldest' : 'newest'} touchpoint that fits where), e.g. matches: { touchpoint.survey.score: { lte: 6 } }` });
  }
  const window: TouchWindow | null = side !== null && anchor !== null
    ? { side, anchor, spanMs, text: `${spanText}${side} ${anchor.scope}.${anchor.raw ? 'raw.' : ''}${anchor.name}` }
    : null;
  return { type: 'touch', mode, where, window, matches, tests, path: p };
}

export function resolveField(name: string, path: PathSeg[], scope: ConditionScope, issues: RawIssue[]): FieldRef | null {
  const [head, ...rest] = name.split('.');
  if (!(SCOPES as readonly string[]).includes(head as string)) {
    issues.push({ path, message: `unknown field "${name}": a field path starts with contact., deal., ticket. or journey.` });
    return null;
  }
  const s = head as Scope;
  if (s === 'journey' && !scope.journey) {
    issues.push({ path, message: `"${name}" cannot be used here: journey.* is only available to friction flags and to segments no journey depends on` });
    return null;
  }
  if ((s === 'deal' || s === 'ticket') && !scope.bound.has(s)) {
    issues.push({ path, message: `"${name}" needs a ${s} in scope: wrap it in any_${s}, no_${s}, every_${s} or count_${s}s` });
    return null;
  }
  if (s === 'touchpoint' && !scope.bound.has('touchpoint')) {
    issues.push({ path, message: `"${name}" needs a touchpoint in scope: use it inside any_touchpoint, no_touchpoint, count_touchpoints, first_touchpoint or last_touchpoint` });
    return null;
  }
  let side: 'hubspot' | 'salesforce' | undefined;
  if (s === 'contact' && (rest[0] === 'hubspot' || rest[0] === 'salesforce')) {
    if (!scope.linked) {
      issues.push({ path, message: `"${name}" names one side of a linked installation: only a linked mapping (crm: linked) can; write contact.${rest.slice(1).join('.') || '<field>'}` });
      return null;
    }
    side = rest.shift() as 'hubspot' | 'salesforce';
    if (rest.length === 0) {
      issues.push({ path, message: `"${name}" names no field; write contact.${side}.<field> or contact.${side}.raw.<CRM field>` });
      return null;
    }
  } else if (s === 'contact' && rest[0] === 'raw' && scope.linked) {
    issues.push({ path, message: `"${name}": a linked mapping reads a CRM's own contact field from one side: write contact.hubspot.${rest.join('.')} or contact.salesforce.${rest.join('.')}` });
    return null;
  }
  if (rest[0] === 'raw' && s !== 'journey') {
    const rawName = rest.slice(1).join('.');
    if (!rawName) {
      issues.push({ path, message: `"${name}" names no CRM field; write ${s}.raw.<field name>` });
      return null;
    }
    return { scope: s, name: rawName, raw: true, type: null, ...(side ? { side } : {}) };
  }
  const field = rest.join('.');
  const type = VOCABULARY[s][field];
  if (!type) {
    const prefix = side ? `${s}.${side}` : s;
    issues.push({ path, message: `unknown field "${name}"; ${prefix} fields are ${Object.keys(VOCABULARY[s]).join(', ')} (or ${prefix}.raw.<CRM field>)` });
    return null;
  }
  return { scope: s, name: field, raw: false, type, ...(side ? { side } : {}) };
}

function parseFieldCondition(key: string, value: unknown, path: PathSeg[], scope: ConditionScope, issues: RawIssue[]): Condition {
  const p = formatPath(path);
  const field = resolveField(key, path, scope, issues);
  let tests: Test[] = [];
  if (isPlainObject(value)) {
    for (const [op, arg] of Object.entries(value)) {
      const test = parseTest(op, arg, field, [...path, op], issues);
      if (test) tests.push(test);
    }
    if (Object.keys(value).length === 0) issues.push({ path, message: 'no operator given; e.g. { eq: value }' });
  } else if (Array.isArray(value)) {
    const test = parseTest('in', value, field, path, issues);
    if (test) tests = [test];
  } else {
    const test = parseTest('eq', value, field, path, issues);
    if (test) tests = [test];
  }
  if (!field) return { type: 'always', path: p };
  if (field.scope === 'touchpoint' && !field.raw) checkTouchpointValues(field.name, tests, path, issues);
  return { type: 'field', field, tests, path: p };
}

/** `touchpoint.channel: emial` is a typo, not a rule that never holds. */
function checkTouchpointValues(name: string, tests: Test[], path: PathSeg[], issues: RawIssue[]): void {
  const allowed = TOUCHPOINT_VALUES[name];
  if (!allowed) return;
  for (const t of tests) {
    const values = t.op === 'eq' || t.op === 'ne' ? [t.value] : t.op === 'in' || t.op === 'not_in' ? t.values : [];
    for (const v of values) {
      if (v !== null && !allowed.includes(String(v))) {
        issues.push({ path, message: `unknown touchpoint ${name} "${String(v)}"; values are ${allowed.join(', ')} (the CRM's own value is in touchpoint.raw${name === 'channel' ? 'Channel' : name === 'outcome' ? 'Outcome' : '.<field>'})` });
      }
    }
  }
}

function parseTest(op: string, arg: unknown, field: FieldRef | null, path: PathSeg[], issues: RawIssue[]): Test | null {
  if (!(FIELD_OPERATORS as readonly string[]).includes(op)) {
    const hint = FIELD_OPERATORS.find((o) => o.startsWith(op.slice(0, 2)));
    issues.push({ path, message: `unknown operator "${op}"${hint ? ` (did you mean "${hint}"?)` : ''}; operators are ${FIELD_OPERATORS.join(', ')}` });
    return null;
  }
  const type = field?.type ?? null; // null: raw field, any operator allowed
  const fail = (message: string): null => {
    issues.push({ path, message });
    return null;
  };
  switch (op) {
    case 'eq':
    case 'ne':
      if (!isScalar(arg)) return fail(`"${op}" takes one value, got ${describe(arg)}`);
      if (type === 'boolean' && typeof arg !== 'boolean' && arg !== null) return fail(`"${op}" on a boolean field takes true or false, got ${describe(arg)}`);
      if (type === 'number' && typeof arg !== 'number' && arg !== null) return fail(`"${op}" on a number field takes a number, got ${describe(arg)}`);
      return { op, value: arg };
    case 'in':
    case 'not_in':
      if (!Array.isArray(arg) || !arg.every(isScalar)) return fail(`"${op}" takes a list of values, got ${describe(arg)}`);
      return { op, values: arg as Scalar[] };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof arg !== 'number') return fail(`"${op}" takes a number, got ${describe(arg)}`);
      if (type !== null && type !== 'number') return fail(`"${op}" compares numbers, but this field is a ${type}${type === 'time' ? ' (use within_days / older_than_days)' : ''}`);
      return { op, value: arg };
    case 'exists':
      if (typeof arg !== 'boolean') return fail(`"exists" takes true or false, got ${describe(arg)}`);
      return { op, value: arg };
    case 'contains': {
      const values = Array.isArray(arg) ? arg : [arg];
      if (!values.every((v) => typeof v === 'string')) return fail(`"contains" takes a string or a list of strings, got ${describe(arg)}`);
      if (type !== null && type !== 'list' && type !== 'string') return fail(`"contains" applies to text and list fields, but this field is a ${type}`);
      return { op, values: values as string[] };
    }
    default: {
      if (typeof arg !== 'number' || arg < 0) return fail(`"${op}" takes a non-negative number, got ${describe(arg)}`);
      if (type !== null && type !== 'time') return fail(`"${op}" applies to date fields, but this field is a ${type}`);
      return { op: op as 'within_days', value: arg };
    }
  }
}

export function conditionReadsJourney(c: Condition): boolean {
  switch (c.type) {
    case 'always':
      return false;
    case 'all':
    case 'any':
      return c.items.some(conditionReadsJourney);
    case 'not':
      return conditionReadsJourney(c.item);
    case 'field':
      return c.field.scope === 'journey';
    case 'some':
    case 'none':
    case 'every':
      return conditionReadsJourney(c.where);
    case 'count':
      return c.where ? conditionReadsJourney(c.where) : false;
    case 'sum':
      return c.field.scope === 'journey' || (c.where ? conditionReadsJourney(c.where) : false);
    case 'touch':
      return (c.window?.anchor.scope === 'journey') || (c.where ? conditionReadsJourney(c.where) : false) || (c.matches ? conditionReadsJourney(c.matches) : false);
    case 'constant':
      return false;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `"${v}"`;
  return String(v);
}
