/**
 * The portal's built-in schema: object types, property definitions, property groups and pipelines.
 * Names and internal values follow /work/shared/crm-facts/hubspot.md §3, §6, §8.
 */
import { validationError } from './http-error.ts';

/**
 * Engagement (activity) objects and feedback submissions: the touchpoints of issue 13. Type ids and
 * paths: touchpoints.md §1.1 (https://developers.hubspot.com/docs/api-reference/legacy/crm/understanding-the-crm).
 */
export const ENGAGEMENT_TYPES = ['calls', 'emails', 'meetings', 'notes', 'communications', 'postal_mail', 'feedback_submissions'] as const;
export type EngagementType = (typeof ENGAGEMENT_TYPES)[number];

export const OBJECT_TYPES = ['contacts', 'companies', 'deals', 'tickets', 'tasks', ...ENGAGEMENT_TYPES] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

/** Object type ids: https://developers.hubspot.com/docs/api-reference/latest/crm/using-object-apis */
export const OBJECT_TYPE_IDS: Record<ObjectType, string> = {
  contacts: '0-1',
  companies: '0-2',
  deals: '0-3',
  tickets: '0-5',
  tasks: '0-27',
  calls: '0-48',
  emails: '0-49',
  meetings: '0-47',
  notes: '0-46',
  communications: '0-18',
  postal_mail: '0-116',
  feedback_submissions: '0-19',
};
const SINGULAR: Record<ObjectType, string> = {
  contacts: 'contact',
  companies: 'company',
  deals: 'deal',
  tickets: 'ticket',
  tasks: 'task',
  calls: 'call',
  emails: 'email',
  meetings: 'meeting',
  notes: 'note',
  communications: 'communication',
  postal_mail: 'postal_mail',
  feedback_submissions: 'feedback_submission',
};

export function isEngagement(t: ObjectType): t is EngagementType {
  return (ENGAGEMENT_TYPES as readonly string[]).includes(t);
}

/** Engagements carry `hs_createdate`; contacts, companies, deals and tickets `createdate` (touchpoints.md §1.2). */
export function createdProperty(t: ObjectType): string {
  return isEngagement(t) ? 'hs_createdate' : 'createdate';
}

/** Accepts `contacts`, `contact`, `CONTACT` or `0-1`, like the API does. */
export function parseObjectType(raw: string): ObjectType {
  const v = raw.toLowerCase();
  for (const t of OBJECT_TYPES) {
    if (v === t || v === SINGULAR[t] || v === OBJECT_TYPE_IDS[t]) return t;
  }
  throw validationError(`Unable to infer object type from: ${raw}`);
}

export function singular(t: ObjectType): string {
  return SINGULAR[t];
}

export const PROPERTY_TYPES = ['string', 'number', 'date', 'datetime', 'enumeration', 'bool'] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];

