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

function index(records: Iterable<ContactRecord>, emailsOf: (c: ContactRecord) => string[], byId?: Map<string, ContactRecord>): EmailIndex {
  const out: EmailIndex = new Map();
  for (const c of records) {
    byId?.set(c.id, c);
    for (const e of emailsOf(c)) {
      const held = out.get(e);
      if (held === undefined) out.set(e, c);
      else if (Array.isArray(held)) held.push(c);
      else if (held.id !== c.id) out.set(e, [held, c]);
    }
  }
  return out;
}

const salesforceEmails = (c: ContactRecord): string[] => {
  const e = normalizeEmail(c.email);
  return e === null ? [] : [e];
};

function ref(c: ContactRecord): RecordRef {
  return { kind: 'contact', objectType: c.objectType, id: c.id };
}

function conflictsOf(side: 'hubspot' | 'salesforce', idx: EmailIndex, inConflict: Set<string>): IdentityConflict[] {
  const out: IdentityConflict[] = [];
  for (const [email, held] of idx) {
    if (!Array.isArray(held)) continue;
    const records = held.map(ref).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
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
  const sfIdx = index(salesforce, salesforceEmails, sfById);
  const hsIdx = index(hubspot, contactEmails);
  const hsConflicted = new Set<string>();
  const sfConflicted = new Set<string>();
  const conflicts = [...conflictsOf('hubspot', hsIdx, hsConflicted), ...conflictsOf('salesforce', sfIdx, sfConflicted)];

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
  for (const h of hubspot) {
    if (byHubspot.has(h.id) || hsConflicted.has(h.id)) continue;
    for (const e of contactEmails(h)) {
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
