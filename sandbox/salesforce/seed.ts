/**
 * Maps demo personas (sandbox/demo-data.ts) onto Salesforce's own model: Accounts, Contacts (customers
 * and people with deals), Leads (early personas without a deal), Opportunities on the standard stage
 * ladder with OpportunityHistory, contact roles, Cases, and one Campaign — plus the org's setup
 * (API user, its profile permission set, picklist master rows).
 */
import { DEMO_OWNERS, generatePersonas, type Persona, type PersonaDeal, type PersonaTicket } from '../demo-data.ts';
import { DAY_MS } from '../../src/model.ts';
import { sfDate } from './format.ts';
import type { Org } from './org.ts';
import { CASE_STATUSES, LEAD_STATUSES, OPPORTUNITY_STAGES, SURVEY_FIELDS, TASK_PRIORITIES, TASK_STATUSES } from './schema.ts';
import type { TouchpointObjectOptions } from './schema-touchpoints.ts';
import { linkedPlan, otherCase, salesforceSide } from '../linked-population.ts';
import { seedSurveyQuestions, seedTouchpoints, type SeededPerson, type TouchpointSeedContext } from './seed-touchpoints.ts';

/** Stage names per neutral deal step; steps 1-3 have two standard stages each, picked per deal. */
const STEP_STAGES: ReadonlyArray<readonly string[]> = [
  ['Prospecting'],
  ['Qualification', 'Needs Analysis'],
  ['Value Proposition', 'Id. Decision Makers'],
  ['Perception Analysis', 'Proposal/Price Quote'],
  ['Negotiation/Review'],
];

const INDUSTRY: Record<string, string> = {
  COMPUTER_SOFTWARE: 'Technology', RETAIL: 'Retail', HOSPITAL_HEALTH_CARE: 'Healthcare', FINANCIAL_SERVICES: 'Finance',
  LOGISTICS_AND_SUPPLY_CHAIN: 'Transportation', FOOD_BEVERAGES: 'Food & Beverage', MARKETING_AND_ADVERTISING: 'Media',
  CONSTRUCTION: 'Construction', EDUCATION_MANAGEMENT: 'Education', AUTOMOTIVE: 'Manufacturing',
};
const LEAD_SOURCE: Record<string, string> = {
  ORGANIC_SEARCH: 'Web', PAID_SEARCH: 'Advertisement', EMAIL_MARKETING: 'Email', SOCIAL_MEDIA: 'Social Media',
  REFERRALS: 'Partner Referral', DIRECT_TRAFFIC: 'Web', OFFLINE: 'Trade Show', PAID_SOCIAL: 'Advertisement',
};
const ORIGIN: Record<string, string> = { EMAIL: 'Email', CHAT: 'Web', PHONE: 'Phone', FORM: 'Web', WEB: 'Web' };
const PRIORITY: Record<string, string> = { LOW: 'Low', MEDIUM: 'Medium', HIGH: 'High' };
const ROLES = ['Decision Maker', 'Economic Buyer', 'Business User', 'Evaluator', 'Technical Buyer'];

export interface SeedOptions {
  seed: number;
  contacts: number;
  now: number;
  username: string;
  /** Seed interactions (Task, Event, EmailMessage…); the optional objects only where the org has them. */
  touchpoints?: { features: TouchpointObjectOptions } | false;
  /**
   * Seed the Salesforce side of a linked pair (sandbox/linked-population.ts): personas only in HubSpot are left
   * out, those in both keep their sales and service side here, and duplicates get a second Lead.
   */
  linked?: boolean;
}

/** The Contact or Lead each seeded persona became (its index → record), for the linked HubSpot sandbox. */
export type PersonRecords = Map<number, { objectType: 'Contact' | 'Lead'; id: string; accountId: string | null }>;

export interface OrgSetupOptions {
  now: number;
  username: string;
  /** The integration user's profile grants "Edit Tasks" (default true). */
  editTasks?: boolean;
  /** Objects whose field history is off (default: Contact and Lead history on). */
  historyDisabled?: string[];
  /** Standard fields an object already tracks (e.g. 20 on Contact: the limit leaves no room). */
  trackedStandardFields?: Record<string, string[]>;
}

