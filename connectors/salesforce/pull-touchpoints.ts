/**
 * `pullTouchpoints`: every interaction and survey answer, one object after another, with one cursor holding
 * a (SystemModstamp, Id) mark per object.
 *
 * Every read goes through `queryAll` (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_queryall.htm):
 * Salesforce archives Events and closed Tasks older than 365 days (`IsArchived`) and `query` no longer
 * returns them (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_queryall.htm;
 * touchpoints.md pitfall 1), so a backfill through `query` silently loses the oldest year(s).
 * - full: `SELECT … FROM X WHERE IsDeleted = false ORDER BY SystemModstamp, Id` (queryAll also returns the
 *   recycle bin; the filter keeps it out). Above `bulkThreshold` rows (the first page's `totalSize`) a Bulk API
 *   2.0 `queryAll` job reads the rest, as the record pull does. Batches carry a pass id; the last says `complete`.
 * - incremental: `SELECT … FROM X WHERE <since mark> ORDER BY SystemModstamp, Id`, same in-flight rule as the
 *   record pull (pull.ts `sinceClause`: a recent cursor second is re-read whole). One queryAll returns changed
 *   and deleted rows together (`IsDeleted = true` → removed), so deletions cost no extra call.
 * An object the org gained since the last run (no mark yet) is read in full.
 *
 * Joins: a Task that an EmailMessage points at (`ActivityId`, logged by Enhanced Email) is that email, not a
 * second touchpoint; the people on mail outside Cases come from EmailMessageRelation; survey answers need their
 * SurveyQuestion (scale) and SurveyResponse (who, when).
 */
import { z } from 'zod';
import type { Cursor, TouchpointBatch, TouchpointPullOptions } from '../port.ts';
import type { TouchpointRecord } from '../../src/model.ts';
import { ParcoursError } from '../../src/errors.ts';
import type { SalesforceClient } from './client.ts';
import { bulkQueryPages } from './bulk-query.ts';
import { sinceClause, type Mark } from './pull.ts';
import { queryRows, type QueryPage } from './rest-query.ts';
import { QueryReader } from './query-streams.ts';
import { IDS_PER_QUERY, chunk, inList, quote, select } from './soql.ts';
import { readTouchpointCatalog, type TouchpointCatalog, type TouchpointObject, type TouchpointPlan } from './touchpoint-objects.ts';
import { asBool, asNumber, asText, asTime, type FlatRow } from './translate.ts';
import {
  campaignMemberToTouchpoint, chatToTouchpoint, emailToTouchpoint, eventToTouchpoint, isDraft, messagingToTouchpoint, surveyToTouchpoint, taskToTouchpoint,
} from './translate-touchpoint.ts';

const MarkSchema = z.object({ modstamp: z.number(), id: z.string() });
export const TouchpointCursor = z.object({ v: z.literal(1), touchpoints: z.record(z.string(), MarkSchema) });
export type TouchpointCursor = z.infer<typeof TouchpointCursor>;

function readCursor(cursor: Cursor | undefined): TouchpointCursor {
  if (cursor === undefined) return { v: 1, touchpoints: {} };
  const parsed = TouchpointCursor.safeParse(cursor);
  if (!parsed.success) throw new ParcoursError('INPUT_INVALID', 'Saved Salesforce touchpoint cursor is not one this connector wrote; run a full sync to reset it.', { crm: 'salesforce' });
  return parsed.data;
}

function later(a: Mark | undefined, row: FlatRow): Mark {
  const m = { modstamp: asTime(row.SystemModstamp) ?? 0, id: String(row.Id) };
  if (!a) return m;
  return m.modstamp > a.modstamp || (m.modstamp === a.modstamp && m.id > a.id) ? m : a;
}

/** Rows a full pass keeps beyond `IsDeleted = false`: responses only, numeric answers only. */
const FULL_FILTER: Partial<Record<TouchpointObject, string>> = {
  CampaignMember: 'HasResponded = true',
  SurveyQuestionResponse: 'NumberValue != null',
};

interface Ctx {
  client: SalesforceClient;
  catalog: TouchpointCatalog;
  state: TouchpointCursor;
  now: number;
  /** Task ids that are EmailMessages' activities (full pass: from the EmailMessage rows read first). */
  emailActivities: Set<string>;
  /** Full pass: EmailMessage id → people, preloaded from EmailMessageRelation. */
  emailPeople: Map<string, string[]> | null;
  surveyQuestions: Map<string, string | null> | null;
  emailsReadInFull: boolean;
}

