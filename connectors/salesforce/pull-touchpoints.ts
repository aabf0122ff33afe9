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
import { jobPays, startBulkQuery } from './bulk-query.ts';
import { sinceClause, type Mark } from './pull.ts';
import { queryRows } from './rest-query.ts';
import { QueryReader, type QueryStream } from './query-streams.ts';
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

/**
 * One object's read, opened before any is consumed so that their first pages share one Composite call and
 * their next pages fill the free query slots of each other's calls (query-streams.ts). A full read whose first
 * page says a job pays starts that job at once (it runs while earlier objects are consumed).
 */
interface OpenRead {
  stream: QueryStream;
  mark: Mark | undefined;
  bulk: (() => AsyncGenerator<FlatRow[]>) | null;
}

function openRead(ctx: Ctx, reader: QueryReader, soql: string, bulkSoql: string, options: { all: boolean; full: boolean; mark?: Mark }): OpenRead {
  const read: OpenRead = { stream: null as unknown as QueryStream, mark: options.mark, bulk: null };
  read.stream = reader.open(soql, {
    all: options.all,
    afterFirst: (first) => {
      if (!options.full || !jobPays(ctx.client, first)) return true;
      // Bulk 2.0 queryAll also returns archived activities; rows are unordered, so the mark moves at the end.
      read.bulk = startBulkQuery(ctx.client, bulkSoql, { all: options.all, expected: first.totalSize });
      return false;
    },
  });
  return read;
}

function openObject(ctx: Ctx, reader: QueryReader, plan: TouchpointPlan, full: boolean): OpenRead {
  const mark = full ? undefined : ctx.state.touchpoints[plan.object];
  const where = mark ? sinceClause(mark, ctx.now) : ['IsDeleted = false', FULL_FILTER[plan.object]].filter(Boolean).join(' AND ');
  return openRead(ctx, reader, select(plan.select, plan.object, where, 'SystemModstamp, Id'), select(plan.select, plan.object, where), { all: true, full: !mark, ...(mark ? { mark } : {}) });
}

/** Pages of one object's rows (REST, or the Bulk job its first page started) with the mark to save after each. */
async function* rowPages(read: OpenRead): AsyncGenerator<{ rows: FlatRow[]; mark: Mark | undefined }> {
  let last = read.mark;
  const first = await read.stream.page();
  if (read.bulk) {
    read.stream.close();
    for await (const rows of read.bulk()) {
      for (const r of rows) last = later(last, r);
      yield { rows, mark: undefined };
    }
    yield { rows: [], mark: last };
    return;
  }
  for (let page = first; page; page = await read.stream.page()) {
    for (const r of page.rows) last = later(last, r);
    yield { rows: page.rows, mark: last };
  }
}

/** The EmailMessageRelation filters this org allows, or null when the user cannot read the relations. */
function relationFilter(catalog: TouchpointCatalog): { person: string; outsideCases: string } | null {
  const rel = catalog.helpers.get('EmailMessageRelation');
  if (!rel || !rel.fields.has('RelationId') || !rel.fields.has('EmailMessageId')) return null;
  return {
    person: rel.fields.has('RelationObjectType') ? "RelationObjectType IN ('Contact', 'Lead')" : 'RelationId != null',
    // A Case's mail reaches its contact through the Case (`Parent.ContactId`): the full read skips its relations.
    outsideCases: rel.relationships.has('EmailMessage') ? ' AND EmailMessage.ParentId = null' : '',
  };
}

/** EmailMessage id → Contact/Lead ids on it (EmailMessageRelation; RelationId null = an address with no record). */
function addPeople(out: Map<string, string[]>, rows: FlatRow[]): void {
  for (const r of rows) {
    const person = asText(r.RelationId);
    if (!person || !(person.startsWith('003') || person.startsWith('00Q'))) continue;
    const email = String(r.EmailMessageId);
    out.set(email, [...(out.get(email) ?? []), person]);
  }
}

/** The full pass's read of the people on mail outside Cases (one read for the pass), or null. */
function openPeople(ctx: Ctx, reader: QueryReader): OpenRead | null {
  const f = relationFilter(ctx.catalog);
  if (!f) return null;
  const soql = select(['EmailMessageId', 'RelationId'], 'EmailMessageRelation', f.person + f.outsideCases);
  return openRead(ctx, reader, soql, soql, { all: false, full: true });
}

/** The people on these (changed) emails: 300 ids a query. */
async function emailPeople(client: SalesforceClient, catalog: TouchpointCatalog, emailIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const f = relationFilter(catalog);
  if (!f) return out;
  for (const ids of chunk(emailIds, IDS_PER_QUERY)) addPeople(out, await queryRows(client, select(['EmailMessageId', 'RelationId'], 'EmailMessageRelation', `EmailMessageId IN ${inList(ids)} AND ${f.person}`)));
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

  // Every read is opened before the first is consumed: first pages share a Composite call, next pages fill the
  // free slots of each other's calls, and the Bulk jobs of big full reads run side by side. (Query cursors are
  // not limited in number since API 56.0 and live 2 days: salesforce-app-limits-platform-apicursors.)
  const reader = new QueryReader(client);
  const reads = known.plans.map((plan) => {
    const full = state.touchpoints[plan.object] === undefined;
    const people = plan.object === 'EmailMessage' && full ? openPeople(ctx, reader) : null;
    return { plan, full, people, read: openObject(ctx, reader, plan, full) };
  });
  for (const { plan, full, people, read } of reads) {
    if (plan.object === 'EmailMessage' && full) {
      const map = new Map<string, string[]>();
      if (people) for await (const page of rowPages(people)) addPeople(map, page.rows);
      ctx.emailPeople = map;
      ctx.emailsReadInFull = true;
    }
    for await (const page of rowPages(read)) {
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