/** Sales reps: one active User per demo owner, plus a rep who left (inactive) and still owns some records. */
export function seedUsers(org: Org, now: number): { active: string[]; former: string } {
  const created = now - 800 * DAY_MS;
  const active = DEMO_OWNERS.map((o) => org.insertRaw('User', { Username: o.email, FirstName: o.firstName, LastName: o.lastName, Name: `${o.firstName} ${o.lastName}`, Email: o.email, IsActive: true, CreatedDate: created }));
  const former = org.insertRaw('User', { Username: 'former.rep@parcours-demo.example', FirstName: 'Former', LastName: 'Rep', Name: 'Former Rep', Email: 'former.rep@parcours-demo.example', IsActive: false, CreatedDate: created });
  return { active, former };
}

/** Org setup every sandbox has, whatever the data: API user, profile permissions, picklist masters. */
export function seedOrgSetup(org: Org, opts: OrgSetupOptions): void {
  const created = opts.now - 900 * DAY_MS;
  org.apiUserId = org.insertRaw('User', { Username: opts.username, FirstName: 'Integration', LastName: 'User', Name: 'Integration User', Email: opts.username, IsActive: true, CreatedDate: created });
  // The profile's own permission set grants the org's existing custom fields (salesforce.md §5.3).
  const profileSet = org.insertRaw('PermissionSet', { Name: 'X00e8d000001IntegrationProfile', Label: 'Integration Profile', IsOwnedByProfile: true, PermissionsEditTask: opts.editTasks ?? true, CreatedDate: created });
  org.insertRaw('PermissionSetAssignment', { AssigneeId: org.apiUserId, PermissionSetId: profileSet, CreatedDate: created });
  for (const [obj, field] of SURVEY_FIELDS) {
    if (!org.schema.get(obj)?.fields.has(field)) continue;
    org.insertRaw('FieldPermissions', { ParentId: profileSet, SobjectType: obj, Field: `${obj}.${field}`, PermissionsRead: true, PermissionsEdit: true, CreatedDate: created });
  }
  OPPORTUNITY_STAGES.forEach((s, i) => {
    org.insertRaw('OpportunityStage', { MasterLabel: s.name, ApiName: s.name, IsActive: true, IsClosed: s.closed, IsWon: s.won, DefaultProbability: s.probability, ForecastCategoryName: s.forecast, SortOrder: i + 1, CreatedDate: created });
  });
  CASE_STATUSES.forEach((s, i) => org.insertRaw('CaseStatus', { MasterLabel: s.name, ApiName: s.name, IsClosed: s.closed, IsDefault: s.isDefault, SortOrder: i + 1, CreatedDate: created }));
  LEAD_STATUSES.forEach((s, i) => org.insertRaw('LeadStatus', { MasterLabel: s.name, ApiName: s.name, IsConverted: s.converted, IsDefault: s.isDefault, SortOrder: i + 1, CreatedDate: created }));
  TASK_STATUSES.forEach((s, i) => org.insertRaw('TaskStatus', { MasterLabel: s.name, ApiName: s.name, IsClosed: s.closed, IsDefault: s.isDefault, SortOrder: i + 1, CreatedDate: created }));
  TASK_PRIORITIES.forEach((p, i) => org.insertRaw('TaskPriority', { MasterLabel: p.name, ApiName: p.name, IsDefault: p.isDefault, IsHighPriority: p.high, SortOrder: i + 1, CreatedDate: created }));
  for (const object of ['Contact', 'Lead']) if (!(opts.historyDisabled ?? []).includes(object)) org.historyEnabled.add(object);
  for (const [object, fields] of Object.entries(opts.trackedStandardFields ?? {})) org.trackedStandard.set(object, new Set(fields));
}

/** Whether the org carries a field (the survey fields exist only in orgs seeded with them). */
function has(org: Org, object: string, field: string): boolean {
  return org.schema.get(object)?.fields.has(field) ?? false;
}

/** Persons without a deal who are still early in the funnel stay Leads; everyone else is a Contact. */
function isLead(p: Persona): boolean {
  return p.deals.length === 0 && p.tickets.length === 0 && (p.lifecycle === null || ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'other'].includes(p.lifecycle));
}

