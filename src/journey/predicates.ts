/**
 * Compiles conditions to closures: the hot path. A million customers go through these,
 * so no allocation per call beyond what quantifiers need, and no date parsing for typed fields.
 */
import type { Condition, FieldRef, NumberTest, Test, TouchWindow } from '../mapping/ast.ts';
import { DAY_MS, HOUR_MS, type TouchpointRecord } from '../model.ts';
import type { EvalContext } from './context.ts';
import { asNumber, asTime, compileGetter, touchpointValue, type Value } from './fields.ts';

export type Predicate = (ctx: EvalContext) => boolean;

/**
 * The evaluation's time, and the earliest later instant at which a time test evaluated so far could turn
 * (`horizon`): the evaluation gives the same result at any time before it, so a run may keep the outcome
 * until then instead of evaluating the customer again (src/sync/kept-outcomes.ts).
 */
export interface Clock {
  now: number;
  horizon: number;
}

/** A test of `at` against `now - span` turns just after `at + span` ("within": true up to it; "older than": true after it). */
export function turnsAt(clock: Clock, at: number, span: number): void {
  const t = at + span + 1;
  if (t > clock.now && t < clock.horizon) clock.horizon = t;
}

export function compileCondition(c: Condition): Predicate {
  switch (c.type) {
    case 'always':
      return () => true;
    case 'constant': {
      const value = c.value;
      return () => value;
    }
    case 'touch':
      return compileTouch(c);
    case 'all': {
      const items = c.items.map(compileCondition);
      return (ctx) => {
        for (const p of items) if (!p(ctx)) return false;
        return true;
      };
    }
    case 'any': {
      const items = c.items.map(compileCondition);
      return (ctx) => {
        for (const p of items) if (p(ctx)) return true;
        return false;
      };
    }
    case 'not': {
      const item = compileCondition(c.item);
      return (ctx) => !item(ctx);
    }
    case 'field': {
      const get = compileGetter(c.field);
      const tests = c.tests.map((t) => compileTest(t, c.field));
      if (tests.length === 1) {
        const t = tests[0] as (v: Value, clock: Clock) => boolean;
        return (ctx) => t(get(ctx), ctx);
      }
      return (ctx) => {
        const v = get(ctx);
        for (const t of tests) if (!t(v, ctx)) return false;
        return true;
      };
    }
    case 'some':
    case 'none':
    case 'every': {
      const where = compileCondition(c.where);
      const kind = c.kind;
      const mode = c.type;
      return (ctx) => {
        const list = kind === 'deal' ? ctx.deals : ctx.tickets;
        const saved = kind === 'deal' ? ctx.deal : ctx.ticket;
        let found = false;
        let all = true;
        for (const r of list) {
          bind(ctx, kind, r);
          if (where(ctx)) {
            if (mode !== 'every') {
              found = true;
              if (kind === 'deal') ctx.witness.deal = r as EvalContext['deals'][number];
              else ctx.witness.ticket = r as EvalContext['tickets'][number];
              break;
            }
          } else if (mode === 'every') {
            all = false;
            break;
          }
        }
        bind(ctx, kind, saved);
        if (mode === 'some') return found;
        if (mode === 'none') return !found;
        return all;
      };
    }
    case 'count': {
      const where = c.where ? compileCondition(c.where) : null;
      const check = compileNumberTests(c.tests);
      const kind = c.kind;
      return (ctx) => {
        const list = kind === 'deal' ? ctx.deals : ctx.tickets;
        let n = 0;
        if (!where) n = list.length;
        else {
          const saved = kind === 'deal' ? ctx.deal : ctx.ticket;
          for (const r of list) {
            bind(ctx, kind, r);
            if (where(ctx)) n++;
          }
          bind(ctx, kind, saved);
        }
        ctx.witness.count = n;
        return check(n);
      };
    }
    case 'sum': {
      const where = c.where ? compileCondition(c.where) : null;
      const get = compileGetter(c.field);
      const check = compileNumberTests(c.tests);
      const kind = c.kind;
      return (ctx) => {
        const list = kind === 'deal' ? ctx.deals : ctx.tickets;
        const saved = kind === 'deal' ? ctx.deal : ctx.ticket;
        let total = 0;
        for (const r of list) {
          bind(ctx, kind, r);
          if (!where || where(ctx)) total += asNumber(get(ctx)) ?? 0;
        }
        bind(ctx, kind, saved);
        ctx.witness.sum = total;
        return check(total);
      };
    }
  }
}

type TouchCondition = Extract<Condition, { type: 'touch' }>;

