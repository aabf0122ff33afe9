/**
 * The stage-transition ledger: one row per (contact, journey, stage stay). Entering a new stage
 * closes the open row at the same instant, so stays never overlap and durations add up. Each row keeps
 * what dated its entry (`basis`) and whether it was backfilled from the CRM's history on first sight.
 */
import type { DatabaseSync } from 'node:sqlite';
import { int, sqliteRows, text } from './row-values.ts';
import { stageRows } from './rows/stage-history.ts';
import type { ContactStay, CurrentStage, StageChange, StageHistoryRow, StageUndo } from './types.ts';

const HISTORY_PAGE = 2_000;

const decode = stageRows(sqliteRows);

export function createStageHistory(db: DatabaseSync) {
  const selectOpen = db.prepare(`
    SELECT id, stage, entered_at FROM stage_history
    WHERE installation = ? AND contact_id = ? AND journey_id = ? AND left_at IS NULL`);
  const closeRow = db.prepare('UPDATE stage_history SET left_at = ?, closed_by_run = ? WHERE id = ?');
  const insertRow = db.prepare(`
    INSERT INTO stage_history (installation, contact_id, journey_id, stage, entered_at, left_at, basis, backfilled, run_id) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)`);
  const openedByRun = db.prepare('SELECT id, contact_id, journey_id, left_at, closed_by_run FROM stage_history WHERE installation = ? AND run_id = ? ORDER BY id');
  // The stay that was open before the run (opened by an earlier run, closed by this one).
  const closedByRun = db.prepare(`
    SELECT id FROM stage_history WHERE installation = ?1 AND closed_by_run = ?2 AND contact_id = ?3 AND journey_id = ?4
      AND (run_id IS NULL OR run_id <> ?2)`);
  const deleteRow = db.prepare('DELETE FROM stage_history WHERE id = ?');
  const reopenRow = db.prepare('UPDATE stage_history SET left_at = NULL, closed_by_run = NULL WHERE id = ?');
  // Ordered by entry so that, across journeys, the most recently entered stage is set last.
  const selectCurrent = db.prepare(`
    SELECT contact_id, journey_id, stage, entered_at, basis FROM stage_history
    WHERE installation = ?1 AND contact_id IN (SELECT value FROM json_each(?2)) AND left_at IS NULL
      AND (?3 IS NULL OR journey_id = ?3)
    ORDER BY entered_at, id`);
  // One page of customers' stays at once (the report places their touchpoints in time); index stage_history_by_contact.
  const selectOfContacts = db.prepare(`
    SELECT contact_id, journey_id, stage, entered_at, left_at, backfilled FROM stage_history
    WHERE installation = ?1 AND contact_id IN (SELECT value FROM json_each(?2))
    ORDER BY contact_id, entered_at, id`);
  const selectPage = db.prepare(`
    SELECT id, contact_id, journey_id, stage, entered_at, left_at, backfilled FROM stage_history
    WHERE installation = ?1 AND id > ?2 AND (?3 IS NULL OR journey_id = ?3)
    ORDER BY id LIMIT ?4`);

  return {
    record(installation: string, changes: readonly StageChange[], runId: number | null): void {
      for (const c of changes) {
        const open = selectOpen.get(installation, c.contactId, c.journeyId);
        const basis = c.basis ?? null;
        const backfilled = c.backfilled ? 1 : 0;
        if (!open) {
          insertRow.run(installation, c.contactId, c.journeyId, c.stage, c.at, basis, backfilled, runId);
          continue;
        }
        if (text(open, 'stage') === c.stage) continue;
        // A change dated before the open stay began (clock skew, recomputed dates) is taken as
        // happening when that stay began, so the ledger stays ordered.
        const at = Math.max(c.at, int(open, 'entered_at'));
        closeRow.run(at, runId, int(open, 'id'));
        insertRow.run(installation, c.contactId, c.journeyId, c.stage, at, basis, backfilled, runId);
      }
    },

    /**
     * Undoes what one run did to the ledger, per customer and journey: the stays it opened are removed
     * (several when it backfilled history) and the stay it closed is reopened. Customers a later run
     * moved on (a stay of this run closed by another run) are kept and reported.
     */
    undoRun(installation: string, runId: number): StageUndo {
      const out: StageUndo = { undone: 0, kept: [] };
      for (const g of decode.openedByRun(openedByRun.all(installation, runId), runId)) {
        if (g.movedOn) {
          out.kept.push({ contactId: g.contactId, journeyId: g.journeyId, reason: `the stage changed again after run ${runId}` });
          continue;
        }
        for (const id of g.ids) deleteRow.run(id);
        const closed = closedByRun.get(installation, runId, g.contactId, g.journeyId);
        if (closed) reopenRow.run(int(closed, 'id'));
        out.undone++;
      }
      return out;
    },

    current(installation: string, contactIds: readonly string[], journeyId: string | undefined): Map<string, CurrentStage> {
      const out = new Map<string, CurrentStage>();
      if (contactIds.length === 0) return out;
      for (const row of selectCurrent.all(installation, JSON.stringify(contactIds), journeyId ?? null)) {
        out.set(text(row, 'contact_id'), decode.current(row));
      }
      return out;
    },

    /** The stays of these contacts (all journeys), oldest first per contact. */
    staysOf(installation: string, contactIds: readonly string[]): Map<string, ContactStay[]> {
      const out = new Map<string, ContactStay[]>();
      if (contactIds.length === 0) return out;
      for (const row of selectOfContacts.all(installation, JSON.stringify(contactIds))) {
        const id = text(row, 'contact_id');
        let list = out.get(id);
        if (!list) out.set(id, (list = []));
        list.push(decode.stay(row));
      }
      return out;
    },

    /** All rows in insertion order, a page per query. */
    *iterate(installation: string, journeyId: string | undefined): Generator<StageHistoryRow> {
      let after = 0;
      for (;;) {
        const rows = selectPage.all(installation, after, journeyId ?? null, HISTORY_PAGE);
        for (const row of rows) yield decode.history(row);
        const last = rows.at(-1);
        if (!last || rows.length < HISTORY_PAGE) return;
        after = int(last, 'id');
      }
    },
  };
}
