import type { ContactRecord, DealRecord, TicketRecord, TouchpointRecord } from '../model.ts';

/**
 * What a rule sees while it is evaluated. Mutable on purpose: quantifiers bind `deal`/`ticket` and
 * leave the last matching record as the witness, aggregates leave their figure, so reasons can cite them.
 */
export interface EvalContext {
  now: number;
  /** The earliest instant after `now` at which a time test evaluated so far could turn (predicates.ts `Clock`). */
  horizon: number;
  contact: ContactRecord;
  deals: DealRecord[];
  tickets: TicketRecord[];
  /** The customer's touchpoints, oldest first: the store's list itself, never a copy. */
  touchpoints: readonly TouchpointRecord[];
  deal: DealRecord | null;
  ticket: TicketRecord | null;
  /** The touchpoint a touchpoint quantifier has bound. */
  touchpoint: TouchpointRecord | null;
  /** How many of `touchpoints` are survey answers; -1 until a survey rule asks (then counted once). */
  surveys: number;
  journey: { stage: string | null; flags: string[]; segments: string[] };
  witness: { deal: DealRecord | null; ticket: TicketRecord | null; touchpoint: TouchpointRecord | null; count: number | null; sum: number | null };
  /** Extra template variables (`{flag}`, `{reason}` in action templates); absent while rules run. */
  vars?: Record<string, string>;
}

const NO_TOUCHPOINTS: readonly TouchpointRecord[] = Object.freeze([]);

export function newContext(
  now: number,
  contact: ContactRecord,
  deals: DealRecord[],
  tickets: TicketRecord[],
  touchpoints: readonly TouchpointRecord[] = NO_TOUCHPOINTS,
): EvalContext {
  return {
    now,
    horizon: Infinity,
    contact,
    deals,
    tickets,
    touchpoints,
    deal: null,
    ticket: null,
    touchpoint: null,
    surveys: -1,
    journey: { stage: null, flags: [], segments: [] },
    witness: { deal: null, ticket: null, touchpoint: null, count: null, sum: null },
  };
}

export function resetWitness(ctx: EvalContext): void {
  ctx.witness.deal = null;
  ctx.witness.ticket = null;
  ctx.witness.touchpoint = null;
  ctx.witness.count = null;
  ctx.witness.sum = null;
}
