/**
 * A slow, explaining twin of `predicates.ts`: evaluates a condition and records why it held or not.
 * Used for `explain`, and to write the one-line reason of the few rules that matched.
 * Must agree with the compiled predicates (a test checks both on the same customers).
 */
import type { Condition, Test } from '../mapping/ast.ts';
import type { DealRecord, TicketRecord, TouchpointRecord } from '../model.ts';
import type { EvalContext } from './context.ts';
import { compileGetter, type Value } from './fields.ts';
import { compileNumberTests, compileTest, compileWindow, lowerBound } from './predicates.ts';

export interface TraceNode {
  path: string;
  text: string;
  ok: boolean;
  children: TraceNode[];
  /** Touchpoints this node relied on (the one found, counted or picked), as `objectType/id`. */
  used?: string[];
}

/** `objectType/id`: how explain names a touchpoint. */
export function touchpointKey(t: TouchpointRecord): string {
  return `${t.objectType}/${t.id}`;
}

/** `email inbound 2026-11-20 (replied)`, or `nps survey 4 of 0–10 2026-11-20`. */
export function touchpointName(t: TouchpointRecord): string {
  const when = t.at === null ? 'no date' : formatDateTime(t.at);
  if (t.survey) {
    const score = t.survey.score === null ? 'no score' : `${t.survey.score} of ${t.survey.scale.min}–${t.survey.scale.max}`;
    return `${t.survey.type} survey ${score} ${when}`;
  }
  return `${t.channel}${t.direction ? ` ${t.direction}` : ''} ${when}${t.outcome ? ` (${t.outcome})` : ''}`;
}

/** Every touchpoint a trace relied on, in trace order, once each. */
export function usedTouchpoints(t: TraceNode, out: Set<string> = new Set()): Set<string> {
  if (!t.ok) return out;
  for (const k of t.used ?? []) out.add(k);
  for (const ch of t.children) if (ch.ok || t.text.startsWith('not')) usedTouchpoints(ch, out);
  return out;
}

export function traceCondition(c: Condition, ctx: EvalContext): TraceNode {
  switch (c.type) {
    case 'always':
      return { path: c.path, text: 'always', ok: true, children: [] };
    case 'constant':
      return { path: c.path, text: c.text, ok: c.value, children: [] };
    case 'touch':
      return traceTouch(c, ctx);
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
      const checks = c.tests.map((t) => ({ t, ok: compileTest(t, c.field)(v, ctx) }));
      const ok = checks.every((x) => x.ok);
      const name = `${c.field.scope}.${c.field.side ? `${c.field.side}.` : ''}${c.field.raw ? 'raw.' : ''}${c.field.name}`;
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

const TOUCH_HEAD = { some: 'any touchpoint', none: 'no touchpoint', count: 'count of touchpoints', first: 'first touchpoint', last: 'last touchpoint' } as const;

function traceTouch(c: Extract<Condition, { type: 'touch' }>, ctx: EvalContext): TraceNode {
  const list = ctx.touchpoints;
  const saved = ctx.touchpoint;
  const span = c.window ? compileWindow(c.window)(ctx) : undefined;
  const head = `${TOUCH_HEAD[c.mode]}${c.window ? ` ${c.window.text}${span ? ` (${formatDateTime(span.from)} – ${Number.isFinite(span.to) ? formatDateTime(span.to) : '…'})` : ' (no such time: none)'}` : ''}`;
  const children: TraceNode[] = [];
  const matched: TouchpointRecord[] = [];
  if (span !== null) {
    const start = span ? lowerBound(list, span.from) : 0;
    const order: number[] = [];
    for (let i = start; i < list.length; i++) {
      const t = list[i] as TouchpointRecord;
      if (span && (t.at as number) > span.to) break;
      order.push(i);
    }
    if (c.mode === 'last') order.reverse();
    for (const i of order) {
      const t = list[i] as TouchpointRecord;
      ctx.touchpoint = t;
      const w = c.where ? traceCondition(c.where, ctx) : null;
      if (w === null || w.ok) {
        matched.push(t);
        // Only the touchpoints that fit are listed: a customer has dozens.
        children.push(w === null ? { path: c.path, text: `touchpoint ${touchpointName(t)}`, ok: true, children: [], used: [touchpointKey(t)] } : { ...w, text: `touchpoint ${touchpointName(t)}: ${w.text}`, used: [touchpointKey(t)] });
        if (c.mode !== 'count') break;
      }
    }
  }
  let ok: boolean;
  let used: string[] = [];
  const picked = matched[0] ?? null;
  if (c.mode === 'count') {
    ctx.witness.count = matched.length;
    ok = compileNumberTests(c.tests)(matched.length);
    used = matched.map(touchpointKey);
  } else if (c.mode === 'some') {
    ok = picked !== null;
    used = picked ? [touchpointKey(picked)] : [];
  } else if (c.mode === 'none') {
    ok = picked === null;
  } else if (picked === null) {
    ok = false;
  } else {
    ctx.touchpoint = picked;
    const m = c.matches ? traceCondition(c.matches, ctx) : null;
    ok = m === null || m.ok;
    if (m) children.push({ ...m, text: `and it matches: ${m.text}` });
    used = [touchpointKey(picked)];
  }
  ctx.touchpoint = saved;
  if (ok && picked !== null && c.mode !== 'none') ctx.witness.touchpoint = picked;
  const tests = c.mode === 'count' ? ` = ${matched.length} ${c.tests.map((t) => `${t.op} ${t.value}`).join(', ')}` : '';
  return { path: c.path, text: `${head} (${list.length} touchpoints)${tests}`, ok, children: c.mode === 'none' && ok ? [] : children, used: ok ? used : [] };
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
  if (t.text.startsWith('no touchpoint')) return [t.text.replace(/ \((\d+) touchpoints\)$/, ' (none among $1)')];
  if (t.text.startsWith('first touchpoint') || t.text.startsWith('last touchpoint')) return t.children.filter((ch) => ch.ok).map((ch) => ch.text);
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

/** YYYY-MM-DD HH:MM (UTC): touchpoint windows are hours wide. */
export function formatDateTime(ms: number): string {
  const minutes = Math.floor((((ms % 86_400_000) + 86_400_000) % 86_400_000) / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${formatDate(ms)} ${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}`;
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
