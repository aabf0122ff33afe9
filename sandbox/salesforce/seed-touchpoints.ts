/**
 * Seeds each persona's interactions the way a standard Salesforce org records them (issue 13): logged
 * calls and list emails as Tasks, meetings as Events, Enhanced Email and Email-to-Case mail as
 * EmailMessage (+ EmailMessageRelation, + the Task Enhanced Email logs for a sent email), campaign
 * responses on CampaignMember; and, where the org has the feature, survey answers, chats and messaging
 * sessions. Deterministic: one PRNG per (seed, persona index), independent of the other personas.
 *
 * The mix follows the journey: before a deal, marketing list emails, a few prospecting calls and the odd
 * inbound question; while a deal is open, calls, meetings (some no-shows) and two-way email; as a customer,
 * support mail on Cases (some inbound never answered), check-in calls, surveys. About 15 interactions a
 * contact on average, more for customers, fewer for cold leads.
 *
 * Which object holds which interaction, per the Salesforce Object Reference (shapes: schema-touchpoints.ts):
 * Task (TaskSubtype Call/Email/ListEmail, CallType) https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_task.htm ;
 * Event https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_event.htm ;
 * EmailMessage (Enhanced Email logs a Task with ActivityId; Incoming; ParentId for Email-to-Case)
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_emailmessage.htm ;
 * CampaignMember (HasResponded, FirstRespondedDate) https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_campaignmember.htm ;
 * activities older than 365 days are archived and returned only by queryAll (../../../shared/crm-facts/touchpoints.md).
 */
import { mulberry32, type Persona, type PersonaDeal, type PersonaTicket } from '../demo-data.ts';
import { DAY_MS, HOUR_MS } from '../../src/model.ts';
import { sfDate } from './format.ts';
import type { Org, Values } from './org.ts';
import type { TouchpointObjectOptions } from './schema-touchpoints.ts';

const YEAR_MS = 365 * DAY_MS;
const MINUTE_MS = 60_000;

export interface TouchpointSeedContext {
  seed: number;
  now: number;
  features: TouchpointObjectOptions;
  /** SurveyQuestion ids, when the org has Surveys. */
  questions: { nps: string; csat: string } | null;
}

export interface SeededPerson {
  persona: Persona;
  personId: string;
  isLead: boolean;
  /** The person's record owner (a User): the rep who logs their calls, mail and meetings. */
  ownerId: string;
  deals: Array<{ id: string; deal: PersonaDeal }>;
  cases: Array<{ id: string; ticket: PersonaTicket }>;
}

/** Call results as reps type them (CallDisposition is free text). */
const DISPOSITIONS = [
  ['Connected', 50],
  ['Left voicemail', 20],
  ['No answer', 18],
  ['Busy', 7],
  ['Wrong number', 5],
] as const;

/** The org's survey questions (Surveys on): one NPS, one CSAT. */
export function seedSurveyQuestions(org: Org, now: number): { nps: string; csat: string } {
  const created = now - 800 * DAY_MS;
  return {
    nps: org.insertRaw('SurveyQuestion', { Name: 'How likely are you to recommend us to a friend or colleague?', QuestionType: 'NPS', CreatedDate: created }),
    csat: org.insertRaw('SurveyQuestion', { Name: 'How satisfied are you with how we handled your request?', QuestionType: 'CSAT', CreatedDate: created }),
  };
}

