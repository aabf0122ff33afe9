/**
 * Segment membership as last synced to the CRM, plus an event log of entries and exits
 * (so reports can count who entered/left a segment in a period).
 */
import type { DatabaseSync } from 'node:sqlite';
import { int, text } from './row-values.ts';
import type { SegmentEvent } from './types.ts';

const EVENTS_PAGE = 2_000;

export function createSegments(db: DatabaseSync) {
  const selectMembers = db.prepare('SELECT contact_id FROM segment_members WHERE installation = ? AND segment_id = ?');
  const insertMember = db.prepare(
    'INSERT OR IGNORE INTO segment_members (installation, segment_id, contact_id, since) VALUES (?, ?, ?, ?)',
  );
  const deleteMember = db.prepare('DELETE FROM segment_members WHERE installation = ? AND segment_id = ? AND contact_id = ?');
  const insertEvent = db.prepare(
    'INSERT INTO segment_events (installation, segment_id, contact_id, type, at) VALUES (?, ?, ?, ?, ?)',
  );
  // Keyset on (at, id): the index on (installation, at) carries the rowid.
  const selectEvents = db.prepare(`
    SELECT id, segment_id, contact_id, type, at FROM segment_events
    WHERE installation = ?1 AND (at > ?2 OR (at = ?2 AND id > ?3))
    ORDER BY at, id LIMIT ?4`);

  return {
    members(installation: string, segmentId: string): Set<string> {
      return new Set(selectMembers.all(installation, segmentId).map((r) => text(r, 'contact_id')));
    },

    apply(installation: string, segmentId: string, added: readonly string[], removed: readonly string[], at: number): void {
      // Only real transitions are logged, so re-applying the same diff is harmless.
      for (const contactId of added) {
        if (Number(insertMember.run(installation, segmentId, contactId, at).changes) > 0) {
          insertEvent.run(installation, segmentId, contactId, 'entered', at);
        }
      }
      for (const contactId of removed) {
        if (Number(deleteMember.run(installation, segmentId, contactId).changes) > 0) {
          insertEvent.run(installation, segmentId, contactId, 'exited', at);
        }
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
