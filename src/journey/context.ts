import type { ContactRecord, DealRecord, TicketRecord } from '../model.ts';

/**
 * What a rule sees while it is evaluated. Mutable on purpose: quantifiers bind `deal`/`ticket` and
 * leave the last matching record as the witness, aggregates leave their figure, so reasons can cite them.
 */
export interface EvalContext {
  now: number;
  contact: ContactRecord;
  deals: DealRecord[];
  tickets: TicketRecord[];
  deal: DealRecord | null;
  ticket: TicketRecord | null;
  journey: { stage: string | null; flags: string[]; segments: string[] };
  witness: { deal: DealRecord | null; ticket: TicketRecord | null; count: number | null; sum: number | null };
}

export function newContext(now: number, contact: ContactRecord, deals: DealRecord[], tickets: TicketRecord[]): EvalContext {
  return {
    now,
    contact,
    deals,
    tickets,
    deal: null,
    ticket: null,
    journey: { stage: null, flags: [], segments: [] },
    witness: { deal: null, ticket: null, count: null, sum: null },
  };
}

export function resetWitness(ctx: EvalContext): void {
  ctx.witness.deal = null;
  ctx.witness.ticket = null;
  ctx.witness.count = null;
  ctx.witness.sum = null;
}
