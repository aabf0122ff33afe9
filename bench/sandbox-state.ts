/**
 * What the benchmark reads from a sandbox CRM's own state (never from Parcours's plan or counters):
 * the counts the independent floor needs (bench/floors.ts), and a snapshot of the fields and lists
 * Parcours owns, so the records that really needed a write are counted as those whose owned values
 * differ after a run from before it. Runs inside the sandbox's child process (bench/sandbox-child-main.ts).
 */
import type { HubspotSandbox } from '../sandbox/hubspot/index.ts';

/** A portal's data, whether it listens alone or behind the several-portals host (sandbox/hubspot/portals.ts). */
type HubspotData = Pick<HubspotSandbox, 'data'>;
import type { SalesforceSandbox } from '../sandbox/salesforce/server.ts';
import type { HubspotKind, HubspotState, HubspotTouchpointState, HubspotWrites, PerKind, SalesforceObject, SalesforceState, SalesforceWrites } from './floors.ts';

/** The owned fields per kind and the segment list / campaign name prefix (from the mapping's `writeback`). */
export interface OwnedSpec {
  contact: string[];
  deal: string[];
  ticket: string[];
  listPrefix: string;
}

export interface OwnedSnapshot {
  /** `Type:id` → owned values, '' for empty. */
  records: Map<string, string>;
  /** list or campaign id → member ids. */
  members: Map<string, Set<string>>;
}

const HS_KINDS: HubspotKind[] = ['contacts', 'deals', 'tickets'];
const zero = (): PerKind => ({ contacts: 0, deals: 0, tickets: 0 });

export function hubspotState(sb: HubspotData, since: number | null): HubspotState {
  const s: HubspotState = { live: zero(), archived: zero(), modified: zero() };
  for (const t of HS_KINDS) {
    const ids = sb.data.ids(t);
    s.live[t] = ids.length;
    s.archived[t] = sb.data.archivedIds(t).length;
    if (since !== null) s.modified[t] = ids.filter((id) => (sb.data.getRecord(t, id)?.updatedAt ?? 0) >= since).length;
  }
  return s;
}

/** Engagement and feedback objects the portal holds, and the contacts that hold a form conversion. */
export const HS_TOUCHPOINT_TYPES = ['calls', 'emails', 'meetings', 'notes', 'communications', 'postal_mail', 'feedback_submissions'] as const;

export function hubspotTouchpointState(sb: HubspotData, since: number | null = null): HubspotTouchpointState {
  const live: Record<string, number> = {};
  const modified: Record<string, number> = {};
  const archived: Record<string, number> = {};
  for (const t of HS_TOUCHPOINT_TYPES) {
    const ids = sb.data.ids(t);
    live[t] = ids.length;
    archived[t] = sb.data.archivedIds(t).length;
    if (since !== null) modified[t] = ids.filter((id) => (sb.data.getRecord(t, id)?.updatedAt ?? 0) >= since).length;
  }
  const contacts = sb.data.ids('contacts');
  const conversions = contacts.map((id) => sb.data.getRecord('contacts', id)?.properties['recent_conversion_date']).filter((v): v is string => v !== undefined);
  const convertedSince = since === null ? 0 : conversions.filter((v) => Date.parse(v) >= since).length;
  return { live, converted: conversions.length, contacts: contacts.length, modified, archived, convertedSince };
}

function ownedFieldsOf(owned: OwnedSpec, kind: 'contact' | 'deal' | 'ticket'): string[] {
  return [...owned[kind]].sort();
}

export function hubspotOwned(sb: HubspotData, owned: OwnedSpec): OwnedSnapshot {
  const records = new Map<string, string>();
  const kinds: Array<[HubspotKind, 'contact' | 'deal' | 'ticket']> = [['contacts', 'contact'], ['deals', 'deal'], ['tickets', 'ticket']];
  for (const [t, kind] of kinds) {
    const fields = ownedFieldsOf(owned, kind);
    for (const id of sb.data.ids(t)) {
      const p = sb.data.getRecord(t, id)?.properties ?? {};
      records.set(`${t}:${id}`, JSON.stringify(fields.map((f) => p[f] ?? '')));
    }
  }
  const members = new Map<string, Set<string>>();
  for (const l of sb.data.lists()) if (l.name.startsWith(owned.listPrefix)) members.set(l.listId, new Set(sb.data.listMembers(l.listId)));
  return { records, members };
}

