/**
 * Salesforce interaction rows → canonical touchpoints: channel, direction, time, outcome (normalized, the
 * CRM's own value kept beside it), the people, deals and cases they belong to, and survey answers on their
 * own scale. Values and meanings: touchpoints.md §6–7 (Object Reference for each object).
 *
 * Ids say what they point at: the first three characters are the object's key prefix — 003 Contact,
 * 00Q Lead, 006 Opportunity, 500 Case (WhoId and WhatId are polymorphic).
 */
import type { RawFields, SurveyAnswer, TouchpointChannel, TouchpointDirection, TouchpointOutcome, TouchpointRecord } from '../../src/model.ts';
import { asBool, asNumber, asText, asTime, type FlatRow } from './translate.ts';

const isPerson = (id: string | null): id is string => id !== null && (id.startsWith('003') || id.startsWith('00Q'));
const isDeal = (id: string | null): id is string => id !== null && id.startsWith('006');
const isCase = (id: string | null): id is string => id !== null && id.startsWith('500');
const uniq = (ids: Array<string | null>, keep: (id: string | null) => id is string): string[] => [...new Set(ids.filter(keep))];

/** Every selected scalar except the id, so mapping rules can reach `touchpoint.raw.CallDisposition` etc. */
function rawOf(row: FlatRow): RawFields {
  const raw: RawFields = {};
  for (const [k, v] of Object.entries(row)) if (k !== 'Id' && k !== 'IsDeleted' && k !== 'SystemModstamp') raw[k] = v ?? null;
  return raw;
}

interface Parts {
  channel: TouchpointChannel;
  rawChannel: string | null;
  direction: TouchpointDirection | null;
  at: number | null;
  outcome: TouchpointOutcome | null;
  rawOutcome: string | null;
  contactIds: string[];
  dealIds?: string[];
  ticketIds?: string[];
  ownerId?: string | null;
  survey?: SurveyAnswer | null;
}

function record(objectType: string, row: FlatRow, p: Parts): TouchpointRecord {
  return {
    kind: 'touchpoint',
    id: String(row.Id),
    objectType,
    raw: rawOf(row),
    updatedAt: asTime(row.SystemModstamp),
    ...(p.ownerId !== undefined ? { ownerId: p.ownerId } : {}),
    channel: p.channel,
    rawChannel: p.rawChannel,
    direction: p.direction,
    at: p.at,
    outcome: p.outcome,
    rawOutcome: p.rawOutcome,
    contactIds: p.contactIds,
    dealIds: p.dealIds ?? [],
    ticketIds: p.ticketIds ?? [],
    survey: p.survey ?? null,
  };
}

