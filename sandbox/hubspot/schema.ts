/**
 * The portal's built-in schema: object types, property definitions, property groups and pipelines.
 * Names and internal values follow /work/shared/crm-facts/hubspot.md §3, §6, §8.
 */
import { validationError } from './http-error.ts';

export const OBJECT_TYPES = ['contacts', 'companies', 'deals', 'tickets', 'tasks'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

/** Object type ids: https://developers.hubspot.com/docs/api-reference/latest/crm/using-object-apis */
export const OBJECT_TYPE_IDS: Record<ObjectType, string> = { contacts: '0-1', companies: '0-2', deals: '0-3', tickets: '0-5', tasks: '0-27' };
const SINGULAR: Record<ObjectType, string> = { contacts: 'contact', companies: 'company', deals: 'deal', tickets: 'ticket', tasks: 'task' };

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

const SPECS: Record<ObjectType, Spec[]> = {
  contacts: [
    ['email', 'Email', 'string', 'text', { unique: true }],
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

const DEFAULT_GROUP: Record<ObjectType, string> = { contacts: 'contactinformation', companies: 'companyinformation', deals: 'dealinformation', tickets: 'ticketinformation', tasks: 'taskinformation' };

export function builtinGroups(t: ObjectType): PropertyGroupDef[] {
  return [{ name: DEFAULT_GROUP[t], label: `${singular(t)[0]?.toUpperCase()}${singular(t).slice(1)} information`, displayOrder: 0, archived: false }];
}

export function builtinProperties(t: ObjectType, now: number, stageDates: StageDateNames = 'v2'): PropertyDef[] {
  return [...COMMON, ...SPECS[t], ...(t === 'deals' ? stageDateSpecs(stageDates) : [])].map(([name, label, type, fieldType, extra], i) => ({
    name,
    label,
    type,
    fieldType,
    groupName: extra?.group ?? DEFAULT_GROUP[t],
    description: '',
    options: (extra?.options ?? []).map((v, order) => ({ label: v, value: v, hidden: false, displayOrder: order })),
    displayOrder: i,
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
};

/** Properties a GET list / batch read returns when none are asked for. */
export const LIST_DEFAULT_PROPERTIES = SEARCH_DEFAULT_PROPERTIES;

/** Contacts use `lastmodifieddate`, other objects `hs_lastmodifieddate` (hubspot.md §3.4). */
export function modifiedProperty(t: ObjectType): string {
  return t === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate';
}