/** Records whose owned values changed, per type, and the lists / campaigns whose membership changed. */
export function ownedChanges(before: OwnedSnapshot, after: OwnedSnapshot): { updated: Record<string, number>; added: number; removed: number; listsChanged: number } {
  const updated: Record<string, number> = {};
  for (const [key, value] of after.records) {
    const empty = JSON.stringify(JSON.parse(value).map(() => ''));
    if ((before.records.get(key) ?? empty) === value) continue;
    const type = key.slice(0, key.indexOf(':'));
    updated[type] = (updated[type] ?? 0) + 1;
  }
  let added = 0;
  let removed = 0;
  let listsChanged = 0;
  for (const id of new Set([...before.members.keys(), ...after.members.keys()])) {
    const b = before.members.get(id) ?? new Set<string>();
    const a = after.members.get(id) ?? new Set<string>();
    const plus = [...a].filter((x) => !b.has(x)).length;
    const minus = [...b].filter((x) => !a.has(x)).length;
    added += plus;
    removed += minus;
    if (plus + minus > 0) listsChanged++;
  }
  return { updated, added, removed, listsChanged };
}

export function hubspotWritesBetween(before: OwnedSnapshot, after: OwnedSnapshot): HubspotWrites & { added: number; removed: number } {
  const c = ownedChanges(before, after);
  return { updated: { contacts: c.updated['contacts'] ?? 0, deals: c.updated['deals'] ?? 0, tickets: c.updated['tickets'] ?? 0 }, listsChanged: c.listsChanged, added: c.added, removed: c.removed };
}

// ── Salesforce ────────────────────────────────────────────────────────────────────────────────────

/** SOQL dateTime literal at whole seconds, rounded down so the count never misses a row (salesforce.md §2.3). */
const soqlDateTime = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

const SF_ROWS: Array<[SalesforceObject, string]> = [
  ['Contact', 'SELECT Id FROM Contact'],
  ['Lead', 'SELECT Id FROM Lead WHERE IsConverted = false'],
  ['Opportunity', 'SELECT Id FROM Opportunity'],
  ['Case', 'SELECT Id FROM Case'],
  ['OpportunityContactRole', 'SELECT Id FROM OpportunityContactRole'],
  ['OpportunityHistory', 'SELECT Id FROM OpportunityHistory'],
];

export function salesforceState(sb: SalesforceSandbox, since: number | null, stageHistory: boolean): SalesforceState {
  const rows: SalesforceState['rows'] = {};
  const modified: SalesforceState['modified'] = {};
  for (const [object, soql] of SF_ROWS) {
    if (object === 'OpportunityHistory' && !stageHistory) continue;
    rows[object] = sb.data.query(soql).length;
    if (since !== null) {
      // Every row touched since, deleted ones included (what one queryAll per object returns).
      modified[object] = sb.data.query(`SELECT Id FROM ${object} WHERE SystemModstamp >= ${soqlDateTime(since)}`, { all: true }).length;
    }
  }
  return { rows, modified };
}

export function salesforceOwned(sb: SalesforceSandbox, owned: OwnedSpec): OwnedSnapshot {
  const records = new Map<string, string>();
  const objects: Array<[string, 'contact' | 'deal' | 'ticket']> = [['Contact', 'contact'], ['Lead', 'contact'], ['Opportunity', 'deal'], ['Case', 'ticket']];
  for (const [object, kind] of objects) {
    const fields = ownedFieldsOf(owned, kind);
    if (fields.length === 0) continue;
    for (const r of sb.data.query(`SELECT Id, ${fields.join(', ')} FROM ${object}`)) {
      records.set(`${object}:${String(r['Id'])}`, JSON.stringify(fields.map((f) => (r[f] === null || r[f] === undefined ? '' : String(r[f])))));
    }
  }
  const members = new Map<string, Set<string>>();
  for (const c of sb.data.query('SELECT Id, Name FROM Campaign')) {
    if (!String(c['Name']).startsWith(owned.listPrefix)) continue;
    const id = String(c['Id']);
    members.set(id, new Set(sb.data.campaignMembers(id).map((m) => m.ContactId ?? m.LeadId ?? m.Id)));
  }
  return { records, members };
}

