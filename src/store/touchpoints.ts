/**
 * Touchpoints (issue 13): every interaction and survey answer, kept per customer.
 *
 * Volume is the design constraint (10–50 per contact, a million contacts): one row per touchpoint
 * holding a compact encoding (short keys, no nulls, no empty lists; the ids and the time are columns),
 * and a link table keyed (contact, time, touchpoint), so one customer page's touchpoints are one range
 * scan that comes back oldest first with no sort. The cursor is one per installation; it is saved in
 * the transaction of the batch it covers. Full passes mark rows and a complete pass sweeps the rest,
 * as for the other kinds.
 */
import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import { z } from 'zod';
import type { Cursor } from '../../connectors/port.ts';
import { ParcoursError } from '../errors.ts';
import {
  SURVEY_TYPES, TOUCHPOINT_CHANNELS, TOUCHPOINT_DIRECTIONS, TOUCHPOINT_OUTCOMES,
  type TouchpointRecord,
} from '../model.ts';
import { readCursor } from './json-columns.ts';
import { text } from './row-values.ts';
import { compareIds } from './mirror.ts';


/** Position of a touchpoint without a time in the per-contact order: first (it cannot be placed in time). */
const NO_TIME = -1;

const rawValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/** Checked on the way in: a bad record is reported and skipped, the rest of the batch is stored. */
export const touchpointSchema = z.object({
  kind: z.literal('touchpoint'),
  id: z.string().min(1),
  objectType: z.string().min(1),
  raw: z.record(z.string(), rawValue),
  updatedAt: z.number().nullable(),
  ownerId: z.string().nullable().optional(),
  channel: z.enum(TOUCHPOINT_CHANNELS),
  rawChannel: z.string().nullable(),
  direction: z.enum(TOUCHPOINT_DIRECTIONS).nullable(),
  at: z.number().finite().nullable(),
  outcome: z.enum(TOUCHPOINT_OUTCOMES).nullable(),
  rawOutcome: z.string().nullable(),
  contactIds: z.array(z.string().min(1)),
  dealIds: z.array(z.string()),
  ticketIds: z.array(z.string()),
  survey: z
    .object({
      type: z.enum(SURVEY_TYPES),
      score: z.number().finite().nullable(),
      scale: z.object({ min: z.number(), max: z.number() }),
      sentiment: z.enum(['positive', 'neutral', 'negative']).nullable(),
    })
    .nullable(),
});

/** Short keys, and only what is set: a touchpoint is ~100 bytes instead of ~400. */
interface Compact {
  c: TouchpointRecord['channel'];
  rc?: string;
  d?: TouchpointRecord['direction'];
  o?: TouchpointRecord['outcome'];
  ro?: string;
  u?: number;
  w?: string | null;
  k?: string[];
  dl?: string[];
  tk?: string[];
  s?: TouchpointRecord['survey'];
  r?: TouchpointRecord['raw'];
}

export function encodeTouchpoint(t: TouchpointRecord): string {
  const c: Compact = { c: t.channel };
  if (t.rawChannel !== null) c.rc = t.rawChannel;
  if (t.direction !== null) c.d = t.direction;
  if (t.outcome !== null) c.o = t.outcome;
  if (t.rawOutcome !== null) c.ro = t.rawOutcome;
  if (t.updatedAt !== null) c.u = t.updatedAt;
  if (t.ownerId !== undefined) c.w = t.ownerId;
  if (t.contactIds.length) c.k = t.contactIds;
  if (t.dealIds.length) c.dl = t.dealIds;
  if (t.ticketIds.length) c.tk = t.ticketIds;
  if (t.survey !== null) c.s = t.survey;
  if (Object.keys(t.raw).length) c.r = t.raw;
  return JSON.stringify(c);
}

const EMPTY: readonly string[] = Object.freeze([]) as readonly string[];

/** Shared by every touchpoint stored without raw fields (rules only read raw values). */
const NO_RAW: TouchpointRecord['raw'] = Object.freeze({}) as TouchpointRecord['raw'];

function timeOf(at: SQLOutputValue | undefined): number | null {
  if (at === null) return null;
  if (typeof at === 'number') return at;
  if (typeof at === 'bigint') return Number(at);
  throw badRow('at is not an integer');
}

function badRow(why: string): ParcoursError {
  return new ParcoursError('STORE_ERROR', `store touchpoint row unreadable: ${why}`, { table: 'touchpoints' });
}

