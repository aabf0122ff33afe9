/**
 * The org's object model: which objects exist, their fields, field types and picklists.
 * Types use describe's names (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm).
 */
import { touchpointObjects } from './schema-touchpoints.ts';

export type FieldType =
  | 'id'
  | 'string'
  | 'email'
  | 'phone'
  | 'textarea'
  | 'picklist'
  | 'multipicklist'
  | 'boolean'
  | 'int'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'reference';

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length: number;
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  custom: boolean;
  picklistValues?: string[];
  restrictedPicklist?: boolean;
  defaultPicklistValue?: string;
  /** For `reference`: the parent object and the relationship name used in SOQL paths (`Account.Industry`). */
  referenceTo?: string;
  relationshipName?: string;
  /** A polymorphic reference (Task `WhoId`, `WhatId`): every object it may point at; `referenceTo` is the first. */
  referenceToAll?: string[];
}

export interface ObjectDef {
  name: string;
  label: string;
  keyPrefix: string;
  fields: Map<string, FieldDef>;
  required: string[];
  /** Deleting sends the record to the recycle bin (queryAll sees it) unless hard-deleted (CampaignMember). */
  recycleOnDelete: boolean;
  createable: boolean;
}

export type Spec = Partial<FieldDef> & { type: FieldType };

export function field(name: string, spec: Spec): FieldDef {
  const lengths: Partial<Record<FieldType, number>> = { id: 18, reference: 18, string: 255, email: 80, phone: 40, textarea: 32000, picklist: 255, multipicklist: 4099 };
  return {
    name,
    label: spec.label ?? name.replace(/__c$/, '').replace(/Id$/, ' ID').replace(/_/g, ' ').trim(),
    length: spec.length ?? lengths[spec.type] ?? 0,
    createable: spec.createable ?? true,
    updateable: spec.updateable ?? true,
    nillable: spec.nillable ?? true,
    custom: spec.custom ?? name.endsWith('__c'),
    ...spec,
  };
}

export const readOnly = { createable: false, updateable: false } as const;
export const ref = (to: string, relationshipName: string, extra: Partial<FieldDef> = {}): Spec => ({ type: 'reference', referenceTo: to, relationshipName, ...extra });
export const polyRef = (to: string[], relationshipName: string, extra: Partial<FieldDef> = {}): Spec => ({ type: 'reference', referenceTo: to[0], referenceToAll: to, relationshipName, ...extra });
/** The record owner: a User (queues exist for Leads and Cases; the sandbox seeds none). Defaults to the API user on create. */
export const owner = (): [string, Spec] => ['OwnerId', ref('User', 'Owner', { nillable: false, label: 'Owner ID' })];
export const pick = (values: string[], restricted = false, extra: Partial<FieldDef> = {}): Spec => ({ type: 'picklist', picklistValues: values, restrictedPicklist: restricted, ...extra });

export const OPPORTUNITY_STAGES = [
  { name: 'Prospecting', probability: 10, closed: false, won: false, forecast: 'Pipeline' },
  { name: 'Qualification', probability: 10, closed: false, won: false, forecast: 'Pipeline' },
  { name: 'Needs Analysis', probability: 20, closed: false, won: false, forecast: 'Pipeline' },
  { name: 'Value Proposition', probability: 50, closed: false, won: false, forecast: 'Pipeline' },
  { name: 'Id. Decision Makers', probability: 60, closed: false, won: false, forecast: 'Pipeline' },
  { name: 'Perception Analysis', probability: 70, closed: false, won: false, forecast: 'Pipeline' },
  { name: 'Proposal/Price Quote', probability: 75, closed: false, won: false, forecast: 'Pipeline' },
  { name: 'Negotiation/Review', probability: 90, closed: false, won: false, forecast: 'Pipeline' },
  { name: 'Closed Won', probability: 100, closed: true, won: true, forecast: 'Closed' },
  { name: 'Closed Lost', probability: 0, closed: true, won: false, forecast: 'Omitted' },
] as const;
export const CASE_STATUSES = [
  { name: 'New', closed: false, isDefault: true },
  { name: 'Working', closed: false, isDefault: false },
  { name: 'Escalated', closed: false, isDefault: false },
  { name: 'Closed', closed: true, isDefault: false },
] as const;
export const LEAD_STATUSES = [
  { name: 'Open - Not Contacted', converted: false, isDefault: true },
  { name: 'Working - Contacted', converted: false, isDefault: false },
  { name: 'Closed - Converted', converted: true, isDefault: false },
  { name: 'Closed - Not Converted', converted: false, isDefault: false },
] as const;
/**
 * Task picklist masters (`TaskStatus`, `TaskPriority`), the defaults of a new org: touchpoints.md §6.1, §8
 * (Status default Not Started, values Not Started / In Progress / Completed / Waiting on someone else /
 * Deferred, `IsClosed` drives closure; Priority default Normal, High/Normal/Low). Orgs customise them:
 * clients read them at runtime.
 */