/** The [from, to] span of `at` a window admits for this evaluation; null when its anchor has no time. */
export function compileWindow(w: TouchWindow): (ctx: EvalContext) => { from: number; to: number } | null {
  const get = compileGetter(w.anchor);
  const raw = w.anchor.raw;
  const span = w.spanMs ?? Infinity;
  const after = w.side === 'after';
  return (ctx) => {
    const v = get(ctx);
    const anchor = raw ? asTime(v) : (v as number | null);
    if (anchor === null) return null;
    return after ? { from: anchor, to: anchor + span } : { from: anchor - span, to: anchor };
  };
}

/** Index just past the last touchpoint at or before `to`. */
export function upperBound(list: readonly TouchpointRecord[], to: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = (list[mid] as TouchpointRecord).at;
    if (at === null || at <= to) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first touchpoint at or after `from` (the list is oldest first; untimed ones lead). */
export function lowerBound(list: readonly TouchpointRecord[], from: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = (list[mid] as TouchpointRecord).at;
    if (at === null || at < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A test of one touchpoint that needs nothing else of the context: no binding, one call per touchpoint. */
type TouchFilter = (t: TouchpointRecord, clock: Clock) => boolean;

/** The touchpoint-only part of a condition as a filter, or null when it reads anything else. */
function compileTouchFilter(c: Condition): TouchFilter | null {
  switch (c.type) {
    case 'always':
      return () => true;
    case 'constant': {
      const v = c.value;
      return () => v;
    }
    case 'field': {
      if (c.field.scope !== 'touchpoint') return null;
      const get = touchpointValue(c.field);
      const tests = c.tests.map((t) => compileTest(t, c.field));
      if (tests.length === 1) {
        const t0 = tests[0] as (v: Value, clock: Clock) => boolean;
        return (t, clock) => t0(get(t), clock);
      }
      return (t, clock) => {
        const v = get(t);
        for (const test of tests) if (!test(v, clock)) return false;
        return true;
      };
    }
    case 'all':
    case 'any': {
      const items = c.items.map(compileTouchFilter);
      if (items.some((i) => i === null)) return null;
      const fs = items as TouchFilter[];
      return c.type === 'all'
        ? (t, clock) => {
            for (const f of fs) if (!f(t, clock)) return false;
            return true;
          }
        : (t, clock) => {
            for (const f of fs) if (f(t, clock)) return true;
            return false;
          };
    }
    case 'not': {
      const f = compileTouchFilter(c.item);
      return f === null ? null : (t, clock) => !f(t, clock);
    }
    default:
      return null;
  }
}

/**
 * `where` split for speed: the touchpoint-only tests of a top-level `all` become one filter run first;
 * the rest (a nested quantifier, a test on the contact…) runs on the bound context only for touchpoints
 * that passed the filter.
 */
function compileWhere(where: Condition | null): { filter: TouchFilter | null; rest: Predicate | null } {
  if (where === null) return { filter: null, rest: null };
  const whole = compileTouchFilter(where);
  if (whole) return { filter: whole, rest: null };
  if (where.type !== 'all') return { filter: null, rest: compileCondition(where) };
  const pure = where.items.filter((i) => compileTouchFilter(i) !== null);
  const other = where.items.filter((i) => compileTouchFilter(i) === null);
  return {
    filter: pure.length ? compileTouchFilter({ ...where, items: pure }) : null,
    rest: compileCondition(other.length === 1 ? (other[0] as Condition) : { ...where, items: other }),
  };
}

/** True when the condition can only hold on a survey answer (it tests a survey field against a value). */
function needsSurvey(c: Condition | null): boolean {
  if (c === null) return false;
  if (c.type === 'field') {
    if (c.field.scope !== 'touchpoint' || c.field.raw || !c.field.name.startsWith('survey.')) return false;
    return c.tests.some((t) => (t.op === 'eq' && t.value !== null) || (t.op === 'in' && !t.values.includes(null)) || (t.op === 'exists' && t.value) || ['gt', 'gte', 'lt', 'lte'].includes(t.op));
  }
  if (c.type === 'all') return c.items.some(needsSurvey);
  if (c.type === 'any') return c.items.every(needsSurvey);
  return false;
}

/**
 * The span of `at` a where's own `touchpoint.at` tests allow (`within_days: 30`, `older_than_hours: 24`
 * in its top-level `all`), so the quantifier can binary-search into the list instead of testing every
 * touchpoint. Conservative: the tests themselves still run on what is inside.
 */
function timeRange(where: Condition | null): { back: number; gap: number } | null {
  if (where === null) return null;
  const items = where.type === 'all' ? where.items : [where];
  const tests: Test[] = [];
  for (const i of items) {
    if (i.type === 'field' && i.field.scope === 'touchpoint' && !i.field.raw && i.field.name === 'at') tests.push(...i.tests);
  }
  const within = tests.flatMap((t) => (t.op === 'within_days' || t.op === 'within_hours' ? [t.value * (t.op === 'within_days' ? DAY_MS : HOUR_MS)] : []));
  const older = tests.flatMap((t) => (t.op === 'older_than_days' || t.op === 'older_than_hours' ? [t.value * (t.op === 'older_than_days' ? DAY_MS : HOUR_MS)] : []));
  if (within.length === 0 && older.length === 0) return null;
  // at >= now - back (within) and at < now - gap (older than): the span is [now - back, now - gap].
  return { back: within.length ? Math.min(...within) : Infinity, gap: older.length ? Math.max(...older) : -Infinity };
}

function surveyCount(ctx: EvalContext): number {
  if (ctx.surveys < 0) {
    let n = 0;
    for (const t of ctx.touchpoints) if (t.survey !== null) n++;
    ctx.surveys = n;
  }
  return ctx.surveys;
}

/**
 * A touchpoint quantifier walks the customer's own list (no copy, no allocation): a window narrows it
 * by binary search on time, `first`/`some`/`none` stop at the first match, `last` walks backwards, the
 * touchpoint-only tests run as one filter before anything binds, and a rule on survey answers skips a
 * customer who gave none.
 */
function compileTouch(c: TouchCondition): Predicate {
  const { filter, rest } = compileWhere(c.where);
  const matches = c.matches ? compileCondition(c.matches) : null;
  const check = compileNumberTests(c.tests);
  const mode = c.mode;
  const surveysOnly = needsSurvey(c.where);
  // Spans are plain numbers, computed without allocating: this runs several times per customer.
  const range = timeRange(c.where);
  const back = range ? range.back : Infinity;
  const gap = range ? range.gap : -Infinity;
  const anchor = c.window ? compileGetter(c.window.anchor) : null;
  const rawAnchor = c.window?.anchor.raw ?? false;
  const after = c.window?.side === 'after';
  const span = c.window?.spanMs ?? Infinity;
  const empty = mode === 'none' ? true : mode === 'count' ? check(0) : false;
  const fits = (ctx: EvalContext, t: TouchpointRecord): boolean => {
    if (filter !== null && !filter(t, ctx)) return false;
    if (rest === null) return true;
    ctx.touchpoint = t;
    return rest(ctx);
  };
  return (ctx) => {
    const list = ctx.touchpoints;
    if (list.length === 0 || (surveysOnly && surveyCount(ctx) === 0)) {
      if (mode === 'count') ctx.witness.count = 0;
      return empty;
    }
    let from = -Infinity;
    let to = Infinity;
    if (anchor !== null) {
      const v = anchor(ctx);
      const a = rawAnchor ? asTime(v) : (v as number | null);
      if (a === null) {
        if (mode === 'count') ctx.witness.count = 0;
        return empty;
      }
      if (after) {
        from = a;
        to = a + span;
      } else {
        from = a - span;
        to = a;
      }
    }
    if (range !== null) {
      const f = ctx.now - back;
      const t = ctx.now - gap;
      if (f > from) from = f;
      if (t < to) to = t;
      // The span moves with the clock: the oldest touchpoint inside it leaves just after at + back, the
      // first one not yet old enough enters just after at + gap (whatever the quantifier looked at).
      if (back !== Infinity) {
        const i = lowerBound(list, f);
        if (i < list.length) turnsAt(ctx, (list[i] as TouchpointRecord).at as number, back);
      }
      if (gap !== -Infinity) {
        const i = lowerBound(list, t);
        if (i < list.length) turnsAt(ctx, (list[i] as TouchpointRecord).at as number, gap);
      }
    }
    const bounded = from !== -Infinity || to !== Infinity;
    // Bounded: untimed touchpoints (first in the list) cannot be in a span, so the search skips them too.
    const start = bounded ? lowerBound(list, from) : 0;
    const end = mode === 'last' && to !== Infinity ? upperBound(list, to) : list.length;
    const saved = ctx.touchpoint;
    let picked: TouchpointRecord | null = null;
    let n = 0;
    if (mode === 'last') {
      for (let i = end - 1; i >= start; i--) {
        const t = list[i] as TouchpointRecord;
        if (fits(ctx, t)) {
          picked = t;
          break;
        }
      }
    } else {
      for (let i = start; i < end; i++) {
        const t = list[i] as TouchpointRecord;
        if (bounded && (t.at === null || t.at > to)) break;
        if (fits(ctx, t)) {
          if (mode === 'count') n++;
          else {
            picked = t;
            break;
          }
        }
      }
    }
    let ok: boolean;
    switch (mode) {
      case 'some':
        ok = picked !== null;
        break;
      case 'none':
        ok = picked === null;
        break;
      case 'count':
        ctx.witness.count = n;
        ok = check(n);
        break;
      default:
        if (picked === null) ok = false;
        else {
          ctx.touchpoint = picked;
          ok = matches === null || matches(ctx);
        }
    }
    ctx.touchpoint = saved;
    if (ok && picked !== null) ctx.witness.touchpoint = picked;
    return ok;
  };
}

function bind(ctx: EvalContext, kind: 'deal' | 'ticket', r: unknown): void {
  if (kind === 'deal') ctx.deal = r as EvalContext['deal'];
  else ctx.ticket = r as EvalContext['ticket'];
}

export function compileNumberTests(tests: NumberTest[]): (n: number) => boolean {
  const fns = tests.map((t) => numberTest(t.op, t.value));
  return (n) => {
    for (const f of fns) if (!f(n)) return false;
    return true;
  };
}

function numberTest(op: NumberTest['op'], v: number): (n: number) => boolean {
  switch (op) {
    case 'eq':
      return (n) => n === v;
    case 'gt':
      return (n) => n > v;
    case 'gte':
      return (n) => n >= v;
    case 'lt':
      return (n) => n < v;
    case 'lte':
      return (n) => n <= v;
  }
}

function present(v: Value): boolean {
  return v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
}

/** Equality that tolerates raw CRM strings ("5" equals 5, "true" equals true). */
function looseEquals(v: Value, expected: string | number | boolean | null): boolean {
  if (v === expected) return true;
  if (v === null || expected === null) return false;
  if (typeof expected === 'number') return asNumber(v) === expected;
  if (typeof expected === 'boolean') return typeof v === 'string' && v.toLowerCase() === String(expected);
  return typeof v === 'number' && String(v) === expected;
}

export function compileTest(t: Test, field: FieldRef): (v: Value, clock: Clock) => boolean {
  const raw = field.raw;
  switch (t.op) {
    case 'eq':
      return raw ? (v) => looseEquals(v, t.value) : (v) => v === t.value;
    case 'ne':
      return raw ? (v) => !looseEquals(v, t.value) : (v) => v !== t.value;
    case 'in': {
      const set = new Set(t.values);
      return raw ? (v) => t.values.some((x) => looseEquals(v, x)) : (v) => set.has(v as string);
    }
    case 'not_in': {
      const set = new Set(t.values);
      return raw ? (v) => !t.values.some((x) => looseEquals(v, x)) : (v) => !set.has(v as string);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const f = numberTest(t.op, t.value);
      return raw ? (v) => {
        const n = asNumber(v);
        return n !== null && f(n);
      } : (v) => v !== null && f(v as number);
    }
    case 'exists':
      return t.value ? present : (v) => !present(v);
    case 'contains': {
      const wanted = t.values;
      const lowered = wanted.map((w) => w.toLowerCase());
      return (v) => {
        if (Array.isArray(v)) {
          for (const w of wanted) if (v.includes(w)) return true;
          return false;
        }
        if (typeof v === 'string') {
          // Raw multi-select values arrive `;`-joined; text matches case-insensitively.
          const s = v.toLowerCase();
          if (raw && s.includes(';')) {
            const parts = s.split(';');
            return lowered.some((w) => parts.includes(w));
          }
          return lowered.some((w) => s.includes(w));
        }
        return false;
      };
    }
    case 'within_days':
    case 'older_than_days':
    case 'within_hours':
    case 'older_than_hours': {
      const span = t.value * (t.op.endsWith('days') ? DAY_MS : HOUR_MS);
      const within = t.op.startsWith('within');
      // Boundary: exactly N days ago is "within N days"; "older than N days" is strictly before it.
      // Each evaluation notes when its answer turns (Clock.horizon).
      if (raw) {
        return (v, clock) => {
          const at = asTime(v);
          if (at === null) return false;
          turnsAt(clock, at, span);
          return within ? at >= clock.now - span : at < clock.now - span;
        };
      }
      return within
        ? (v, clock) => {
            if (v === null) return false;
            turnsAt(clock, v as number, span);
            return (v as number) >= clock.now - span;
          }
        : (v, clock) => {
            if (v === null) return false;
            turnsAt(clock, v as number, span);
            return (v as number) < clock.now - span;
          };
    }
  }
}