export function decodeTouchpoint(objectType: string, id: string, at: number | null, json: unknown): TouchpointRecord {
  let c: Compact;
  try {
    c = JSON.parse(json as string) as Compact;
  } catch {
    throw new ParcoursError('STORE_ERROR', `store touchpoint ${objectType}/${id} holds unreadable data`, { recordId: id });
  }
  if (typeof c !== 'object' || c === null || typeof c.c !== 'string') {
    throw new ParcoursError('STORE_ERROR', `store touchpoint ${objectType}/${id} does not hold a touchpoint`, { recordId: id });
  }
  const t: TouchpointRecord = {
    kind: 'touchpoint',
    id,
    objectType,
    raw: c.r ?? NO_RAW,
    updatedAt: c.u ?? null,
    channel: c.c,
    rawChannel: c.rc ?? null,
    direction: c.d ?? null,
    at,
    outcome: c.o ?? null,
    rawOutcome: c.ro ?? null,
    contactIds: c.k ?? (EMPTY as string[]),
    dealIds: c.dl ?? (EMPTY as string[]),
    ticketIds: c.tk ?? (EMPTY as string[]),
    survey: c.s ?? null,
  };
  if (c.w !== undefined) t.ownerId = c.w;
  return t;
}

export interface RejectedTouchpoint {
  objectType: string | null;
  id: string | null;
  message: string;
}

/** A batch checked on the way in (both backends): the valid records in order, and each other one with why. */
export function checkTouchpoints(records: readonly unknown[]): { stored: TouchpointRecord[]; rejected: RejectedTouchpoint[] } {
  const stored: TouchpointRecord[] = [];
  const rejected: RejectedTouchpoint[] = [];
  for (const input of records) {
    const parsed = touchpointSchema.safeParse(input);
    if (parsed.success) {
      stored.push(parsed.data as TouchpointRecord);
      continue;
    }
    const r = (input ?? {}) as { id?: unknown; objectType?: unknown };
    const issue = parsed.error.issues[0];
    rejected.push({
      objectType: typeof r.objectType === 'string' ? r.objectType : null,
      id: typeof r.id === 'string' ? r.id : null,
      message: issue ? `${issue.path.join('.') || 'record'}: ${issue.message}` : 'not a touchpoint',
    });
  }
  return { stored, rejected };
}