export const TASK_STATUSES = [
  { name: 'Not Started', closed: false, isDefault: true },
  { name: 'In Progress', closed: false, isDefault: false },
  { name: 'Completed', closed: true, isDefault: false },
  { name: 'Waiting on someone else', closed: false, isDefault: false },
  { name: 'Deferred', closed: false, isDefault: false },
] as const;
export const TASK_PRIORITIES = [
  { name: 'High', high: true, isDefault: false },
  { name: 'Normal', high: false, isDefault: true },
  { name: 'Low', high: false, isDefault: false },
] as const;

/** Field history rows (StandardObjectNameHistory): https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_associated_objects_history.htm */
function historyFields(parent: string): Array<[string, Spec]> {
  return [
    [`${parent}Id`, ref(parent, parent, { ...readOnly, nillable: false })],
    ['Field', { type: 'picklist', ...readOnly, nillable: false, label: 'Changed Field' }],
    ['DataType', { type: 'picklist', ...readOnly, label: 'Data Type' }],
    // anyType in the API: strings here, as JSON carries them.
    ['OldValue', { type: 'string', ...readOnly, label: 'Old Value' }],
    ['NewValue', { type: 'string', ...readOnly, label: 'New Value' }],
  ];
}

export const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other', 'Advertisement', 'Email', 'Social Media', 'Trade Show'];
export const INDUSTRIES = [
  'Agriculture', 'Apparel', 'Banking', 'Biotechnology', 'Chemicals', 'Communications', 'Construction', 'Consulting',
  'Education', 'Electronics', 'Energy', 'Engineering', 'Entertainment', 'Environmental', 'Finance', 'Food & Beverage',
  'Government', 'Healthcare', 'Hospitality', 'Insurance', 'Machinery', 'Manufacturing', 'Media', 'Not For Profit',
  'Other', 'Recreation', 'Retail', 'Shipping', 'Technology', 'Telecommunications', 'Transportation', 'Utilities',
];

/** Fields every object has (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/system_fields.htm). */
function systemFields(): Array<[string, Spec]> {
  return [
    ['Id', { type: 'id', ...readOnly, nillable: false, label: 'Record ID' }],
    ['IsDeleted', { type: 'boolean', ...readOnly, nillable: false, label: 'Deleted' }],
    ['CreatedDate', { type: 'datetime', ...readOnly, nillable: false, label: 'Created Date' }],
    ['CreatedById', ref('User', 'CreatedBy', { ...readOnly, label: 'Created By ID' })],
    ['LastModifiedDate', { type: 'datetime', ...readOnly, nillable: false, label: 'Last Modified Date' }],
    ['LastModifiedById', ref('User', 'LastModifiedBy', { ...readOnly, label: 'Last Modified By ID' })],
    ['SystemModstamp', { type: 'datetime', ...readOnly, nillable: false, label: 'System Modstamp' }],
  ];
}

