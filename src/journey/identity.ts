/**
 * Identity across a linked HubSpot + Salesforce pair (issue 16). Pure: contact records in, matches and
 * conflicts out; no I/O, no clock.
 *
 * In order, each step recorded as the match's reason:
 *  1. `integration-id`: the Salesforce ids HubSpot's Salesforce integration keeps on the HubSpot contact
 *     (`salesforcecontactid`, then `salesforceleadid`; `ContactRecord.integrationIds`). When present and the
 *     record is in the Salesforce mirror (directly, or through an alias: a converted Lead → its Contact), they win.
 *  2. `email`: the same address, trimmed and compared case-insensitively — HubSpot `email` and every address in
 *     `hs_additional_emails` (HubSpot keeps secondary addresses there, `;`-separated:
 *     https://legacydocs.hubspot.com/docs/methods/contacts/get-secondary-email-addresses-by-vid), Salesforce
 *     `Email` on a Contact or an unconverted Lead (converted Leads have left the mirror, handed over to their Contact).
 *  3. nothing else: no names, no fuzzy matching.
 * An address on several contact records of one side is a conflict: reported with its records, and none of
 * those records is matched by e-mail (each is then evaluated on its own side, never merged by guess). An
 * integration-id match is not a guess: it stands even for a record that is also in a conflict.
 */
import type { ContactRecord, IdentityConflict, IdentityMatch, RecordRef } from '../model.ts';

export interface Identity {
  matches: IdentityMatch[];
  conflicts: IdentityConflict[];
}

export interface MatchOptions {
  /**
   * Salesforce ids that became another record (a converted Lead → its Contact), as the store keeps them:
   * an integration id still naming the old record follows it to the new one.
   */
  aliases?: ReadonlyMap<string, string>;
}

/** The address as identity compares it: trimmed, lower case; null when empty. */
export function normalizeEmail(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const e = value.trim().toLowerCase();
  return e.length === 0 ? null : e;
}

/** Every address of a contact, normalized, primary first, each once. */
export function contactEmails(c: ContactRecord): string[] {
  const first = normalizeEmail(c.email);
  const extra = c.additionalEmails;
  if (!extra || extra.length === 0) return first === null ? [] : [first];
  const out: string[] = first === null ? [] : [first];
  for (const raw of extra) {
    const e = normalizeEmail(raw);
    if (e !== null && !out.includes(e)) out.push(e);
  }
  return out;
}

/**
 * Address → the index of the one record holding it, or CONFLICT when several records hold it (their indexes are
 * then in `shared`). Indexes and typed-array flags rather than records, sets and per-record arrays: matching a
 * million customers is a few million Map operations, and the Maps and the garbage are what it costs.
 */
const CONFLICT = -1;

interface EmailIndex {
  byEmail: Map<string, number>;
  /** Address held by several records → their indexes, in input order. */
  shared: Map<string, number[]>;
}

function indexAddress(idx: EmailIndex, records: readonly ContactRecord[], e: string, i: number): void {
  const held = idx.byEmail.get(e);
  if (held === undefined) idx.byEmail.set(e, i);
  else if (held === CONFLICT) (idx.shared.get(e) as number[]).push(i);
  else if ((records[held] as ContactRecord).id !== (records[i] as ContactRecord).id) {
    idx.byEmail.set(e, CONFLICT);
    idx.shared.set(e, [held, i]);
  }
}

function ref(c: ContactRecord): RecordRef {
  return { kind: 'contact', objectType: c.objectType, id: c.id };
}

function byId(a: RecordRef, b: RecordRef): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The conflicts of one side, by address; flags each record involved. */
function conflictsOf(side: 'hubspot' | 'salesforce', records: readonly ContactRecord[], idx: EmailIndex, inConflict: Uint8Array): IdentityConflict[] {
  const out: IdentityConflict[] = [];
  for (const [email, held] of idx.shared) {
    for (const i of held) inConflict[i] = 1;
    out.push({ side, email, records: held.map((i) => ref(records[i] as ContactRecord)).sort(byId) });
  }
  return out.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
}

/**
 * Pairs HubSpot contacts with Salesforce Contacts / unconverted Leads. Each record is in at most one match.
 * Matches come in the order of `hubspot`; conflicts HubSpot's first, each side by address.
 */
