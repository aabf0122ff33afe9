/**
 * The per-customer plan shared by full/incremental runs and webhook recomputes: evaluate, decide the
 * stage entry time, compute desired owned values and keep only the fields that differ from the CRM.
 */
import type { ApiCallStats, OwnedFieldSpec, RecordChange } from '../../connectors/port.ts';
import type { Engine } from '../journey/engine.ts';
import type { Customer, JourneyState, ObjectKind } from '../model.ts';
import type { CurrentStage, StageChange, Store } from '../store/index.ts';
import { currentValue, desiredValues, sameValue, toTime, type Values } from './desired.ts';
import { journeyFieldSpec } from './field-spec.ts';

export interface PlannedRecord {
  kind: ObjectKind;
  change: RecordChange;
  /** CRM values of the changed fields before the write (the rollback image). */
  before: Values;
}

export interface CustomerPlan {
  state: JourneyState;
  /** Set when the customer enters a new stage (to record in the stage history). */
  stageChange: StageChange | null;
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
export function* withCurrentStages(store: Store, installation: string, customers: Iterable<Customer>, page = 500): Generator<[Customer, CurrentStage | undefined]> {
  let batch: Customer[] = [];
  const emit = function* (): Generator<[Customer, CurrentStage | undefined]> {
    const stages = store.currentStages(installation, batch.map((c) => c.contact.id));
    for (const c of batch) yield [c, stages.get(c.contact.id)];
    batch = [];
  };
  for (const c of customers) {
    batch.push(c);
    if (batch.length >= page) yield* emit();
  }
  if (batch.length) yield* emit();
}

export function planCustomer(engine: Engine, current: CurrentStage | undefined, customer: Customer, now: number, types: Map<string, OwnedFieldSpec['type']>): CustomerPlan {
  const mapping = engine.mapping;
  const state = engine.evaluate(customer, now);
  const { stage: stageField, stageEnteredAt: enteredField } = mapping.writeback.contact;
  const open = current?.journeyId === state.journeyId ? current : undefined;
  let enteredAt: number;
  let stageChange: StageChange | null = null;
  if (open && open.stage === state.stage.id) enteredAt = open.enteredAt;
  else {
    // A new stage: keep the CRM's entry date if it already shows this stage, else the evidence's date.
    const inCrm = stageField ? currentValue(customer.contact, stageField) : null;
    const crmEntered = enteredField ? currentValue(customer.contact, enteredField) : null;
    const wanted = mapping.writeback.stageValues[state.stage.id] ?? state.stage.id;
    const kept = inCrm === wanted && crmEntered ? toTime(crmEntered) : null;
    enteredAt = kept ?? Math.min(state.stage.since ?? now, now);
    stageChange = { contactId: customer.contact.id, journeyId: state.journeyId, stage: state.stage.id, at: enteredAt };
  }
  const changes: PlannedRecord[] = [];
  const unchanged: ObjectKind[] = [];
  for (const d of desiredValues(mapping, customer, state, enteredAt)) {
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
  return { state, stageChange, changes, unchanged };
}

/** API calls made between two snapshots of a connector's statistics. */
export function apiCallDelta(before: ApiCallStats, after: ApiCallStats): ApiCallStats {
  const byEndpoint: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.byEndpoint)) {
    const d = v - (before.byEndpoint[k] ?? 0);
    if (d > 0) byEndpoint[k] = d;
  }
  return { total: after.total - before.total, byEndpoint, rateLimited: after.rateLimited - before.rateLimited };
}
