/**
 * Which touchpoint objects the org has and which of their fields the integration user can see.
 *
 * One sObject describe per candidate object — Task, Event, EmailMessage and CampaignMember exist in every org;
 * SurveyQuestionResponse (Salesforce Surveys), LiveChatTranscript (Chat) and MessagingSession (Messaging) only
 * where the feature is on — and per lookup object (EmailMessageRelation, SurveyQuestion, SurveyResponse). An
 * object the org lacks answers 404 NOT_FOUND ("The requested resource does not exist", errorcodes), so no global
 * describe is needed to learn which exist. A field hidden by field-level security is absent from describe exactly
 * as it is absent to SOQL, and SOQL fails the whole query with INVALID_FIELD on a field it does not know
 * (salesforce.md §5.3–5.4), so we select only what describe lists.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
 * Cost: the ten describes go out as one group (client.callAll), in one Composite call with whatever else is
 * described at that moment (the field catalogue's five on a full run: 15 subrequests, ≤ 25 a call). The result
 * is kept in the schema cache (`salesforce.touchpoint-describe`) and read again on full runs, setup and doctor:
 * other runs pay nothing for it.
 */
import { z } from 'zod';
import { ParcoursError } from '../../src/errors.ts';
import { KeptSchema } from '../../src/http/kept-schema.ts';
import type { SchemaCache } from '../port.ts';
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

const Describe = z.object({
  name: z.string(),
  queryable: z.boolean().optional(),
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
  /** The describes it was built from (what the schema cache keeps). */
  described?: TouchpointDescribes;
}

function visible(f: ObjectFields, path: string): boolean {
  const [head, rest] = path.split('.', 2) as [string, string | undefined];
  // A parent path needs the relationship; the parent's field is a standard one (Case.ContactId, Campaign.Type).
  return rest === undefined ? f.fields.has(head) : f.relationships.has(head);
}

/** What describe said of each candidate object, as kept: its visible fields and relationships, or null (the org lacks it). */
export const TouchpointDescribes = z.record(z.string(), z.object({ fields: z.array(z.string()), relationships: z.array(z.string()) }).nullable());
export type TouchpointDescribes = z.infer<typeof TouchpointDescribes>;

const CANDIDATES = [...TOUCHPOINT_OBJECTS, ...new Set(Object.values(HELPERS).flat())];

/** One describe per candidate object, sent as one group; 404 NOT_FOUND (or not queryable) = the org lacks it. */
export async function describeTouchpointObjects(client: SalesforceClient): Promise<TouchpointDescribes> {
  const answers = await client.callAll<unknown>('metadata', CANDIDATES.map((o) => ({ method: 'GET' as const, url: `/sobjects/${o}/describe` })));
  const out: TouchpointDescribes = {};
  answers.forEach((answer, i) => {
    const object = CANDIDATES[i] as string;
    if (answer instanceof ParcoursError) {
      if (answer.context.status === 404) {
        out[object] = null;
        return;
      }
      throw answer;
    }
    const body = Describe.parse(answer.body);
    out[object] = body.queryable === false ? null : { fields: body.fields.map((f) => f.name), relationships: body.fields.map((f) => f.relationshipName).filter((r): r is string => typeof r === 'string') };
  });
  return out;
}

export function catalogOf(described: TouchpointDescribes): TouchpointCatalog {
  const byName = new Map<string, ObjectFields>();
  for (const [name, d] of Object.entries(described)) if (d) byName.set(name, { fields: new Set(d.fields), relationships: new Set(d.relationships) });
  const objects = TOUCHPOINT_OBJECTS.filter((o) => byName.has(o));
  const helperNames = [...new Set(objects.flatMap((o) => HELPERS[o] ?? []))].filter((h) => byName.has(h));
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
  return { plans, helpers, skipped, absent: TOUCHPOINT_OBJECTS.filter((o) => !byName.has(o)), described };
}

export async function readTouchpointCatalog(client: SalesforceClient): Promise<TouchpointCatalog> {
  return catalogOf(await describeTouchpointObjects(client));
}

/** The touchpoint catalogue kept in the schema cache across runs, like the field catalogue (field-catalog.ts). */
export function touchpointCatalog(client: SalesforceClient, cache: SchemaCache | undefined): KeptSchema<TouchpointCatalog, TouchpointDescribes> {
  return new KeptSchema({
    name: 'salesforce.touchpoint-describe',
    cache,
    schema: TouchpointDescribes,
    read: async () => catalogOf(await describeTouchpointObjects(client)),
    encode: (c) => c.described ?? {},
    decode: (json) => catalogOf(json),
  });
}
