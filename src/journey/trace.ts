/**
 * A slow, explaining twin of `predicates.ts`: evaluates a condition and records why it held or not.
 * Used for `explain`, and to write the one-line reason of the few rules that matched.
 * Must agree with the compiled predicates (a test checks both on the same customers).
 */
import type { Condition, Test } from '../mapping/ast.ts';
import type { DealRecord, TicketRecord } from '../model.ts';
import type { EvalContext } from './context.ts';
import { compileGetter, type Value } from './fields.ts';
import { compileNumberTests, compileTest } from './predicates.ts';

export interface TraceNode {
  path: string;
  text: string;
  ok: boolean;
  children: TraceNode[];
}

export function traceCondition(c: Condition, ctx: EvalContext): TraceNode {
  switch (c.type) {
    case 'always':
      return { path: c.path, text: 'always', ok: true, children: [] };
    case 'all':
    case 'any': {
      const children: TraceNode[] = [];
      let ok = c.type === 'all';
      for (const item of c.items) {
        const t = traceCondition(item, ctx);
        children.push(t);
        if (c.type === 'all' && !t.ok) { ok = false; break; }
        if (c.type === 'any' && t.ok) { ok = true; break; }
      }
      return { path: c.path, text: c.type === 'all' ? 'all of' : 'any of', ok, children };
    }
    case 'not': {
      const t = traceCondition(c.item, ctx);
      return { path: c.path, text: 'not', ok: !t.ok, children: [t] };
    }
    case 'field': {
      const v = compileGetter(c.field)(ctx);
      const checks = c.tests.map((t) => ({ t, ok: compileTest(t, c.field)(v, ctx.now) }));
      const ok = checks.every((x) => x.ok);
      const name = `${c.field.scope}.${c.field.raw ? 'raw.' : ''}${c.field.name}`;
      const text = `${name} = ${show(v, c.field.type === 'time')} ${checks.map((x) => describeTest(x.t)).join(', ')}`;
      return { path: c.path, text, ok, children: [] };
    }
    case 'some':
    case 'none':
    case 'every': {
      const list: Array<DealRecord | TicketRecord> = c.kind === 'deal' ? ctx.deals : ctx.tickets;
      const saved = c.kind === 'deal' ? ctx.deal : ctx.ticket;
      const children: TraceNode[] = [];
      let found: DealRecord | TicketRecord | null = null;
      let all = true;
      for (const r of list) {
        bind(ctx, c.kind, r);
        const t = traceCondition(c.where, ctx);
        children.push({ ...t, text: `${c.kind} ${recordName(r)}: ${t.text}` });
        if (t.ok && c.type !== 'every') { found = r; break; }
        if (!t.ok && c.type === 'every') { all = false; break; }
      }
      bind(ctx, c.kind, saved);
      if (found) {
        if (c.kind === 'deal') ctx.witness.deal = found as DealRecord;
        else ctx.witness.ticket = found as TicketRecord;
      }
      const ok = c.type === 'some' ? found !== null : c.type === 'none' ? found === null : all;
      const head = c.type === 'some' ? `any ${c.kind}` : c.type === 'none' ? `no ${c.kind}` : `every ${c.kind}`;
      return { path: c.path, text: `${head} (${list.length} ${c.kind}s)`, ok, children };
    }
    case 'count':
    case 'sum': {
      const list: Array<DealRecord | TicketRecord> = c.kind === 'deal' ? ctx.deals : ctx.tickets;
      const saved = c.kind === 'deal' ? ctx.deal : ctx.ticket;
      const get = c.type === 'sum' ? compileGetter(c.field) : null;
      let n = 0;
      const matched: string[] = [];
      for (const r of list) {
        bind(ctx, c.kind, r);
        if (!c.where || traceCondition(c.where, ctx).ok) {
          n += get ? Number(get(ctx) ?? 0) || 0 : 1;
          matched.push(recordName(r));
        }
      }
      bind(ctx, c.kind, saved);
      if (c.type === 'count') ctx.witness.count = n;
      else ctx.witness.sum = n;
      const ok = compileNumberTests(c.tests)(n);
      const what = c.type === 'count' ? `count of ${c.kind}s` : `sum of ${c.kind}.${c.field.name}`;
      const text = `${what}${c.where ? ' matching' : ''} = ${n} ${c.tests.map((t) => `${t.op} ${t.value}`).join(', ')}${matched.length ? ` (${matched.slice(0, 5).join(', ')}${matched.length > 5 ? ', …' : ''})` : ''}`;
      return { path: c.path, text, ok, children: [] };
    }
  }
}

/** The satisfied leaves that made a passing condition pass: the raw material of a reason. */
export function evidence(t: TraceNode): string[] {
  if (!t.ok) return [];
  if (t.children.length === 0) return t.text === 'always' ? [] : [t.text];
  if (t.text === 'not') return [`not (${t.children[0]?.text ?? ''})`];
  if (t.text.startsWith('any ') || t.text.startsWith('every ')) {
    const hit = t.children.filter((ch) => ch.ok).at(-1);
    return hit ? [hit.text] : [t.text];
  }
  if (t.text.startsWith('no ')) return [t.text.replace(/^no (\w+) \((\d+) \w+\)/, 'no matching $1 among $2')];
  return t.children.flatMap(evidence);
}

export function renderTrace(t: TraceNode, indent = ''): string[] {
  const lines = [`${indent}${t.ok ? '✔' : '✘'} ${t.text}`];
  for (const ch of t.children) lines.push(...renderTrace(ch, `${indent}  `));
  return lines;
}

function bind(ctx: EvalContext, kind: 'deal' | 'ticket', r: unknown): void {
  if (kind === 'deal') ctx.deal = r as EvalContext['deal'];
  else ctx.ticket = r as EvalContext['ticket'];
}

export function recordName(r: DealRecord | TicketRecord): string {
  const name = r.kind === 'deal' ? r.name : r.subject;
  return name ? `"${name.length > 60 ? `${name.slice(0, 57)}…` : name}"` : `#${r.id}`;
}

/** YYYY-MM-DD (UTC) without allocating a Date: reasons format many dates (days-to-civil, H. Hinnant). */
export function formatDate(ms: number): string {
  const z = Math.floor(ms / 86_400_000) + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

function show(v: Value, isTime: boolean): string {
  if (v === null) return 'empty';
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  if (isTime && typeof v === 'number') return formatDate(v);
  if (typeof v === 'string') return `"${v.length > 60 ? `${v.slice(0, 57)}…` : v}"`;
  return String(v);
}

function describeTest(t: Test): string {
  switch (t.op) {
    case 'in':
    case 'not_in':
      return `${t.op} [${t.values.join(', ')}]`;
    case 'contains':
      return `contains ${t.values.join(' or ')}`;
    default:
      return `${t.op} ${String(t.value)}`;
  }
}