export function createTouchpoints(db: DatabaseSync, now: () => number) {
  const upsert = db.prepare(`
    INSERT INTO touchpoints (installation, object_type, id, at, json, stored_at, seen_pass) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (installation, object_type, id) DO UPDATE SET
      at = excluded.at, json = excluded.json, stored_at = excluded.stored_at,
      seen_pass = coalesce(excluded.seen_pass, touchpoints.seen_pass)`);
  const deleteOne = db.prepare('DELETE FROM touchpoints WHERE installation = ? AND object_type = ? AND id = ?');
  const deleteLinksOf = db.prepare('DELETE FROM touchpoint_links WHERE installation = ? AND object_type = ? AND touchpoint_id = ?');
  const insertLink = db.prepare(`
    INSERT OR IGNORE INTO touchpoint_links (installation, contact_id, at, object_type, touchpoint_id) VALUES (?, ?, ?, ?, ?)`);
  const sweep = db.prepare(`
    DELETE FROM touchpoints WHERE installation = ? AND (seen_pass IS NULL OR seen_pass <> ?) RETURNING object_type, id`);
  const deleteLinksOfContact = db.prepare('DELETE FROM touchpoint_links WHERE installation = ? AND contact_id = ?');
  const moveLinks = db.prepare(`
    INSERT OR IGNORE INTO touchpoint_links (installation, contact_id, at, object_type, touchpoint_id)
    SELECT installation, ?3, at, object_type, touchpoint_id FROM touchpoint_links WHERE installation = ?1 AND contact_id = ?2`);
  const count = db.prepare('SELECT count(*) AS n FROM touchpoints WHERE installation = ?');
  // Oldest first within each contact: the link key's order, so no sort step.
  const inRange = db.prepare(`
    SELECT l.contact_id, t.object_type, t.id, t.at, t.json FROM touchpoint_links l
    JOIN touchpoints t ON t.installation = l.installation AND t.object_type = l.object_type AND t.id = l.touchpoint_id
    WHERE l.installation = ? AND l.contact_id >= ? AND l.contact_id <= ?
    ORDER BY l.contact_id, l.at, l.object_type, l.touchpoint_id`);
  const ofContacts = db.prepare(`
    SELECT l.contact_id, t.object_type, t.id, t.at, t.json FROM json_each(?2) j CROSS JOIN touchpoint_links l
    JOIN touchpoints t ON t.installation = l.installation AND t.object_type = l.object_type AND t.id = l.touchpoint_id
    WHERE l.installation = ?1 AND l.contact_id = j.value
    ORDER BY l.contact_id, l.at, l.object_type, l.touchpoint_id`);
  // CROSS JOIN keeps the refs outside, so the by-touchpoint index is used (as contactsOfRecords in mirror.ts).
  const contactsOf = db.prepare(`
    SELECT DISTINCT l.contact_id FROM json_each(?2) j CROSS JOIN touchpoint_links l
    WHERE l.installation = ?1 AND l.object_type = json_extract(j.value, '$[0]') AND l.touchpoint_id = json_extract(j.value, '$[1]')`);
  const getCursor = db.prepare('SELECT cursor FROM touchpoint_cursors WHERE installation = ?');
  const saveCursor = db.prepare(`
    INSERT INTO touchpoint_cursors (installation, cursor, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (installation) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`);
  const resetCursor = db.prepare('DELETE FROM touchpoint_cursors WHERE installation = ?');

  function remove(installation: string, objectType: string, id: string): boolean {
    deleteLinksOf.run(installation, objectType, id);
    return Number(deleteOne.run(installation, objectType, id).changes) > 0;
  }

  // A page's rows come back as arrays [contact_id, object_type, id, at, json]: a million customers are
  // 30 million rows, and arrays are cheaper to build (and to collect) than keyed objects.
  inRange.setReturnArrays(true);
  ofContacts.setReturnArrays(true);

  function group(rows: readonly unknown[]): Map<string, TouchpointRecord[]> {
    const out = new Map<string, TouchpointRecord[]>();
    let current = '';
    let list: TouchpointRecord[] = [];
    for (const row of rows as SQLOutputValue[][]) {
      const [contactId, objectType, id, at, json] = row;
      if (typeof contactId !== 'string' || typeof objectType !== 'string' || typeof id !== 'string') throw badRow('contact_id, object_type and id are not text');
      if (contactId !== current) {
        current = contactId;
        list = [];
        out.set(contactId, list);
      }
      list.push(decodeTouchpoint(objectType, id, timeOf(at), json));
    }
    return out;
  }

  return {
    /** Valid records are stored (their contact links replaced); the others come back, each with why. */
    upsert(installation: string, records: readonly unknown[], pass: string | null): { stored: TouchpointRecord[]; rejected: RejectedTouchpoint[] } {
      const storedAt = now();
      const checked = checkTouchpoints(records);
      for (const t of checked.stored) {
        upsert.run(installation, t.objectType, t.id, t.at, encodeTouchpoint(t), storedAt, pass);
        // A touchpoint carries its full set of customers: it replaces its links.
        deleteLinksOf.run(installation, t.objectType, t.id);
        for (const contactId of t.contactIds) insertLink.run(installation, contactId, t.at ?? NO_TIME, t.objectType, t.id);
      }
      return checked;
    },

    /** Returns how many were in the store. */
    remove(installation: string, refs: ReadonlyArray<{ objectType: string; id: string }>): number {
      let n = 0;
      for (const r of refs) if (remove(installation, r.objectType, r.id)) n++;
      return n;
    },

    /** Removes what the complete full pass `pass` did not see; returns how many. */
    sweep(installation: string, pass: string): number {
      const gone = sweep.all(installation, pass);
      for (const row of gone) deleteLinksOf.run(installation, text(row, 'object_type'), text(row, 'id'));
      return gone.length;
    },

    /** A contact that left the mirror takes its links with it (shared touchpoints keep their other customers). */
    forgetContact(installation: string, contactId: string): void {
      deleteLinksOfContact.run(installation, contactId);
    },

    /** A converted Lead's touchpoints follow the Contact it became. */
    handOver(installation: string, fromId: string, toId: string): number {
      if (fromId === toId) return 0;
      const moved = Number(moveLinks.run(installation, fromId, toId).changes);
      deleteLinksOfContact.run(installation, fromId);
      return moved;
    },

    count(installation: string): number {
      const row = count.get(installation);
      return row ? Number(row['n']) : 0;
    },

    /** Touchpoints of the contacts with ids in [first, last], per contact, oldest first. */
    inRange(installation: string, first: string, last: string): Map<string, TouchpointRecord[]> {
      return group(inRange.all(installation, first, last));
    },

    ofContacts(installation: string, contactIds: readonly string[]): Map<string, TouchpointRecord[]> {
      return group(ofContacts.all(installation, JSON.stringify(contactIds)));
    },

    contactsOf(installation: string, refs: ReadonlyArray<{ objectType: string; id: string }>): string[] {
      if (refs.length === 0) return [];
      const rows = contactsOf.all(installation, JSON.stringify(refs.map((r) => [r.objectType, r.id])));
      return rows.map((row) => text(row, 'contact_id')).sort(compareIds);
    },

    cursor(installation: string): Cursor | undefined {
      const row = getCursor.get(installation);
      return row ? readCursor(row['cursor']) : undefined;
    },
    saveCursor(installation: string, cursor: Cursor): void {
      saveCursor.run(installation, JSON.stringify(cursor), now());
    },
    resetCursor(installation: string): void {
      resetCursor.run(installation);
    },
  };
}

export type Touchpoints = ReturnType<typeof createTouchpoints>;
