/**
 * The objects a customer's interactions live in (issue 13), standard fields only.
 *
 * Task (with its call fields) is defined with the owner follow-up tasks in schema.ts.
 * Always present (every org with Sales/Service Cloud, Enhanced Email on by default):
 * - Event: https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_event.htm
 * - EmailMessage: https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_emailmessage.htm
 * - EmailMessageRelation: https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_emailmessagerelation.htm
 * Only where the org has the feature (sandbox option `touchpointObjects`, each off by default, as in a new
 * org: Surveys must be enabled, Chat and Messaging need their Service Cloud licences):
 * - SurveyQuestion / SurveyResponse / SurveyQuestionResponse (read-only through the API, touchpoints.md §7.1)
 * - LiveChatTranscript (legacy Chat), MessagingSession (Messaging, API 47.0+)
 *
 * Activities older than 365 days are archived (`IsArchived`): `query` hides them, `queryAll` returns them
 * (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_queryall.htm). The query
 * runner applies that (soql/run.ts, ARCHIVABLE).
 * Key prefixes 00T (Task), 00U (Event), 02s (EmailMessage), 570 (LiveChatTranscript) are the ones real ids
 * carry; the others here are placeholders (UNCONFIRMED), nothing reads them.
 */
import { objectDef, pick, polyRef, readOnly, ref, type ObjectDef, type Spec } from './schema.ts';

/** Objects whose old rows are archived: hidden from `query`, returned by `queryAll`. */
export const ARCHIVABLE = new Set(['Task', 'Event']);

/** Activity Type defaults (org-editable, unrestricted picklist): Call, Email, Meeting, Other. */
const ACTIVITY_TYPES = ['Call', 'Email', 'Meeting', 'Other'];

const activityCommon = (): Array<[string, Spec]> => [
  ['Subject', { type: 'string', length: 255 }],
  ['WhoId', polyRef(['Contact', 'Lead'], 'Who')],
  ['WhatId', polyRef(['Account', 'Opportunity', 'Case', 'Campaign'], 'What')],
  ['AccountId', ref('Account', 'Account', readOnly)],
  ['OwnerId', ref('User', 'Owner')],
  // Not a custom field: Description is a standard Long Text Area (32,000) and does not cap pages.
  ['Description', { type: 'textarea', length: 32000 }],
  ['ActivityDate', { type: 'date' }],
  ['IsArchived', { type: 'boolean', ...readOnly, nillable: false }],
];

export function touchpointObjects(): ObjectDef[] {
  return [
    objectDef('Event', '00U', [
      ...activityCommon(),
      ['StartDateTime', { type: 'datetime' }],
      ['EndDateTime', { type: 'datetime' }],
      ['ActivityDateTime', { type: 'datetime' }],
      ['DurationInMinutes', { type: 'int' }],
      ['IsAllDayEvent', { type: 'boolean', nillable: false }],
      ['Location', { type: 'string', length: 255 }],
      ['ShowAs', pick(['Busy', 'OutOfOffice', 'Free'])],
      ['EventSubtype', pick(['Event'], true, { updateable: false, defaultPicklistValue: 'Event' })],
      // Event has no standard outcome or no-show field. Teams that track no-shows put it in the
      // standard Type picklist, which is unrestricted, so a value such as "No Show" needs no schema change.
      ['Type', pick(ACTIVITY_TYPES)],
    ]),
    objectDef('EmailMessage', '02s', [
      ['Subject', { type: 'string', length: 3000 }],
      ['FromAddress', { type: 'email' }],
      ['ToAddress', { type: 'string', length: 4000 }],
      ['Incoming', { type: 'boolean', nillable: false }],
      ['MessageDate', { type: 'datetime' }],
      // 0 New, 1 Read, 2 Replied, 3 Sent, 4 Forwarded, 5 Draft (touchpoints.md §6.3).
      ['Status', pick(['0', '1', '2', '3', '4', '5'], true, { nillable: false })],
      ['ParentId', ref('Case', 'Parent')],
      ['RelatedToId', polyRef(['Account', 'Opportunity', 'Case', 'Campaign'], 'RelatedTo')],
      ['ActivityId', ref('Task', 'Activity')],
      ['TextBody', { type: 'textarea', length: 32000 }],
      ['IsBounced', { type: 'boolean', ...readOnly, nillable: false }],
    ], { required: ['Status'] }),
    objectDef('EmailMessageRelation', '0Ef', [
      ['EmailMessageId', ref('EmailMessage', 'EmailMessage', { nillable: false })],
      ['RelationId', polyRef(['Contact', 'Lead', 'User'], 'Relation')],
      ['RelationType', pick(['ToAddress', 'CcAddress', 'BccAddress', 'FromAddress', 'OtherAddress'], true, { nillable: false })],
      ['RelationAddress', { type: 'string', length: 255 }],
      ['RelationObjectType', { type: 'string', length: 255, ...readOnly }],
    ], { required: ['EmailMessageId', 'RelationType'] }),
  ];
}

