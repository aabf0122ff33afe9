/**
 * What Salesforce does when a user converts a Lead or merges Contacts — actions the REST API used by
 * Parcours cannot perform (convertLead() is a SOAP/Apex call), offered to tests as an admin would
 * trigger them in the UI.
 *
 * convertLead(): https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_convertlead.htm
 * - creates an Account and a Contact (or merges into given ones: only their empty fields are filled),
 *   and an Opportunity unless `doNotCreateOpportunity`; standard Lead fields map to standard fields,
 *   custom fields only where an admin mapped them (none here, so Parcours's fields do not carry over);
 * - the Lead gets IsConverted, ConvertedContactId, ConvertedAccountId, ConvertedOpportunityId,
 *   ConvertedDate and a converted Status, and is read-only from then on (CANNOT_UPDATE_CONVERTED_LEAD);
 * - the Lead's campaign memberships stay, now on the Contact (CampaignMember.ContactId is filled);
 * - its open and completed activities are attached to the Contact ("Convert Leads", Salesforce Help:
 *   https://help.salesforce.com/s/articleView?id=sf.leads_convert.htm): Task/Event `WhoId`, and the mail logged
 *   to the Lead (Enhanced Email shows it as an activity; moving its EmailMessageRelation is inferred, UNCONFIRMED).
 * Merge: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_merge.htm
 * - Contacts with Contacts, Leads with Leads (records of the same type); related records move to the master;
 * - the losers go to the recycle bin with MasterRecordId set ("When a record is deleted after losing a merge
 *   operation, its MasterRecordId field is set to the ID of the winning record", Triggers and Merge Statements,
 *   https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/apex_triggers_merge_statements.htm),
 *   which `queryAll` shows ("Use queryAll() to view records that have been deleted during a merge", merge());
 * - the master is updated (its SystemModstamp moves: "a single update event for the winning record").
 */
import { ParcoursError } from '../../src/errors.ts';
import type { Org, Values } from './org.ts';
import { LEAD_STATUSES } from './schema.ts';

export interface ConvertLeadOptions {
  contactId?: string;
  accountId?: string;
  doNotCreateOpportunity?: boolean;
  convertedStatus?: string;
}

export interface ConvertLeadResult {
  contactId: string;
  accountId: string;
  opportunityId: string | null;
}

function refuse(message: string, recordId: string): never {
  throw new ParcoursError('CRM_VALIDATION', `sandbox convertLead failed: ${message}`, { crm: 'salesforce', recordId });
}

function created(r: ReturnType<Org['create']>, what: string, leadId: string): string {
  if (!r.ok) refuse(`${what}: ${r.errors.map((e) => `${e.statusCode}: ${e.message}`).join('; ')}`, leadId);
  return r.id;
}

const present = (v: unknown): boolean => v !== null && v !== undefined && v !== '';