/** Pages of one object's rows (REST, or Bulk for a big full read) with the mark to save after each. */
async function* rowPages(ctx: Ctx, plan: TouchpointPlan, full: boolean): AsyncGenerator<{ rows: FlatRow[]; mark: Mark | undefined }> {
  const { client } = ctx;
  const mark = full ? undefined : ctx.state.touchpoints[plan.object];
  const where = mark ? sinceClause(mark, ctx.now) : ['IsDeleted = false', FULL_FILTER[plan.object]].filter(Boolean).join(' AND ');
  const soql = select(plan.select, plan.object, where, 'SystemModstamp, Id');
  const useBulk = (p: QueryPage): boolean => !mark && p.totalSize > client.config.bulkThreshold;
  // Next pages are read five per Composite call (query-streams.ts); a big full read stops after page one.
  const stream = new QueryReader(client).open(soql, { all: true, afterFirst: (p) => !useBulk(p) });
  const first = await stream.page();
  let last = mark;
  if (first && useBulk(first)) {
    stream.close();
    // Bulk 2.0 queryAll also returns archived activities; rows are unordered, so the mark moves at the end.
    for await (const rows of bulkQueryPages(client, select(plan.select, plan.object, where), { all: true })) {
      for (const r of rows) last = later(last, r);
      yield { rows, mark: undefined };
    }
    yield { rows: [], mark: last };
    return;
  }
  for (let page = first; page; page = await stream.page()) {
    for (const r of page.rows) last = later(last, r);
    yield { rows: page.rows, mark: last };
  }
}

/** EmailMessage id → Contact/Lead ids on it (EmailMessageRelation; RelationId null = an address with no record). */
async function emailPeople(client: SalesforceClient, catalog: TouchpointCatalog, emailIds: string[] | null): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const rel = catalog.helpers.get('EmailMessageRelation');
  if (!rel || !rel.fields.has('RelationId') || !rel.fields.has('EmailMessageId')) return out;
  const personFilter = rel.fields.has('RelationObjectType') ? "RelationObjectType IN ('Contact', 'Lead')" : 'RelationId != null';
  // A Case's mail reaches its contact through the Case (`Parent.ContactId`): the full read skips its relations.
  const outsideCases = rel.relationships.has('EmailMessage') ? ' AND EmailMessage.ParentId = null' : '';
  const add = (rows: FlatRow[]): void => {
    for (const r of rows) {
      const person = asText(r.RelationId);
      if (!person || !(person.startsWith('003') || person.startsWith('00Q'))) continue;
      const email = String(r.EmailMessageId);
      out.set(email, [...(out.get(email) ?? []), person]);
    }
  };
  if (emailIds === null) {
    const soql = select(['EmailMessageId', 'RelationId'], 'EmailMessageRelation', personFilter + outsideCases);
    const big = (p: QueryPage): boolean => p.totalSize > client.config.bulkThreshold;
    const stream = new QueryReader(client).open(soql, { afterFirst: (p) => !big(p) });
    const first = await stream.page();
    if (first && big(first)) {
      stream.close();
      for await (const rows of bulkQueryPages(client, soql)) add(rows);
    } else {
      for (let page = first; page; page = await stream.page()) add(page.rows);
    }
  } else {
    for (const ids of chunk(emailIds, IDS_PER_QUERY)) add(await queryRows(client, select(['EmailMessageId', 'RelationId'], 'EmailMessageRelation', `EmailMessageId IN ${inList(ids)} AND ${personFilter}`)));
  }
  return out;
}

