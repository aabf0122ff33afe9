/**
 * The mirror of pulled records, the contact <-> deal/ticket links and the pull cursors, on PostgreSQL.
 * Writes are set-based (one statement per step of a batch, its rows passed as arrays and unnested);
 * reads page through the primary key (contact ids in byte order, COLLATE "C"), one query per page.
 */
import type { ContactLinks, Cursor } from '../../../connectors/port.ts';
import { ParcoursError } from '../../errors.ts';
import type { ContactRecord, CrmRecord, Customer, DealRecord, ObjectKind, RecordRef, TicketRecord } from '../../model.ts';
import { readCursor, readRecord } from '../json-columns.ts';
import { compareIds } from '../mirror.ts';
import { assembleCustomers, countsByKind } from '../rows/mirror.ts';
import type { RecordCounts } from '../types.ts';
import { byKey, type Queryable } from './db.ts';
import { jsonb, postgresRows, str } from './row-values.ts';
import { touchpointsInRange, touchpointsOfContacts } from './touchpoints.ts';

type LinkedKind = 'deal' | 'ticket';

/** The last occurrence of each key wins, in the order of first appearance (a later duplicate replaces). */
export function lastByKey<T>(items: readonly T[], key: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    byKey.delete(k);
    byKey.set(k, item);
  }
  return [...byKey.values()];
}

export async function upsertRecords(q: Queryable, installation: string, kind: ObjectKind, records: readonly CrmRecord[], pass: string | null, storedAt: number): Promise<void> {
  const encoded: Array<{ record: CrmRecord; json: string }> = [];
  for (const record of records) {
    if (record.kind !== kind) {
      throw new ParcoursError('INPUT_INVALID', `pull batch of ${kind} records holds a ${record.kind} (${record.id})`, { recordId: record.id });
    }
    if (typeof record.id !== 'string' || record.id.length === 0) {
      throw new ParcoursError('INPUT_INVALID', `pull batch of ${kind} records holds a record without an id`);
    }
    encoded.push({ record, json: jsonb(record) });
  }
  // One row per id (a record pulled twice in a batch: its last version, as sequential upserts leave it).
  const unique = byKey(lastByKey(encoded, (e) => e.record.id), (e) => e.record.id);
  if (unique.length === 0) return;
  const rows = unique.map((e) => e.record);
  await q.query(
    `INSERT INTO mirror_records (installation, kind, id, json, updated_at, stored_at, seen_pass)
     SELECT $1, $2, r.id, r.json::jsonb, r.updated_at, $3, $4 FROM unnest($5::text[], $6::text[], $7::bigint[]) AS r(id, json, updated_at)
     ON CONFLICT (installation, kind, id) DO UPDATE SET
       json = excluded.json, updated_at = excluded.updated_at, stored_at = excluded.stored_at,
       seen_pass = coalesce(excluded.seen_pass, mirror_records.seen_pass)`,
    [installation, kind, storedAt, pass, rows.map((r) => r.id), unique.map((e) => e.json), rows.map((r) => r.updatedAt)],
  );
  if (kind === 'contact') return;
  // Deal/ticket records carry their full association set: it replaces that record's links.
  const linked = rows as Array<DealRecord | TicketRecord>;
  await q.query('DELETE FROM mirror_links WHERE installation = $1 AND kind = $2 AND record_id = ANY($3::text[])', [installation, kind, linked.map((r) => r.id)]);
  const contactIds: string[] = [];
  const recordIds: string[] = [];
  for (const r of linked) {
    for (const c of r.contactIds) {
      contactIds.push(c);
      recordIds.push(r.id);
    }
  }
  await insertLinks(q, installation, kind, contactIds, recordIds);
}

async function insertLinks(q: Queryable, installation: string, kind: LinkedKind, contactIds: string[], recordIds: string[]): Promise<void> {
  if (contactIds.length === 0) return;
  await q.query(
    `INSERT INTO mirror_links (installation, contact_id, kind, record_id)
     SELECT $1, l.contact_id, $2, l.record_id FROM unnest($3::text[], $4::text[]) AS l(contact_id, record_id)
     ON CONFLICT DO NOTHING`,
    [installation, kind, contactIds, recordIds],
  );
}

