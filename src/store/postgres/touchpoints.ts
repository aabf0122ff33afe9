/**
 * Touchpoints on PostgreSQL: the same compact encoding and validation as the SQLite side
 * (src/store/touchpoints.ts), written set-based; links keyed (contact, time, touchpoint) so a page of
 * customers reads its touchpoints oldest first in one range scan.
 */
import type { Cursor } from '../../../connectors/port.ts';
import type { TouchpointRecord } from '../../model.ts';
import { readCursor } from '../json-columns.ts';
import { checkTouchpoints, decodeTouchpoint, encodeTouchpoint, type RejectedTouchpoint } from '../touchpoints.ts';
import { byKey, type Queryable, type Row } from './db.ts';
import { compareIds } from '../mirror.ts';
import { lastByKey } from './mirror.ts';
import { jsonb, jsonbText, numOrNull, str } from './row-values.ts';

/** Position of a touchpoint without a time in the per-contact order: first. */
const NO_TIME = -1;

/** jsonb text of the compact encoding (NULs made storable, as for every jsonb column). */
function encode(t: TouchpointRecord): string {
  return jsonbText(encodeTouchpoint(t));
}

/** Valid records are stored (their contact links replaced); the others come back, each with why. */
export async function upsertTouchpoints(q: Queryable, installation: string, records: readonly unknown[], pass: string | null, storedAt: number): Promise<{ stored: TouchpointRecord[]; rejected: RejectedTouchpoint[] }> {
  const { stored, rejected } = checkTouchpoints(records);
  // A touchpoint given twice: its last version, as sequential upserts leave it.
  const key = (t: TouchpointRecord) => `${t.objectType}\u0000${t.id}`;
  const rows = byKey(lastByKey(stored, key), key);
  if (rows.length === 0) return { stored, rejected };
  const types = rows.map((t) => t.objectType);
  const ids = rows.map((t) => t.id);
  await q.query(
    `INSERT INTO touchpoints (installation, object_type, id, at, json, stored_at, seen_pass)
     SELECT $1, t.object_type, t.id, t.at, t.json::jsonb, $2, $3 FROM unnest($4::text[], $5::text[], $6::bigint[], $7::text[]) AS t(object_type, id, at, json)
     ON CONFLICT (installation, object_type, id) DO UPDATE SET
       at = excluded.at, json = excluded.json, stored_at = excluded.stored_at,
       seen_pass = coalesce(excluded.seen_pass, touchpoints.seen_pass)`,
    [installation, storedAt, pass, types, ids, rows.map((t) => t.at), rows.map(encode)],
  );
  // A touchpoint carries its full set of customers: it replaces its links.
  await deleteLinksOf(q, installation, types, ids);
  const link = { contact: [] as string[], at: [] as number[], type: [] as string[], id: [] as string[] };
  for (const t of rows) {
    for (const contactId of t.contactIds) {
      link.contact.push(contactId);
      link.at.push(t.at ?? NO_TIME);
      link.type.push(t.objectType);
      link.id.push(t.id);
    }
  }
  if (link.contact.length > 0) {
    await q.query(
      `INSERT INTO touchpoint_links (installation, contact_id, at, object_type, touchpoint_id)
       SELECT $1, l.contact_id, l.at, l.object_type, l.id FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[]) AS l(contact_id, at, object_type, id)
       ON CONFLICT DO NOTHING`,
      [installation, link.contact, link.at, link.type, link.id],
    );
  }
  return { stored, rejected };
}

async function deleteLinksOf(q: Queryable, installation: string, types: string[], ids: string[]): Promise<void> {
  await q.query(
    `DELETE FROM touchpoint_links l USING unnest($2::text[], $3::text[]) AS t(object_type, id)
     WHERE l.installation = $1 AND l.object_type = t.object_type AND l.touchpoint_id = t.id`,
    [installation, types, ids],
  );
}

/** Returns how many were in the store. */
export async function removeTouchpoints(q: Queryable, installation: string, refs: ReadonlyArray<{ objectType: string; id: string }>): Promise<number> {
  if (refs.length === 0) return 0;
  const types = refs.map((r) => r.objectType);
  const ids = refs.map((r) => r.id);
  await deleteLinksOf(q, installation, types, ids);
  const r = await q.query(
    `DELETE FROM touchpoints t USING unnest($2::text[], $3::text[]) AS x(object_type, id)
     WHERE t.installation = $1 AND t.object_type = x.object_type AND t.id = x.id`,
    [installation, types, ids],
  );
  return r.rowCount ?? 0;
}

