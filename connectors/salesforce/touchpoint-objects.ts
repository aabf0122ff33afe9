/**
 * Which touchpoint objects the org has and which of their fields the integration user can see.
 *
 * One global describe (`GET /sobjects`) says which objects exist: Task, Event, EmailMessage and CampaignMember
 * in every org; SurveyQuestionResponse (Salesforce Surveys), LiveChatTranscript (Chat) and MessagingSession
 * (Messaging) only where the feature is on. Then one sObject describe per present object: a field hidden by
 * field-level security is absent from describe exactly as it is absent to SOQL, and SOQL fails the whole
 * query with INVALID_FIELD on a field it does not know (salesforce.md §5.3–5.4), so we select only what
 * describe lists.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_describeGlobal.htm
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
 * Cost: 1 + one per present object, the describes made together and so packed in one Composite call
 * (composite.ts; standard org: 1 + 1 carrying 5 — EmailMessageRelation is described too).
 */
import { z } from 'zod';
import type { SalesforceClient } from './client.ts';

/** Objects read as touchpoints, in pull order: EmailMessage before Task (a Task an EmailMessage points at is that email). */
export const TOUCHPOINT_OBJECTS = ['EmailMessage', 'Task', 'Event', 'CampaignMember', 'LiveChatTranscript', 'MessagingSession', 'SurveyQuestionResponse'] as const;
export type TouchpointObject = (typeof TOUCHPOINT_OBJECTS)[number];

/** Lookup objects read beside the touchpoint objects. */
const HELPERS: Partial<Record<TouchpointObject, string[]>> = {
  EmailMessage: ['EmailMessageRelation'],
  SurveyQuestionResponse: ['SurveyQuestion', 'SurveyResponse'],
};

/**
 * Fields per object: `required` must all be visible or the object is skipped (reported); `wanted` are
 * selected when visible. Field references: Object Reference pages for Task, Event, EmailMessage,
 * CampaignMember, LiveChatTranscript, MessagingSession, SurveyQuestionResponse (touchpoints.md §6–7).
 * No long-text field is selected (Task.Description, EmailMessage.TextBody): pages stay at 2,000 rows.
 */
export const FIELDS: Record<TouchpointObject, { required: string[]; wanted: string[] }> = {
  Task: {
    required: ['Id', 'SystemModstamp', 'IsDeleted', 'WhoId', 'WhatId'],
    wanted: ['TaskSubtype', 'Type', 'CallType', 'CallDisposition', 'Status', 'IsClosed', 'ActivityDate', 'CompletedDateTime', 'CreatedDate', 'OwnerId', 'IsArchived'],
  },
  Event: {
    required: ['Id', 'SystemModstamp', 'IsDeleted', 'WhoId', 'WhatId'],
    wanted: ['StartDateTime', 'ActivityDateTime', 'ActivityDate', 'EventSubtype', 'Type', 'CreatedDate', 'OwnerId', 'IsArchived'],
  },
  EmailMessage: {
    required: ['Id', 'SystemModstamp', 'IsDeleted', 'Incoming'],
    wanted: ['MessageDate', 'Status', 'ParentId', 'Parent.ContactId', 'RelatedToId', 'ActivityId', 'IsBounced', 'CreatedDate'],
  },
  CampaignMember: {
    required: ['Id', 'SystemModstamp', 'IsDeleted', 'HasResponded'],
    wanted: ['ContactId', 'LeadId', 'Status', 'FirstRespondedDate', 'Campaign.Type', 'CreatedDate'],
  },
  LiveChatTranscript: {
    required: ['Id', 'SystemModstamp', 'IsDeleted'],
    wanted: ['Status', 'RequestTime', 'StartTime', 'ContactId', 'LeadId', 'CaseId', 'OwnerId', 'CreatedDate'],
  },
  MessagingSession: {
    required: ['Id', 'SystemModstamp', 'IsDeleted'],
    wanted: ['ChannelType', 'Status', 'Origin', 'StartTime', 'EndUserContactId', 'LeadId', 'CaseId', 'OpportunityId', 'OwnerId', 'CreatedDate'],
  },
  SurveyQuestionResponse: {
    required: ['Id', 'SystemModstamp', 'IsDeleted', 'NumberValue', 'QuestionId', 'ResponseId'],
    wanted: ['CreatedDate'],
  },
};

