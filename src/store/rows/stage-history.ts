/**
 * The stage-transition ledger, backend-neutral: the row decoders and how a run's stays group for undo.
 * SQL (and how each backend writes a call's changes) stays in src/store/stage-history.ts and
 * src/store/postgres/stage-history.ts.
 */
import type { ContactStay, CurrentStage, StageHistoryRow } from '../types.ts';
import type { Row, RowReader } from './reader.ts';

/** The stays one run opened for one customer and journey. */
export interface RunStays {
  contactId: string;
  journeyId: string;
  ids: number[];
  /** A later run moved the customer on (a stay of this run closed by another run): the undo keeps it. */
  movedOn: boolean;
}

/** Decoders of stage_history rows (each reads only the columns it names). */
export function stageRows(r: RowReader) {
  return {
    /** contact_id, journey_id, stage, entered_at, left_at, backfilled. */
    history(row: Row): StageHistoryRow {
      return {
        contactId: r.text(row, 'contact_id'),
        journeyId: r.text(row, 'journey_id'),
        stage: r.text(row, 'stage'),
        enteredAt: r.int(row, 'entered_at'),
        leftAt: r.intOrNull(row, 'left_at'),
        backfilled: r.bool(row, 'backfilled'),
      };
    },

    /** journey_id, stage, entered_at, left_at, backfilled. */
    stay(row: Row): ContactStay {
      return { journeyId: r.text(row, 'journey_id'), stage: r.text(row, 'stage'), enteredAt: r.int(row, 'entered_at'), leftAt: r.intOrNull(row, 'left_at'), backfilled: r.bool(row, 'backfilled') };
    },

    /** journey_id, stage, entered_at, basis. */
    current(row: Row): CurrentStage {
      return { journeyId: r.text(row, 'journey_id'), stage: r.text(row, 'stage'), enteredAt: r.int(row, 'entered_at'), basis: r.textOrNull(row, 'basis') };
    },

    /** The rows (id, contact_id, journey_id, left_at, closed_by_run) run `runId` opened, per customer and journey. */
    openedByRun(rows: Iterable<Row>, runId: number): RunStays[] {
      const groups = new Map<string, RunStays>();
      for (const row of rows) {
        const contactId = r.text(row, 'contact_id');
        const journeyId = r.text(row, 'journey_id');
        const key = JSON.stringify([contactId, journeyId]);
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { contactId, journeyId, ids: [], movedOn: false }));
        g.ids.push(r.int(row, 'id'));
        if (r.intOrNull(row, 'left_at') !== null && r.intOrNull(row, 'closed_by_run') !== runId) g.movedOn = true;
      }
      return [...groups.values()];
    },
  };
}
