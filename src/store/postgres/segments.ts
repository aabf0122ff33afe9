/**
 * Segment membership as last synced to the CRM and the log of entries and exits, on PostgreSQL; same
 * rules as src/store/segments.ts (only real transitions are logged).
 */
import type { MembershipMove, SegmentEvent } from '../types.ts';
import { byKey, type Queryable } from './db.ts';
import { num, str } from './row-values.ts';

const EVENTS_PAGE = 2_000;

export async function segmentMembers(q: Queryable, installation: string, segmentId: string): Promise<Set<string>> {
  const r = await q.query('SELECT contact_id FROM segment_members WHERE installation = $1 AND segment_id = $2', [installation, segmentId]);
  return new Set(r.rows.map((row) => str(row, 'contact_id')));
}

/** Adds, then removes (a contact in both enters and exits, as applied one by one); events in that order. */
export async function applyMembership(q: Queryable, installation: string, segmentId: string, added: readonly string[], removed: readonly string[], at: number, runId: number | null): Promise<void> {
  const add = [...new Set(added)];
  const remove = [...new Set(removed)];
  let entered: string[] = [];
  let exited: string[] = [];
  if (add.length > 0) {
    const r = await q.query(
      `INSERT INTO segment_members (installation, segment_id, contact_id, since) SELECT $1, $2, c, $3 FROM unnest($4::text[]) AS c
       ON CONFLICT DO NOTHING RETURNING contact_id`,
      [installation, segmentId, at, byKey(add, (c) => c)],
    );
    const inserted = new Set(r.rows.map((row) => str(row, 'contact_id')));
    entered = add.filter((c) => inserted.has(c));
  }
  if (remove.length > 0) {
    const r = await q.query('DELETE FROM segment_members WHERE installation = $1 AND segment_id = $2 AND contact_id = ANY($3::text[]) RETURNING contact_id', [installation, segmentId, remove]);
    const deleted = new Set(r.rows.map((row) => str(row, 'contact_id')));
    exited = remove.filter((c) => deleted.has(c));
  }
  const contacts = [...entered, ...exited];
  if (contacts.length === 0) return;
  await q.query(
    `INSERT INTO segment_events (installation, segment_id, contact_id, type, at, run_id)
     SELECT $1, $2, e.contact_id, e.type, $3, $4 FROM unnest($5::text[], $6::text[]) WITH ORDINALITY AS e(contact_id, type, n) ORDER BY e.n`,
    [installation, segmentId, at, runId, contacts, [...entered.map(() => 'entered'), ...exited.map(() => 'exited')]],
  );
}

/** The membership moves of one run that no later event changed again, and how many it made in all. */
export async function membershipMovesOfRun(q: Queryable, installation: string, runId: number): Promise<{ moves: MembershipMove[]; total: number }> {
  const r = await q.query(
    `SELECT e.id, e.segment_id, e.contact_id, e.type FROM segment_events e
     WHERE e.installation = $1 AND e.run_id = $2
       AND NOT EXISTS (SELECT 1 FROM segment_events l WHERE l.installation = e.installation AND l.segment_id = e.segment_id
                       AND l.contact_id = e.contact_id AND l.id > e.id)
     ORDER BY e.segment_id, e.contact_id`,
    [installation, runId],
  );
  const total = await q.query('SELECT count(*) AS n FROM segment_events WHERE installation = $1 AND run_id = $2', [installation, runId]);
  return {
    moves: r.rows.map((row) => ({ eventId: num(row, 'id'), segmentId: str(row, 'segment_id'), contactId: str(row, 'contact_id'), type: str(row, 'type') as MembershipMove['type'] })),
    total: Number(total.rows[0]?.['n'] ?? 0),
  };
}

/**
 * Reverts moves (their CRM side already reverted): members leave or come back (since their last entry
 * before the move), the moves' events are deleted. Moves on distinct members are independent and go
 * together; a member seen again starts a new group, so the result is the one-by-one result.
 */
export async function undoMembershipMoves(q: Queryable, installation: string, moves: readonly MembershipMove[]): Promise<void> {
  for (const group of distinctMemberRuns(moves)) {
    const entered = group.filter((m) => m.type === 'entered');
    const exited = group.filter((m) => m.type !== 'entered');
    if (entered.length > 0) {
      await q.query(
        `DELETE FROM segment_members s USING unnest($2::text[], $3::text[]) AS m(segment_id, contact_id)
         WHERE s.installation = $1 AND s.segment_id = m.segment_id AND s.contact_id = m.contact_id`,
        [installation, entered.map((m) => m.segmentId), entered.map((m) => m.contactId)],
      );
    }
    if (exited.length > 0) {
      await q.query(
        `INSERT INTO segment_members (installation, segment_id, contact_id, since)
         SELECT $1, m.segment_id, m.contact_id, coalesce((
           SELECT e.at FROM segment_events e WHERE e.installation = $1 AND e.segment_id = m.segment_id AND e.contact_id = m.contact_id
             AND e.type = 'entered' AND e.id < m.event_id ORDER BY e.id DESC LIMIT 1), 0)
         FROM unnest($2::text[], $3::text[], $4::bigint[]) AS m(segment_id, contact_id, event_id)
         ON CONFLICT DO NOTHING`,
        [installation, exited.map((m) => m.segmentId), exited.map((m) => m.contactId), exited.map((m) => m.eventId)],
      );
    }
    await q.query('DELETE FROM segment_events WHERE id = ANY($1::bigint[])', [group.map((m) => m.eventId)]);
  }
}

function distinctMemberRuns(moves: readonly MembershipMove[]): MembershipMove[][] {
  const runs: MembershipMove[][] = [];
  let run: MembershipMove[] = [];
  let seen = new Set<string>();
  for (const m of moves) {
    const key = JSON.stringify([m.segmentId, m.contactId]);
    if (seen.has(key)) {
      runs.push(run);
      run = [];
      seen = new Set();
    }
    run.push(m);
    seen.add(key);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** Events with `at >= since`, in time order, keyset pages on (at, id). */
export async function* iterateSegmentEvents(q: Queryable, installation: string, since: number): AsyncGenerator<SegmentEvent> {
  let afterAt = since;
  let afterId = 0;
  for (;;) {
    const r = await q.query(
      `SELECT id, segment_id, contact_id, type, at FROM segment_events
       WHERE installation = $1 AND (at > $2 OR (at = $2 AND id > $3)) ORDER BY at, id LIMIT $4`,
      [installation, afterAt, afterId, EVENTS_PAGE],
    );
    for (const row of r.rows) {
      yield { segmentId: str(row, 'segment_id'), contactId: str(row, 'contact_id'), type: str(row, 'type') as SegmentEvent['type'], at: num(row, 'at') };
    }
    const last = r.rows.at(-1);
    if (!last || r.rows.length < EVENTS_PAGE) return;
    afterAt = num(last, 'at');
    afterId = num(last, 'id');
  }
}
