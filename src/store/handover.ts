/**
 * Hand-over of a customer's journey from one record to the one it became (a Salesforce Lead
 * converted into a Contact): the stage ledger and the segment membership and history move to the
 * new id, so stage-entry times, durations and segment movement carry on as one customer.
 *
 * Ledger: a journey the new record already has rows in keeps its own rows (they cannot be
 * interleaved without reordering the ledger); the old record's rows then stay where they are.
 */
import type { DatabaseSync } from 'node:sqlite';

export function createHandover(db: DatabaseSync) {
  const moveLedger = db.prepare(`
    UPDATE stage_history SET contact_id = ?3
    WHERE installation = ?1 AND contact_id = ?2
      AND journey_id NOT IN (SELECT journey_id FROM stage_history WHERE installation = ?1 AND contact_id = ?3)`);
  const copyMembers = db.prepare(`
    INSERT OR IGNORE INTO segment_members (installation, segment_id, contact_id, since)
    SELECT installation, segment_id, ?3, since FROM segment_members WHERE installation = ?1 AND contact_id = ?2`);
  const dropMembers = db.prepare('DELETE FROM segment_members WHERE installation = ? AND contact_id = ?');
  const moveEvents = db.prepare('UPDATE segment_events SET contact_id = ?3 WHERE installation = ?1 AND contact_id = ?2');

  return {
    /** Returns how many ledger rows, memberships and segment events moved (0: nothing to hand over). */
    handOver(installation: string, fromId: string, toId: string): number {
      if (fromId === toId) return 0;
      let moved = Number(moveLedger.run(installation, fromId, toId).changes);
      moved += Number(copyMembers.run(installation, fromId, toId).changes);
      moved += Number(dropMembers.run(installation, fromId).changes);
      moved += Number(moveEvents.run(installation, fromId, toId).changes);
      return moved;
    },
  };
}
