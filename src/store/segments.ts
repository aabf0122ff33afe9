/**
 * Segment membership as last synced to the CRM, plus an event log of entries and exits
 * (so reports can count who entered/left a segment in a period).
 */
import type { DatabaseSync } from 'node:sqlite';
import { int, text } from './row-values.ts';
import type { MembershipMove, SegmentEvent } from './types.ts';

const EVENTS_PAGE = 2_000;

export function createSegments(db: DatabaseSync) {
  const selectMembers = db.prepare('SELECT contact_id FROM segment_members WHERE installation = ? AND segment_id = ?');
  const insertMember = db.prepare(
    'INSERT OR IGNORE INTO segment_members (installation, segment_id, contact_id, since) VALUES (?, ?, ?, ?)',
  );
  const deleteMember = db.prepare('DELETE FROM segment_members WHERE installation = ? AND segment_id = ? AND contact_id = ?');
  const insertEvent = db.prepare(
    'INSERT INTO segment_events (installation, segment_id, contact_id, type, at, run_id) VALUES (?, ?, ?, ?, ?, ?)',
  );
  // A run's events that are still the last word on their membership (no later event for that member).
  const lastEventsOfRun = db.prepare(`
    SELECT e.id, e.segment_id, e.contact_id, e.type FROM segment_events e
    WHERE e.installation = ?1 AND e.run_id = ?2
      AND NOT EXISTS (SELECT 1 FROM segment_events l WHERE l.installation = e.installation AND l.segment_id = e.segment_id
                      AND l.contact_id = e.contact_id AND l.id > e.id)
    ORDER BY e.segment_id, e.contact_id`);
  const countEventsOfRun = db.prepare('SELECT COUNT(*) AS n FROM segment_events WHERE installation = ? AND run_id = ?');
  const lastEnteredBefore = db.prepare(`
    SELECT at FROM segment_events WHERE installation = ? AND segment_id = ? AND contact_id = ? AND type = 'entered' AND id < ?
    ORDER BY id DESC LIMIT 1`);
  const deleteEvent = db.prepare('DELETE FROM segment_events WHERE id = ?');
  // Keyset on (at, id): the index on (installation, at) carries the rowid.
  const selectEvents = db.prepare(`
    SELECT id, segment_id, contact_id, type, at FROM segment_events
    WHERE installation = ?1 AND (at > ?2 OR (at = ?2 AND id > ?3))
    ORDER BY at, id LIMIT ?4`);

  return {
    members(installation: string, segmentId: string): Set<string> {
      return new Set(selectMembers.all(installation, segmentId).map((r) => text(r, 'contact_id')));
    },

    apply(installation: string, segmentId: string, added: readonly string[], removed: readonly string[], at: number, runId: number | null): void {
      // Only real transitions are logged, so re-applying the same diff is harmless.
      for (const contactId of added) {
        if (Number(insertMember.run(installation, segmentId, contactId, at).changes) > 0) {
          insertEvent.run(installation, segmentId, contactId, 'entered', at, runId);
        }
      }
      for (const contactId of removed) {
        if (Number(deleteMember.run(installation, segmentId, contactId).changes) > 0) {
          insertEvent.run(installation, segmentId, contactId, 'exited', at, runId);
        }
      }
    },

    /** The membership moves of one run that no later run changed again, and how many it made in all. */
    runMoves(installation: string, runId: number): { moves: MembershipMove[]; total: number } {
      const moves = lastEventsOfRun.all(installation, runId).map((r) => ({
        eventId: int(r, 'id'),
        segmentId: text(r, 'segment_id'),
        contactId: text(r, 'contact_id'),
        type: text(r, 'type') as MembershipMove['type'],
      }));
      return { moves, total: int(countEventsOfRun.get(installation, runId) ?? { n: 0 }, 'n') };
    },

    /** Reverts moves (their CRM side already reverted): members leave or come back, the moves' events go. */
    undoMoves(installation: string, moves: readonly MembershipMove[]): void {
      for (const m of moves) {
        if (m.type === 'entered') deleteMember.run(installation, m.segmentId, m.contactId);
        else {
          const since = lastEnteredBefore.get(installation, m.segmentId, m.contactId, m.eventId);
          insertMember.run(installation, m.segmentId, m.contactId, since ? int(since, 'at') : 0);
        }
        deleteEvent.run(m.eventId);
      }
    },

    *events(installation: string, since: number): Generator<SegmentEvent> {
      let afterAt = since;
      let afterId = 0;
      for (;;) {
        const rows = selectEvents.all(installation, afterAt, afterId, EVENTS_PAGE);
        for (const row of rows) {
          yield {
            segmentId: text(row, 'segment_id'),
            contactId: text(row, 'contact_id'),
            type: text(row, 'type') as SegmentEvent['type'],
            at: int(row, 'at'),
          };
        }
        const last = rows.at(-1);
        if (!last || rows.length < EVENTS_PAGE) return;
        afterAt = int(last, 'at');
        afterId = int(last, 'id');
      }
    },
  };
}