/** Association sets read from the contact side replace that contact's links of each kind given. */
export async function applyContactLinks(q: Queryable, installation: string, links: readonly ContactLinks[]): Promise<void> {
  for (const kind of ['deal', 'ticket'] as const) {
    const field = kind === 'deal' ? 'deals' : 'tickets';
    const sets = lastByKey(
      links.flatMap((l) => (l[field] ? [{ contactId: l.contactId, ids: l[field] }] : [])),
      (s) => s.contactId,
    );
    if (sets.length === 0) continue;
    await q.query('DELETE FROM mirror_links WHERE installation = $1 AND kind = $2 AND contact_id = ANY($3::text[])', [installation, kind, sets.map((s) => s.contactId)]);
    await insertLinks(q, installation, kind, sets.flatMap((s) => s.ids.map(() => s.contactId)), sets.flatMap((s) => s.ids));
  }
}

/** Removes records and their links; returns the refs that were in the mirror (first occurrence each). */
export async function removeRecords(q: Queryable, installation: string, refs: readonly RecordRef[]): Promise<RecordRef[]> {
  if (refs.length === 0) return [];
  const deleted = await q.query(
    `DELETE FROM mirror_records m USING unnest($2::text[], $3::text[]) AS r(kind, id)
     WHERE m.installation = $1 AND m.kind = r.kind AND m.id = r.id RETURNING m.kind, m.id`,
    [installation, refs.map((r) => r.kind), refs.map((r) => r.id)],
  );
  const gone = new Set(deleted.rows.map((row) => `${str(row, 'kind')}\u0000${str(row, 'id')}`));
  const out: RecordRef[] = [];
  for (const ref of refs) {
    const key = `${ref.kind}\u0000${ref.id}`;
    if (gone.delete(key)) out.push(ref);
  }
  const contacts = refs.filter((r) => r.kind === 'contact').map((r) => r.id);
  const others = refs.filter((r) => r.kind !== 'contact');
  if (contacts.length > 0) {
    await q.query('DELETE FROM mirror_links WHERE installation = $1 AND contact_id = ANY($2::text[])', [installation, contacts]);
    // A contact that left the mirror takes its touchpoint links with it (shared touchpoints keep their other customers).
    await q.query('DELETE FROM touchpoint_links WHERE installation = $1 AND contact_id = ANY($2::text[])', [installation, contacts]);
  }
  if (others.length > 0) {
    await q.query(
      `DELETE FROM mirror_links l USING unnest($2::text[], $3::text[]) AS r(kind, id)
       WHERE l.installation = $1 AND l.kind = r.kind AND l.record_id = r.id`,
      [installation, others.map((r) => r.kind), others.map((r) => r.id)],
    );
  }
  return out;
}

/** Records of `kind` the full pass `pass` did not see (the CRM no longer shows them), in id order. */
export async function unseen(q: Queryable, installation: string, kind: ObjectKind, pass: string): Promise<RecordRef[]> {
  const r = await q.query(
    `SELECT id, json->>'objectType' AS object_type FROM mirror_records
     WHERE installation = $1 AND kind = $2 AND seen_pass IS DISTINCT FROM $3 ORDER BY id`,
    [installation, kind, pass],
  );
  return r.rows.map((row) => ({ kind, objectType: str(row, 'object_type'), id: str(row, 'id') }));
}

export async function getRecord(q: Queryable, installation: string, kind: ObjectKind, id: string): Promise<CrmRecord | undefined> {
  const r = await q.query('SELECT json::text AS json FROM mirror_records WHERE installation = $1 AND kind = $2 AND id = $3', [installation, kind, id]);
  const row = r.rows[0];
  return row ? readRecord(row['json'], kind, id) : undefined;
}

export async function countRecords(q: Queryable, installation: string): Promise<RecordCounts> {
  const r = await q.query('SELECT kind, count(*) AS n FROM mirror_records WHERE installation = $1 GROUP BY kind', [installation]);
  return countsByKind(postgresRows, r.rows);
}

export async function existingIds(q: Queryable, installation: string, kind: ObjectKind, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const r = await q.query('SELECT id FROM mirror_records WHERE installation = $1 AND kind = $2 AND id = ANY($3::text[])', [installation, kind, ids]);
  return new Set(r.rows.map((row) => str(row, 'id')));
}

export async function contactsLinkedTo(q: Queryable, installation: string, refs: ReadonlyArray<{ kind: LinkedKind; id: string }>): Promise<string[]> {
  if (refs.length === 0) return [];
  const r = await q.query(
    `SELECT DISTINCT l.contact_id FROM unnest($2::text[], $3::text[]) AS x(kind, id)
     JOIN mirror_links l ON l.installation = $1 AND l.kind = x.kind AND l.record_id = x.id`,
    [installation, refs.map((x) => x.kind), refs.map((x) => x.id)],
  );
  return r.rows.map((row) => str(row, 'contact_id')).sort(compareIds);
}

