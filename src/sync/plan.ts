/**
 * The per-customer plan shared by full/incremental runs and webhook recomputes: evaluate, decide the
 * stage entry time, compute desired owned values and keep only the fields that differ from the CRM.
 */
import type { ApiCallStats, OwnedFieldSpec, RecordChange } from '../../connectors/port.ts';
import type { Engine } from '../journey/engine.ts';
import type { Mapping } from '../mapping/ast.ts';
import type { Customer, JourneyState, ObjectKind } from '../model.ts';
import type { CurrentStage, StageChange, Store } from '../store/index.ts';
import { chooseStageEntry, sinceText, stageTimeline, type EntryKind } from '../journey/stage-entry.ts';
import { currentValue, desiredValues, sameValue, toTime, withSince, type Values } from './desired.ts';
import { journeyFieldSpec } from './field-spec.ts';

export interface PlannedRecord {
  kind: ObjectKind;
  change: RecordChange;
  /** CRM values of the changed fields before the write (the rollback image). */
  before: Values;
}

export interface CustomerPlan {
  state: JourneyState;
  /**
   * Ledger rows to record when the customer enters a stage the ledger does not hold open, oldest
   * first: on first sight, the stays its CRM history shows (backfilled) and the current one.
   */
  stageChanges: StageChange[];
  /** When the customer entered its current stage and the evidence for it; `kind` is null for a stay the ledger already holds open. */
  entry: { at: number; basis: string | null; kind: EntryKind | null };
  /** Records whose owned values differ from the CRM's, with only the differing fields. */
  changes: PlannedRecord[];
  /** Records already holding the desired values. */
  unchanged: ObjectKind[];
}

/** Field types by `kind:crmFieldName`, for `sameValue`. */
export function ownedFieldTypes(engine: Engine): Map<string, OwnedFieldSpec['type']> {
  return new Map(journeyFieldSpec(engine.mapping).fields.map((f) => [`${f.kind}:${f.name}`, f.type]));
}

/**
 * Customers with their open stage from the ledger, looked up a page at a time: one query per
 * page instead of one per customer on the hot path of a million-customer run.
 */
export async function* withCurrentStages(store: Store, installation: string, customers: AsyncIterable<Customer> | Iterable<Customer>, page = 500): AsyncGenerator<[Customer, CurrentStage | undefined]> {
  let batch: Customer[] = [];
  const withStages = async (): Promise<Array<[Customer, CurrentStage | undefined]>> => {
    const stages = await store.currentStages(installation, batch.map((c) => c.contact.id));
    const out = batch.map((c): [Customer, CurrentStage | undefined] => [c, stages.get(c.contact.id)]);
    batch = [];
    return out;
  };
  for await (const c of customers) {
    batch.push(c);
    if (batch.length >= page) yield* await withStages();
  }
  if (batch.length) yield* await withStages();
}

export function planCustomer(engine: Engine, current: CurrentStage | undefined, customer: Customer, now: number, types: Map<string, OwnedFieldSpec['type']>): CustomerPlan {
  const state = engine.evaluate(customer, now);
  return planState({ mapping: engine.mapping, state, timeline: (at) => stageTimeline(engine, customer, at, now), current, customer, now, types });
}

export interface StatePlanInput {
  /** Whose writeback names and stage values the values are written with. */
  mapping: Mapping;
  /** The state the customer is in (evaluated once; a linked customer's, as seen from one side). */
  state: JourneyState;
  /** The customer's dated stage history, replayed by the engine that evaluated the state. */
  timeline: (at: { journeyId: string; stage: string }) => ReturnType<typeof stageTimeline>;
  current: CurrentStage | undefined;
  /** The records to write (one side's, on a linked installation). */
  customer: Customer;
  now: number;
  types: Map<string, OwnedFieldSpec['type']>;
}

/** The plan of a customer whose state is known: stage entry, ledger rows, and the owned values that differ. */
export function planState(input: StatePlanInput): CustomerPlan {
  const { mapping, state, current, customer, now, types } = input;
  const { stage: stageField, stageEnteredAt: enteredField } = mapping.writeback.contact;
  const open = current?.journeyId === state.journeyId ? current : undefined;
  let entry: CustomerPlan['entry'];
  const stageChanges: StageChange[] = [];
  if (open && open.stage === state.stage.id) entry = { at: open.enteredAt, basis: open.basis, kind: null };
  else {
    // A stage the ledger does not hold open: date it from the CRM's evidence (src/journey/stage-entry.ts).
    const inCrm = stageField ? currentValue(customer.contact, stageField) : null;
    const crmEntered = enteredField ? currentValue(customer.contact, enteredField) : null;
    const wanted = mapping.writeback.stageValues[state.stage.id] ?? state.stage.id;
    const timeline = input.timeline({ journeyId: state.journeyId, stage: state.stage.id });
    const decision = chooseStageEntry({ timeline, open, crmEntered: inCrm === wanted && crmEntered ? toTime(crmEntered) : null, now });
    entry = { at: decision.at, basis: decision.basis, kind: decision.kind };
    for (const e of decision.entries) stageChanges.push({ contactId: customer.contact.id, journeyId: state.journeyId, stage: e.stage, at: e.at, basis: e.basis, backfilled: e.backfilled });
  }
  const enteredAt = entry.at;
  const stageReason = withSince(state.stage.reason, sinceText(entry.at, entry.basis));
  const changes: PlannedRecord[] = [];
  const unchanged: ObjectKind[] = [];
  for (const d of desiredValues(mapping, customer, state, enteredAt, stageReason)) {
    const values: Values = {};
    const before: Values = {};
    for (const [field, want] of Object.entries(d.values)) {
      const have = currentValue(d.record, field);
      if (sameValue(types.get(`${d.kind}:${field}`), have, want)) continue;
      values[field] = want;
      before[field] = have;
    }
    if (Object.keys(values).length === 0) unchanged.push(d.kind);
    else changes.push({ kind: d.kind, change: { ref: { kind: d.kind, objectType: d.record.objectType, id: d.record.id }, values }, before });
  }
  return { state, stageChanges, entry, changes, unchanged };
}

/** API calls made between two snapshots of a connector's statistics. */
export function apiCallDelta(before: ApiCallStats, after: ApiCallStats): ApiCallStats {
  const byEndpoint: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.byEndpoint)) {
    const d = v - (before.byEndpoint[k] ?? 0);
    if (d > 0) byEndpoint[k] = d;
  }
  const unanswered = (after.unanswered ?? 0) - (before.unanswered ?? 0);
  return { total: after.total - before.total, byEndpoint, rateLimited: after.rateLimited - before.rateLimited, ...(unanswered > 0 ? { unanswered } : {}) };
}