export function seedPersonas(org: Org, opts: SeedOptions): PersonRecords {
  const records: PersonRecords = new Map();
  const accounts = new Map<string, string>();
  // Every record has an owner in Salesforce; a persona without one is still owned by the rep who left.
  const users = seedUsers(org, opts.now);
  const ownerOf = (index: number | null): string => (index === null ? users.former : (users.active[index] ?? users.former));
  const campaign = org.insertRaw('Campaign', { Name: 'Spring Webinar 2026', IsActive: true, Type: 'Webinar', Status: 'Completed', CreatedDate: opts.now - 60 * DAY_MS });
  const tp: TouchpointSeedContext | null = opts.touchpoints === false ? null : {
    seed: opts.seed, now: opts.now, features: opts.touchpoints?.features ?? {},
    questions: opts.touchpoints?.features.surveys ? seedSurveyQuestions(org, opts.now) : null,
  };
  const touch = (person: SeededPerson): void => {
    if (tp) seedTouchpoints(org, person, tp);
  };
  // A webinar response is dated a few days after the invitation went out.
  const responded = sfDate(opts.now - 52 * DAY_MS);
  for (const persona of generatePersonas({ seed: opts.seed, count: opts.contacts, now: opts.now })) {
    const plan = opts.linked ? linkedPlan(opts.seed, persona) : null;
    if (plan?.role === 'hubspot_only') continue;
    const p = plan ? salesforceSide(persona, plan) : persona;
    // Salesforce keeps the letter case a rep typed; HubSpot's matching must not care.
    const email = plan?.salesforceEmailCase && p.email ? otherCase(p.email) : p.email;
    const source = p.source ? (LEAD_SOURCE[p.source] ?? 'Other') : null;
    if (plan?.salesforceDuplicate && p.email) {
      // A rep entered the person again as a Lead (from a trade-show list): one e-mail on two Salesforce records.
      org.insertRaw('Lead', {
        FirstName: p.firstName, LastName: p.lastName, Name: `${p.firstName} ${p.lastName}`, Email: p.email, Company: p.company?.name ?? `${p.lastName} (individual)`,
        Status: 'Open - Not Contacted', LeadSource: 'Trade Show', CreatedDate: Math.min(opts.now, p.createdAt + 30 * DAY_MS), OwnerId: ownerOf(p.owner),
      });
    }
    const industry = p.company?.industry ? (INDUSTRY[p.company.industry] ?? 'Other') : null;
    if (isLead(p)) {
      const working = p.lifecycle === 'marketingqualifiedlead' || p.lifecycle === 'salesqualifiedlead';
      const leadId = org.insertRaw('Lead', {
        FirstName: p.firstName, LastName: p.lastName, Name: `${p.firstName} ${p.lastName}`, Email: email, Phone: p.phone,
        Company: p.company?.name ?? `${p.lastName} (individual)`, Country: p.country, Industry: industry,
        Status: working ? 'Working - Contacted' : 'Open - Not Contacted', LeadSource: source, CreatedDate: p.createdAt, OwnerId: ownerOf(p.owner),
      });
      if (p.index % 5 === 0) org.insertRaw('CampaignMember', { CampaignId: campaign, LeadId: leadId, Status: p.index % 15 === 0 ? 'Responded' : 'Sent', HasResponded: p.index % 15 === 0, FirstRespondedDate: p.index % 15 === 0 ? responded : null, CreatedDate: opts.now - 55 * DAY_MS, LastModifiedDate: opts.now - (p.index % 15 === 0 ? 52 : 55) * DAY_MS });
      touch({ persona: p, personId: leadId, isLead: true, ownerId: ownerOf(p.owner), deals: [], cases: [] });
      records.set(p.index, { objectType: 'Lead', id: leadId, accountId: null });
      continue;
    }
    let accountId: string | null = null;
    if (p.company) {
      accountId = accounts.get(p.company.name) ?? null;
      if (!accountId) {
        accountId = org.insertRaw('Account', { Name: p.company.name, Industry: industry, NumberOfEmployees: p.company.employees, BillingCountry: p.company.country, CreatedDate: p.createdAt });
        accounts.set(p.company.name, accountId);
      }
    }
    const contactId = org.insertRaw('Contact', {
      FirstName: p.firstName, LastName: p.lastName, Name: `${p.firstName} ${p.lastName}`, Email: email, Phone: p.phone,
      AccountId: accountId, MailingCountry: p.country, LeadSource: source, CreatedDate: p.createdAt, OwnerId: ownerOf(p.owner),
      ...(has(org, 'Contact', 'CSAT__c') ? { NPS_Score__c: p.nps, CSAT__c: p.csat } : {}),
    });
    if (p.index % 5 === 0) org.insertRaw('CampaignMember', { CampaignId: campaign, ContactId: contactId, Status: p.index % 10 === 0 ? 'Responded' : 'Sent', HasResponded: p.index % 10 === 0, FirstRespondedDate: p.index % 10 === 0 ? responded : null, CreatedDate: opts.now - 55 * DAY_MS, LastModifiedDate: opts.now - (p.index % 10 === 0 ? 52 : 55) * DAY_MS });
    const deals = p.deals.map((d, i) => ({ id: seedDeal(org, d, p.index + i, accountId, contactId, ownerOf(d.owner)), deal: d }));
    const cases = p.tickets.map((t) => ({ id: seedCase(org, t, contactId, accountId, opts.now, ownerOf(t.owner)), ticket: t }));
    touch({ persona: p, personId: contactId, isLead: false, ownerId: ownerOf(p.owner), deals, cases });
    records.set(p.index, { objectType: 'Contact', id: contactId, accountId });
  }
  return records;
}