async function translatePage(ctx: Ctx, object: TouchpointObject, rows: FlatRow[], full: boolean): Promise<{ records: TouchpointRecord[]; removed: string[] }> {
  const records: TouchpointRecord[] = [];
  const gone: string[] = [];
  const live: FlatRow[] = [];
  for (const r of rows) {
    if (asBool(r.IsDeleted)) gone.push(String(r.Id));
    else live.push(r);
  }
  // A row that is no longer a touchpoint (a draft, a withdrawn response, a Task that is an email) is removed;
  // a full read just leaves it out (the pass sweeps what it did not see).
  const drop = (r: FlatRow): void => {
    if (!full) gone.push(String(r.Id));
  };

  switch (object) {
    case 'EmailMessage': {
      const needPeople = live.filter((r) => !asText(r['Parent.ContactId'])).map((r) => String(r.Id));
      const people = ctx.emailPeople ?? (needPeople.length > 0 ? await emailPeople(ctx.client, ctx.catalog, needPeople) : new Map<string, string[]>());
      for (const r of live) {
        const activity = asText(r.ActivityId);
        if (activity) ctx.emailActivities.add(activity);
        if (isDraft(r)) drop(r);
        else records.push(emailToTouchpoint(r, people.get(String(r.Id)) ?? []));
      }
      break;
    }
    case 'Task': {
      // Unless this run read every EmailMessage, email Tasks not seen as an activity are looked up.
      if (!ctx.emailsReadInFull && ctx.catalog.plans.some((p) => p.object === 'EmailMessage' && p.select.includes('ActivityId'))) {
        const unknown = live.filter((r) => ['Email', 'ListEmail'].includes(asText(r.TaskSubtype) ?? '') && !ctx.emailActivities.has(String(r.Id))).map((r) => String(r.Id));
        for (const ids of chunk(unknown, IDS_PER_QUERY)) {
          for (const e of await queryRows(ctx.client, select(['ActivityId'], 'EmailMessage', `ActivityId IN ${inList(ids)}`))) ctx.emailActivities.add(String(e.ActivityId));
        }
      }
      for (const r of live) (ctx.emailActivities.has(String(r.Id)) ? drop(r) : records.push(taskToTouchpoint(r)));
      break;
    }
    case 'Event':
      for (const r of live) records.push(eventToTouchpoint(r, ctx.now));
      break;
    case 'CampaignMember':
      for (const r of live) (asBool(r.HasResponded) ? records.push(campaignMemberToTouchpoint(r)) : drop(r));
      break;
    case 'LiveChatTranscript':
      for (const r of live) records.push(chatToTouchpoint(r));
      break;
    case 'MessagingSession':
      for (const r of live) records.push(messagingToTouchpoint(r));
      break;
    case 'SurveyQuestionResponse': {
      const questions = ctx.surveyQuestions ?? (ctx.surveyQuestions = await loadQuestions(ctx.client));
      const answered = live.filter((r) => asNumber(r.NumberValue) !== null);
      const responses = await loadResponses(ctx.client, [...new Set(answered.map((r) => String(r.ResponseId)))]);
      for (const r of live) {
        if (asNumber(r.NumberValue) === null) drop(r);
        else records.push(surveyToTouchpoint(r, { type: questions.get(String(r.QuestionId)) ?? null }, responses.get(String(r.ResponseId))));
      }
      break;
    }
  }
  return { records, removed: gone };
}

/** Every SurveyQuestion's type (a handful per survey: read whole once). */
async function loadQuestions(client: SalesforceClient): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (const r of await queryRows(client, select(['Id', 'QuestionType'], 'SurveyQuestion'))) out.set(String(r.Id), asText(r.QuestionType));
  return out;
}

async function loadResponses(client: SalesforceClient, ids: string[]): Promise<Map<string, { submitterId: string | null; completedAt: number | null }>> {
  const out = new Map<string, { submitterId: string | null; completedAt: number | null }>();
  for (const part of chunk(ids, IDS_PER_QUERY)) {
    for (const r of await queryRows(client, select(['Id', 'SubmitterId', 'CompletionDateTime'], 'SurveyResponse', `Id IN ${inList(part)}`))) {
      out.set(String(r.Id), { submitterId: asText(r.SubmitterId), completedAt: asTime(r.CompletionDateTime) });
    }
  }
  return out;
}

const snapshot = (state: TouchpointCursor): Cursor => ({ v: 1, touchpoints: { ...state.touchpoints } });