export function convertLead(org: Org, leadId: string, opts: ConvertLeadOptions = {}): ConvertLeadResult {
  const lead = org.get(leadId);
  if (!lead || lead.type !== 'Lead' || lead.values.IsDeleted === true) refuse('INVALID_CROSS_REFERENCE_KEY: no such lead', leadId);
  const v = lead.values;
  if (v.IsConverted === true) refuse('CANNOT_UPDATE_CONVERTED_LEAD: cannot reference converted lead', leadId);
  const status = opts.convertedStatus ?? LEAD_STATUSES.find((s) => s.converted)?.name;
  if (!LEAD_STATUSES.some((s) => s.name === status && s.converted)) refuse(`INVALID_STATUS: ${String(status)} is not a converted lead status`, leadId);
  const id = String(v.Id);
  const today = new Date(org.clock()).toISOString().slice(0, 10);

  const accountId = opts.accountId ?? created(org.create('Account', { Name: v.Company, Industry: v.Industry, NumberOfEmployees: v.NumberOfEmployees, BillingCountry: v.Country }, 'admin'), 'create Account', id);
  const mapped: Values = { FirstName: v.FirstName ?? null, LastName: v.LastName ?? null, Email: v.Email ?? null, Phone: v.Phone ?? null, MailingCountry: v.Country ?? null, LeadSource: v.LeadSource ?? null };
  let contactId: string;
  if (opts.contactId) {
    const existing = org.get(opts.contactId);
    if (!existing || existing.type !== 'Contact') refuse('INVALID_CROSS_REFERENCE_KEY: no such contact', id);
    contactId = String(existing.values.Id);
    // Merging into an existing contact fills only its empty fields.
    const fill: Values = {};
    for (const [k, value] of Object.entries(mapped)) if (!present(existing.values[k]) && present(value)) fill[k] = value;
    if (Object.keys(fill).length) org.systemWrite(contactId, fill);
  } else {
    const input = Object.fromEntries(Object.entries({ ...mapped, AccountId: accountId }).filter(([, value]) => present(value)));
    contactId = created(org.create('Contact', input, 'admin'), 'create Contact', id);
  }
  let opportunityId: string | null = null;
  if (!opts.doNotCreateOpportunity) {
    opportunityId = created(org.create('Opportunity', { Name: `${String(v.Company)}-`, AccountId: accountId, StageName: 'Prospecting', CloseDate: today }, 'admin'), 'create Opportunity', id);
    created(org.create('OpportunityContactRole', { OpportunityId: opportunityId, ContactId: contactId, IsPrimary: true }, 'admin'), 'create OpportunityContactRole', id);
  }
  org.systemWrite(id, { IsConverted: true, ConvertedContactId: contactId, ConvertedAccountId: accountId, ConvertedOpportunityId: opportunityId, ConvertedDate: today, Status: status as string });
  moveActivities(org, id, contactId);
  for (const m of org.list('CampaignMember')) {
    if (m.values.LeadId !== id) continue;
    const already = org.list('CampaignMember').some((o) => o.values.CampaignId === m.values.CampaignId && o.values.ContactId === contactId);
    if (!already) org.systemWrite(String(m.values.Id), { ContactId: contactId });
  }
  return { contactId, accountId, opportunityId };
}

/** Merges `loserId` into `masterId` (two Contacts or two Leads): cases, contact roles, campaign memberships and activities move; the loser is deleted. */
export function mergeContacts(org: Org, masterId: string, loserId: string): void {
  const master = org.get(masterId);
  const loser = org.get(loserId);
  const type = master?.type;
  if (!master || !loser || (type !== 'Contact' && type !== 'Lead') || loser.type !== type || master.values.IsDeleted === true || loser.values.IsDeleted === true) {
    throw new ParcoursError('CRM_VALIDATION', 'sandbox merge failed: both records must be live Contacts, or both live Leads', { crm: 'salesforce', recordId: loserId });
  }
  if (type === 'Lead' && (master.values.IsConverted === true || loser.values.IsConverted === true)) {
    throw new ParcoursError('CRM_VALIDATION', 'sandbox merge failed: CANNOT_UPDATE_CONVERTED_LEAD: a converted lead cannot be merged', { crm: 'salesforce', recordId: loserId });
  }
  const m = String(master.values.Id);
  const l = String(loser.values.Id);
  const person = type === 'Contact' ? 'ContactId' : 'LeadId';
  if (type === 'Contact') {
    for (const c of org.list('Case')) if (c.values.ContactId === l) org.systemWrite(String(c.values.Id), { ContactId: m });
    for (const r of org.list('OpportunityContactRole')) if (r.values.ContactId === l) org.systemWrite(String(r.values.Id), { ContactId: m });
  }
  for (const cm of org.list('CampaignMember')) {
    if (cm.values[person] !== l) continue;
    const dup = org.list('CampaignMember').some((o) => o.values.CampaignId === cm.values.CampaignId && o.values[person] === m);
    if (dup) org.remove(String(cm.values.Id));
    else org.systemWrite(String(cm.values.Id), { [person]: m });
  }
  moveActivities(org, l, m, type);
  org.systemWrite(l, { MasterRecordId: m });
  org.remove(l);
  org.systemWrite(m, {});
}

/** Activities of one person (Task/Event `WhoId`, mail relations) move to another, as conversion and merge do. */
function moveActivities(org: Org, from: string, to: string, toType: 'Contact' | 'Lead' = 'Contact'): void {
  for (const type of ['Task', 'Event']) for (const a of org.list(type, true)) if (a.values.WhoId === from) org.systemWrite(String(a.values.Id), { WhoId: to });
  for (const r of org.list('EmailMessageRelation')) if (r.values.RelationId === from) org.systemWrite(String(r.values.Id), { RelationId: to, RelationObjectType: toType });
}
