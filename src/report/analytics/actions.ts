/**
 * The "actions" block of the journey map (issue 14): the follow-up tasks Parcours opened, per flag and
 * per owner — opened and completed within the period, still open now and how many of those are past
 * due, and the median days from opening to completion. Pure: the collector feeds it the store's episodes.
 */
import type { ActionsGroup, ActionsReport, Period } from '../schema.ts';
import { inPeriod } from '../schema.ts';
import { median, round, Sample } from './summary.ts';

/** One task episode as the report needs it. */
export interface TaskEpisodeRow {
  action: string;
  flag: string | null;
  ownerId: string;
  state: 'open' | 'completed' | 'done_by_owner' | 'left_open' | 'gone' | 'deleted';
  openedAt: number;
  closedAt: number | null;
  dueAt: number;
}

interface Acc {
  opened: number;
  completed: number;
  open: number;
  overdue: number;
  days: Sample;
}

export interface Actions {
  add(row: TaskEpisodeRow): void;
  result(): ActionsReport;
}

const DAY = 86_400_000;
const newAcc = (): Acc => ({ opened: 0, completed: 0, open: 0, overdue: 0, days: new Sample() });

export function createActions(flags: ReadonlyArray<{ id: string; label: string }>, period: Period, now: number): Actions {
  const total = newAcc();
  const byFlag = new Map<string, Acc>(flags.map((f) => [f.id, newAcc()]));
  const byOwner = new Map<string, Acc>();
  const labels = new Map(flags.map((f) => [f.id, f.label]));
  return {
    add(row) {
      // A task a rollback removed never reached anyone: it is not counted.
      if (row.state === 'deleted') return;
      const flagKey = row.flag ?? `stage:${row.action}`;
      if (!byFlag.has(flagKey)) byFlag.set(flagKey, newAcc());
      if (!byOwner.has(row.ownerId)) byOwner.set(row.ownerId, newAcc());
      for (const acc of [total, byFlag.get(flagKey) as Acc, byOwner.get(row.ownerId) as Acc]) {
        if (inPeriod(row.openedAt, period)) acc.opened++;
        const done = row.state === 'completed' || row.state === 'done_by_owner';
        if (done && inPeriod(row.closedAt, period)) {
          acc.completed++;
          acc.days.push(((row.closedAt as number) - row.openedAt) / DAY);
        }
        if (row.state === 'open') {
          acc.open++;
          if (row.dueAt < now) acc.overdue++;
        }
      }
    },
    result() {
      const group = (id: string, label: string, a: Acc): ActionsGroup => {
        const m = median(a.days.sorted());
        return { id, label, opened: a.opened, completed: a.completed, open: a.open, overdue: a.overdue, medianDaysToCompletion: m === null ? null : round(m, 2) };
      };
      const all = group('all', 'All tasks', total);
      return {
        ...all,
        byFlag: [...byFlag].map(([id, a]) => group(id, labels.get(id) ?? id, a)),
        byOwner: [...byOwner].sort((a, b) => b[1].open - a[1].open || a[0].localeCompare(b[0])).map(([id, a]) => group(id, id, a)),
        definition:
          'Follow-up tasks Parcours created in the CRM (the mapping\'s actions). Opened / completed: within the period; completed counts tasks Parcours completed when the problem cleared and tasks it found already completed by their owner (then dated when Parcours saw it). Open: still open now; overdue: of those, past their due date. Median days to completion: from creation to completion, over the tasks completed in the period.',
      };
    },
  };
}