export async function* pullTouchpoints(client: SalesforceClient, options: TouchpointPullOptions, catalog?: TouchpointCatalog): AsyncGenerator<TouchpointBatch> {
  const state = options.mode === 'full' ? { v: 1 as const, touchpoints: {} } : readCursor(options.cursor);
  const known = catalog ?? (await readTouchpointCatalog(client));
  const pass = options.mode === 'full' ? `sf-tp-${Date.now()}` : null;
  const ctx: Ctx = { client, catalog: known, state, now: Date.now(), emailActivities: new Set(), emailPeople: null, surveyQuestions: null, emailsReadInFull: false };
  const tag = (b: TouchpointBatch): TouchpointBatch => (pass === null ? b : { ...b, fullPass: { id: pass } });

  for (const plan of known.plans) {
    const full = state.touchpoints[plan.object] === undefined;
    if (plan.object === 'EmailMessage' && full) {
      ctx.emailPeople = await emailPeople(client, known, null);
      ctx.emailsReadInFull = true;
    }
    for await (const page of rowPages(ctx, plan, full)) {
      const { records, removed } = await translatePage(ctx, plan.object, page.rows, full);
      if (page.mark) state.touchpoints[plan.object] = page.mark;
      yield tag({ records, removed: removed.map((id) => ({ objectType: plan.object, id })), ...(page.mark ? { cursor: snapshot(state) } : {}) });
    }
    ctx.emailPeople = null;
  }
  if (pass !== null) yield { records: [], removed: [], cursor: snapshot(state), fullPass: { id: pass, complete: true } };
}

/**
 * One customer's touchpoints, live (for `explain`): the same objects and translation as the pull, filtered to
 * the person — `WhoId` for activities, the Case's contact or an EmailMessageRelation for mail, `ContactId`/`LeadId`
 * (`EndUserContactId` on MessagingSession) for the rest, `SubmitterId` for survey responses. queryAll, so archived
 * activities are there. Cost: describes (cached) + one query per object, + 1 for the mail relations and the survey
 * responses; every id list is one query (a person has far fewer than 300 of each).
 */
export async function fetchTouchpoints(client: SalesforceClient, contactId: string, catalog: TouchpointCatalog): Promise<TouchpointRecord[]> {
  const who = quote(contactId);
  const ctx: Ctx = { client, catalog, state: { v: 1, touchpoints: {} }, now: Date.now(), emailActivities: new Set(), emailPeople: null, surveyQuestions: null, emailsReadInFull: false };
  const out: TouchpointRecord[] = [];
  for (const plan of catalog.plans) {
    let where: string | null;
    switch (plan.object) {
      case 'Task':
      case 'Event':
        where = `WhoId = ${who}`;
        break;
      case 'EmailMessage': {
        const rel = catalog.helpers.get('EmailMessageRelation');
        const ids = rel?.fields.has('RelationId') ? (await queryRows(client, select(['EmailMessageId'], 'EmailMessageRelation', `RelationId = ${who}`))).map((r) => String(r.EmailMessageId)) : [];
        const parts = [...(plan.select.includes('Parent.ContactId') ? [`Parent.ContactId = ${who}`] : []), ...(ids.length ? [`Id IN ${inList([...new Set(ids)].slice(0, IDS_PER_QUERY))}`] : [])];
        where = parts.length ? `(${parts.join(' OR ')})` : null;
        if (where) ctx.emailPeople = new Map(ids.map((id) => [id, [contactId]]));
        break;
      }
      case 'CampaignMember':
        where = `(ContactId = ${who} OR LeadId = ${who})`;
        break;
      case 'LiveChatTranscript':
        where = plan.select.includes('LeadId') ? `(ContactId = ${who} OR LeadId = ${who})` : `ContactId = ${who}`;
        break;
      case 'MessagingSession':
        where = plan.select.includes('LeadId') ? `(EndUserContactId = ${who} OR LeadId = ${who})` : `EndUserContactId = ${who}`;
        break;
      case 'SurveyQuestionResponse': {
        const responses = (await queryRows(client, select(['Id'], 'SurveyResponse', `SubmitterId = ${who}`))).map((r) => String(r.Id));
        where = responses.length ? `ResponseId IN ${inList(responses.slice(0, IDS_PER_QUERY))}` : null;
        break;
      }
    }
    if (where === null) continue;
    const filter = [where, 'IsDeleted = false', FULL_FILTER[plan.object]].filter(Boolean).join(' AND ');
    const rows = await queryRows(client, select(plan.select, plan.object, filter, 'SystemModstamp, Id'), { all: true });
    out.push(...(await translatePage(ctx, plan.object, rows, true)).records);
  }
  return out;
}
