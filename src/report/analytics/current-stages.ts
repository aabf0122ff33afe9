/**
 * Customers per stage now, and the CRM-dated time each has spent in its current stage so far
 * (the engine's `stage.since`: the deal's stage-entered or close date, the ticket's creation).
 * The latter is the fallback for durations while the stage-transition ledger is still young.
 */
import { DAY_MS, type JourneyState } from '../../model.ts';
import { Sample } from './summary.ts';

export interface CurrentStages {
  add(state: Pick<JourneyState, 'stage'>): void;
  result(): { customers: number[]; timeInStageDays: Sample[] };
}

export function createCurrentStages(stageIds: readonly string[], now: number): CurrentStages {
  const index = new Map(stageIds.map((id, i) => [id, i]));
  const customers = stageIds.map(() => 0);
  const elapsed = stageIds.map(() => new Sample());
  return {
    add(state) {
      const i = index.get(state.stage.id);
      if (i === undefined) return;
      customers[i] = (customers[i] as number) + 1;
      const since = state.stage.since;
      if (since !== null && since <= now) elapsed[i]?.push((now - since) / DAY_MS);
    },
    result: () => ({ customers, timeInStageDays: elapsed }),
  };
}

export const MIN_HISTORY_STAYS = 5;

/**
 * Durations come from the ledger when it has at least `minStays` closed stays for the stage;
 * otherwise from the CRM's own dates when those cover more customers than the ledger does.
 */
export function chooseDurationSource(historyStays: number, crmDated: number, minStays = MIN_HISTORY_STAYS): 'history' | 'crm_dates' {
  if (historyStays >= minStays) return 'history';
  return crmDated > historyStays ? 'crm_dates' : 'history';
}