export function objectDef(name: string, keyPrefix: string, fields: Array<[string, Spec]>, opts: Partial<Pick<ObjectDef, 'required' | 'recycleOnDelete' | 'createable' | 'label'>> = {}): ObjectDef {
  const map = new Map<string, FieldDef>();
  for (const [n, spec] of [...systemFields(), ...fields]) map.set(n, field(n, spec));
  return { name, label: opts.label ?? name, keyPrefix, fields: map, required: opts.required ?? [], recycleOnDelete: opts.recycleOnDelete ?? true, createable: opts.createable ?? true };
}

const nameFields = (): Array<[string, Spec]> => [
  ['FirstName', { type: 'string', length: 40 }],
  ['LastName', { type: 'string', length: 80, nillable: false }],
  ['Name', { type: 'string', length: 121, ...readOnly, label: 'Full Name' }],
];

/** A fresh schema for one org (custom fields get added to it at runtime). */
export function standardSchema(): Map<string, ObjectDef> {
  const defs: ObjectDef[] = [
    objectDef('Account', '001', [
      ['Name', { type: 'string', nillable: false }],
      ['Industry', pick(INDUSTRIES)],
      ['NumberOfEmployees', { type: 'int' }],
      ['BillingCountry', { type: 'string', length: 80 }],
      ['Website', { type: 'string' }],
    ], { required: ['Name'] }),
    objectDef('Contact', '003', [
      ...nameFields(),
      ['Email', { type: 'email' }],
      ['Phone', { type: 'phone' }],
      ['Title', { type: 'string', length: 128 }],
      ['AccountId', ref('Account', 'Account')],
      ['MailingCountry', { type: 'string', length: 80 }],
      ['LeadSource', pick(LEAD_SOURCES)],
      // Set on the losing records of a merge: https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contact.htm
      ['MasterRecordId', ref('Contact', 'MasterRecord', readOnly)],
      owner(),
    ], { required: ['LastName'] }),
    objectDef('Lead', '00Q', [
      ...nameFields(),
      ['Email', { type: 'email' }],
      ['Phone', { type: 'phone' }],
      ['Company', { type: 'string', nillable: false }],
      ['Country', { type: 'string', length: 80 }],
      ['Industry', pick(INDUSTRIES)],
      // Standard on Lead too: https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_lead.htm
      ['NumberOfEmployees', { type: 'int' }],
      ['Status', pick(LEAD_STATUSES.map((s) => s.name), false, { nillable: false, defaultPicklistValue: 'Open - Not Contacted' })],
      ['LeadSource', pick(LEAD_SOURCES)],
      ['IsConverted', { type: 'boolean', ...readOnly, nillable: false }],
      // Set on the losing records of a merge, as on Contact: https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_lead.htm
      ['MasterRecordId', ref('Lead', 'MasterRecord', readOnly)],
      ['ConvertedContactId', ref('Contact', 'ConvertedContact', readOnly)],
      ['ConvertedAccountId', ref('Account', 'ConvertedAccount', readOnly)],
      ['ConvertedOpportunityId', ref('Opportunity', 'ConvertedOpportunity', readOnly)],
      ['ConvertedDate', { type: 'date', ...readOnly }],
      owner(),
    ], { required: ['LastName', 'Company'] }),
    objectDef('Opportunity', '006', [
      ['Name', { type: 'string', length: 120, nillable: false }],
      ['AccountId', ref('Account', 'Account')],
      ['StageName', pick(OPPORTUNITY_STAGES.map((s) => s.name), false, { nillable: false, label: 'Stage' })],
      ['Amount', { type: 'currency' }],
      ['Probability', { type: 'percent' }],
      ['CloseDate', { type: 'date', nillable: false }],
      ['IsClosed', { type: 'boolean', ...readOnly, nillable: false }],
      ['IsWon', { type: 'boolean', ...readOnly, nillable: false }],
      ['ForecastCategoryName', pick(['Omitted', 'Pipeline', 'Best Case', 'Commit', 'Closed'], false, readOnly)],
      ['LastStageChangeDate', { type: 'datetime', ...readOnly }],
      ['LeadSource', pick(LEAD_SOURCES)],
      owner(),
    ], { required: ['Name', 'StageName', 'CloseDate'] }),
    objectDef('OpportunityContactRole', '00K', [
      ['OpportunityId', ref('Opportunity', 'Opportunity', { updateable: false, nillable: false })],
      ['ContactId', ref('Contact', 'Contact', { nillable: false })],
      ['IsPrimary', { type: 'boolean', nillable: false }],
      ['Role', pick(['Business User', 'Decision Maker', 'Economic Buyer', 'Economic Decision Maker', 'Evaluator', 'Executive Sponsor', 'Influencer', 'Technical Buyer', 'Other'])],
      // Deleting a role directly is a hard delete (queryAll never shows it); IsDeleted is set only when its
      // Opportunity goes to the recycle bin (Org.remove cascades). Object reference, OpportunityContactRole:
      // https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunitycontactrole.htm
    ], { required: ['OpportunityId', 'ContactId'], recycleOnDelete: false }),
    objectDef('OpportunityHistory', '008', [
      ['OpportunityId', ref('Opportunity', 'Opportunity', readOnly)],
      ['StageName', pick(OPPORTUNITY_STAGES.map((s) => s.name), false, readOnly)],
      ['Amount', { type: 'currency', ...readOnly }],
      ['CloseDate', { type: 'date', ...readOnly }],
      ['Probability', { type: 'percent', ...readOnly }],
    ], { createable: false }),
    objectDef('Case', '500', [
      ['CaseNumber', { type: 'string', length: 30, ...readOnly }],
      ['ContactId', ref('Contact', 'Contact')],
      ['AccountId', ref('Account', 'Account')],
      ['Status', pick(CASE_STATUSES.map((s) => s.name), false, { defaultPicklistValue: 'New' })],
      ['IsClosed', { type: 'boolean', ...readOnly, nillable: false }],
      ['IsEscalated', { type: 'boolean', nillable: false }],
      ['Origin', pick(['Phone', 'Email', 'Web'])],
      ['Priority', pick(['High', 'Medium', 'Low'], false, { defaultPicklistValue: 'Medium' })],
      ['Subject', { type: 'string' }],
      ['Description', { type: 'textarea' }],
      ['ClosedDate', { type: 'datetime', ...readOnly }],
      owner(),
    ]),
    // Task (object reference, touchpoints.md §6.1, §8): WhoId is a Contact or Lead, WhatId an Opportunity,
    // Case or Account; ActivityDate is a date; Status and Priority come from TaskStatus / TaskPriority;
    // IsClosed follows Status; CompletedDateTime is set when saved closed; TaskSubtype is create-only.
    objectDef('Task', '00T', [
      ['Subject', { type: 'string', length: 255 }],
      ['Description', { type: 'textarea', length: 32000, label: 'Comments' }],
      ['Status', pick(TASK_STATUSES.map((t) => t.name), false, { nillable: false, defaultPicklistValue: 'Not Started' })],
      ['Priority', pick(TASK_PRIORITIES.map((t) => t.name), false, { nillable: false, defaultPicklistValue: 'Normal' })],
      ['ActivityDate', { type: 'date', label: 'Due Date Only' }],
      owner(),
      ['WhoId', polyRef(['Contact', 'Lead'], 'Who', { label: 'Name ID' })],
      ['WhatId', polyRef(['Opportunity', 'Case', 'Account', 'Campaign'], 'What', { label: 'Related To ID' })],
      ['AccountId', ref('Account', 'Account', readOnly)],
      ['IsClosed', { type: 'boolean', ...readOnly, nillable: false, label: 'Closed' }],
      ['IsHighPriority', { type: 'boolean', ...readOnly, nillable: false, label: 'High Priority' }],
      ['CompletedDateTime', { type: 'datetime', ...readOnly }],
      ['IsArchived', { type: 'boolean', ...readOnly, nillable: false, label: 'Archived' }],
      ['TaskSubtype', pick(['Task', 'Email', 'ListEmail', 'Cadence', 'Call', 'LinkedIn'], true, { updateable: false, defaultPicklistValue: 'Task' })],
      ['Type', pick(['Call', 'Email', 'Meeting', 'Other'])],
      // Logged calls (touchpoints, issue 13): standard Task call fields, Object Reference "Task".
      ['CallType', pick(['Inbound', 'Internal', 'Outbound'], true)],
      ['CallDisposition', { type: 'string', length: 255, label: 'Call Result' }],
      ['CallDurationInSeconds', { type: 'int', label: 'Call Duration' }],
      ['CallObject', { type: 'string', length: 255, label: 'Call Object Identifier' }],
    ], { required: ['Status', 'Priority'] }),
    objectDef('TaskStatus', '01J', [
      ['MasterLabel', { type: 'string', ...readOnly }],
      ['ApiName', { type: 'string', ...readOnly }],
      ['IsClosed', { type: 'boolean', ...readOnly }],
      ['IsDefault', { type: 'boolean', ...readOnly }],
      ['SortOrder', { type: 'int', ...readOnly }],
    ], { createable: false }),
    objectDef('TaskPriority', '01J', [
      ['MasterLabel', { type: 'string', ...readOnly }],
      ['ApiName', { type: 'string', ...readOnly }],
      ['IsDefault', { type: 'boolean', ...readOnly }],
      ['IsHighPriority', { type: 'boolean', ...readOnly }],
      ['SortOrder', { type: 'int', ...readOnly }],
    ], { createable: false }),
    objectDef('ContactHistory', '017', historyFields('Contact'), { createable: false }),
    objectDef('LeadHistory', '017', historyFields('Lead'), { createable: false }),
    objectDef('Campaign', '701', [
      ['Name', { type: 'string', length: 80, nillable: false }],
      ['IsActive', { type: 'boolean', nillable: false }],
      ['Type', pick(['Conference', 'Webinar', 'Trade Show', 'Public Relations', 'Partners', 'Referral Program', 'Advertisement', 'Banner Ads', 'Direct Mail', 'Email', 'Telemarketing', 'Other'])],
      ['Status', pick(['Planned', 'In Progress', 'Completed', 'Aborted'])],
      ['Description', { type: 'textarea' }],
    ], { required: ['Name'] }),
    objectDef('CampaignMember', '00v', [
      ['CampaignId', ref('Campaign', 'Campaign', { updateable: false, nillable: false })],
      ['ContactId', ref('Contact', 'Contact', { updateable: false })],
      ['LeadId', ref('Lead', 'Lead', { updateable: false })],
      ['Status', { type: 'picklist', picklistValues: ['Sent', 'Responded'], restrictedPicklist: false }],
      ['HasResponded', { type: 'boolean', ...readOnly, nillable: false }],
      // Set when the member first gets a "responded" status (object reference, CampaignMember).
      ['FirstRespondedDate', { type: 'date', ...readOnly }],
    ], { required: ['CampaignId'], recycleOnDelete: false }),
    objectDef('OpportunityStage', '01J', [
      ['MasterLabel', { type: 'string', ...readOnly }],
      ['ApiName', { type: 'string', ...readOnly }],
      ['IsActive', { type: 'boolean', ...readOnly }],
      ['IsClosed', { type: 'boolean', ...readOnly }],
      ['IsWon', { type: 'boolean', ...readOnly }],
      ['DefaultProbability', { type: 'percent', ...readOnly }],
      ['ForecastCategoryName', { type: 'string', ...readOnly }],
      ['SortOrder', { type: 'int', ...readOnly }],
    ], { createable: false }),
    objectDef('CaseStatus', '01J', [
      ['MasterLabel', { type: 'string', ...readOnly }],
      ['ApiName', { type: 'string', ...readOnly }],
      ['IsClosed', { type: 'boolean', ...readOnly }],
      ['IsDefault', { type: 'boolean', ...readOnly }],
      ['SortOrder', { type: 'int', ...readOnly }],
    ], { createable: false }),
    objectDef('LeadStatus', '01J', [
      ['MasterLabel', { type: 'string', ...readOnly }],
      ['ApiName', { type: 'string', ...readOnly }],
      ['IsConverted', { type: 'boolean', ...readOnly }],
      ['IsDefault', { type: 'boolean', ...readOnly }],
      ['SortOrder', { type: 'int', ...readOnly }],
    ], { createable: false }),
    objectDef('PermissionSet', '0PS', [
      ['Name', { type: 'string', length: 80, nillable: false }],
      ['Label', { type: 'string', length: 80, nillable: false }],
      ['Description', { type: 'textarea', length: 255 }],
      ['IsOwnedByProfile', { type: 'boolean', ...readOnly }],
      // "Edit Tasks": create and edit tasks (PermissionSet user-permission field).
      ['PermissionsEditTask', { type: 'boolean', label: 'Edit Tasks' }],
    ], { required: ['Name', 'Label'], recycleOnDelete: false }),
    objectDef('PermissionSetAssignment', '0Pa', [
      ['AssigneeId', ref('User', 'Assignee', { updateable: false, nillable: false })],
      ['PermissionSetId', ref('PermissionSet', 'PermissionSet', { updateable: false, nillable: false })],
    ], { required: ['AssigneeId', 'PermissionSetId'], recycleOnDelete: false }),
    objectDef('FieldPermissions', '01k', [
      ['ParentId', ref('PermissionSet', 'Parent', { updateable: false, nillable: false })],
      ['SobjectType', { type: 'picklist', updateable: false, nillable: false, label: 'Object Type' }],
      ['Field', { type: 'picklist', updateable: false, nillable: false, label: 'Field Name' }],
      ['PermissionsRead', { type: 'boolean', nillable: false, label: 'Read Access' }],
      ['PermissionsEdit', { type: 'boolean', nillable: false, label: 'Edit Access' }],
    ], { required: ['ParentId', 'SobjectType', 'Field'], recycleOnDelete: false }),
    objectDef('User', '005', [
      ['Username', { type: 'string', length: 80 }],
      ['FirstName', { type: 'string', length: 40 }],
      ['LastName', { type: 'string', length: 80 }],
      ['Name', { type: 'string', ...readOnly }],
      ['Email', { type: 'email' }],
      ['IsActive', { type: 'boolean' }],
    ], { createable: false }),
    ...touchpointObjects(),
  ];
  return new Map(defs.map((d) => [d.name, d]));
}

/**
 * Custom fields some orgs add for surveys and support SLAs. A standard org has none of them (Salesforce
 * has no standard CSAT, NPS or first-response field): the sandbox adds them only when asked
 * (`surveyFields`), already granted to the integration user's profile.
 */
export const SURVEY_FIELDS: ReadonlyArray<readonly [object: string, name: string, spec: Spec]> = [
  ['Contact', 'NPS_Score__c', { type: 'double', label: 'NPS Score' }],
  ['Contact', 'CSAT__c', { type: 'double', label: 'CSAT' }],
  ['Case', 'First_Response_At__c', { type: 'datetime', label: 'First Response At' }],
];

export function addSurveyFields(schema: Map<string, ObjectDef>): void {
  for (const [object, name, spec] of SURVEY_FIELDS) schema.get(object)?.fields.set(name, field(name, spec));
}

/** Objects whose custom fields can be created through Tooling here. */
export const CUSTOMIZABLE_OBJECTS = ['Account', 'Contact', 'Lead', 'Opportunity', 'Case', 'Campaign'];