/** Removes what the complete full pass `pass` did not see, with their links; returns how many. */
export async function sweepTouchpoints(q: Queryable, installation: string, pass: string): Promise<number> {
  const r = await q.query(
    `WITH gone AS (
       DELETE FROM touchpoints WHERE installation = $1 AND seen_pass IS DISTINCT FROM $2 RETURNING object_type, id
     ), unlinked AS (
       DELETE FROM touchpoint_links l USING gone WHERE l.installation = $1 AND l.object_type = gone.object_type AND l.touchpoint_id = gone.id
     )
     SELECT count(*) AS n FROM gone`,
    [installation, pass],
  );
  return Number(r.rows[0]?.['n'] ?? 0);
}

/** Contacts these touchpoints are linked to, sorted, unique. */
export async function contactsOfTouchpoints(q: Queryable, installation: string, refs: ReadonlyArray<{ objectType: string; id: string }>): Promise<string[]> {
  if (refs.length === 0) return [];
  const r = await q.query(
    `SELECT DISTINCT l.contact_id FROM unnest($2::text[], $3::text[]) AS x(object_type, id)
     JOIN touchpoint_links l ON l.installation = $1 AND l.object_type = x.object_type AND l.touchpoint_id = x.id`,
    [installation, refs.map((x) => x.objectType), refs.map((x) => x.id)],
  );
  return r.rows.map((row) => str(row, 'contact_id')).sort(compareIds);
}

export async function countTouchpoints(q: Queryable, installation: string): Promise<number> {
  const r = await q.query('SELECT count(*) AS n FROM touchpoints WHERE installation = $1', [installation]);
  return Number(r.rows[0]?.['n'] ?? 0);
}

const SELECT_LINKED = `SELECT l.contact_id, t.object_type, t.id, t.at, t.json::text AS json FROM touchpoint_links l
  JOIN touchpoints t ON t.installation = l.installation AND t.object_type = l.object_type AND t.id = l.touchpoint_id`;
// Oldest first within each contact: the link key's order.
const ORDER = 'ORDER BY l.contact_id, l.at, l.object_type, l.touchpoint_id';

function group(rows: readonly Row[]): Map<string, TouchpointRecord[]> {
  const out = new Map<string, TouchpointRecord[]>();
  let current: string | null = null;
  let list: TouchpointRecord[] = [];
  for (const row of rows) {
    const contactId = str(row, 'contact_id');
    if (contactId !== current) {
      current = contactId;
      list = [];
      out.set(contactId, list);
    }
    list.push(decodeTouchpoint(str(row, 'object_type'), str(row, 'id'), numOrNull(row, 'at'), row['json']));
  }
  return out;
}

/** Touchpoints of the contacts with ids in [first, last], per contact, oldest first. */
export async function touchpointsInRange(q: Queryable, installation: string, first: string, last: string): Promise<Map<string, TouchpointRecord[]>> {
  const r = await q.query(`${SELECT_LINKED} WHERE l.installation = $1 AND l.contact_id >= $2 AND l.contact_id <= $3 ${ORDER}`, [installation, first, last]);
  return group(r.rows);
}

export async function touchpointsOfContacts(q: Queryable, installation: string, contactIds: readonly string[]): Promise<Map<string, TouchpointRecord[]>> {
  if (contactIds.length === 0) return new Map();
  const r = await q.query(`${SELECT_LINKED} WHERE l.installation = $1 AND l.contact_id = ANY($2::text[]) ${ORDER}`, [installation, contactIds]);
  return group(r.rows);
}

export async function getTouchpointCursor(q: Queryable, installation: string): Promise<Cursor | undefined> {
  const r = await q.query('SELECT cursor::text AS cursor FROM touchpoint_cursors WHERE installation = $1', [installation]);
  const row = r.rows[0];
  return row ? readCursor(row['cursor']) : undefined;
}

export async function saveTouchpointCursor(q: Queryable, installation: string, cursor: Cursor, at: number): Promise<void> {
  await q.query(
    `INSERT INTO touchpoint_cursors (installation, cursor, updated_at) VALUES ($1, $2::jsonb, $3)
     ON CONFLICT (installation) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
    [installation, jsonb(cursor), at],
  );
}

export async function resetTouchpointCursor(q: Queryable, installation: string): Promise<void> {
  await q.query('DELETE FROM touchpoint_cursors WHERE installation = $1', [installation]);
}
