/**
 * The journey engine: a compiled mapping applied to one customer at a time.
 * Pure: records and the evaluation time in, a JourneyState out. No I/O, no clock, no CRM names.
 */
import type { Condition, Mapping } from '../mapping/ast.ts';
import { DAY_MS, HOUR_MS, type Customer, type JourneyState, type RecordRef, type Severity } from '../model.ts';
import { compileActions, type DesiredTask } from './actions.ts';
import { newContext, resetWitness, type EvalContext } from './context.ts';
import { conditionFields, findDisabled, pruneCondition, type DisabledRule } from './disabled.ts';
import { compileCondition, type Predicate } from './predicates.ts';
import { compileTemplate, reasonFor, type CompiledTemplate } from './reasons.ts';
import { recordName, renderTrace, touchpointKey, touchpointName, traceCondition, usedTouchpoints, type TraceNode } from './trace.ts';

interface CompiledRule {
  id: string;
  label: string;
  when: Mapping['segments'][number]['when'];
  reason: CompiledTemplate | null;
  test: Predicate;
  /** Fields the CRM lacks that this rule reads: it never holds. */
  disabledBy: string[] | null;
}

interface CompiledJourney {
  id: string;
  label: string;
  segment: string | null;
  stages: CompiledRule[];
}

interface CompiledFlag extends CompiledRule {
  severity: Severity;
  onContact: boolean;
  /** Evaluated once per deal or ticket, or once for the contact. */
  per: 'deal' | 'ticket' | null;
}

export interface Engine {
  readonly mapping: Mapping;
  /** Rules off because the CRM lacks a field they read (empty when nothing is missing). */
  readonly disabled: readonly DisabledRule[];
  /** The missing fields the engine was compiled with. */
  readonly missing: ReadonlySet<string>;
  evaluate(customer: Customer, now: number): JourneyState;
  /**
   * The follow-up tasks the mapping's `actions:` want open for this customer in this state. `clock`: its
   * horizon is lowered to the earliest turn of what the task templates show (`{now}`); `dueAt` is not one.
   */
  actions(customer: Customer, state: JourneyState, now: number, clock?: { horizon: number }): DesiredTask[];
  explain(customer: Customer, now: number): Explanation;
  /** The stage id of `journeyId` (unknown: the default journey) a customer is in at `now`; stage rules only. */
  stageOf(customer: Customer, now: number, journeyId: string): string;
  /** The time windows (ms) the journey's stage rules test (`within_days: 90` → 90 days): when a stage can change with no record changing. */
  stageWindows(journeyId: string): readonly number[];
}

export interface Explanation {
  state: JourneyState;
  lines: string[];
  /** Per rule that held (`detractor`, `slow_first_response on ticket #7`): the touchpoints it relied on, as `objectType/id`. */
  touchpointsUsed: Record<string, string[]>;
}

export interface EngineOptions {
  /**
   * Fields the CRM cannot supply (`contact.csat`, `ticket.firstResponseAt`, `contact.raw.X`), as the
   * connector found them. A rule reading one is compiled as never holding, and listed in `disabled`.
   */
  missing?: Iterable<string>;
}

