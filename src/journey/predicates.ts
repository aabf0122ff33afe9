/**
 * Compiles conditions to closures: the hot path. A million customers go through these,
 * so no allocation per call beyond what quantifiers need, and no date parsing for typed fields.
 */
import type { Condition, FieldRef, NumberTest, Test } from '../mapping/ast.ts';
import { DAY_MS, HOUR_MS } from '../model.ts';
import type { EvalContext } from './context.ts';
import { asNumber, asTime, compileGetter, type Getter, type Value } from './fields.ts';

export type Predicate = (ctx: EvalContext) => boolean;

export function compileCondition(c: Condition): Predicate {
  switch (c.type) {
    case 'always':
      return () => true;
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
        const t = tests[0] as (v: Value, now: number) => boolean;
        return (ctx) => t(get(ctx), ctx.now);
      }
      return (ctx) => {
        const v = get(ctx);
        for (const t of tests) if (!t(v, ctx.now)) return false;
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

export function compileTest(t: Test, field: FieldRef): (v: Value, now: number) => boolean {
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
      if (raw) {
        return (v, now) => {
          const at = asTime(v);
          return at !== null && (within ? at >= now - span : at < now - span);
        };
      }
      return within
        ? (v, now) => v !== null && (v as number) >= now - span
        : (v, now) => v !== null && (v as number) < now - span;
    }
  }
}