export interface TouchpointObjectOptions {
  /** Salesforce Surveys (Feedback Management): SurveyQuestion, SurveyResponse, SurveyQuestionResponse. */
  surveys?: boolean;
  /** Legacy Chat: LiveChatTranscript. */
  liveChat?: boolean;
  /** Messaging (SMS, WhatsApp, web): MessagingSession. */
  messaging?: boolean;
}

export function optionalTouchpointObjects(o: TouchpointObjectOptions): ObjectDef[] {
  const out: ObjectDef[] = [];
  if (o.surveys) {
    out.push(
      objectDef('SurveyQuestion', '0Tq', [
        ['Name', { type: 'string', length: 255 }],
        ['QuestionType', pick(['NPS', 'CSAT', 'Rating', 'Score', 'Slider', 'FreeText', 'ShortText', 'MultipleChoice', 'Picklist', 'RadioButton', 'Boolean'], true)],
      ], { createable: false }),
      objectDef('SurveyResponse', '0Kc', [
        ['SubmitterId', polyRef(['Contact', 'Lead', 'User'], 'Submitter', readOnly)],
        ['Status', pick(['NotStarted', 'Started', 'Paused', 'PartiallyCompleted', 'Completed'], true, readOnly)],
        ['CompletionDateTime', { type: 'datetime', ...readOnly }],
      ], { createable: false }),
      objectDef('SurveyQuestionResponse', '0Kd', [
        ['QuestionId', ref('SurveyQuestion', 'Question', readOnly)],
        ['ResponseId', ref('SurveyResponse', 'Response', readOnly)],
        ['NumberValue', { type: 'int', ...readOnly }],
        ['ChoiceValue', { type: 'textarea', length: 32000, ...readOnly }],
        ['Datatype', pick(['Boolean', 'Date', 'Double', 'Int', 'Number', 'String'], true, readOnly)],
      ], { createable: false }),
    );
  }
  if (o.liveChat) {
    out.push(objectDef('LiveChatTranscript', '570', [
      ['Status', pick(['Completed', 'Missed', 'Blocked'], true)],
      ['RequestTime', { type: 'datetime' }],
      ['StartTime', { type: 'datetime' }],
      ['EndTime', { type: 'datetime' }],
      ['ChatDuration', { type: 'int' }],
      ['ContactId', ref('Contact', 'Contact')],
      ['LeadId', ref('Lead', 'Lead')],
      ['CaseId', ref('Case', 'Case')],
      ['OwnerId', ref('User', 'Owner')],
    ]));
  }
  if (o.messaging) {
    out.push(objectDef('MessagingSession', '0Mw', [
      ['ChannelType', pick(['Alexa', 'AppleBusinessChat', 'EmbeddedMessaging', 'Facebook', 'GoogleHome', 'Line', 'Omega', 'Phone', 'Text', 'Voice', 'WeChat', 'WebChat', 'WhatsApp'], true, readOnly)],
      ['Status', pick(['New', 'Active', 'Consent', 'Waiting', 'Paused', 'Inactive', 'Ended', 'Error'], true)],
      ['Origin', pick(['InboundInitiated', 'OutboundInitiated', 'TriggeredOutbound'], true)],
      ['StartTime', { type: 'datetime' }],
      ['EndTime', { type: 'datetime' }],
      ['EndUserContactId', ref('Contact', 'EndUserContact')],
      ['LeadId', ref('Lead', 'Lead')],
      ['CaseId', ref('Case', 'Case')],
      ['OpportunityId', ref('Opportunity', 'Opportunity')],
      ['OwnerId', ref('User', 'Owner')],
      ['AgentType', pick(['Agent', 'Bot', 'BotToAgent', 'System'], true)],
    ]));
  }
  return out;
}
