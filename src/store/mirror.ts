/**
 * The mirror of pulled canonical records and the contact <-> deal/ticket link table.
 * Reads page through the primary key so memory stays bounded whatever the mirror size.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { ContactLinks } from '../../connectors/port.ts';
import { ParcoursError } from '../errors.ts';
import type { ContactRecord, CrmRecord, Customer, ObjectKind, RecordRef } from '../model.ts';
import { readRecord } from './json-columns.ts';
import { sqliteRows, text } from './row-values.ts';
import { assembleCustomers, countsByKind } from './rows/mirror.ts';
import type { Touchpoints } from './touchpoints.ts';
import type { RecordCounts } from './types.ts';

export const DEFAULT_PAGE_SIZE = 500;

export type LinkedKind = 'deal' | 'ticket';

export function createMirror(db: DatabaseSync, now: () => number, touchpoints: Touchpoints) {
  // A record stored outside a full pass keeps the mark of the last pass that saw it.
  const upsertRecord = db.prepare(`
    INSERT INTO mirror_records (installation, kind, id, json, updated_at, stored_at, seen_pass) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (installation, kind, id) DO UPDATE SET
      json = excluded.json, updated_at = excluded.updated_at, stored_at = excluded.stored_at,
      seen_pass = coalesce(excluded.seen_pass, mirror_records.seen_pass)`);
  const selectUnseen = db.prepare(`
    SELECT id, json FROM mirror_records WHERE installation = ? AND kind = ? AND (seen_pass IS NULL OR seen_pass <> ?)`);
  const deleteRecord = db.prepare('DELETE FROM mirror_records WHERE installation = ? AND kind = ? AND id = ?');
  const deleteLinksOfRecord = db.prepare('DELETE FROM mirror_links WHERE installation = ? AND kind = ? AND record_id = ?');
  const deleteLinksOfContact = db.prepare('DELETE FROM mirror_links WHERE installation = ? AND contact_id = ?');
  const deleteLinksOfContactKind = db.prepare('DELETE FROM mirror_links WHERE installation = ? AND contact_id = ? AND kind = ?');
  const insertLink = db.prepare('INSERT OR IGNORE INTO mirror_links (installation, contact_id, kind, record_id) VALUES (?, ?, ?, ?)');
  const selectRecord = db.prepare('SELECT json FROM mirror_records WHERE installation = ? AND kind = ? AND id = ?');
  const countByKind = db.prepare('SELECT kind, count(*) AS n FROM mirror_records WHERE installation = ? GROUP BY kind');
  const selectExisting = db.prepare(`
    SELECT id FROM mirror_records WHERE installation = ? AND kind = ? AND id IN (SELECT value FROM json_each(?))`);
  const contactsAfter = db.prepare(`
    SELECT id, json FROM mirror_records WHERE installation = ? AND kind = 'contact' AND id > ? ORDER BY id LIMIT ?`);
  const contactsIn = db.prepare(`
    SELECT id, json FROM mirror_records
    WHERE installation = ? AND kind = 'contact' AND id IN (SELECT value FROM json_each(?)) ORDER BY id`);
  // A keyset page is a contiguous id range, so its links are one range scan of the link key.
  const linkedInRange = db.prepare(`
    SELECT l.contact_id, r.kind, r.id, r.json FROM mirror_links l
    JOIN mirror_records r ON r.installation = l.installation AND r.kind = l.kind AND r.id = l.record_id
    WHERE l.installation = ? AND l.contact_id >= ? AND l.contact_id <= ?
    ORDER BY l.contact_id, l.kind, l.record_id`);
  const linkedIn = db.prepare(`
    SELECT l.contact_id, r.kind, r.id, r.json FROM mirror_links l
    JOIN mirror_records r ON r.installation = l.installation AND r.kind = l.kind AND r.id = l.record_id
    WHERE l.installation = ? AND l.contact_id IN (SELECT value FROM json_each(?))
    ORDER BY l.contact_id, l.kind, l.record_id`);
  // CROSS JOIN fixes the loop order (ids outside), so the by-record index is used; with IN (...)
  // the planner may scan the whole installation's links. https://www.sqlite.org/optoverview.html#crossjoin
  const contactsOfRecords = db.prepare(`
    SELECT DISTINCT l.contact_id FROM json_each(?3) j CROSS JOIN mirror_links l
    WHERE l.installation = ?1 AND l.kind = ?2 AND l.record_id = j.value`);

  function setRecordLinks(installation: string, kind: LinkedKind, recordId: string, contactIds: readonly string[]): void {
    deleteLinksOfRecord.run(installation, kind, recordId);
    for (const contactId of contactIds) insertLink.run(installation, contactId, kind, recordId);
  }

  function setContactLinks(installation: string, contactId: string, kind: LinkedKind, recordIds: readonly string[]): void {
    deleteLinksOfContactKind.run(installation, contactId, kind);
    for (const recordId of recordIds) insertLink.run(installation, contactId, kind, recordId);
  }

  return {
    upsertRecords(installation: string, kind: ObjectKind, records: readonly CrmRecord[], pass: string | null = null): void {
      const storedAt = now();
      for (const record of records) {
        if (record.kind !== kind) {
          throw new ParcoursError('INPUT_INVALID', `pull batch of ${kind} records holds a ${record.kind} (${record.id})`, {
            recordId: record.id,
          });
        }
        if (typeof record.id !== 'string' || record.id.length === 0) {
          throw new ParcoursError('INPUT_INVALID', `pull batch of ${kind} records holds a record without an id`);
        }
        upsertRecord.run(installation, kind, record.id, JSON.stringify(record), record.updatedAt, storedAt, pass);
        // Deal/ticket records carry their full association set: it replaces that record's links.
        if (record.kind !== 'contact') setRecordLinks(installation, record.kind, record.id, record.contactIds);
      }
    },

    applyContactLinks(installation: string, links: readonly ContactLinks[]): void {
      for (const l of links) {
        if (l.deals) setContactLinks(installation, l.contactId, 'deal', l.deals);
        if (l.tickets) setContactLinks(installation, l.contactId, 'ticket', l.tickets);
      }
    },

    /** Returns the refs that were in the mirror (the others were already gone). */
    removeRecords(installation: string, refs: readonly RecordRef[]): RecordRef[] {
      const gone: RecordRef[] = [];
      for (const ref of refs) {
        if (Number(deleteRecord.run(installation, ref.kind, ref.id).changes) > 0) gone.push(ref);
        if (ref.kind === 'contact') {
          deleteLinksOfContact.run(installation, ref.id);
          touchpoints.forgetContact(installation, ref.id);
        }
        else deleteLinksOfRecord.run(installation, ref.kind, ref.id);
      }
      return gone;
    },

    /** Records of `kind` the full pass `pass` did not see (the CRM no longer shows them). */
    unseen(installation: string, kind: ObjectKind, pass: string): RecordRef[] {
      return selectUnseen.all(installation, kind, pass).map((row) => {
        const record = readRecord(row['json'], kind, text(row, 'id'));
        return { kind, objectType: record.objectType, id: record.id };
      });
    },

    getRecord(installation: string, kind: ObjectKind, id: string): CrmRecord | undefined {
      const row = selectRecord.get(installation, kind, id);
      return row ? readRecord(row['json'], kind, id) : undefined;
    },

    countRecords(installation: string): RecordCounts {
      return countsByKind(sqliteRows, countByKind.all(installation));
    },

    existingIds(installation: string, kind: ObjectKind, ids: readonly string[]): Set<string> {
      if (ids.length === 0) return new Set();
      return new Set(selectExisting.all(installation, kind, JSON.stringify(ids)).map((r) => text(r, 'id')));
    },

    /** Pages are fetched lazily; no statement stays open between pages, so callers may write meanwhile. */
    *iterateCustomers(installation: string, pageSize: number, contactIds?: readonly string[], withTouchpoints = true): Generator<Customer> {
      if (contactIds) {
        const wanted = [...new Set(contactIds)].sort(compareIds);
        for (let i = 0; i < wanted.length; i += pageSize) {
          const slice = wanted.slice(i, i + pageSize);
          const ids = JSON.stringify(slice);
          yield* assembleCustomers(sqliteRows, contactsIn.all(installation, ids), linkedIn.all(installation, ids), withTouchpoints ? touchpoints.ofContacts(installation, slice) : null);
        }
        return;
      }
      let after = '';
      for (;;) {
        const contacts = contactsAfter.all(installation, after, pageSize);
        const first = contacts[0];
        const last = contacts.at(-1);
        if (!first || !last) return;
        const linked = linkedInRange.all(installation, text(first, 'id'), text(last, 'id'));
        const touched = withTouchpoints ? touchpoints.inRange(installation, text(first, 'id'), text(last, 'id')) : null;
        yield* assembleCustomers(sqliteRows, contacts, linked, touched);
        if (contacts.length < pageSize) return;
        after = text(last, 'id');
      }
    },

    /** Contact records only (no deals, tickets or touchpoints), in id order, a page at a time: what identity reads. */
    *iterateContacts(installation: string, pageSize: number): Generator<ContactRecord> {
      let after = '';
      for (;;) {
        const rows = contactsAfter.all(installation, after, pageSize);
        for (const row of rows) yield readRecord(row['json'], 'contact', text(row, 'id')) as ContactRecord;
        const last = rows.at(-1);
        if (!last || rows.length < pageSize) return;
        after = text(last, 'id');
      }
    },

    contactsLinkedTo(installation: string, refs: ReadonlyArray<{ kind: LinkedKind; id: string }>): string[] {
      const found = new Set<string>();
      for (const kind of ['deal', 'ticket'] as const) {
        const ids = refs.filter((r) => r.kind === kind).map((r) => r.id);
        if (ids.length === 0) continue;
        for (const row of contactsOfRecords.all(installation, kind, JSON.stringify(ids))) found.add(text(row, 'contact_id'));
      }
      return [...found].sort(compareIds);
    },
  };
}

export type Mirror = ReturnType<typeof createMirror>;

/** Same order as SQLite's BINARY collation (byte order) for CRM ids, which are ASCII. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
