/**
 * One-line reasons: a rule's `reason:` template filled from the records that made it hold
 * (`deal "{deal.name}" in {deal.stage} since {deal.stageEnteredAt}`), or, without a template,
 * the evidence the trace found.
 *
 * Templates are compiled once (they run for every matching rule of a million customers).
 * `[…]` groups are optional: a group is dropped when a record or value it cites is not there (a stage
 * reached through the lifecycle has no deal to cite). Kept groups follow the head, joined with "; ".
 */
import type { Condition } from '../mapping/ast.ts';
import { DAY_MS } from '../model.ts';
import type { EvalContext } from './context.ts';
import { evidence, formatDate, formatDateTime, traceCondition } from './trace.ts';

const PLACEHOLDER = /\{([a-zA-Z_]+)(?:\.([a-zA-Z_.]+))?\}/g;
const TIME_FIELDS = new Set(['createdAt', 'updatedAt', 'stageEnteredAt', 'closedAt', 'firstResponseAt']);
export const TEMPLATE_ROOTS = ['contact', 'deal', 'ticket', 'touchpoint', 'count', 'sum', 'stage', 'now'] as const;
const TOUCHPOINT_SURVEY = new Set(['survey.type', 'survey.score', 'survey.sentiment']);

/** A value getter; `undefined` means "not there" (drops the enclosing optional group). */
type Part = string | ((ctx: EvalContext) => string | undefined);
export type CompiledTemplate = (ctx: EvalContext) => string;

function placeholder(root: string, field: string | undefined): Part {
  switch (root) {
    case 'count':
      return (ctx) => (ctx.witness.count === null ? undefined : String(ctx.witness.count));
    case 'sum':
      return (ctx) => (ctx.witness.sum === null ? undefined : formatNumber(ctx.witness.sum));
    case 'stage':
      return (ctx) => ctx.journey.stage ?? undefined;
    case 'now':
      return (ctx) => {
        // The date shown turns at the next midnight (UTC).
        const next = (Math.floor(ctx.now / DAY_MS) + 1) * DAY_MS;
        if (next < ctx.horizon) ctx.horizon = next;
        return formatDate(ctx.now);
      };
    case 'touchpoint': {
      // The touchpoint bound, or the one the rule's quantifier found (the oldest match; last_: the newest).
      if (!field) return () => undefined;
      const rawName = field.startsWith('raw.') ? field.slice(4) : null;
      return (ctx) => {
        const t = ctx.touchpoint ?? ctx.witness.touchpoint;
        if (!t) return undefined;
        if (rawName !== null) return formatValue(t.raw[rawName], false);
        if (field === 'at') return t.at === null ? undefined : formatDateTime(t.at);
        if (TOUCHPOINT_SURVEY.has(field)) {
          const key = field.slice(7) as 'type' | 'score' | 'sentiment';
          return formatValue(t.survey?.[key] ?? null, false);
        }
        return formatValue((t as unknown as Record<string, unknown>)[field], field === 'updatedAt');
      };
    }
    case 'flag':
    case 'reason':
      // Action templates only (src/journey/actions.ts sets them); elsewhere the text stays as written.
      return (ctx) => (ctx.vars ? ctx.vars[root] : `{${root}}`);
    case 'contact':
    case 'deal':
    case 'ticket': {
      if (!field) return () => undefined;
      // Linked mappings: `{contact.hubspot.raw.x}` reads one side's own contact.
      const sideMatch = root === 'contact' ? /^(hubspot|salesforce)\.(.+)$/.exec(field) : null;
      const side = sideMatch ? (sideMatch[1] as 'hubspot' | 'salesforce') : null;
      const name = sideMatch ? (sideMatch[2] as string) : field;
      const isTime = TIME_FIELDS.has(name);
      const rawName = name.startsWith('raw.') ? name.slice(4) : null;
      const pickRecord =
        side !== null
          ? (c: EvalContext) => c.contact.sides?.[side]
          : root === 'contact' ? (c: EvalContext) => c.contact : root === 'deal' ? (c: EvalContext) => c.deal ?? c.witness.deal : (c: EvalContext) => c.ticket ?? c.witness.ticket;
      return (ctx) => {
        const record = pickRecord(ctx);
        if (!record) return undefined;
        const v = rawName !== null ? record.raw[rawName] : (record as unknown as Record<string, unknown>)[name];
        return formatValue(v, isTime);
      };
    }
    default:
      return `{${root}${field ? `.${field}` : ''}}`;
  }
}

function compileParts(text: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push(placeholder(m[1] as string, m[2]));
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

function renderParts(parts: Part[], ctx: EvalContext, optional: boolean): string | undefined {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') out += p;
    else {
      const v = p(ctx);
      if (v === undefined) {
        if (optional) return undefined;
        out += '—';
      } else out += v;
    }
  }
  return out;
}

export function compileTemplate(template: string): CompiledTemplate {
  const groups: Part[][] = [];
  const head = compileParts(
    template
      .replace(/\[([^\]]*)\]/g, (_, inner: string) => {
        groups.push(compileParts(inner));
        return '';
      })
      .trim(),
  );
  if (groups.length === 0) return (ctx) => renderParts(head, ctx, false) as string;
  return (ctx) => {
    let out = renderParts(head, ctx, false) as string;
    for (const g of groups) {
      const text = renderParts(g, ctx, true);
      if (text !== undefined && text !== '') out = out === '' ? text : `${out}; ${text}`;
    }
    return out;
  };
}

export function renderTemplate(template: string, ctx: EvalContext): string {
  return compileTemplate(template)(ctx);
}

/** `label: text`, from the compiled template, or from the evidence when the rule has none. */
export function reasonFor(label: string, template: CompiledTemplate | null, when: Condition, ctx: EvalContext): string {
  if (template !== null) return `${label}: ${template(ctx)}`;
  const ev = evidence(traceCondition(when, ctx));
  return ev.length > 0 ? `${label}: ${ev.join('; ')}` : label;
}

function formatValue(v: unknown, isTime: boolean): string | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  if (isTime && typeof v === 'number') return formatDate(v);
  if (typeof v === 'number') return formatNumber(v);
  if (Array.isArray(v)) return v.join(', ');
  const s = String(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
