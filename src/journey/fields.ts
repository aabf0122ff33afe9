import type { FieldRef } from '../mapping/ast.ts';
import { HOUR_MS, type TouchpointRecord } from '../model.ts';
import type { EvalContext } from './context.ts';

export type Value = string | number | boolean | null | readonly string[];
export type Getter = (ctx: EvalContext) => Value;

/** Compiles a field reference to a getter over the evaluation context. */
export function compileGetter(field: FieldRef): Getter {
  const { scope, name } = field;
  if (field.side !== undefined) {
    // Linked mappings: one side's own contact (absent when the customer is not on that side).
    const side = field.side;
    if (field.raw) return (c) => c.contact.sides?.[side]?.raw[name] ?? null;
    return (c) => ((c.contact.sides?.[side] as unknown as Record<string, Value> | undefined)?.[name] ?? null);
  }
  if (field.raw) {
    if (scope === 'contact') return (c) => c.contact.raw[name] ?? null;
    if (scope === 'deal') return (c) => c.deal?.raw[name] ?? null;
    if (scope === 'touchpoint') return (c) => c.touchpoint?.raw[name] ?? null;
    return (c) => c.ticket?.raw[name] ?? null;
  }
  if (scope === 'touchpoint') return touchpointGetter(name);
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

/** A touchpoint field read straight off a touchpoint (the fused filters of touchpoint quantifiers). */
export type TouchpointGetter = (t: TouchpointRecord) => Value;

export function touchpointValue(field: FieldRef): TouchpointGetter {
  const name = field.name;
  if (field.raw) return (t) => t.raw[name] ?? null;
  switch (name) {
    case 'survey.type':
      return (t) => t.survey?.type ?? null;
    case 'survey.score':
      return (t) => t.survey?.score ?? null;
    case 'survey.sentiment':
      return (t) => t.survey?.sentiment ?? null;
    case 'survey.scale.min':
      return (t) => t.survey?.scale.min ?? null;
    case 'survey.scale.max':
      return (t) => t.survey?.scale.max ?? null;
    case 'channel':
      return (t) => t.channel;
    case 'direction':
      return (t) => t.direction;
    case 'at':
      return (t) => t.at;
    case 'outcome':
      return (t) => t.outcome;
    case 'rawChannel':
      return (t) => t.rawChannel;
    case 'rawOutcome':
      return (t) => t.rawOutcome;
    case 'id':
      return (t) => t.id;
    case 'objectType':
      return (t) => t.objectType;
    case 'updatedAt':
      return (t) => t.updatedAt;
    case 'ownerId':
      return (t) => t.ownerId ?? null;
    default:
      return (t) => (t as unknown as Record<string, Value>)[name] ?? null;
  }
}

function touchpointGetter(name: string): Getter {
  switch (name) {
    case 'survey.type':
      return (c) => c.touchpoint?.survey?.type ?? null;
    case 'survey.score':
      return (c) => c.touchpoint?.survey?.score ?? null;
    case 'survey.sentiment':
      return (c) => c.touchpoint?.survey?.sentiment ?? null;
    case 'survey.scale.min':
      return (c) => c.touchpoint?.survey?.scale.min ?? null;
    case 'survey.scale.max':
      return (c) => c.touchpoint?.survey?.scale.max ?? null;
    // Direct property reads: a generic keyed read here is megamorphic, and runs ~30 times per customer.
    case 'channel':
      return (c) => c.touchpoint?.channel ?? null;
    case 'direction':
      return (c) => c.touchpoint?.direction ?? null;
    case 'at':
      return (c) => c.touchpoint?.at ?? null;
    case 'outcome':
      return (c) => c.touchpoint?.outcome ?? null;
    case 'rawChannel':
      return (c) => c.touchpoint?.rawChannel ?? null;
    case 'rawOutcome':
      return (c) => c.touchpoint?.rawOutcome ?? null;
    case 'id':
      return (c) => c.touchpoint?.id ?? null;
    case 'objectType':
      return (c) => c.touchpoint?.objectType ?? null;
    case 'updatedAt':
      return (c) => c.touchpoint?.updatedAt ?? null;
    case 'ownerId':
      return (c) => c.touchpoint?.ownerId ?? null;
    default:
      return (c) => (c.touchpoint as unknown as Record<string, Value> | null)?.[name] ?? null;
  }
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
