/**
 * Hand-over of a customer's journey from one record to the one it became (a converted Lead): the stage
 * ledger (journeys the new record has no rows in), segment memberships and events, and touchpoint links
 * move to the new id, and the old id is kept as an alias. Same rules as src/store/handover.ts.
 *
 * Set-based: hand-overs whose ids are all distinct are independent, so a run of them is one statement
 * (data-modifying CTEs over unnested pairs); an id seen again (a chain A→B, B→C) starts a new run, so
 * the result is the one applying them one by one gives.
 */
import type { Handover } from '../../../connectors/port.ts';
import type { Queryable } from './db.ts';
import { str } from './row-values.ts';

const HAND_OVER = `
  WITH h AS (SELECT * FROM unnest($2::text[], $3::text[], $4::bigint[]) AS h(from_id, to_id, at)),
  ledger AS (
    UPDATE stage_history s SET contact_id = h.to_id FROM h
    WHERE s.installation = $1 AND s.contact_id = h.from_id
      AND s.journey_id NOT IN (SELECT journey_id FROM stage_history WHERE installation = $1 AND contact_id = h.to_id)
    RETURNING h.to_id
  ),
  copied AS (
    INSERT INTO segment_members (installation, segment_id, contact_id, since)
    SELECT m.installation, m.segment_id, h.to_id, m.since FROM segment_members m JOIN h ON m.installation = $1 AND m.contact_id = h.from_id
    ON CONFLICT DO NOTHING
    RETURNING contact_id AS to_id
  ),
  dropped AS (
    DELETE FROM segment_members m USING h WHERE m.installation = $1 AND m.contact_id = h.from_id RETURNING h.to_id
  ),
  events AS (
    UPDATE segment_events e SET contact_id = h.to_id FROM h WHERE e.installation = $1 AND e.contact_id = h.from_id RETURNING h.to_id
  ),
  tp_moved AS (
    INSERT INTO touchpoint_links (installation, contact_id, at, object_type, touchpoint_id)
    SELECT l.installation, h.to_id, l.at, l.object_type, l.touchpoint_id FROM touchpoint_links l JOIN h ON l.installation = $1 AND l.contact_id = h.from_id
    ON CONFLICT DO NOTHING
    RETURNING contact_id AS to_id
  ),
  tp_dropped AS (
    DELETE FROM touchpoint_links l USING h WHERE l.installation = $1 AND l.contact_id = h.from_id
  ),
  aliases AS (
    -- Ids other records still hold (HubSpot's salesforceleadid) follow the record on (issue 16).
    INSERT INTO record_aliases (installation, from_id, to_id, at) SELECT $1, from_id, to_id, at FROM h
    ON CONFLICT (installation, from_id) DO UPDATE SET to_id = excluded.to_id, at = excluded.at
  )
  SELECT DISTINCT to_id FROM (
    SELECT to_id FROM ledger UNION ALL SELECT to_id FROM copied UNION ALL SELECT to_id FROM dropped
    UNION ALL SELECT to_id FROM events UNION ALL SELECT to_id FROM tp_moved
  ) moved`;

/** Applies the hand-overs in order; returns those that moved something (ledger rows, memberships, events, touchpoints). */
export async function handOver(q: Queryable, installation: string, handovers: readonly Handover[]): Promise<Handover[]> {
  // A record handed over to itself moves nothing and is no alias.
  const real = handovers.filter((h) => h.from.id !== h.to.id);
  const moved = new Set<Handover>();
  for (const run of independentRuns(real)) {
    const r = await q.query(HAND_OVER, [installation, run.map((h) => h.from.id), run.map((h) => h.to.id), run.map((h) => h.at)]);
    // Within a run every id is distinct, so the new id names its hand-over.
    const byTarget = new Map(run.map((h) => [h.to.id, h]));
    for (const row of r.rows) {
      const h = byTarget.get(str(row, 'to_id'));
      if (h) moved.add(h);
    }
  }
  return real.filter((h) => moved.has(h));
}

/** Consecutive runs of hand-overs in which no id appears twice. */
function independentRuns(handovers: readonly Handover[]): Handover[][] {
  const runs: Handover[][] = [];
  let run: Handover[] = [];
  let ids = new Set<string>();
  for (const h of handovers) {
    if (ids.has(h.from.id) || ids.has(h.to.id)) {
      runs.push(run);
      run = [];
      ids = new Set();
    }
    run.push(h);
    ids.add(h.from.id);
    ids.add(h.to.id);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
