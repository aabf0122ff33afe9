/**
 * HubSpot engagements, feedback submissions and contact form conversions → canonical touchpoints.
 * Value sets: touchpoints.md §1.2 (calls/emails/meetings/communications guides), §3.2–3.3 (feedback).
 * Portal-defined values (custom call outcomes, meeting outcomes, channel types) keep their raw value and
 * normalize to `other` (or, for calls, to what `hs_call_status` says).
 */
import type { RawFields, SurveyAnswer, SurveyType, TouchpointChannel, TouchpointDirection, TouchpointOutcome, TouchpointRecord } from '../../src/model.ts';
import type { CrmObject } from './schemas.ts';
import { FORM_CONVERSIONS, TOUCHPOINT_MODIFIED, TOUCHPOINT_PROPERTIES, type TouchpointObject } from './touchpoint-objects.ts';
import { parseTime } from './translate.ts';

type Props = Record<string, string | null>;

export interface TouchpointLinks {
  contactIds: string[];
  dealIds: string[];
  ticketIds: string[];
}

const str = (v: string | null | undefined): string | null => (v === undefined || v === null || v === '' ? null : v);
/** Enumeration values compared loosely: `no show`, `No-Show` and `NO_SHOW` are one value. */
const norm = (v: string | null): string | null => (v === null ? null : v.trim().toUpperCase().replace(/[\s-]+/g, '_'));

/**
 * Default call outcome GUIDs (`hs_call_disposition`), from the calls guide:
 * https://developers.hubspot.com/docs/api-reference/legacy/crm/activities/calls/guide
 * "Left live message" (someone other than the contact answered) stays `other`.
 */
export const CALL_DISPOSITION_OUTCOMES: Record<string, TouchpointOutcome> = {
  '9d9162e7-6cf3-4944-bf63-4dff82258764': 'busy',
  'f240bbac-87c9-4f6e-bf70-924b57d47db7': 'connected',
  'a4c4c377-d246-4b32-a13b-75a56a4cd0ff': 'other',
  'b2cf5968-551e-4856-9783-52b3da59a7d0': 'voicemail',
  '73a0d17f-1163-4015-bdd5-ec830791da20': 'no_answer',
  '17b47fee-58de-441e-a44c-c6300d46f273': 'wrong_number',
};

/** `hs_call_status`, for calls without a known disposition (custom outcome GUIDs, or none logged). In-flight states have no outcome yet. */
const CALL_STATUS_OUTCOMES: Record<string, TouchpointOutcome | null> = {
  COMPLETED: 'connected',
  BUSY: 'busy',
  NO_ANSWER: 'no_answer',
  // Not in the documented list, but the voicemail section says missed inbound calls have status "missed".
  MISSED: 'no_answer',
  FAILED: 'failed',
  CANCELED: 'canceled',
  CALLING_CRM_USER: null,
  CONNECTING: null,
  IN_PROGRESS: null,
  QUEUED: null,
  RINGING: null,
};

const MEETING_OUTCOMES: Record<string, TouchpointOutcome> = { SCHEDULED: 'scheduled', COMPLETED: 'completed', RESCHEDULED: 'rescheduled', NO_SHOW: 'no_show', CANCELED: 'canceled', CANCELLED: 'canceled' };
const EMAIL_OUTCOMES: Record<string, TouchpointOutcome | null> = { SENT: 'sent', BOUNCED: 'bounced', FAILED: 'failed', SCHEDULED: 'scheduled', SENDING: null };

/** `hs_communication_channel_type`: SMS, WHATS_APP, LINKEDIN_MESSAGE documented; LIVE_CHAT and FB_MESSENGER seen in community code. */
const COMMUNICATION_CHANNELS: Record<string, TouchpointChannel> = { SMS: 'sms', WHATS_APP: 'whatsapp', LINKEDIN_MESSAGE: 'social', FB_MESSENGER: 'social', LIVE_CHAT: 'chat' };