// Cursors ---------------------------------------------------------------------------------------------

export async function saveCursor(q: Queryable, installation: string, kind: ObjectKind, cursor: Cursor, at: number): Promise<void> {
  await q.query(
    `INSERT INTO cursors (installation, kind, cursor, updated_at) VALUES ($1, $2, $3::jsonb, $4)
     ON CONFLICT (installation, kind) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
    [installation, kind, jsonb(cursor), at],
  );
}

export async function getCursors(q: Queryable, installation: string): Promise<Partial<Record<ObjectKind, Cursor>>> {
  const out: Partial<Record<ObjectKind, Cursor>> = {};
  const r = await q.query('SELECT kind, cursor::text AS cursor FROM cursors WHERE installation = $1', [installation]);
  for (const row of r.rows) out[str(row, 'kind') as ObjectKind] = readCursor(row['cursor']);
  return out;
}

export async function resetCursors(q: Queryable, installation: string): Promise<void> {
  await q.query('DELETE FROM cursors WHERE installation = $1', [installation]);
}

// Streams ---------------------------------------------------------------------------------------------

const CONTACTS_AFTER = `SELECT id, json::text AS json FROM mirror_records
  WHERE installation = $1 AND kind = 'contact' AND id > $2 ORDER BY id LIMIT $3`;
const LINKED_SELECT = `SELECT l.contact_id, r.kind, r.id, r.json::text AS json FROM mirror_links l
  JOIN mirror_records r ON r.installation = l.installation AND r.kind = l.kind AND r.id = l.record_id`;

/** Keyset pages; no cursor or transaction stays open between pages, so callers may write meanwhile. */
export async function* iterateCustomers(q: Queryable, installation: string, pageSize: number, contactIds: readonly string[] | undefined, withTouchpoints: boolean): AsyncGenerator<Customer> {
  if (contactIds) {
    const wanted = [...new Set(contactIds)].sort(compareIds);
    for (let i = 0; i < wanted.length; i += pageSize) {
      const slice = wanted.slice(i, i + pageSize);
      const contacts = await q.query(`SELECT id, json::text AS json FROM mirror_records
        WHERE installation = $1 AND kind = 'contact' AND id = ANY($2::text[]) ORDER BY id`, [installation, slice]);
      const linked = await q.query(`${LINKED_SELECT} WHERE l.installation = $1 AND l.contact_id = ANY($2::text[])
        ORDER BY l.contact_id, l.kind, l.record_id`, [installation, slice]);
      const touched = withTouchpoints ? await touchpointsOfContacts(q, installation, slice) : null;
      yield* assembleCustomers(postgresRows, contacts.rows, linked.rows, touched);
    }
    return;
  }
  let after = '';
  for (;;) {
    const contacts = (await q.query(CONTACTS_AFTER, [installation, after, pageSize])).rows;
    const first = contacts[0];
    const last = contacts.at(-1);
    if (!first || !last) return;
    // A keyset page is a contiguous id range, so its links are one range scan of the link key.
    const linked = await q.query(`${LINKED_SELECT} WHERE l.installation = $1 AND l.contact_id >= $2 AND l.contact_id <= $3
      ORDER BY l.contact_id, l.kind, l.record_id`, [installation, str(first, 'id'), str(last, 'id')]);
    const touched = withTouchpoints ? await touchpointsInRange(q, installation, str(first, 'id'), str(last, 'id')) : null;
    yield* assembleCustomers(postgresRows, contacts, linked.rows, touched);
    if (contacts.length < pageSize) return;
    after = str(last, 'id');
  }
}

/** Contact records only (no deals, tickets or touchpoints), in id order, a page at a time. */
export async function* iterateContacts(q: Queryable, installation: string, pageSize: number): AsyncGenerator<ContactRecord> {
  let after = '';
  for (;;) {
    const rows = (await q.query(CONTACTS_AFTER, [installation, after, pageSize])).rows;
    for (const row of rows) yield readRecord(row['json'], 'contact', str(row, 'id')) as ContactRecord;
    const last = rows.at(-1);
    if (!last || rows.length < pageSize) return;
    after = str(last, 'id');
  }
}