const Global = z.object({ sobjects: z.array(z.object({ name: z.string(), queryable: z.boolean().optional() }).loose()) }).loose();
const Describe = z.object({
  name: z.string(),
  fields: z.array(z.object({ name: z.string(), relationshipName: z.string().nullish() }).loose()),
}).loose();

export interface ObjectFields {
  /** Field names as describe spells them. */
  fields: Set<string>;
  /** Relationship names (`Parent`, `Campaign`) of the visible reference fields. */
  relationships: Set<string>;
}

export interface TouchpointPlan {
  object: TouchpointObject;
  select: string[];
}

export interface TouchpointCatalog {
  plans: TouchpointPlan[];
  /** Visible fields of the lookup objects (EmailMessageRelation, SurveyQuestion, SurveyResponse). */
  helpers: Map<string, ObjectFields>;
  /** Objects the org has but that lack a required field for this user (FLS), with the fields missing. */
  skipped: Array<{ object: TouchpointObject; missing: string[] }>;
  /** Optional objects the org does not have. */
  absent: TouchpointObject[];
}

function visible(f: ObjectFields, path: string): boolean {
  const [head, rest] = path.split('.', 2) as [string, string | undefined];
  // A parent path needs the relationship; the parent's field is a standard one (Case.ContactId, Campaign.Type).
  return rest === undefined ? f.fields.has(head) : f.relationships.has(head);
}

async function describe(client: SalesforceClient, object: string): Promise<ObjectFields> {
  const body = Describe.parse((await client.call<unknown>('metadata', { method: 'GET', url: `/sobjects/${object}/describe` })).body);
  return {
    fields: new Set(body.fields.map((f) => f.name)),
    relationships: new Set(body.fields.map((f) => f.relationshipName).filter((r): r is string => typeof r === 'string')),
  };
}

export async function readTouchpointCatalog(client: SalesforceClient): Promise<TouchpointCatalog> {
  const global = Global.parse((await client.call<unknown>('metadata', { method: 'GET', url: '/sobjects' })).body);
  const present = new Set(global.sobjects.filter((o) => o.queryable !== false).map((o) => o.name));
  const objects = TOUCHPOINT_OBJECTS.filter((o) => present.has(o));
  const helperNames = objects.flatMap((o) => HELPERS[o] ?? []).filter((h) => present.has(h));
  const described = await Promise.all([...objects, ...helperNames].map(async (o) => [o, await describe(client, o)] as const));
  const byName = new Map(described);
  const plans: TouchpointPlan[] = [];
  const skipped: TouchpointCatalog['skipped'] = [];
  for (const object of objects) {
    const f = byName.get(object) as ObjectFields;
    const missing = FIELDS[object].required.filter((name) => !visible(f, name));
    // Survey answers need their question (the scale) and response (who, when).
    if (object === 'SurveyQuestionResponse') for (const h of ['SurveyQuestion', 'SurveyResponse']) if (!byName.has(h)) missing.push(h);
    if (missing.length > 0) {
      skipped.push({ object, missing });
      continue;
    }
    plans.push({ object, select: [...FIELDS[object].required, ...FIELDS[object].wanted.filter((name) => visible(f, name))] });
  }
  const helpers = new Map(helperNames.map((h) => [h, byName.get(h) as ObjectFields]));
  return { plans, helpers, skipped, absent: TOUCHPOINT_OBJECTS.filter((o) => !present.has(o)) };
}