/** CallDisposition is free text (255): the usual phrasings reps and dialers write. */
export function callOutcome(disposition: string | null): TouchpointOutcome | null {
  if (disposition === null || disposition.trim() === '') return null;
  const d = disposition.toLowerCase();
  if (/wrong\s*(number|#)/.test(d)) return 'wrong_number';
  if (/voice\s*mail|left (a )?message|vm\b/.test(d)) return 'voicemail';
  if (/no[\s-]*answer|unanswered|not answered|no pick/.test(d)) return 'no_answer';
  if (/busy/.test(d)) return 'busy';
  if (/fail|dropped|invalid/.test(d)) return 'failed';
  if (/connect|reached|spoke|talked|answered|completed|meeting (set|booked)/.test(d)) return 'connected';
  return 'other';
}

/** Activity `Type` values (org-editable; defaults Call, Email, Meeting, Other). */
function channelOfType(type: string | null): TouchpointChannel | null {
  const t = (type ?? '').toLowerCase();
  if (t.includes('call')) return 'phone';
  if (t.includes('email')) return 'email';
  if (t.includes('meeting')) return 'meeting';
  if (t.includes('linkedin')) return 'social';
  return null;
}

/**
 * Task: `TaskSubtype` (Call, Email, ListEmail, Cadence, LinkedIn, Task) decides the channel; a plain Task is a
 * to-do unless its `Type` says call/email/meeting, and a to-do is `internal` (no customer saw it).
 * `CallType` Inbound/Outbound gives the direction (Internal: a colleague, `internal`); emails logged from
 * Salesforce are sent mail. When: `CompletedDateTime`, else the `ActivityDate` (a date), else `CreatedDate`.
 */
export function taskToTouchpoint(row: FlatRow): TouchpointRecord {
  const subtype = asText(row.TaskSubtype);
  const type = asText(row.Type);
  const callType = asText(row.CallType);
  let channel: TouchpointChannel;
  switch (subtype) {
    case 'Call': channel = 'phone'; break;
    case 'Email': case 'ListEmail': channel = 'email'; break;
    case 'LinkedIn': channel = 'social'; break;
    case 'Cadence': channel = channelOfType(type) ?? 'other'; break;
    default: channel = channelOfType(type) ?? 'internal';
  }
  if (callType === 'Internal') channel = 'internal';
  const direction: TouchpointDirection | null =
    callType === 'Inbound' ? 'inbound'
    : callType === 'Outbound' ? 'outbound'
    : subtype === 'Email' || subtype === 'ListEmail' || subtype === 'Cadence' || subtype === 'LinkedIn' ? 'outbound'
    : null;
  const closed = asBool(row.IsClosed);
  const disposition = asText(row.CallDisposition);
  let outcome: TouchpointOutcome | null;
  if (channel === 'phone') outcome = callOutcome(disposition);
  else if (channel === 'email' || channel === 'social') outcome = closed ? 'sent' : null;
  else outcome = closed ? 'completed' : row.IsClosed === undefined ? null : 'scheduled';
  const who = asText(row.WhoId);
  const what = asText(row.WhatId);
  return record('Task', row, {
    channel,
    rawChannel: subtype ?? type,
    direction: channel === 'internal' ? null : direction,
    at: asTime(row.CompletedDateTime) ?? asTime(row.ActivityDate) ?? asTime(row.CreatedDate),
    outcome,
    rawOutcome: disposition ?? asText(row.Status),
    contactIds: uniq([who], isPerson),
    dealIds: uniq([what], isDeal),
    ticketIds: uniq([what], isCase),
    ownerId: row.OwnerId === undefined ? undefined : asText(row.OwnerId),
  });
}

/**
 * Event: a meeting (a call when its Type says so). Salesforce has no standard outcome or no-show field on
 * Event; orgs that track them put the value in the standard, unrestricted `Type` picklist ("No Show",
 * "Rescheduled", "Canceled"), which is read here. Otherwise a future event is `scheduled` and a past one
 * has no outcome (nothing says whether it took place).
 */
export function eventToTouchpoint(row: FlatRow, now: number): TouchpointRecord {
  const type = asText(row.Type);
  const t = (type ?? '').toLowerCase();
  const at = asTime(row.StartDateTime) ?? asTime(row.ActivityDateTime) ?? asTime(row.ActivityDate) ?? asTime(row.CreatedDate);
  const outcome: TouchpointOutcome | null =
    /no[\s-]*show/.test(t) ? 'no_show'
    : /resched/.test(t) ? 'rescheduled'
    : /cancel/.test(t) ? 'canceled'
    : at !== null && at > now ? 'scheduled'
    : null;
  const who = asText(row.WhoId);
  const what = asText(row.WhatId);
  return record('Event', row, {
    channel: t.includes('call') ? 'phone' : 'meeting',
    rawChannel: asText(row.EventSubtype) ?? type,
    direction: null,
    at,
    outcome,
    rawOutcome: outcome === null || outcome === 'scheduled' ? null : type,
    contactIds: uniq([who], isPerson),
    dealIds: uniq([what], isDeal),
    ticketIds: uniq([what], isCase),
    ownerId: row.OwnerId === undefined ? undefined : asText(row.OwnerId),
  });
}

/** EmailMessage `Status`: 0 New, 1 Read, 2 Replied, 3 Sent, 4 Forwarded, 5 Draft. A draft was never sent: not a touchpoint. */
export function isDraft(row: FlatRow): boolean {
  return asText(row.Status) === '5';
}

/**
 * EmailMessage: `Incoming` gives the direction, `MessageDate` the time (Email-to-Case sets it from the Date
 * header), `ParentId` the Case (its contact through `Parent.ContactId`), `RelatedToId` a deal or case.
 * People on non-case mail come from EmailMessageRelation (`persons`).
 */
export function emailToTouchpoint(row: FlatRow, persons: string[]): TouchpointRecord {
  const incoming = asBool(row.Incoming);
  const status = asText(row.Status);
  const outcome: TouchpointOutcome | null =
    asBool(row.IsBounced) ? 'bounced'
    : status === '2' ? 'replied'
    : status === '3' ? 'sent'
    : status === '1' ? 'opened'
    : status === '0' ? 'delivered'
    : status === '4' ? 'other'
    : null;
  const parent = asText(row.ParentId);
  const related = asText(row.RelatedToId);
  return record('EmailMessage', row, {
    channel: 'email',
    rawChannel: 'EmailMessage',
    direction: incoming ? 'inbound' : 'outbound',
    at: asTime(row.MessageDate) ?? asTime(row.CreatedDate),
    outcome,
    rawOutcome: status,
    contactIds: uniq([asText(row['Parent.ContactId']), ...persons], isPerson),
    dealIds: uniq([related], isDeal),
    ticketIds: uniq([parent, related], isCase),
  });
}

/** Campaign `Type` → channel (standard values: Conference, Webinar, Trade Show, Direct Mail, Email, Telemarketing, …). */
function campaignChannel(type: string | null): TouchpointChannel {
  const t = (type ?? '').toLowerCase();
  if (t.includes('email')) return 'email';
  if (t.includes('webinar') || t.includes('banner') || t.includes('advertis')) return 'web';
  if (t.includes('conference') || t.includes('trade show') || t.includes('seminar') || t.includes('event')) return 'in_person';
  if (t.includes('direct mail')) return 'postal';
  if (t.includes('telemarketing')) return 'phone';
  if (t.includes('social')) return 'social';
  return 'other';
}

/** CampaignMember response: `HasResponded` (driven by a "responded" member status), dated by `FirstRespondedDate`. */
export function campaignMemberToTouchpoint(row: FlatRow): TouchpointRecord {
  const type = asText(row['Campaign.Type']);
  return record('CampaignMember', row, {
    channel: campaignChannel(type),
    rawChannel: type,
    direction: 'inbound',
    at: asTime(row.FirstRespondedDate) ?? asTime(row.CreatedDate),
    outcome: 'responded',
    rawOutcome: asText(row.Status),
    contactIds: uniq([asText(row.ContactId) ?? asText(row.LeadId)], isPerson),
  });
}

/** LiveChatTranscript (legacy Chat): the visitor starts it; `Status` Completed, Missed or Blocked. */
export function chatToTouchpoint(row: FlatRow): TouchpointRecord {
  const status = asText(row.Status);
  return record('LiveChatTranscript', row, {
    channel: 'chat',
    rawChannel: 'LiveChatTranscript',
    direction: 'inbound',
    at: asTime(row.RequestTime) ?? asTime(row.StartTime) ?? asTime(row.CreatedDate),
    outcome: status === 'Completed' ? 'completed' : status === 'Missed' ? 'no_answer' : status === 'Blocked' ? 'failed' : null,
    rawOutcome: status,
    contactIds: uniq([asText(row.ContactId), asText(row.LeadId)], isPerson),
    ticketIds: uniq([asText(row.CaseId)], isCase),
    ownerId: row.OwnerId === undefined ? undefined : asText(row.OwnerId),
  });
}

/** MessagingSession `ChannelType` → channel. */
function messagingChannel(type: string | null): TouchpointChannel {
  switch (type) {
    case 'WhatsApp': return 'whatsapp';
    case 'Text': return 'sms';
    case 'Facebook': case 'Line': case 'WeChat': case 'AppleBusinessChat': return 'social';
    case 'Phone': case 'Voice': return 'phone';
    default: return 'chat';
  }
}

/** MessagingSession: `Origin` says who started it (InboundInitiated, OutboundInitiated, TriggeredOutbound). */
export function messagingToTouchpoint(row: FlatRow): TouchpointRecord {
  const type = asText(row.ChannelType);
  const origin = asText(row.Origin) ?? '';
  const status = asText(row.Status);
  return record('MessagingSession', row, {
    channel: messagingChannel(type),
    rawChannel: type,
    direction: /outbound/i.test(origin) ? 'outbound' : 'inbound',
    at: asTime(row.StartTime) ?? asTime(row.CreatedDate),
    outcome: status === 'Ended' ? 'completed' : status === 'Error' ? 'failed' : null,
    rawOutcome: status,
    contactIds: uniq([asText(row.EndUserContactId), asText(row.LeadId)], isPerson),
    dealIds: uniq([asText(row.OpportunityId)], isDeal),
    ticketIds: uniq([asText(row.CaseId)], isCase),
    ownerId: row.OwnerId === undefined ? undefined : asText(row.OwnerId),
  });
}

/**
 * A numeric survey answer on its question's scale. `NumberValue` holds NPS, Rating, Score and Slider answers
 * (Object Reference, SurveyQuestionResponse). NPS 0–10 (9–10 promoters, 7–8 passives, 0–6 detractors);
 * CSAT and Rating on 1–5 (4–5 satisfied, 3 neutral; the 5-point scale is Salesforce's default rating scale —
 * orgs can change it: UNCONFIRMED per org); Slider 0–100.
 */
export function surveyAnswer(questionType: string | null, value: number | null): SurveyAnswer {
  const t = (questionType ?? '').toUpperCase();
  if (t === 'NPS') return { type: 'nps', score: value, scale: { min: 0, max: 10 }, sentiment: band(value, 9, 7) };
  if (t === 'SLIDER') return { type: 'other', score: value, scale: { min: 0, max: 100 }, sentiment: band(value, 70, 40) };
  return { type: t === 'CSAT' ? 'csat' : 'other', score: value, scale: { min: 1, max: 5 }, sentiment: band(value, 4, 3) };
}

function band(v: number | null, positiveFrom: number, neutralFrom: number): SurveyAnswer['sentiment'] {
  if (v === null) return null;
  return v >= positiveFrom ? 'positive' : v >= neutralFrom ? 'neutral' : 'negative';
}

export function surveyToTouchpoint(row: FlatRow, question: { type: string | null }, response: { submitterId: string | null; completedAt: number | null } | undefined): TouchpointRecord {
  return record('SurveyQuestionResponse', row, {
    channel: 'survey',
    rawChannel: question.type,
    direction: 'inbound',
    at: response?.completedAt ?? asTime(row.CreatedDate),
    outcome: 'responded',
    rawOutcome: null,
    contactIds: uniq([response?.submitterId ?? null], isPerson),
    survey: surveyAnswer(question.type, asNumber(row.NumberValue)),
  });
}
