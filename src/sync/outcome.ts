/**
 * What a run keeps of one evaluated customer: everything the run's tallies, segment memberships, follow-up
 * tasks, stage ledger and pushes need, without the customer's records and touchpoints. The evaluator turns a
 * plan into an outcome and applies it at once; an incremental run's pre-evaluation (pre-evaluation.ts) keeps
 * outcomes until its pull has shown which customers changed.
 */
import type { Engine } from '../journey/engine.ts';
import type { DesiredTask } from '../journey/actions.ts';
import type { EntryKind } from '../journey/stage-entry.ts';
import type { Customer } from '../model.ts';
import type { StageChange } from '../store/index.ts';
import type { CustomerPlan, PlannedRecord } from './plan.ts';

export interface CustomerOutcome {
  contactId: string;
  stage: string;
  /** Contact-level friction flags, each once. */
  flags: string[];
  segments: string[];
  tasks: DesiredTask[];
  entryKind: EntryKind | null;
  /** Earlier stays recorded from the CRM's history (the ledger rows before the current one). */
  backfilled: number;
  stageChanges: StageChange[];
  contactUnchanged: boolean;
  deals: string[];
  tickets: string[];
  /** Records whose owned values differ from the CRM's. */
  changes: PlannedRecord[];
  /** The evaluation gives this outcome at any time before this instant (Infinity: until the records change). */
  validUntil: number;
  /** Read back from the store (kept-outcomes.ts), not evaluated this run. */
  kept?: true;
}

/** Two outcomes a run would apply alike (a customer a batch re-read unchanged is evaluated again to an equal one). */
export function sameApplied(a: CustomerOutcome, b: CustomerOutcome): boolean {
  const strip = (o: CustomerOutcome) => JSON.stringify([o.contactId, o.stage, o.flags, o.segments, o.tasks, o.entryKind, o.backfilled, o.stageChanges, o.contactUnchanged, o.deals, o.tickets, o.changes]);
  return strip(a) === strip(b);
}

export function outcomeOf(engine: Engine, customer: Customer, plan: CustomerPlan, now: number): CustomerOutcome {
  const { state } = plan;
  // The state's horizon, lowered by what the task templates show; no horizon known: valid for this instant only.
  const clock = { horizon: state.validUntil ?? now };
  const tasks = engine.actions(customer, state, now, clock);
  return {
    contactId: customer.contact.id,
    stage: state.stage.id,
    flags: [...new Set(state.friction.filter((f) => f.on.kind === 'contact').map((f) => f.id))],
    segments: state.segments.map((s) => s.id),
    tasks,
    entryKind: plan.entry.kind,
    backfilled: plan.stageChanges.filter((c, i) => c.backfilled && i !== plan.stageChanges.length - 1).length,
    stageChanges: plan.stageChanges,
    contactUnchanged: plan.unchanged.includes('contact'),
    deals: customer.deals.map((d) => d.id),
    tickets: customer.tickets.map((t) => t.id),
    changes: plan.changes,
    validUntil: clock.horizon,
  };
}