/** HubSpot's survey scales and sentiment bands (touchpoints.md §3.3; knowledge.hubspot.com survey-response-properties). */
const SURVEY_SCALES: Record<Exclude<SurveyType, 'other'>, { min: number; max: number; passive: number; promoter: number }> = {
  nps: { min: 0, max: 10, passive: 7, promoter: 9 },
  csat: { min: 0, max: 2, passive: 1, promoter: 2 },
  ces: { min: 1, max: 7, passive: 4, promoter: 6 },
};
const RESPONSE_GROUPS: Record<string, SurveyAnswer['sentiment']> = { PROMOTER: 'positive', PASSIVE: 'neutral', DETRACTOR: 'negative' };

function callOutcome(p: Props): { outcome: TouchpointOutcome | null; raw: string | null } {
  const disposition = str(p.hs_call_disposition);
  const status = norm(str(p.hs_call_status));
  const known = disposition === null ? undefined : CALL_DISPOSITION_OUTCOMES[disposition];
  if (known !== undefined) return { outcome: known, raw: disposition };
  // A custom outcome GUID: the status still says whether the call went through.
  const byStatus = status === null ? null : status in CALL_STATUS_OUTCOMES ? (CALL_STATUS_OUTCOMES[status] ?? null) : 'other';
  return { outcome: byStatus ?? (disposition !== null ? 'other' : null), raw: disposition ?? status };
}

function direction(object: TouchpointObject, p: Props): TouchpointDirection | null {
  if (object === 'calls') {
    const d = norm(str(p.hs_call_direction));
    return d === 'INBOUND' ? 'inbound' : d === 'OUTBOUND' ? 'outbound' : null;
  }
  if (object === 'emails') {
    // EMAIL: sent from the CRM or logged by BCC; INCOMING_EMAIL: the contact's reply to a logged e-mail;
    // FORWARDED_EMAIL: forwarded into the CRM by a user — who wrote it is not said, so no direction.
    const d = norm(str(p.hs_email_direction));
    return d === 'EMAIL' ? 'outbound' : d === 'INCOMING_EMAIL' ? 'inbound' : null;
  }
  // The customer answered: a survey answer comes in. Meetings, notes, communications and postal mail have
  // no documented direction property.
  return object === 'feedback_submissions' ? 'inbound' : null;
}

export function surveyAnswer(p: Props): SurveyAnswer {
  const raw = norm(str(p.hs_survey_type));
  const type: SurveyType = raw === 'NPS' ? 'nps' : raw === 'CSAT' ? 'csat' : raw === 'CES' ? 'ces' : 'other';
  const value = str(p.hs_value);
  const score = value === null || !Number.isFinite(Number(value)) ? null : Number(value);
  const group = norm(str(p.hs_response_group));
  const own = group === null ? undefined : RESPONSE_GROUPS[group];
  if (type === 'other') {
    // A custom survey: its scale is the portal's; only HubSpot's own band says how it felt.
    return { type, score, scale: { min: 0, max: 10 }, sentiment: own ?? null };
  }
  const scale = SURVEY_SCALES[type];
  const derived = score === null ? null : score >= scale.promoter ? 'positive' : score >= scale.passive ? 'neutral' : 'negative';
  return { type, score, scale: { min: scale.min, max: scale.max }, sentiment: own ?? derived };
}

function rawFields(object: TouchpointObject, p: Props): RawFields {
  const raw: RawFields = {};
  for (const name of TOUCHPOINT_PROPERTIES[object]) {
    const v = str(p[name]);
    if (v !== null && name !== 'hubspot_owner_id') raw[name] = v;
  }
  return raw;
}

const RAW_CHANNEL: Record<Exclude<TouchpointObject, 'communications' | 'feedback_submissions'>, string> = { calls: 'CALL', emails: 'EMAIL', meetings: 'MEETING', notes: 'NOTE', postal_mail: 'POSTAL_MAIL' };
const CHANNEL: Record<Exclude<TouchpointObject, 'communications'>, TouchpointChannel> = {
  calls: 'phone',
  emails: 'email',
  meetings: 'meeting',
  // Notes are the team's own record: kept, never counted as customer-facing.
  notes: 'internal',
  postal_mail: 'postal',
  feedback_submissions: 'survey',
};