/** Valid type/fieldType pairs: https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide */
export const FIELD_TYPES_BY_TYPE: Record<PropertyType, readonly string[]> = {
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox', 'calculation_equation'],
  string: ['text', 'textarea', 'html', 'phonenumber', 'file', 'calculation_equation'],
  number: ['number', 'calculation_equation'],
  bool: ['booleancheckbox', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
};

export interface PropertyOption {
  label: string;
  value: string;
  hidden: boolean;
  displayOrder: number;
  description?: string;
}

export interface PropertyDef {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  description: string;
  options: PropertyOption[];
  displayOrder: number;
  hidden: boolean;
  formField: boolean;
  hasUniqueValue: boolean;
  hubspotDefined: boolean;
  /** Maintained by the CRM; writes are rejected. */
  readOnlyValue: boolean;
  calculated: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface PropertyGroupDef {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

export const LIFECYCLE_STAGES = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'] as const;

/** The contact property HubSpot stamps when a contact enters lifecycle stage `value`. */
export function lifecycleDateProperty(value: string): string {
  return `hs_lifecyclestage_${value}_date`;
}
export const TASK_STATUSES = ['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED', 'DEFERRED'] as const;
export const ANALYTICS_SOURCES = ['ORGANIC_SEARCH', 'PAID_SEARCH', 'EMAIL_MARKETING', 'SOCIAL_MEDIA', 'REFERRALS', 'OTHER_CAMPAIGNS', 'DIRECT_TRAFFIC', 'OFFLINE', 'PAID_SOCIAL'] as const;

export interface PipelineStageDef {
  id: string;
  label: string;
  displayOrder: number;
  metadata: Record<string, string>;
}
export interface PipelineDef {
  id: string;
  label: string;
  displayOrder: number;
  stages: PipelineStageDef[];
}

const dealStage = (id: string, label: string, order: number, probability: string, isClosed: boolean): PipelineStageDef => ({
  id,
  label,
  displayOrder: order,
  metadata: { isClosed: String(isClosed), probability },
});

/** The default sales pipeline (stage ids from hubspot.md §8) and a custom one with numeric ids, as portals have. */
export const DEAL_PIPELINES: PipelineDef[] = [
  {
    id: 'default',
    label: 'Sales Pipeline',
    displayOrder: 0,
    stages: [
      dealStage('appointmentscheduled', 'Appointment Scheduled', 0, '0.2', false),
      dealStage('qualifiedtobuy', 'Qualified To Buy', 1, '0.4', false),
      dealStage('presentationscheduled', 'Presentation Scheduled', 2, '0.6', false),
      dealStage('decisionmakerboughtin', 'Decision Maker Bought-In', 3, '0.8', false),
      dealStage('contractsent', 'Contract Sent', 4, '0.9', false),
      dealStage('closedwon', 'Closed Won', 5, '1.0', true),
      dealStage('closedlost', 'Closed Lost', 6, '0.0', true),
    ],
  },
  {
    id: '75043822',
    label: 'Partner Pipeline',
    displayOrder: 1,
    stages: [
      dealStage('151728301', 'Partner intro', 0, '0.1', false),
      dealStage('151728302', 'Discovery call', 1, '0.3', false),
      dealStage('151728303', 'Demo given', 2, '0.5', false),
      dealStage('151728304', 'Proposal', 3, '0.7', false),
      dealStage('151728305', 'Legal review', 4, '0.9', false),
      dealStage('151728306', 'Signed', 5, '1.0', true),
      dealStage('151728307', 'Lost', 6, '0.0', true),
    ],
  },
];

const ticketStage = (id: string, label: string, order: number, state: 'OPEN' | 'CLOSED'): PipelineStageDef => ({
  id,
  label,
  displayOrder: order,
  metadata: { ticketState: state, isClosed: String(state === 'CLOSED') },
});

export const TICKET_PIPELINES: PipelineDef[] = [
  {
    id: '0',
    label: 'Support Pipeline',
    displayOrder: 0,
    stages: [ticketStage('1', 'New', 0, 'OPEN'), ticketStage('2', 'Waiting on contact', 1, 'OPEN'), ticketStage('3', 'Waiting on us', 2, 'OPEN'), ticketStage('4', 'Closed', 3, 'CLOSED')],
  },
];

export function pipelinesFor(t: ObjectType): PipelineDef[] | null {
  return t === 'deals' ? DEAL_PIPELINES : t === 'tickets' ? TICKET_PIPELINES : null;
}

type Spec = [name: string, label: string, type: PropertyType, fieldType: string, extra?: { options?: readonly string[]; readOnly?: boolean; unique?: boolean; group?: string }];

const COMMON: Spec[] = [
  ['hs_object_id', 'Record ID', 'number', 'number', { readOnly: true }],
  ['createdate', 'Create Date', 'datetime', 'date', { readOnly: true }],
  ['hs_merged_object_ids', 'Merged record IDs', 'enumeration', 'checkbox', { readOnly: true }],
  // The record owner: an enumeration whose options are the portal's owners (validated against the owners
  // API, see property-values.ts). https://developers.hubspot.com/docs/api-reference/latest/crm/owners/guide
  ['hubspot_owner_id', 'Owner', 'enumeration', 'select'],
];

const ENGAGEMENT_COMMON: Spec[] = [
  ['hs_object_id', 'Record ID', 'number', 'number', { readOnly: true }],
  ['hs_createdate', 'Create date', 'datetime', 'date', { readOnly: true }],
  ['hs_lastmodifieddate', 'Last modified date', 'datetime', 'date', { readOnly: true }],
];
/** Activity date (required on create) and the HubSpot user shown on the timeline (touchpoints.md §1.2). */
const ACTIVITY_COMMON: Spec[] = [
  ['hs_timestamp', 'Activity date', 'datetime', 'date'],
  ['hubspot_owner_id', 'Activity assigned to', 'enumeration', 'select'],
  ['hs_activity_type', 'Activity type', 'enumeration', 'select'],
];

/**
 * Default call outcomes (`hs_call_disposition`), GUIDs as the calls guide lists them (touchpoints.md §1.2).
 * https://developers.hubspot.com/docs/api-reference/legacy/crm/activities/calls/guide
 */
export const CALL_DISPOSITIONS = {
  busy: '9d9162e7-6cf3-4944-bf63-4dff82258764',
  connected: 'f240bbac-87c9-4f6e-bf70-924b57d47db7',
  live_message: 'a4c4c377-d246-4b32-a13b-75a56a4cd0ff',
  voicemail: 'b2cf5968-551e-4856-9783-52b3da59a7d0',
  no_answer: '73a0d17f-1163-4015-bdd5-ec830791da20',
  wrong_number: '17b47fee-58de-441e-a44c-c6300d46f273',
} as const;
/** A portal-defined call outcome: custom outcomes get GUIDs of their own (touchpoints.md pitfall 13). */
export const CUSTOM_CALL_DISPOSITION = '5b9e1a44-0c2f-4d7e-9a51-2f8c3e6d7a10';

export const CALL_STATUSES = ['BUSY', 'CALLING_CRM_USER', 'CANCELED', 'COMPLETED', 'CONNECTING', 'FAILED', 'IN_PROGRESS', 'NO_ANSWER', 'QUEUED', 'RINGING'] as const;
export const MEETING_OUTCOMES = ['SCHEDULED', 'COMPLETED', 'RESCHEDULED', 'NO_SHOW', 'CANCELED'] as const;
export const COMMUNICATION_CHANNELS = ['SMS', 'WHATS_APP', 'LINKEDIN_MESSAGE'] as const;

const ENGAGEMENT_SPECS: Record<EngagementType, Spec[]> = {
  calls: [
    ...ACTIVITY_COMMON,
    ['hs_call_title', 'Call title', 'string', 'text'],
    ['hs_call_body', 'Call notes', 'string', 'html'],
    ['hs_call_direction', 'Call direction', 'enumeration', 'select', { options: ['INBOUND', 'OUTBOUND'] }],
    ['hs_call_status', 'Call status', 'enumeration', 'select', { options: CALL_STATUSES }],
    ['hs_call_disposition', 'Call outcome', 'enumeration', 'select', { options: [...Object.values(CALL_DISPOSITIONS), CUSTOM_CALL_DISPOSITION] }],
    ['hs_call_duration', 'Call duration (ms)', 'number', 'number'],
    ['hs_call_from_number', 'From number', 'string', 'text'],
    ['hs_call_to_number', 'To number', 'string', 'text'],
  ],
  emails: [
    ...ACTIVITY_COMMON,
    ['hs_email_direction', 'Email direction', 'enumeration', 'select', { options: ['EMAIL', 'INCOMING_EMAIL', 'FORWARDED_EMAIL'] }],
    ['hs_email_status', 'Email send status', 'enumeration', 'select', { options: ['BOUNCED', 'FAILED', 'SCHEDULED', 'SENDING', 'SENT'] }],
    ['hs_email_subject', 'Email subject', 'string', 'text'],
    ['hs_email_text', 'Email body', 'string', 'textarea'],
  ],
  meetings: [
    ...ACTIVITY_COMMON,
    ['hs_meeting_title', 'Meeting name', 'string', 'text'],
    ['hs_meeting_body', 'Meeting description', 'string', 'html'],
    ['hs_meeting_start_time', 'Meeting start time', 'datetime', 'date'],
    ['hs_meeting_end_time', 'Meeting end time', 'datetime', 'date'],
    ['hs_meeting_location', 'Location', 'string', 'text'],
    ['hs_meeting_outcome', 'Meeting outcome', 'enumeration', 'select', { options: MEETING_OUTCOMES }],
  ],
  notes: [...ACTIVITY_COMMON, ['hs_note_body', 'Note body', 'string', 'html']],
  communications: [
    ...ACTIVITY_COMMON,
    ['hs_communication_channel_type', 'Channel type', 'enumeration', 'select', { options: COMMUNICATION_CHANNELS }],
    ['hs_communication_logged_from', 'Logged from', 'enumeration', 'select', { options: ['CRM'] }],
    ['hs_communication_body', 'Body', 'string', 'textarea'],
  ],
  postal_mail: [...ACTIVITY_COMMON, ['hs_postal_mail_body', 'Body', 'string', 'textarea']],
  // Read-only object: every property is HubSpot's (touchpoints.md §3.1, §3.2).
  feedback_submissions: [
    ['hs_survey_type', 'Survey type', 'enumeration', 'select', { options: ['NPS', 'CSAT', 'CES', 'CUSTOM'], readOnly: true }],
    ['hs_survey_id', 'Survey id', 'number', 'number', { readOnly: true }],
    ['hs_survey_name', 'Survey name', 'string', 'text', { readOnly: true }],
    ['hs_survey_channel', 'Survey channel', 'enumeration', 'select', { options: ['EMAIL', 'WEB', 'CHAT'], readOnly: true }],
    ['hs_submission_name', 'Submission name', 'string', 'text', { readOnly: true }],
    ['hs_submission_timestamp', 'Date', 'datetime', 'date', { readOnly: true }],
    ['hs_value', 'Rating', 'number', 'number', { readOnly: true }],
    ['hs_response_group', 'Feedback sentiment', 'enumeration', 'select', { options: ['PROMOTER', 'PASSIVE', 'DETRACTOR'], readOnly: true }],
    ['hs_content', 'Response', 'string', 'textarea', { readOnly: true }],
    ['hs_contact_id', 'Contact id', 'number', 'number', { readOnly: true }],
    ['hs_ticket_id', 'Ticket id', 'number', 'number', { readOnly: true }],
  ],
};

const SPECS: Record<Exclude<ObjectType, EngagementType>, Spec[]> = {
  contacts: [
    ['email', 'Email', 'string', 'text', { unique: true }],
    // Secondary addresses, `;`-separated (a default property on every portal; the contacts v1 secondary-email
    // reference says they are "included in the hs_additional_emails property"; type and fieldType as a portal's
    // properties API lists them). https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/v1/get-contacts-v1-secondary-email-v-id
    ['hs_additional_emails', 'Additional email addresses', 'enumeration', 'select', { readOnly: true }],
    ['firstname', 'First Name', 'string', 'text'],
    ['lastname', 'Last Name', 'string', 'text'],
    ['phone', 'Phone Number', 'string', 'phonenumber'],
    ['company', 'Company Name', 'string', 'text'],
    ['country', 'Country/Region', 'string', 'text'],
    ['industry', 'Industry', 'string', 'text'],
    // Contact `numemployees` is a dropdown of ranges in HubSpot; companies carry the exact count.
    ['numemployees', 'Number of Employees', 'enumeration', 'select', { options: ['1-5', '5-25', '25-50', '50-100', '100-500', '500-1000', '1000+'] }],
    ['lifecyclestage', 'Lifecycle Stage', 'enumeration', 'radio', { options: LIFECYCLE_STAGES }],
    // "Became a <stage> date": read-only, set by HubSpot when the contact enters that lifecycle stage
    // (hubspot.md §13, default contact properties; https://knowledge.hubspot.com/contacts/use-lifecycle-stages).
    ...LIFECYCLE_STAGES.map((v): Spec => [lifecycleDateProperty(v), `Became a ${v} date`, 'datetime', 'date', { readOnly: true }]),
    ['hs_analytics_source', 'Original Traffic Source', 'enumeration', 'select', { options: ANALYTICS_SOURCES, readOnly: true }],
    // Feedback-survey rollups (touchpoints.md §3.4; type and fieldType as a portal's properties API lists them).
    // A current portal lists both NPS ratings: the number, and the enumeration labelled deprecated.
    ['hs_feedback_last_nps_rating_number', 'Latest NPS survey rating', 'number', 'number', { readOnly: true }],
    ['hs_feedback_last_nps_rating', 'Last NPS survey rating (deprecated)', 'enumeration', 'select', { options: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'], readOnly: true }],
    ['hs_feedback_last_csat_survey_rating', 'Last CSAT survey rating', 'number', 'calculation_rollup', { readOnly: true }],
    ['hs_feedback_last_csat_survey_date', 'Last CSAT survey date', 'datetime', 'calculation_rollup', { readOnly: true }],
    // Form conversions the contact holds: first and most recent, and how many (touchpoints.md §2).
    ['first_conversion_date', 'First Conversion Date', 'datetime', 'date', { readOnly: true }],
    ['first_conversion_event_name', 'First Conversion', 'string', 'text', { readOnly: true }],
    ['recent_conversion_date', 'Recent Conversion Date', 'datetime', 'date', { readOnly: true }],
    ['recent_conversion_event_name', 'Recent Conversion', 'string', 'text', { readOnly: true }],
    ['num_conversion_events', 'Number of Form Submissions', 'number', 'number', { readOnly: true }],
    ['num_unique_conversion_events', 'Number of Unique Forms Submitted', 'number', 'number', { readOnly: true }],
    ['lastmodifieddate', 'Last Modified Date', 'datetime', 'date', { readOnly: true }],
    ['num_associated_deals', 'Number of Associated Deals', 'number', 'number', { readOnly: true }],
  ],
  companies: [
    ['name', 'Company name', 'string', 'text'],
    ['domain', 'Company Domain Name', 'string', 'text'],
    ['industry', 'Industry', 'string', 'text'],
    ['numberofemployees', 'Number of Employees', 'number', 'number'],
    ['country', 'Country/Region', 'string', 'text'],
    ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', { readOnly: true }],
  ],
  deals: [
    ['dealname', 'Deal Name', 'string', 'text'],
    ['amount', 'Amount', 'number', 'number'],
    ['pipeline', 'Pipeline', 'enumeration', 'select', { options: DEAL_PIPELINES.map((p) => p.id) }],
    ['dealstage', 'Deal Stage', 'enumeration', 'radio', { options: DEAL_PIPELINES.flatMap((p) => p.stages.map((s) => s.id)) }],
    ['closedate', 'Close Date', 'datetime', 'date'],
    ['hs_is_closed_won', 'Is Closed Won', 'bool', 'booleancheckbox', { readOnly: true }],
    ['hs_is_closed', 'Is Deal Closed?', 'bool', 'booleancheckbox', { readOnly: true }],
    ['hs_deal_stage_probability', 'Deal Stage Probability', 'number', 'number', { readOnly: true }],
    ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', { readOnly: true }],
  ],
  tickets: [
    ['subject', 'Ticket name', 'string', 'text'],
    ['content', 'Ticket description', 'string', 'textarea'],
    ['hs_pipeline', 'Pipeline', 'enumeration', 'select', { options: TICKET_PIPELINES.map((p) => p.id) }],
    ['hs_pipeline_stage', 'Ticket status', 'enumeration', 'select', { options: TICKET_PIPELINES.flatMap((p) => p.stages.map((s) => s.id)) }],
    ['hs_ticket_priority', 'Priority', 'enumeration', 'select', { options: ['LOW', 'MEDIUM', 'HIGH', 'URGENT'] }],
    ['hs_ticket_category', 'Category', 'enumeration', 'checkbox', { options: ['PRODUCT_ISSUE', 'BILLING_ISSUE', 'FEATURE_REQUEST', 'GENERAL_INQUIRY'] }],
    ['source_type', 'Source', 'enumeration', 'select', { options: ['EMAIL', 'CHAT', 'PHONE', 'FORM'] }],
    ['closed_date', 'Close date', 'datetime', 'date', { readOnly: true }],
    ['first_agent_reply_date', 'First agent reply date', 'datetime', 'date', { readOnly: true }],
    ['time_to_first_agent_reply', 'Time to first agent reply', 'number', 'number', { readOnly: true }],
    ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', { readOnly: true }],
  ],
  // Task properties: touchpoints.md §5 (https://developers.hubspot.com/docs/api-reference/latest/crm/activities/tasks/guide).
  // Status: NOT_STARTED and COMPLETED documented, WAITING in the guide's example; IN_PROGRESS and DEFERRED are
  // the portal's other default options (UNCONFIRMED, read from community code). `hs_timestamp` is the due date.
  tasks: [
    ['hs_timestamp', 'Due date', 'datetime', 'date'],
    ['hs_task_subject', 'Task Title', 'string', 'text'],
    ['hs_task_body', 'Task notes', 'string', 'html'],
    ['hs_task_status', 'Task Status', 'enumeration', 'select', { options: TASK_STATUSES }],
    ['hs_task_priority', 'Priority', 'enumeration', 'select', { options: ['NONE', 'LOW', 'MEDIUM', 'HIGH'] }],
    ['hs_task_type', 'Task Type', 'enumeration', 'select', { options: ['EMAIL', 'CALL', 'TODO'] }],
    ['hs_task_completion_date', 'Completed at', 'datetime', 'date', { readOnly: true }],
    ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', { readOnly: true }],
  ],
};

/** Required on create, per object: the task's due date (touchpoints.md §5). */
export const REQUIRED_ON_CREATE: Partial<Record<ObjectType, string[]>> = { tasks: ['hs_timestamp'] };

/**
 * Which stage-calculated property names the portal has. Current portals have `hs_v2_date_entered_<stageId>`
 * and `hs_v2_date_exited_<stageId>`; older ones `hs_date_entered_<stageId>` / `hs_date_exited_<stageId>`
 * (knowledge.hubspot.com "Use stage calculated properties"; hubspot.md §8 and §13). When the legacy names
 * go away is not documented, so the default is a current portal with the v2 names only (the strict case);
 * `legacy` and `both` model older portals. The values follow `dealstage` automatically (`stageDatesOnMove`).
 */
export type StageDateNames = 'v2' | 'legacy' | 'both';

export function stageDateProperties(names: StageDateNames, stageId: string): { entered: string[]; exited: string[] } {
  const prefixes = names === 'v2' ? ['hs_v2_'] : names === 'legacy' ? ['hs_'] : ['hs_v2_', 'hs_'];
  return { entered: prefixes.map((p) => `${p}date_entered_${stageId}`), exited: prefixes.map((p) => `${p}date_exited_${stageId}`) };
}

function stageDateSpecs(names: StageDateNames): Spec[] {
  return DEAL_PIPELINES.flatMap((p) =>
    p.stages.flatMap((s): Spec[] => {
      const { entered, exited } = stageDateProperties(names, s.id);
      return [
        ...entered.map((n): Spec => [n, `Date entered "${s.label} (${p.label})"`, 'datetime', 'date', { readOnly: true }]),
        ...exited.map((n): Spec => [n, `Date exited "${s.label} (${p.label})"`, 'datetime', 'date', { readOnly: true }]),
      ];
    }),
  );
}

/** A deal moving from one stage to another: the old stage's "date exited" and the new one's "date entered" are set to `at`. */
export function stageDatesOnMove(names: StageDateNames, from: string | undefined, to: string, at: number): Record<string, string> {
  const iso = new Date(at).toISOString();
  const values: Record<string, string> = {};
  if (from !== undefined && from !== to) for (const n of stageDateProperties(names, from).exited) values[n] = iso;
  for (const n of stageDateProperties(names, to).entered) values[n] = iso;
  return values;
}

const DEFAULT_GROUP: Record<ObjectType, string> = {
  contacts: 'contactinformation',
  companies: 'companyinformation',
  deals: 'dealinformation',
  tickets: 'ticketinformation',
  tasks: 'taskinformation',
  calls: 'callinformation',
  emails: 'emailinformation',
  meetings: 'meetinginformation',
  notes: 'noteinformation',
  communications: 'communicationinformation',
  postal_mail: 'postalmailinformation',
  feedback_submissions: 'feedbacksubmissioninformation',
};

/**
 * Contact properties HubSpot's Salesforce integration adds to a portal where it is installed (and only there):
 * the ids of the Salesforce Contact / Lead the contact syncs with, in the "Salesforce information" group
 * (`salesforceinformation`, the group of the integration's synced properties such as `leadsource`). The
 * integration sets them; they are not written through the API. HubSpot contacts sync with Salesforce Leads and
 * Contacts, matched by e-mail on the first sync and by these ids afterwards:
 * https://knowledge.hubspot.com/integrations/sync-salesforce-leads-and-contacts-to-hubspot ,
 * https://knowledge.hubspot.com/articles/kcs_article/salesforce/does-a-hubspot-field-need-separate-mappings-for-leads-and-contacts
 * (property names as HubSpot exports them: `salesforcecontactid`, `salesforceleadid`, `salesforceaccountid`).
 */
export const SALESFORCE_INTEGRATION_GROUP: PropertyGroupDef = { name: 'salesforceinformation', label: 'Salesforce information', displayOrder: 1, archived: false };
const SALESFORCE_INTEGRATION_SPECS: Spec[] = [
  ['salesforcecontactid', 'Salesforce Contact ID', 'string', 'text', { readOnly: true, group: SALESFORCE_INTEGRATION_GROUP.name }],
  ['salesforceleadid', 'Salesforce Lead ID', 'string', 'text', { readOnly: true, group: SALESFORCE_INTEGRATION_GROUP.name }],
  ['salesforceaccountid', 'Salesforce Account ID', 'string', 'text', { readOnly: true, group: SALESFORCE_INTEGRATION_GROUP.name }],
];

/** The integration's contact properties, as the properties API lists them once it is installed. */
export function salesforceIntegrationProperties(now: number): PropertyDef[] {
  return toDefs(SALESFORCE_INTEGRATION_SPECS, 'contacts', now, 1000);
}

export function builtinGroups(t: ObjectType): PropertyGroupDef[] {
  return [{ name: DEFAULT_GROUP[t], label: `${singular(t)[0]?.toUpperCase()}${singular(t).slice(1)} information`, displayOrder: 0, archived: false }];
}

export function builtinProperties(t: ObjectType, now: number, stageDates: StageDateNames = 'v2'): PropertyDef[] {
  const specs = isEngagement(t) ? [...ENGAGEMENT_COMMON, ...ENGAGEMENT_SPECS[t]] : [...COMMON, ...SPECS[t], ...(t === 'deals' ? stageDateSpecs(stageDates) : [])];
  return toDefs(specs, t, now, 0);
}

function toDefs(specs: Spec[], t: ObjectType, now: number, firstOrder: number): PropertyDef[] {
  return specs.map(([name, label, type, fieldType, extra], i) => ({
    name,
    label,
    type,
    fieldType,
    groupName: extra?.group ?? DEFAULT_GROUP[t],
    description: '',
    options: (extra?.options ?? []).map((v, order) => ({ label: v, value: v, hidden: false, displayOrder: order })),
    displayOrder: firstOrder + i,
    hidden: false,
    formField: !extra?.readOnly,
    hasUniqueValue: extra?.unique ?? false,
    hubspotDefined: true,
    readOnlyValue: extra?.readOnly ?? false,
    calculated: false,
    createdAt: now,
    updatedAt: now,
  }));
}

/** Properties every search result carries: hubspot.md §3.3 "Default properties returned". */
export const SEARCH_DEFAULT_PROPERTIES: Record<ObjectType, string[]> = {
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
  deals: ['dealname', 'amount', 'closedate', 'pipeline', 'dealstage', 'createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  tickets: ['content', 'hs_pipeline', 'hs_pipeline_stage', 'hs_ticket_category', 'hs_ticket_priority', 'subject', 'createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  tasks: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  // Engagements and feedback submissions: only these three unless properties are asked for
  // (touchpoints.md §1.2, §3.1 — "ask for the rest explicitly").
  ...(Object.fromEntries(ENGAGEMENT_TYPES.map((t) => [t, ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id']])) as Record<EngagementType, string[]>),
};

/** Properties a GET list / batch read returns when none are asked for. */
export const LIST_DEFAULT_PROPERTIES = SEARCH_DEFAULT_PROPERTIES;

/** Contacts use `lastmodifieddate`, other objects `hs_lastmodifieddate` (hubspot.md §3.4). */
export function modifiedProperty(t: ObjectType): string {
  return t === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate';
}
