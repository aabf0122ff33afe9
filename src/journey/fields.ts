import type { FieldRef } from '../mapping/ast.ts';
import { HOUR_MS } from '../model.ts';
import type { EvalContext } from './context.ts';

export type Value = string | number | boolean | null | readonly string[];
export type Getter = (ctx: EvalContext) => Value;

/** Compiles a field reference to a getter over the evaluation context. */
export function compileGetter(field: FieldRef): Getter {
  const { scope, name } = field;
  if (field.raw) {
    if (scope === 'contact') return (c) => c.contact.raw[name] ?? null;
    if (scope === 'deal') return (c) => c.deal?.raw[name] ?? null;
    return (c) => c.ticket?.raw[name] ?? null;
  }
  if (scope === 'journey') {
    if (name === 'stage') return (c) => c.journey.stage;
    if (name === 'flags') return (c) => c.journey.flags;
    return (c) => c.journey.segments;
  }
  if (scope === 'ticket' && name === 'firstResponseHours') {
    return (c) => {
      const t = c.ticket;
      return t && t.firstResponseAt !== null && t.createdAt !== null ? (t.firstResponseAt - t.createdAt) / HOUR_MS : null;
    };
  }
  if (scope === 'contact') return (c) => (c.contact as unknown as Record<string, Value>)[name] ?? null;
  if (scope === 'deal') return (c) => (c.deal as unknown as Record<string, Value> | null)?.[name] ?? null;
  return (c) => (c.ticket as unknown as Record<string, Value> | null)?.[name] ?? null;
}

/** Raw CRM values are strings more often than not: read them as numbers or times when a rule needs that. */
export function asNumber(v: Value): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export function asTime(v: Value): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '') {
    const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}
