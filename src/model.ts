/**
 * The canonical model every connector fills and the journey engine reads.
 *
 * Connectors translate CRM records into these shapes: a small normalized vocabulary
 * (so most mapping rules are CRM-agnostic) plus the raw CRM fields they pulled (so rules
 * can still reach anything the CRM has, as `contact.raw.<field>`).
 *
 * Times are epoch milliseconds (UTC) or null: the engine compares numbers, it never parses dates.
 */

export const CRMS = ['hubspot', 'salesforce'] as const;
export type CrmName = (typeof CRMS)[number];

export const OBJECT_KINDS = ['contact', 'deal', 'ticket'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export type RawFields = Record<string, string | number | boolean | null>;

interface RecordBase {
  /** The CRM's record id (HubSpot object id, Salesforce 18-char Id). */
  id: string;
  /** The CRM's own object name: HubSpot `contacts`/`deals`/`tickets`; Salesforce `Contact`, `Lead`, `Opportunity`, `Case`. */
  objectType: string;
  /** Raw CRM field values as pulled (only the fields the compiled mapping asked for). */
  raw: RawFields;
  /** The CRM's last-modified time of the record. */
  updatedAt: number | null;
  /**
   * The record's owner (HubSpot `hubspot_owner_id`, Salesforce `OwnerId`): who gets follow-up tasks.
   * Absent when the connector did not pull it.
   */
  ownerId?: string | null;
  /** Linked customers only (issue 16): the CRM that holds the record, so writes go to that side. Never set by a connector. */
  crm?: CrmName;
}

export interface ContactRecord extends RecordBase {
  kind: 'contact';
  email: string | null;
  name: string | null;
  createdAt: number | null;
  /** HubSpot `lifecyclestage`; for Salesforce Leads the lead `Status`, for Contacts null unless mapped. */
  lifecycle: string | null;
  /** Original source / lead source / channel of acquisition. */
  source: string | null;
  country: string | null;
  industry: string | null;
  employees: number | null;
  /** Latest NPS rating, 0..10. */
  npsScore: number | null;
  /** Latest CSAT, 1..5. */
  csat: number | null;
  /**
   * When the contact entered each lifecycle value it reached (HubSpot `hs_lifecyclestage_<value>_date`).
   * Evidence for stage-entry times and the backfilled ledger; absent when not pulled or not in the CRM.
   */
  lifecycleDates?: Record<string, number>;
  /**
   * Other addresses of the contact (HubSpot `hs_additional_emails`, `;`-separated), as the CRM holds them.
   * Identity (issue 16) matches on them too; absent when not pulled.
   */
  additionalEmails?: string[];
  /**
   * The Salesforce ids HubSpot's Salesforce integration keeps on a HubSpot contact (`salesforcecontactid`,
   * `salesforceleadid`); absent when the portal has no such properties (no integration) or they were not pulled.
   */
  integrationIds?: { salesforceContactId: string | null; salesforceLeadId: string | null };
  /**
   * Linked customers only (issue 16): each side's own contact record, so a linked mapping reaches
   * `contact.hubspot.raw.x` / `contact.salesforce.raw.y`. Never set by a connector.
   */
  sides?: Partial<Record<CrmName, ContactRecord>>;
}

export interface DealRecord extends RecordBase {
  kind: 'deal';
  name: string | null;
  amount: number | null;
  pipeline: string | null;
  /** Stage id (HubSpot `dealstage` internal value; Salesforce `StageName`). */
  stage: string | null;
  isClosed: boolean;
  isWon: boolean;
  createdAt: number | null;
  stageEnteredAt: number | null;
  closedAt: number | null;
  /** Every stage the deal is known to have reached (HubSpot `hs_date_entered_*`, Salesforce OpportunityHistory). */
  stagesReached: string[];
  /**
   * Stage entries with their times, oldest first (HubSpot `hs_date_entered_<stage>`, Salesforce
   * OpportunityHistory). Evidence for stage-entry times and the backfilled ledger; absent when not pulled.
   */
  stageHistory?: StageEntryEvidence[];
  /** Contacts this deal is associated with. */
  contactIds: string[];
}

export interface TicketRecord extends RecordBase {
  kind: 'ticket';
  subject: string | null;
  status: string | null;
  isOpen: boolean;
  priority: string | null;
  /** Channel the customer used (HubSpot `source_type`; Salesforce `Origin`). */
  channel: string | null;
  createdAt: number | null;
  closedAt: number | null;
  firstResponseAt: number | null;
  contactIds: string[];
}

export interface StageEntryEvidence {
  stage: string;
  at: number;
}

/**
 * Touchpoints: every moment the customer meets the company (issue 13). A small normalized
 * vocabulary plus the CRM's own value, so rules stay CRM-agnostic and nothing is lost.
 */
export const TOUCHPOINT_CHANNELS = [
  'email', 'phone', 'meeting', 'chat', 'sms', 'whatsapp', 'social', 'form', 'web', 'in_person', 'postal', 'survey',
  /** Notes and other records no customer saw: kept, never counted as a customer-facing touchpoint. */
  'internal',
  'other',
] as const;
export type TouchpointChannel = (typeof TOUCHPOINT_CHANNELS)[number];

export const TOUCHPOINT_DIRECTIONS = ['inbound', 'outbound'] as const;
export type TouchpointDirection = (typeof TOUCHPOINT_DIRECTIONS)[number];

/** Normalized outcomes; the CRM's own value stays in `rawOutcome`. */
export const TOUCHPOINT_OUTCOMES = [
  // calls
  'connected', 'no_answer', 'busy', 'voicemail', 'wrong_number', 'failed',
  // meetings
  'scheduled', 'completed', 'no_show', 'rescheduled', 'canceled',
  // messages
  'sent', 'delivered', 'opened', 'clicked', 'replied', 'bounced',
  // campaign members, forms
  'responded',
  'other',
] as const;
export type TouchpointOutcome = (typeof TOUCHPOINT_OUTCOMES)[number];

export const SURVEY_TYPES = ['nps', 'csat', 'ces', 'other'] as const;
export type SurveyType = (typeof SURVEY_TYPES)[number];

export interface SurveyAnswer {
  type: SurveyType;
  /** The answer on its survey's own scale (HubSpot CSAT 0–2, NPS 0–10, CES 1–7, a 1–5 CSAT…). */
  score: number | null;
  scale: { min: number; max: number };
  /**
   * The CRM's own band where it has one (HubSpot `hs_response_group`: PROMOTER → positive,
   * PASSIVE → neutral, DETRACTOR → negative); else derived from the score on the survey's scale.
   */
  sentiment: 'positive' | 'neutral' | 'negative' | null;
}

export interface TouchpointRecord extends RecordBase {
  kind: 'touchpoint';
  channel: TouchpointChannel;
  /** The CRM's own channel value (`CALL`, `WHATS_APP`, Task `TaskSubtype` `Call`, `EmailMessage`…). */
  rawChannel: string | null;
  direction: TouchpointDirection | null;
  /** When it happened (HubSpot `hs_timestamp`, Salesforce `ActivityDate`/`StartDateTime`/`MessageDate`…). */
  at: number | null;
  outcome: TouchpointOutcome | null;
  rawOutcome: string | null;
  /** Customers it belongs to (contacts / leads). */
  contactIds: string[];
  dealIds: string[];
  ticketIds: string[];
  /** Set for survey answers only. */
  survey: SurveyAnswer | null;
}

export type CrmRecord = ContactRecord | DealRecord | TicketRecord;
/** Everything a connector can pull: the kinds Parcours writes back, plus touchpoints (read only). */
export type PulledRecord = CrmRecord | TouchpointRecord;

/** Kinds a connector pulls. Touchpoints are read, never written back. */
export const PULLED_KINDS = ['contact', 'deal', 'ticket', 'touchpoint'] as const;
export type PulledKind = (typeof PULLED_KINDS)[number];

/** One customer as the engine sees it: a contact with its deals, tickets and touchpoints. */
export interface Customer {
  contact: ContactRecord;
  deals: DealRecord[];
  tickets: TicketRecord[];
  /** Oldest first (by `at`). Absent when touchpoints were not pulled. */
  touchpoints?: TouchpointRecord[];
}

/** A reference to one CRM record. */
export interface RecordRef {
  kind: ObjectKind;
  objectType: string;
  id: string;
  /** Set on linked customers' records (issue 16): the CRM that holds it. */
  crm?: CrmName;
}

/**
 * Linked installations (issue 16): one HubSpot and one Salesforce installation read as one set of
 * customers. Identity, in order: the Salesforce ids HubSpot's integration keeps on the contact, then the
 * same e-mail (trimmed, case-insensitive); nothing else.
 */
export const IDENTITY_REASONS = ['integration-id', 'email'] as const;
export type IdentityReason = (typeof IDENTITY_REASONS)[number];

/** One HubSpot contact and the Salesforce Contact or Lead it is, and why. */
export interface IdentityMatch {
  /** HubSpot contact (`objectType` `contacts`). */
  hubspot: RecordRef;
  /** Salesforce Contact or unconverted Lead (`objectType` `Contact` / `Lead`). */
  salesforce: RecordRef;
  reason: IdentityReason;
  /** The shared address (normalized: trimmed, lower case) when `reason` is `email`; else null. */
  email: string | null;
}

/** One e-mail on several contact records of one side: never merged by guess; each record is evaluated on its side. */
export interface IdentityConflict {
  side: CrmName;
  /** Normalized (trimmed, lower case). */
  email: string;
  /** The records holding it (two or more), sorted by id. */
  records: RecordRef[];
}

/**
 * One customer of a linked installation. `hubspot` / `salesforce`: that side's customer (contact with its
 * deals, tickets, touchpoints) as its own mirror holds it, null when the person is not on that side (or is
 * in a conflict there and evaluated per side). Linked (`match` set): both sides. The engine evaluates the
 * merged view (`src/journey/linked.ts`), whose records carry `crm` so each write goes to the side holding it.
 */
export interface LinkedCustomer {
  /** Stable key: `hubspot:<contact id>` when the HubSpot side is present, else `salesforce:<id>`. */
  key: string;
  hubspot: Customer | null;
  salesforce: Customer | null;
  match: IdentityMatch | null;
  /** Set when this record's e-mail is on several records of its side (the customer is then one-sided). */
  conflict: IdentityConflict | null;
}

/** What the engine concluded for one customer. */
export interface JourneyState {
  contactId: string;
  journeyId: string;
  stage: { id: string; label: string; reason: string; since: number | null };
  segments: Array<{ id: string; reason: string }>;
  /** Flags, each attached to a record (contact, deal or ticket). */
  friction: Array<{ id: string; severity: Severity; on: RecordRef; reason: string }>;
  /**
   * The evaluation gives this same state at any time before this instant (Infinity: until the records
   * change); the earliest turn of a time test it evaluated (src/journey/predicates.ts `Clock`). Absent on a
   * state not evaluated by the engine (a linked customer's merged state).
   */
  validUntil?: number;
}

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The owned values Parcours wants on one record, by canonical field name. */
export interface OwnedValues {
  stage?: string;
  stageEnteredAt?: number | null;
  stageReason?: string;
  friction: string[];
  frictionReason: string;
  segments?: string[];
}

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
