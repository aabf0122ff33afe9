/**
 * Funnel conversion and stage durations from the stage-transition ledger, for one journey.
 *
 * Rows arrive in ledger (insertion) order, so a contact's next stay always comes after the one it
 * closes. Conversion needs that next stay: a closed stay that began in the period waits in
 * `pending` (contact id → stage index) until its successor shows up. That map holds at most one
 * small entry per contact with a closed stay in the period, never records.
 */
import { DAY_MS } from '../../model.ts';
import type { StageHistoryRow } from '../../store/types.ts';
import { inPeriod, type Period } from '../schema.ts';
import { Sample } from './summary.ts';

export interface StageFlowResult {
  /** Per stage, in journey order. */
  enteredInPeriod: number[];
  movedOn: number[];
  /** movedOn ÷ enteredInPeriod (0..1); null for the last stage or when nobody entered. */
  conversion: Array<number | null>;
  /** Days of each closed stay that ended within the period. */
  durations: Sample[];
}

export interface StageFlow {
  add(row: StageHistoryRow): void;
  result(): StageFlowResult;
}

export function createStageFlow(stageIds: readonly string[], period: Period): StageFlow {
  const index = new Map(stageIds.map((id, i) => [id, i]));
  const entered = stageIds.map(() => 0);
  const movedOn = stageIds.map(() => 0);
  const durations = stageIds.map(() => new Sample());
  const pending = new Map<string, number>();

  return {
    add(row) {
      const i = index.get(row.stage);
      const waiting = pending.get(row.contactId);
      if (waiting !== undefined) {
        pending.delete(row.contactId);
        // A stage the mapping no longer has counts as not moving on: we cannot place it.
        if (i !== undefined && i > waiting) movedOn[waiting] = (movedOn[waiting] as number) + 1;
      }
      if (i === undefined) return;
      if (inPeriod(row.enteredAt, period)) {
        entered[i] = (entered[i] as number) + 1;
        if (row.leftAt !== null) pending.set(row.contactId, i);
      }
      if (row.leftAt !== null && inPeriod(row.leftAt, period)) durations[i]?.push((row.leftAt - row.enteredAt) / DAY_MS);
    },
    result() {
      const last = stageIds.length - 1;
      return {
        enteredInPeriod: entered,
        movedOn,
        conversion: entered.map((e, i) => (i === last || e === 0 ? null : (movedOn[i] as number) / e)),
        durations,
      };
    },
  };
}

/** The pure form: all rows of one journey at once. */
export function stageFlow(rows: Iterable<StageHistoryRow>, stageIds: readonly string[], period: Period): StageFlowResult {
  const flow = createStageFlow(stageIds, period);
  for (const r of rows) flow.add(r);
  return flow.result();
}