/**
 * Tasks written since `since` (epoch ms, the mark): created from then on, and older ones changed since (owner
 * follow-ups, issue 14, are writes the mapping asks for like any owned field). The sandbox's clock is real time.
 */
export function salesforceTaskWrites(sb: SalesforceSandbox, since: number): { tasksCreated: number; tasksUpdated: number } {
  const at = soqlDateTime(since);
  return {
    tasksCreated: sb.data.query(`SELECT Id FROM Task WHERE CreatedDate >= ${at}`).length,
    tasksUpdated: sb.data.query(`SELECT Id FROM Task WHERE SystemModstamp >= ${at} AND CreatedDate < ${at}`).length,
  };
}

export function salesforceWritesBetween(before: OwnedSnapshot, after: OwnedSnapshot, tasks?: { tasksCreated: number; tasksUpdated: number }): SalesforceWrites & { listsChanged: number } {
  const c = ownedChanges(before, after);
  return {
    ...(tasks ?? {}),
    updated: { Contact: c.updated['Contact'] ?? 0, Lead: c.updated['Lead'] ?? 0, Opportunity: c.updated['Opportunity'] ?? 0, Case: c.updated['Case'] ?? 0 },
    membersAdded: c.added,
    membersRemoved: c.removed,
    listsChanged: c.listsChanged,
  };
}

/**
 * Rows a full touchpoint read must return, from the org's own data (touchpoint floor, bench/floors.ts):
 * every Task and Event (archived ones too: queryAll), every EmailMessage, the Contact/Lead relations of mail
 * outside Cases (a Case's mail reaches its contact through the Case), responded CampaignMembers, and the
 * optional objects where the org has them. With `since`, the rows touched from then on (changes and deletions:
 * one queryAll per object). No long-text field is needed for a touchpoint.
 */
export function salesforceTouchpointState(sb: SalesforceSandbox, since: number | null): Record<string, { rows: number }> {
  const count = (soql: string): number => sb.data.query(soql, { all: true }).filter((r) => r['IsDeleted'] !== true).length;
  const sinceClause = since === null ? '' : ` WHERE SystemModstamp >= ${soqlDateTime(since)}`;
  const out: Record<string, { rows: number }> = {};
  if (since !== null) {
    for (const o of ['Task', 'Event', 'EmailMessage', 'CampaignMember', 'SurveyQuestionResponse', 'LiveChatTranscript', 'MessagingSession']) {
      try {
        out[o] = { rows: sb.data.query(`SELECT Id FROM ${o}${sinceClause}`, { all: true }).length };
      } catch {
        // The org does not have this object.
      }
    }
    return out;
  }
  out.Task = { rows: count('SELECT Id, IsDeleted FROM Task') };
  out.Event = { rows: count('SELECT Id, IsDeleted FROM Event') };
  out.EmailMessage = { rows: count('SELECT Id, IsDeleted FROM EmailMessage') };
  const outsideCases = new Set(sb.data.query('SELECT Id FROM EmailMessage WHERE ParentId = null').map((r) => String(r['Id'])));
  out.EmailMessageRelation = { rows: sb.data.query("SELECT EmailMessageId FROM EmailMessageRelation WHERE RelationObjectType IN ('Contact', 'Lead')").filter((r) => outsideCases.has(String(r['EmailMessageId']))).length };
  out.CampaignMember = { rows: count('SELECT Id, IsDeleted FROM CampaignMember WHERE HasResponded = true') };
  for (const o of ['SurveyQuestionResponse', 'LiveChatTranscript', 'MessagingSession']) {
    try {
      out[o] = { rows: count(`SELECT Id, IsDeleted FROM ${o}`) };
    } catch {
      // Not in this org.
    }
  }
  if (out.SurveyQuestionResponse) {
    // Each answer's question and response: the questions are few (one page), the responses one per answer.
    out.SurveyQuestion = { rows: sb.data.query('SELECT Id FROM SurveyQuestion').length };
    out.SurveyResponse = { rows: sb.data.query('SELECT Id FROM SurveyResponse').length };
  }
  return out;
}