export function matchIdentities(hubspot: readonly ContactRecord[], salesforce: readonly ContactRecord[], options: MatchOptions = {}): Identity {
  const aliases = options.aliases;
  const sfIdx: EmailIndex = { byEmail: new Map(), shared: new Map() };
  for (let j = 0; j < salesforce.length; j++) {
    const e = normalizeEmail((salesforce[j] as ContactRecord).email);
    if (e !== null) indexAddress(sfIdx, salesforce, e, j);
  }
  // HubSpot addresses, normalized once, kept flat: record i holds hsEmails[hsStart[i] .. hsStart[i + 1]).
  const hsIdx: EmailIndex = { byEmail: new Map(), shared: new Map() };
  const hsEmails: string[] = [];
  const hsStart = new Uint32Array(hubspot.length + 1);
  for (let i = 0; i < hubspot.length; i++) {
    hsStart[i] = hsEmails.length;
    const c = hubspot[i] as ContactRecord;
    const first = normalizeEmail(c.email);
    if (first !== null) {
      hsEmails.push(first);
      indexAddress(hsIdx, hubspot, first, i);
    }
    const extra = c.additionalEmails;
    if (!extra || extra.length === 0) continue;
    for (const raw of extra) {
      const e = normalizeEmail(raw);
      if (e === null || hsEmails.indexOf(e, hsStart[i]) >= 0) continue;
      hsEmails.push(e);
      indexAddress(hsIdx, hubspot, e, i);
    }
  }
  hsStart[hubspot.length] = hsEmails.length;

  const hsConflicted = new Uint8Array(hubspot.length);
  const sfConflicted = new Uint8Array(salesforce.length);
  const conflicts = [...conflictsOf('hubspot', hubspot, hsIdx, hsConflicted), ...conflictsOf('salesforce', salesforce, sfIdx, sfConflicted)];

  const claimed = new Uint8Array(salesforce.length);
  const matchOf: (IdentityMatch | undefined)[] = new Array(hubspot.length);

  // 1. The integration's ids win. Only the ids HubSpot holds (and their aliases' targets) are indexed; one pass
  // over Salesforce then finds each: a few hundred thousand Map inserts fewer than indexing every Salesforce id.
  const wanted = new Map<string, number>();
  for (const c of hubspot) {
    const ids = c.integrationIds;
    if (!ids) continue;
    for (const id of [ids.salesforceContactId, ids.salesforceLeadId]) {
      if (!id) continue;
      wanted.set(id, -1);
      const to = aliases?.get(id);
      if (to !== undefined) wanted.set(to, -1);
    }
  }
  if (wanted.size > 0) {
    for (let j = 0; j < salesforce.length; j++) {
      const id = (salesforce[j] as ContactRecord).id;
      if (wanted.get(id) === -1) wanted.set(id, j);
    }
  }
  const find = (id: string | null | undefined): number => {
    if (!id) return -1;
    const direct = wanted.get(id) as number;
    if (direct >= 0) return direct;
    const to = aliases?.get(id);
    return to === undefined ? -1 : (wanted.get(to) as number);
  };
  for (let i = 0; i < hubspot.length; i++) {
    const ids = (hubspot[i] as ContactRecord).integrationIds;
    if (!ids) continue;
    let j = find(ids.salesforceContactId);
    if (j < 0) j = find(ids.salesforceLeadId);
    if (j < 0 || claimed[j] === 1) continue;
    claimed[j] = 1;
    matchOf[i] = { hubspot: ref(hubspot[i] as ContactRecord), salesforce: ref(salesforce[j] as ContactRecord), reason: 'integration-id', email: null };
  }

  // 2. The same address, on one record of each side.
  for (let i = 0; i < hubspot.length; i++) {
    if (matchOf[i] !== undefined || hsConflicted[i] === 1) continue;
    for (let k = hsStart[i] as number; k < (hsStart[i + 1] as number); k++) {
      const e = hsEmails[k] as string;
      const j = sfIdx.byEmail.get(e);
      if (j === undefined || j === CONFLICT || claimed[j] === 1 || sfConflicted[j] === 1) continue;
      claimed[j] = 1;
      matchOf[i] = { hubspot: ref(hubspot[i] as ContactRecord), salesforce: ref(salesforce[j] as ContactRecord), reason: 'email', email: e };
      break;
    }
  }

  const matches: IdentityMatch[] = [];
  for (const m of matchOf) if (m !== undefined) matches.push(m);
  return { matches, conflicts };
}