export function compileEngine(mapping: Mapping, options: EngineOptions = {}): Engine {
  const missing: ReadonlySet<string> = new Set(options.missing ?? []);
  const never: Predicate = () => false;
  const rule = (r: { id: string; label: string; when: CompiledRule['when']; reason: string | null }): CompiledRule => {
    // What the CRM can feed of the rule: branches on missing fields drop out; nothing left, the rule is off.
    const when = pruneCondition(r.when, missing);
    const off = when !== null ? [] : [...conditionFields(r.when)].filter((f) => missing.has(f)).sort();
    return {
      id: r.id,
      label: r.label,
      when: when ?? r.when,
      reason: r.reason === null ? null : compileTemplate(r.reason),
      test: when === null ? never : compileCondition(when),
      disabledBy: when === null ? off : null,
    };
  };
  const baseSegments = mapping.segments.filter((s) => !s.derived).map(rule);
  const derivedSegments = mapping.segments.filter((s) => s.derived).map(rule);
  const journeys: CompiledJourney[] = mapping.journeys.map((j) => ({ id: j.id, label: j.label, segment: j.segment, stages: j.stages.map(rule) }));
  const windows = new Map(mapping.journeys.map((j) => [j.id, stageWindows(j.stages.map((s) => s.when))]));
  const byPriority = [...journeys.filter((j) => j.segment !== null), ...journeys.filter((j) => j.segment === null)];
  const flags: CompiledFlag[] = mapping.friction.map((f) => ({
    ...rule(f),
    severity: f.severity,
    onContact: f.on.includes('contact'),
    per: f.on.includes('deal') ? 'deal' : f.on.includes('ticket') ? 'ticket' : null,
  }));

  function run(customer: Customer, now: number, trace: TraceNode[] | null): JourneyState {
    const ctx = newContext(now, customer.contact, customer.deals, customer.tickets, customer.touchpoints);
    const segments: JourneyState['segments'] = [];
    const segmentIds: string[] = [];
    const check = (r: CompiledRule): boolean => {
      resetWitness(ctx);
      const ok = r.test(ctx);
      if (trace && r.disabledBy) {
        trace.push({ path: r.when.path, text: `${r.id}: disabled — the CRM lacks ${r.disabledBy.join(', ')}`, ok: false, children: [] });
      } else if (trace) {
        const t = traceCondition(r.when, ctx);
        trace.push({ ...t, text: `${r.id}${ctx.deal ? ` on deal ${recordName(ctx.deal)}` : ctx.ticket ? ` on ticket ${recordName(ctx.ticket)}` : ''}: ${t.text}` });
        resetWitness(ctx);
        r.test(ctx); // restore the witness the fast path leaves, so the reason cites the same records
      }
      return ok;
    };

    for (const s of baseSegments) {
      if (check(s)) {
        segmentIds.push(s.id);
        segments.push({ id: s.id, reason: reasonFor(s.id, s.reason, s.when, ctx) });
      }
    }
    const journey = byPriority.find((j) => j.segment === null || segmentIds.includes(j.segment)) as CompiledJourney;

    let stageIndex = -1;
    let stageReason = '';
    for (let i = journey.stages.length - 1; i >= 0; i--) {
      const st = journey.stages[i] as CompiledRule;
      if (check(st)) {
        stageIndex = i;
        stageReason = reasonFor(st.id, st.reason, st.when, ctx);
        break;
      }
    }
    let since: number | null = null;
    if (stageIndex === -1) {
      stageIndex = 0;
      stageReason = `${journey.stages[0]?.id}: no stage rule holds; defaulting to the first stage`;
    } else {
      const w = ctx.witness;
      since = w.deal ? (w.deal.isClosed ? w.deal.closedAt : w.deal.stageEnteredAt) : w.ticket ? w.ticket.createdAt : null;
    }
    const stage = journey.stages[stageIndex] as CompiledRule;
    ctx.journey.stage = stage.id;
    ctx.journey.segments = segmentIds;

    const friction: JourneyState['friction'] = [];
    const contactRef: RecordRef = { kind: 'contact', objectType: customer.contact.objectType, id: customer.contact.id, ...(customer.contact.crm ? { crm: customer.contact.crm } : {}) };
    for (const f of flags) {
      if (f.per === null) {
        if (check(f)) friction.push({ id: f.id, severity: f.severity, on: contactRef, reason: reasonFor(f.id, f.reason, f.when, ctx) });
        continue;
      }
      const list = f.per === 'deal' ? customer.deals : customer.tickets;
      let contactReason: string | null = null;
      for (const r of list) {
        if (f.per === 'deal') ctx.deal = r as EvalContext['deal'];
        else ctx.ticket = r as EvalContext['ticket'];
        if (check(f)) {
          const reason = reasonFor(f.id, f.reason, f.when, ctx);
          friction.push({ id: f.id, severity: f.severity, on: { kind: r.kind, objectType: r.objectType, id: r.id, ...(r.crm ? { crm: r.crm } : {}) }, reason });
          contactReason ??= reason;
        }
      }
      ctx.deal = null;
      ctx.ticket = null;
      if (f.onContact && contactReason !== null) friction.push({ id: f.id, severity: f.severity, on: contactRef, reason: contactReason });
    }
    const flagIds = [...new Set(friction.map((f) => f.id))];
    ctx.journey.flags = flagIds;

    for (const s of derivedSegments) {
      if (check(s)) segments.push({ id: s.id, reason: reasonFor(s.id, s.reason, s.when, ctx) });
    }

    return {
      contactId: customer.contact.id,
      journeyId: journey.id,
      stage: { id: stage.id, label: stage.label, reason: stageReason, since },
      segments,
      friction,
      validUntil: ctx.horizon,
    };
  }

  const defaultJourney = journeys.find((j) => j.segment === null) ?? (journeys[0] as CompiledJourney);

  function stageOf(customer: Customer, now: number, journeyId: string): string {
    const journey = journeys.find((j) => j.id === journeyId) ?? defaultJourney;
    const ctx = newContext(now, customer.contact, customer.deals, customer.tickets, customer.touchpoints);
    for (let i = journey.stages.length - 1; i >= 0; i--) {
      const st = journey.stages[i] as CompiledRule;
      resetWitness(ctx);
      if (st.test(ctx)) return st.id;
    }
    return (journey.stages[0] as CompiledRule).id;
  }

  return {
    mapping,
    disabled: findDisabled(mapping, missing),
    missing,
    stageOf,
    stageWindows: (journeyId) => windows.get(journeyId) ?? windows.get(defaultJourney.id) ?? [],
    evaluate: (customer, now) => run(customer, now, null),
    actions: compileActions(mapping),
    explain(customer, now) {
      const traces: TraceNode[] = [];
      const state = run(customer, now, traces);
      const touchpoints = customer.touchpoints ?? [];
      // Touchpoints are numbered oldest first, so the trace and the "used" lines can point at them.
      const number = new Map(touchpoints.map((t, i) => [touchpointKey(t), `#${i + 1}`]));
      const touchpointsUsed: Record<string, string[]> = {};
      for (const t of traces) {
        const used = [...usedTouchpoints(t)];
        if (used.length === 0) continue;
        const rule = t.text.slice(0, t.text.indexOf(':'));
        touchpointsUsed[rule] = [...new Set([...(touchpointsUsed[rule] ?? []), ...used])];
      }
      const lines = [
        `customer ${customer.contact.objectType}/${customer.contact.id} (${customer.deals.length} deals, ${customer.tickets.length} tickets, ${customer.touchpoints ? `${touchpoints.length} touchpoints` : 'touchpoints not read'}), evaluated at ${new Date(now).toISOString()}`,
        `journey: ${state.journeyId}`,
        `stage: ${state.stage.id} — ${state.stage.reason}`,
        `segments: ${state.segments.map((s) => s.id).join(', ') || 'none'}`,
        `friction: ${state.friction.map((f) => `${f.id} on ${f.on.kind}/${f.on.id}`).join(', ') || 'none'}`,
        ...state.friction.map((f) => `  ${f.on.kind}/${f.on.id}: ${f.reason}`),
        '',
        ...(touchpoints.length > 0
          ? [`touchpoints (${touchpoints.length}, oldest first):`, ...touchpoints.map((t, i) => `  #${i + 1} ${touchpointName(t)} — ${touchpointKey(t)}`), '']
          : []),
        'rule trace:',
        ...traces.flatMap((t) => renderTrace(t, '  ')),
        ...(Object.keys(touchpointsUsed).length > 0
          ? ['', 'touchpoints the rules used:', ...Object.entries(touchpointsUsed).map(([rule, keys]) => `  ${rule}: ${keys.map((k) => `${number.get(k) ?? ''} ${k}`.trim()).join(', ')}`)]
          : []),
      ];
      return { state, lines, touchpointsUsed };
    },
  };
}

/** Every distinct time window (ms) tested by `within_*` / `older_than_*` in these conditions. */
function stageWindows(conditions: Condition[]): number[] {
  const spans = new Set<number>();
  const walk = (c: Condition): void => {
    switch (c.type) {
      case 'all':
      case 'any':
        c.items.forEach(walk);
        return;
      case 'not':
        walk(c.item);
        return;
      case 'some':
      case 'none':
      case 'every':
        walk(c.where);
        return;
      case 'count':
      case 'sum':
        if (c.where) walk(c.where);
        return;
      case 'touch':
        if (c.where) walk(c.where);
        if (c.matches) walk(c.matches);
        return;
      case 'field':
        for (const t of c.tests) {
          if (t.op === 'within_days' || t.op === 'older_than_days') spans.add(t.value * DAY_MS);
          if (t.op === 'within_hours' || t.op === 'older_than_hours') spans.add(t.value * HOUR_MS);
        }
        return;
      default:
        return;
    }
  };
  conditions.forEach(walk);
  return [...spans].sort((a, b) => a - b);
}
