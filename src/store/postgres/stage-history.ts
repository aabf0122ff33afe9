/**
 * The stage-transition ledger on PostgreSQL, same rules as src/store/stage-history.ts: entering a new
 * stage closes the open stay at the same instant; recording the current stage again is a no-op; a change
 * dated before the open stay began is taken as happening when it began. A call's changes are played in
 * memory against the open stays (one read), then written with one close and one insert.
 */
import type { ContactStay, CurrentStage, StageChange, StageHistoryRow, StageUndo } from '../types.ts';
import { stageRows } from '../rows/stage-history.ts';
import type { Queryable } from './db.ts';
import { num, postgresRows, str } from './row-values.ts';

const HISTORY_PAGE = 2_000;

const decode = stageRows(postgresRows);

interface NewStay {
  contactId: string;
  journeyId: string;
  stage: string;
  enteredAt: number;
  leftAt: number | null;
  basis: string | null;
  backfilled: boolean;
}

export async function recordStageChanges(q: Queryable, installation: string, changes: readonly StageChange[], runId: number | null): Promise<void> {
  if (changes.length === 0) return;
  const open = await q.query(
    `SELECT s.id, s.contact_id, s.journey_id, s.stage, s.entered_at FROM stage_history s
     JOIN (SELECT DISTINCT * FROM unnest($2::text[], $3::text[]) AS x(contact_id, journey_id)) x
       ON s.installation = $1 AND s.contact_id = x.contact_id AND s.journey_id = x.journey_id AND s.left_at IS NULL`,
    [installation, changes.map((c) => c.contactId), changes.map((c) => c.journeyId)],
  );
  type Open = { existing: number | null; stay: NewStay | null; stage: string; enteredAt: number };
  const current = new Map<string, Open>();
  for (const row of open.rows) {
    current.set(JSON.stringify([str(row, 'contact_id'), str(row, 'journey_id')]), { existing: num(row, 'id'), stay: null, stage: str(row, 'stage'), enteredAt: num(row, 'entered_at') });
  }
  const closes: Array<{ id: number; at: number }> = [];
  const inserts: NewStay[] = [];
  for (const c of changes) {
    const key = JSON.stringify([c.contactId, c.journeyId]);
    const o = current.get(key);
    let at = c.at;
    if (o) {
      if (o.stage === c.stage) continue;
      at = Math.max(c.at, o.enteredAt);
      if (o.stay) o.stay.leftAt = at;
      else if (o.existing !== null) closes.push({ id: o.existing, at });
    }
    const stay: NewStay = { contactId: c.contactId, journeyId: c.journeyId, stage: c.stage, enteredAt: at, leftAt: null, basis: c.basis ?? null, backfilled: c.backfilled === true };
    inserts.push(stay);
    current.set(key, { existing: null, stay, stage: c.stage, enteredAt: at });
  }
  if (closes.length > 0) {
    await q.query(
      `UPDATE stage_history s SET left_at = x.at, closed_by_run = $1 FROM unnest($2::bigint[], $3::bigint[]) AS x(id, at) WHERE s.id = x.id`,
      [runId, closes.map((c) => c.id), closes.map((c) => c.at)],
    );
  }
  if (inserts.length === 0) return;
  // Stays closed within this call were closed by this run, as when recorded one by one.
  await q.query(
    `INSERT INTO stage_history (installation, contact_id, journey_id, stage, entered_at, left_at, basis, backfilled, run_id, closed_by_run)
     SELECT $1, x.contact_id, x.journey_id, x.stage, x.entered_at, x.left_at, x.basis, x.backfilled, $2, CASE WHEN x.left_at IS NULL THEN NULL ELSE $2::bigint END
     FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::text[], $9::boolean[]) WITH ORDINALITY
       AS x(contact_id, journey_id, stage, entered_at, left_at, basis, backfilled, n)
     ORDER BY x.n`,
    [
      installation, runId,
      inserts.map((s) => s.contactId), inserts.map((s) => s.journeyId), inserts.map((s) => s.stage), inserts.map((s) => s.enteredAt),
      inserts.map((s) => s.leftAt), inserts.map((s) => s.basis), inserts.map((s) => s.backfilled),
    ],
  );
}

