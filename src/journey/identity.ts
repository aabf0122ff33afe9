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

/** Address → the one record holding it, or every record holding it (several: a conflict). */
type EmailIndex = Map<string, ContactRecord | ContactRecord[]>;

/** Indexes each record's addresses; `shared` collects the addresses found on several records (the conflicts), once each. */
function index(records: readonly ContactRecord[], emails: readonly (readonly string[])[], shared: string[]): EmailIndex {
  const out: EmailIndex = new Map();
  for (let i = 0; i < records.length; i++) {
    const c = records[i] as ContactRecord;
    for (const e of emails[i] as readonly string[]) {
      const held = out.get(e);
      if (held === undefined) out.set(e, c);
      else if (Array.isArray(held)) held.push(c);
      else if (held.id !== c.id) {
        out.set(e, [held, c]);
        shared.push(e);
      }
    }
  }
  return out;
}

const NONE: readonly string[] = [];

function salesforceEmails(c: ContactRecord): readonly string[] {
  const e = normalizeEmail(c.email);
  return e === null ? NONE : [e];
}

function ref(c: ContactRecord): RecordRef {
  return { kind: 'contact', objectType: c.objectType, id: c.id };
}

function byId(a: RecordRef, b: RecordRef): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function conflictsOf(side: 'hubspot' | 'salesforce', idx: EmailIndex, shared: readonly string[], inConflict: Set<string>): IdentityConflict[] {
  const out: IdentityConflict[] = [];
  for (const email of shared) {
    const records = (idx.get(email) as ContactRecord[]).map(ref).sort(byId);
    for (const r of records) inConflict.add(r.id);
    out.push({ side, email, records });
  }
  return out.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
}

/**
 * Pairs HubSpot contacts with Salesforce Contacts / unconverted Leads. Each record is in at most one match.
 * Matches come in the order of `hubspot`; conflicts HubSpot's first, each side by address.
 */
export function matchIdentities(hubspot: readonly ContactRecord[], salesforce: readonly ContactRecord[], options: MatchOptions = {}): Identity {
  const aliases = options.aliases;
  const sfById = new Map<string, ContactRecord>();
  for (const c of salesforce) sfById.set(c.id, c);
  // Each record's addresses, normalized once.
  const hsEmails = hubspot.map(contactEmails);
  const sfShared: string[] = [];
  const hsShared: string[] = [];
  const sfIdx = index(salesforce, salesforce.map(salesforceEmails), sfShared);
  const hsIdx = index(hubspot, hsEmails, hsShared);
  const hsConflicted = new Set<string>();
  const sfConflicted = new Set<string>();
  const conflicts = [...conflictsOf('hubspot', hsIdx, hsShared, hsConflicted), ...conflictsOf('salesforce', sfIdx, sfShared, sfConflicted)];

  const claimed = new Set<string>();
  const byHubspot = new Map<string, IdentityMatch>();
  const find = (id: string | null): ContactRecord | undefined => {
    if (!id) return undefined;
    const direct = sfById.get(id);
    if (direct) return direct;
    const to = aliases?.get(id);
    return to === undefined ? undefined : sfById.get(to);
  };

  // 1. The integration's ids win.
  for (const h of hubspot) {
    const ids = h.integrationIds;
    if (!ids) continue;
    const sf = find(ids.salesforceContactId) ?? find(ids.salesforceLeadId);
    if (!sf || claimed.has(sf.id)) continue;
    claimed.add(sf.id);
    byHubspot.set(h.id, { hubspot: ref(h), salesforce: ref(sf), reason: 'integration-id', email: null });
  }

  // 2. The same address, on one record of each side.
  for (let i = 0; i < hubspot.length; i++) {
    const h = hubspot[i] as ContactRecord;
    if (byHubspot.has(h.id) || hsConflicted.has(h.id)) continue;
    for (const e of hsEmails[i] as readonly string[]) {
      const held = sfIdx.get(e);
      if (held === undefined || Array.isArray(held) || claimed.has(held.id) || sfConflicted.has(held.id)) continue;
      claimed.add(held.id);
      byHubspot.set(h.id, { hubspot: ref(h), salesforce: ref(held), reason: 'email', email: e });
      break;
    }
  }

  const matches: IdentityMatch[] = [];
  for (const h of hubspot) {
    const m = byHubspot.get(h.id);
    if (m) matches.push(m);
  }
  return { matches, conflicts };
}