export function toTouchpoint(object: TouchpointObject, obj: CrmObject, links: TouchpointLinks): TouchpointRecord {
  const p = obj.properties;
  let channel: TouchpointChannel;
  let rawChannel: string | null;
  if (object === 'communications') {
    rawChannel = str(p.hs_communication_channel_type);
    const key = norm(rawChannel);
    channel = key === null ? 'other' : (COMMUNICATION_CHANNELS[key] ?? 'other');
  } else {
    channel = CHANNEL[object];
    rawChannel = object === 'feedback_submissions' ? str(p.hs_survey_channel) : RAW_CHANNEL[object];
  }
  let outcome: TouchpointOutcome | null = null;
  let rawOutcome: string | null = null;
  if (object === 'calls') ({ outcome, raw: rawOutcome } = callOutcome(p));
  else if (object === 'meetings') {
    rawOutcome = str(p.hs_meeting_outcome);
    const key = norm(rawOutcome);
    outcome = key === null ? null : (MEETING_OUTCOMES[key] ?? 'other');
  } else if (object === 'emails') {
    rawOutcome = str(p.hs_email_status);
    const key = norm(rawOutcome);
    outcome = key === null ? null : key in EMAIL_OUTCOMES ? (EMAIL_OUTCOMES[key] ?? null) : 'other';
  }
  const created = parseTime(obj.createdAt) ?? parseTime(p.hs_createdate);
  // Meetings: when it takes place (hs_timestamp defaults to the start); surveys: when it was submitted.
  const at =
    object === 'meetings' ? (parseTime(p.hs_meeting_start_time) ?? parseTime(p.hs_timestamp))
    : object === 'feedback_submissions' ? (parseTime(p.hs_submission_timestamp) ?? created)
    : parseTime(p.hs_timestamp);
  return {
    kind: 'touchpoint',
    id: obj.id,
    objectType: object,
    raw: rawFields(object, p),
    updatedAt: parseTime(p[TOUCHPOINT_MODIFIED]) ?? parseTime(obj.updatedAt),
    ownerId: object === 'feedback_submissions' ? null : str(p.hubspot_owner_id),
    channel,
    rawChannel,
    direction: direction(object, p),
    at: at ?? created,
    outcome,
    rawOutcome,
    contactIds: links.contactIds,
    dealIds: links.dealIds,
    ticketIds: links.ticketIds,
    survey: object === 'feedback_submissions' ? surveyAnswer(p) : null,
  };
}

/**
 * The form conversions a contact holds: the first and the most recent (one when they are the same).
 * Ids `<contactId>:first` / `<contactId>:recent` are stable, so a later conversion replaces the
 * previous "recent" one instead of piling up beside it (a full pass would sweep those anyway: HubSpot
 * keeps no list of a contact's conversions on the contact, only these two and a count).
 */
export function formConversions(contact: CrmObject): TouchpointRecord[] {
  const p = contact.properties;
  const updatedAt = parseTime(p.lastmodifieddate) ?? parseTime(contact.updatedAt);
  const one = (which: 'first' | 'recent'): TouchpointRecord | null => {
    const at = parseTime(p[`${which}_conversion_date`]);
    if (at === null) return null;
    const name = str(p[`${which}_conversion_event_name`]);
    const raw: RawFields = { event: name };
    if (which === 'recent') raw.count = str(p.num_conversion_events);
    return {
      kind: 'touchpoint',
      id: `${contact.id}:${which}`,
      objectType: FORM_CONVERSIONS,
      raw,
      updatedAt,
      ownerId: null,
      channel: 'form',
      rawChannel: 'FORM',
      direction: 'inbound',
      at,
      outcome: 'responded',
      rawOutcome: name,
      contactIds: [contact.id],
      dealIds: [],
      ticketIds: [],
      survey: null,
    };
  };
  const first = one('first');
  const recent = one('recent');
  const same = first !== null && recent !== null && first.at === recent.at && first.rawOutcome === recent.rawOutcome;
  return [first, same ? null : recent].filter((t): t is TouchpointRecord => t !== null);
}