function seedDeal(org: Org, d: PersonaDeal, salt: number, accountId: string | null, contactId: string, ownerId: string): string {
  const stageAt = (step: number): string => {
    const options = STEP_STAGES[Math.max(0, Math.min(step, STEP_STAGES.length - 1))]!;
    return options[salt % options.length]!;
  };
  // Stages reached in order, each entered at an even share of the time before the current stage.
  const path: string[] = [];
  for (let s = 0; s <= d.maxStep; s++) path.push(stageAt(s));
  if (d.outcome !== 'open') path.push(d.outcome === 'won' ? 'Closed Won' : 'Closed Lost');
  const stage = path[path.length - 1]!;
  const meta = OPPORTUNITY_STAGES.find((s) => s.name === stage)!;
  const closeDate = sfDate(d.closedAt ?? d.stageEnteredAt + 30 * DAY_MS);
  const oppId = org.insertRaw('Opportunity', {
    Name: d.name, AccountId: accountId, StageName: stage, Amount: d.amount, Probability: meta.probability, CloseDate: closeDate,
    IsClosed: meta.closed, IsWon: meta.won, ForecastCategoryName: meta.forecast, LastStageChangeDate: d.stageEnteredAt,
    CreatedDate: d.createdAt, LastModifiedDate: d.stageEnteredAt, OwnerId: ownerId,
  });
  const span = Math.max(0, d.stageEnteredAt - d.createdAt);
  path.forEach((name, i) => {
    const at = i === path.length - 1 ? d.stageEnteredAt : d.createdAt + Math.floor((span * i) / Math.max(1, path.length - 1));
    const m = OPPORTUNITY_STAGES.find((s) => s.name === name)!;
    org.insertRaw('OpportunityHistory', { OpportunityId: oppId, StageName: name, Amount: d.amount, CloseDate: closeDate, Probability: m.probability, CreatedDate: at });
  });
  org.insertRaw('OpportunityContactRole', { OpportunityId: oppId, ContactId: contactId, IsPrimary: true, Role: ROLES[salt % ROLES.length]!, CreatedDate: d.createdAt });
  return oppId;
}

function seedCase(org: Org, t: PersonaTicket, contactId: string, accountId: string | null, now: number, ownerId: string): string {
  const status = t.closedAt !== null ? 'Closed' : t.priority === 'HIGH' && now - t.createdAt > 3 * DAY_MS ? 'Escalated' : t.firstResponseAt !== null ? 'Working' : 'New';
  return org.insertRaw('Case', {
    ContactId: contactId, AccountId: accountId, Status: status, IsClosed: status === 'Closed', IsEscalated: status === 'Escalated',
    Origin: ORIGIN[t.channel] ?? 'Web', Priority: PRIORITY[t.priority] ?? 'Medium', Subject: t.subject,
    // Case.Description is a 32,000-char long text area; longer pasted threads get cut on entry.
    Description: t.description.slice(0, 32000), CreatedDate: t.createdAt, ClosedDate: t.closedAt,
    ...(has(org, 'Case', 'First_Response_At__c') ? { First_Response_At__c: t.firstResponseAt } : {}),
    LastModifiedDate: Math.max(t.createdAt, t.closedAt ?? 0, t.firstResponseAt ?? 0), OwnerId: ownerId,
  });
}
