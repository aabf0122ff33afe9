/**
 * Funnel conversion and stage durations from the stage-transition ledger, for one journey.
 *
 * Rows arrive in ledger (insertion) order, so a contact's next stay always comes after the one it
 * closes. Conversion needs that next stay: a closed stay that began in the period waits in
 * `pending` (contact id → stage index, and whether the stay was backfilled) until its successor shows
 * up. That map holds at most one small entry per contact with a closed stay in the period, never records.
 *
 * Each figure also counts the part resting on backfilled stays: stays dated from the CRM's history
 * when Parcours first saw the customer, rather than observed by a sync.
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
  /** Of enteredInPeriod / movedOn / durations, how many rest on backfilled stays. */
  backfilled: { entered: number[]; movedOn: number[]; durations: number[] };
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
  const backfilled = { entered: stageIds.map(() => 0), movedOn: stageIds.map(() => 0), durations: stageIds.map(() => 0) };
  // contact id → stage index × 2, + 1 when that stay was backfilled.
  const pending = new Map<string, number>();
  const bump = (xs: number[], i: number): void => {
    xs[i] = (xs[i] as number) + 1;
  };

  return {
    add(row) {
      const i = index.get(row.stage);
      const code = pending.get(row.contactId);
      if (code !== undefined) {
        pending.delete(row.contactId);
        const waiting = code >> 1;
        // A stage the mapping no longer has counts as not moving on: we cannot place it.
        if (i !== undefined && i > waiting) {
          bump(movedOn, waiting);
          if (code & 1) bump(backfilled.movedOn, waiting);
        }
      }
      if (i === undefined) return;
      if (inPeriod(row.enteredAt, period)) {
        bump(entered, i);
        if (row.backfilled) bump(backfilled.entered, i);
        if (row.leftAt !== null) pending.set(row.contactId, i * 2 + (row.backfilled ? 1 : 0));
      }
      if (row.leftAt !== null && inPeriod(row.leftAt, period)) {
        durations[i]?.push((row.leftAt - row.enteredAt) / DAY_MS);
        if (row.backfilled) bump(backfilled.durations, i);
      }
    },
    result() {
      const last = stageIds.length - 1;
      return {
        enteredInPeriod: entered,
        movedOn,
        conversion: entered.map((e, i) => (i === last || e === 0 ? null : (movedOn[i] as number) / e)),
        durations,
        backfilled,
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