export function seedTouchpoints(org: Org, p: SeededPerson, ctx: TouchpointSeedContext): void {
  const rnd = mulberry32((Math.imul(ctx.seed ^ 0x5f3759df, 2654435761) ^ Math.imul(p.persona.index + 1, 40503)) >>> 0);
  const chance = (x: number): boolean => rnd() < x;
  const int = (a: number, b: number): number => a + Math.floor(rnd() * (b - a + 1));
  const within = (from: number, to: number): number => Math.floor(from + rnd() * Math.max(0, to - from));
  const { now } = ctx;
  const who = p.personId;
  const owner = p.ownerId;
  const past = (t: number): number => Math.min(t, now - MINUTE_MS);
  const archived = (t: number): boolean => now - t > YEAR_MS;

  const call = (at: number, direction: 'Inbound' | 'Outbound', whatId: string | null, disposition?: string): void => {
    const result = disposition ?? weighted(rnd, DISPOSITIONS);
    at = past(at);
    org.insertRaw('Task', {
      Subject: direction === 'Inbound' ? 'Inbound call' : 'Call', WhoId: who, WhatId: whatId, OwnerId: owner,
      TaskSubtype: 'Call', Type: 'Call', CallType: direction, CallDisposition: result,
      CallDurationInSeconds: result === 'Connected' ? int(60, 1800) : result === 'Left voicemail' ? int(20, 60) : 0,
      Status: 'Completed', IsClosed: true, Priority: 'Normal', ActivityDate: sfDate(at), CompletedDateTime: at,
      IsArchived: archived(at), CreatedDate: at,
    });
  };
  const listEmail = (at: number): void => {
    at = past(at);
    org.insertRaw('Task', {
      Subject: 'List Email: Product news', WhoId: who, OwnerId: owner, TaskSubtype: 'ListEmail', Type: 'Email',
      Status: 'Completed', IsClosed: true, Priority: 'Normal', ActivityDate: sfDate(at), CompletedDateTime: at, IsArchived: archived(at), CreatedDate: at,
    });
  };
  const meeting = (start: number, whatId: string | null, noShow: boolean): void => {
    const created = Math.min(start - int(1, 10) * DAY_MS, now - HOUR_MS);
    const minutes = chance(0.6) ? 30 : 60;
    org.insertRaw('Event', {
      Subject: noShow ? 'Demo (no show)' : 'Meeting', WhoId: who, WhatId: whatId, OwnerId: owner, EventSubtype: 'Event',
      Type: noShow ? 'No Show' : 'Meeting', StartDateTime: start, EndDateTime: start + minutes * MINUTE_MS, ActivityDateTime: start,
      ActivityDate: sfDate(start), DurationInMinutes: minutes, IsAllDayEvent: false, ShowAs: 'Busy',
      IsArchived: archived(start), CreatedDate: created, LastModifiedDate: noShow ? Math.max(created, Math.min(start + HOUR_MS, now - MINUTE_MS)) : created,
    });
  };
  /** One email: EmailMessage, its person relation and, for mail sent from Salesforce, the Task Enhanced Email logs. */
  const email = (at: number, incoming: boolean, caseId: string | null, whatId: string | null): void => {
    at = past(at);
    let activityId: string | null = null;
    if (!incoming && !caseId) {
      activityId = org.insertRaw('Task', {
        Subject: 'Email: Following up', WhoId: who, WhatId: whatId, OwnerId: owner, TaskSubtype: 'Email', Type: 'Email',
        Status: 'Completed', IsClosed: true, Priority: 'Normal', ActivityDate: sfDate(at), CompletedDateTime: at, IsArchived: archived(at), CreatedDate: at,
      });
    }
    const id = org.insertRaw('EmailMessage', {
      Subject: caseId ? (incoming ? 'Re: support request' : 'Re: your case') : incoming ? 'Question' : 'Following up',
      FromAddress: incoming ? (p.persona.email ?? 'unknown@example.com') : 'sales@parcours.example',
      ToAddress: incoming ? 'support@parcours.example' : (p.persona.email ?? ''),
      Incoming: incoming, MessageDate: at, Status: incoming ? (chance(0.7) ? '2' : '1') : '3',
      ParentId: caseId, RelatedToId: caseId ?? whatId, ActivityId: activityId, CreatedDate: at,
    });
    org.insertRaw('EmailMessageRelation', { EmailMessageId: id, RelationId: who, RelationType: incoming ? 'FromAddress' : 'ToAddress', RelationAddress: p.persona.email, RelationObjectType: p.isLead ? 'Lead' : 'Contact', CreatedDate: at });
    // The rep's own From/To relation (a User) is left out: nothing reads it, and it would double the rows.
  };
  const survey = (at: number, kind: 'nps' | 'csat'): void => {
    if (!ctx.questions) return;
    at = past(at);
    const score = kind === 'nps' ? (p.persona.nps ?? int(0, 10)) : csat5(p.persona.csat, rnd);
    const response = org.insertRaw('SurveyResponse', { SubmitterId: who, Status: 'Completed', CompletionDateTime: at, CreatedDate: at });
    org.insertRaw('SurveyQuestionResponse', { QuestionId: ctx.questions[kind], ResponseId: response, NumberValue: score, Datatype: 'Int', CreatedDate: at });
  };

  const created = Math.max(p.persona.createdAt, now - 3 * YEAR_MS);
  const firstDeal = p.deals.reduce<number | null>((m, d) => (m === null || d.deal.createdAt < m ? d.deal.createdAt : m), null);
  const won = p.deals.find((d) => d.deal.outcome === 'won');

  // Before any deal: marketing and prospecting.
  const leadEnd = Math.min(firstDeal ?? now, now);
  const span = leadEnd - created;
  if (span > 0) {
    const share = Math.min(1, span / (120 * DAY_MS));
    for (let i = Math.round(int(4, 9) * share); i > 0; i--) listEmail(within(created, leadEnd));
    for (let i = Math.round(int(0, 3) * share); i > 0; i--) call(within(created, leadEnd), 'Outbound', null);
    if (chance(0.35 * share + 0.1)) {
      const asked = within(created, leadEnd);
      email(asked, true, null, null);
      // Most questions get an answer within hours; some never do.
      if (chance(0.8)) email(asked + int(1, 30) * HOUR_MS, false, null, null);
    }
    if (!p.isLead && chance(0.3)) call(within(created, leadEnd), 'Inbound', null);
  }

  // While deals are open: calls, meetings, two-way email.
  for (const { id, deal } of p.deals) {
    const end = Math.min(deal.closedAt ?? now, now);
    if (end <= deal.createdAt) continue;
    for (let i = int(1, 4); i > 0; i--) call(within(deal.createdAt, end), chance(0.85) ? 'Outbound' : 'Inbound', id);
    for (let i = int(1, 3); i > 0; i--) meeting(within(deal.createdAt, end + (deal.outcome === 'open' ? 14 * DAY_MS : 0)), id, chance(0.12));
    for (let i = int(1, 3); i > 0; i--) {
      const at = within(deal.createdAt, end);
      email(at, false, null, id);
      if (chance(0.5)) email(at + int(2, 72) * HOUR_MS, true, null, id);
    }
    if (chance(0.12)) survey(within(deal.createdAt, end), 'nps');
  }

  // As a customer: support on Cases, check-ins, surveys.
  for (const { id, ticket } of p.cases) {
    if (ticket.channel === 'PHONE') call(ticket.createdAt, 'Inbound', id, 'Connected');
    else if (ticket.channel === 'CHAT' && ctx.features.liveChat) chat(org, who, id, ticket, rnd);
    else if (ticket.channel === 'CHAT' && ctx.features.messaging) messaging(org, who, id, ticket, rnd, p.isLead);
    else email(ticket.createdAt, true, id, null);
    if (ticket.firstResponseAt !== null) email(ticket.firstResponseAt, false, id, null);
    for (let i = int(0, 2); i > 0 && ticket.firstResponseAt !== null; i--) {
      const from = ticket.firstResponseAt;
      const to = ticket.closedAt ?? now;
      if (to > from) email(within(from, to), i % 2 === 0, id, null);
    }
    if (ticket.closedAt !== null && chance(0.35)) survey(ticket.closedAt + int(1, 48) * HOUR_MS, 'csat');
  }
  if (won?.deal.closedAt) {
    const since = won.deal.closedAt;
    for (let i = int(1, 3); i > 0; i--) call(within(since, now), 'Outbound', won.id);
    if (chance(0.5)) meeting(within(since, now + 10 * DAY_MS), won.id, chance(0.08));
    if (chance(0.5)) survey(within(since, now), 'nps');
  }
  if (ctx.features.messaging && !p.isLead && chance(0.1)) messaging(org, who, null, null, rnd, false);
}