/**
 * Undoes what one run did to the ledger, per customer and journey: the stays it opened are removed and
 * the stay it closed is reopened; customers a later run moved on are kept and reported.
 */
export async function undoStageChanges(q: Queryable, installation: string, runId: number): Promise<StageUndo> {
  const out: StageUndo = { undone: 0, kept: [] };
  const opened = await q.query('SELECT id, contact_id, journey_id, left_at, closed_by_run FROM stage_history WHERE installation = $1 AND run_id = $2 ORDER BY id', [installation, runId]);
  const undo: Array<{ contactId: string; journeyId: string; ids: number[] }> = [];
  for (const g of decode.openedByRun(opened.rows, runId)) {
    if (g.movedOn) out.kept.push({ contactId: g.contactId, journeyId: g.journeyId, reason: `the stage changed again after run ${runId}` });
    else undo.push(g);
  }
  if (undo.length === 0) return out;
  await q.query('DELETE FROM stage_history WHERE id = ANY($1::bigint[])', [undo.flatMap((g) => g.ids)]);
  // The stay that was open before the run (opened by an earlier run, closed by this one) is open again.
  await q.query(
    `UPDATE stage_history s SET left_at = NULL, closed_by_run = NULL FROM unnest($3::text[], $4::text[]) AS x(contact_id, journey_id)
     WHERE s.installation = $1 AND s.closed_by_run = $2 AND s.contact_id = x.contact_id AND s.journey_id = x.journey_id
       AND (s.run_id IS NULL OR s.run_id <> $2)`,
    [installation, runId, undo.map((g) => g.contactId), undo.map((g) => g.journeyId)],
  );
  out.undone = undo.length;
  return out;
}

export async function currentStages(q: Queryable, installation: string, contactIds: readonly string[], journeyId: string | undefined): Promise<Map<string, CurrentStage>> {
  const out = new Map<string, CurrentStage>();
  if (contactIds.length === 0) return out;
  // Ordered by entry so that, across journeys, the most recently entered stage is set last.
  const r = await q.query(
    `SELECT contact_id, journey_id, stage, entered_at, basis FROM stage_history
     WHERE installation = $1 AND contact_id = ANY($2::text[]) AND left_at IS NULL AND ($3::text IS NULL OR journey_id = $3)
     ORDER BY entered_at, id`,
    [installation, contactIds, journeyId ?? null],
  );
  for (const row of r.rows) {
    out.set(str(row, 'contact_id'), decode.current(row));
  }
  return out;
}

/** The stays of these contacts (all journeys), oldest first per contact. */
export async function stageStaysOf(q: Queryable, installation: string, contactIds: readonly string[]): Promise<Map<string, ContactStay[]>> {
  const out = new Map<string, ContactStay[]>();
  if (contactIds.length === 0) return out;
  const r = await q.query(
    `SELECT contact_id, journey_id, stage, entered_at, left_at, backfilled FROM stage_history
     WHERE installation = $1 AND contact_id = ANY($2::text[]) ORDER BY contact_id, entered_at, id`,
    [installation, contactIds],
  );
  for (const row of r.rows) {
    const id = str(row, 'contact_id');
    let list = out.get(id);
    if (!list) out.set(id, (list = []));
    list.push(decode.stay(row));
  }
  return out;
}

/** All rows in insertion order, a keyset page per query. */
export async function* iterateStageHistory(q: Queryable, installation: string, journeyId: string | undefined): AsyncGenerator<StageHistoryRow> {
  let after = 0;
  for (;;) {
    const r = await q.query(
      `SELECT id, contact_id, journey_id, stage, entered_at, left_at, backfilled FROM stage_history
       WHERE installation = $1 AND id > $2 AND ($3::text IS NULL OR journey_id = $3) ORDER BY id LIMIT $4`,
      [installation, after, journeyId ?? null, HISTORY_PAGE],
    );
    for (const row of r.rows) yield decode.history(row);
    const last = r.rows.at(-1);
    if (!last || r.rows.length < HISTORY_PAGE) return;
    after = num(last, 'id');
  }
}
