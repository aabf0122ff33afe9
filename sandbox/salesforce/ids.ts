/**
 * Salesforce record ids: 15-char case-sensitive ids (3-char key prefix, 2-char pod, 1 reserved,
 * 9-char base62 counter) plus the 3-char case-insensitive checksum suffix that makes them 18 chars.
 * https://help.salesforce.com/s/articleView?id=000385008 (15 vs 18 character ids)
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** Key prefixes of every object the sandbox serves. */
export const KEY_PREFIXES = {
  Account: '001',
  Contact: '003',
  Lead: '00Q',
  Opportunity: '006',
  OpportunityContactRole: '00K',
  OpportunityHistory: '008',
  Case: '500',
  Campaign: '701',
  CampaignMember: '00v',
  OpportunityStage: '01J',
  CaseStatus: '01J',
  LeadStatus: '01J',
  PermissionSet: '0PS',
  PermissionSetAssignment: '0Pa',
  FieldPermissions: '01k',
  User: '005',
  Task: '00T',
  TaskStatus: '01J',
  TaskPriority: '01J',
  ContactHistory: '017',
  LeadHistory: '017',
  Event: '00U',
  EmailMessage: '02s',
  LiveChatTranscript: '570',
  Organization: '00D',
  CustomField: '00N',
  Job: '750',
  QueryLocator: '0r8',
} as const;

/** The 3-char checksum of a 15-char id: one char per 5-char chunk, one bit per uppercase letter. */
export function idSuffix(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    out += SUFFIX_ALPHABET[bits];
  }
  return out;
}

export function to18(id15: string): string {
  return id15 + idSuffix(id15);
}

/** Salesforce accepts both the 15- and the 18-char form; this canonicalizes to 18 (null when malformed). */
export function normalizeId(raw: string): string | null {
  if (/^[a-zA-Z0-9]{15}$/.test(raw)) return to18(raw);
  if (/^[a-zA-Z0-9]{18}$/.test(raw) && idSuffix(raw.slice(0, 15)) === raw.slice(15).toUpperCase()) {
    return raw.slice(0, 15) + raw.slice(15).toUpperCase();
  }
  return null;
}

function base62(n: number, width: number): string {
  let s = '';
  let v = n;
  for (let i = 0; i < width; i++) {
    s = BASE62[v % 62] + s;
    v = Math.floor(v / 62);
  }
  return s;
}

/** Deterministic id source: ids depend only on the prefix and how many were minted before. */
export class IdFactory {
  private readonly counters = new Map<string, number>();
  next(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    // "8d" pod + "0" reserved, like real ids (`0035g00000...`); the counter is mixed so ids are not all zeros.
    return to18(`${prefix}8d0${base62(n * 7919 + 1_000_003, 9)}`);
  }
}