function chat(org: Org, who: string, caseId: string, t: PersonaTicket, rnd: () => number): void {
  const missed = t.firstResponseAt === null;
  const start = missed ? null : t.createdAt + Math.floor(rnd() * 5) * MINUTE_MS;
  org.insertRaw('LiveChatTranscript', {
    ContactId: who, CaseId: caseId, OwnerId: org.apiUserId, Status: missed ? 'Missed' : 'Completed',
    RequestTime: t.createdAt, StartTime: start, EndTime: start === null ? null : start + 12 * MINUTE_MS,
    ChatDuration: start === null ? 0 : 720, CreatedDate: t.createdAt,
  });
}

function messaging(org: Org, who: string, caseId: string | null, t: PersonaTicket | null, rnd: () => number, isLead: boolean): void {
  const start = t?.createdAt ?? org.clock() - Math.floor(rnd() * 200) * DAY_MS;
  const channel = rnd() < 0.5 ? 'WhatsApp' : rnd() < 0.6 ? 'Text' : 'EmbeddedMessaging';
  const inbound = t !== null || rnd() < 0.5;
  const values: Values = {
    ChannelType: channel, Status: 'Ended', Origin: inbound ? 'InboundInitiated' : 'TriggeredOutbound', StartTime: start, EndTime: start + 20 * MINUTE_MS,
    CaseId: caseId, OwnerId: org.apiUserId, AgentType: 'Agent', CreatedDate: start,
  };
  values[isLead ? 'LeadId' : 'EndUserContactId'] = who;
  org.insertRaw('MessagingSession', values);
}

function weighted(rnd: () => number, items: ReadonlyArray<readonly [string, number]>): string {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rnd() * total;
  for (const [v, w] of items) if ((r -= w) < 0) return v;
  return items[items.length - 1]![0];
}

/** The persona's CSAT (HubSpot's 0–2 bands) on a 1–5 survey scale. */
function csat5(csat: number | null, rnd: () => number): number {
  if (csat === null) return 1 + Math.floor(rnd() * 5);
  return csat === 0 ? (rnd() < 0.5 ? 1 : 2) : csat === 1 ? 3 : rnd() < 0.5 ? 4 : 5;
}
