/**
 * `pull`: pages of canonical records per Salesforce object, with a zod-typed cursor.
 *
 * Incremental: `WHERE SystemModstamp >= <cursor second> ORDER BY SystemModstamp, Id`, rows at or
 * before the saved (SystemModstamp, Id) dropped client-side. SystemModstamp moves on user *and*
 * system changes, unlike LastModifiedDate
 * (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/system_fields.htm).
 * Deletions (recycle bin, incl. merged-away records) come in the same `queryAll` as the rows (`IsDeleted`
 * selected; a delete moves SystemModstamp), in (SystemModstamp, Id) order, so the cursor never passes a
 * deletion we have not reported — full and incremental reads alike, at no extra query.
 * Full: everything, ordered the same way (so per-page cursors stay safe); above `bulkThreshold`
 * (known from the first page's `totalSize`, so the size probe costs nothing when we stay on REST)
 * the rows come from a Bulk API 2.0 query job instead, unordered, with the cursor on the last batch.
 * A full pull marks its batches with one pass id per run and closes each kind with a `complete`
 * batch, so the core removes what the CRM no longer shows (a converted Lead, a Case detached from its
 * Contact, a record purged from the recycle bin). A pull stopped early never sends `complete`.
 *
 * Merged Contacts and Leads: a merge deletes the losers and sets their `MasterRecordId` to the survivor ("When a
 * record is deleted after losing a merge operation, its MasterRecordId field is set to the ID of the winning record",
 * https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/apex_triggers_merge_statements.htm;
 * "Use queryAll() to view records that have been deleted during a merge",
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_merge.htm). The Contact and Lead
 * reads select `MasterRecordId` next to `IsDeleted`, so a deleted loser is handed over to its survivor (issue 16:
 * stage ledger, memberships, touchpoints and links follow) instead of being a plain removal — at no extra query.
 *
 * Converted Leads (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_lead.htm):
 * `IsConverted`, `ConvertedContactId`, `ConvertedDate`; the Lead is then read-only. Each conversion
 * is handed over to the Contact it became. Incremental: the conversion bumps the Lead's
 * SystemModstamp, so the changed-rows query sees it. Full: one extra query lists converted Leads
 * (3 fields, ⌈converted leads / 2,000⌉ calls); hand-overs of Leads Parcours never held change nothing.
 */
import { z } from 'zod';
import type { Cursor, FieldNeeds, Handover, PullBatch, PullOptions } from '../port.ts';
import type { CrmRecord, ObjectKind, RecordRef } from '../../src/model.ts';
import { ParcoursError } from '../../src/errors.ts';
import type { SalesforceClient } from './client.ts';
import { OBJECTS_OF_KIND, planObject, type ObjectPlan, type SfObject } from './field-plan.ts';
import { queryRows, type QueryPage } from './rest-query.ts';
import { QueryReader, type QueryStream } from './query-streams.ts';
import { bulkQueryPages, jobPays } from './bulk-query.ts';
import { HISTORY_FIELDS, ROLE_FIELDS, ROLE_FIELDS_WITH_STAMP, historyToMap, linkDeals, rolesToMap, type DealLinks, type History, type Multi } from './deal-links.ts';
import { IDS_PER_QUERY, chunk, dateTimeLiteral, inList, quote, select } from './soql.ts';
import { asBool, asText, asTime, toContact, toDeal, toTicket, type FlatRow } from './translate.ts';

const Mark = z.object({ modstamp: z.number(), id: z.string() });
export type Mark = z.infer<typeof Mark>;
export const SalesforceCursor = z.object({ v: z.literal(1), objects: z.record(z.string(), Mark) });
export type SalesforceCursor = z.infer<typeof SalesforceCursor>;

export function readCursor(kind: ObjectKind, cursor: Cursor | undefined): SalesforceCursor {
  if (cursor === undefined) return { v: 1, objects: {} };
  const parsed = SalesforceCursor.safeParse(cursor);
  if (!parsed.success) {
    throw new ParcoursError('INPUT_INVALID', `Saved Salesforce ${kind} cursor is not one this connector wrote; run a full sync to reset it.`, { crm: 'salesforce' });
  }
  return parsed.data;
}

/**
 * Where an incremental read starts. SOQL compares SystemModstamp at second precision, and a record
 * in a transaction still in flight can commit later with a stamp in the cursor's second
 * (https://salesforce.stackexchange.com/questions/234824): while that second is recent, re-read it
 * whole and deliver every row again — a row seen by the last run can have changed again within the same
 * second (same stamp, same Id), so no client-side filter can tell it is unchanged; re-storing an
 * unchanged row costs no call. Once it is minutes old nothing can still land
 * in it, and the keyset (second, Id) skips what was read — after a write burst that second holds
 * thousands of our own records, a page or more per object on every run.
 */
export const IN_FLIGHT_MS = 120_000;

/** Whether a row sorts after the mark in (second, Id) order: what a keyset read of an old second keeps. */
function after(row: FlatRow, mark: Mark): boolean {
  const t = asTime(row.SystemModstamp) ?? 0;
  return t > mark.modstamp || (t === mark.modstamp && String(row.Id) > mark.id);
}

export function sinceClause(mark: Mark, now: number, stamp = 'SystemModstamp', id = 'Id'): string {
  const second = dateTimeLiteral(mark.modstamp);
  if (now - mark.modstamp < IN_FLIGHT_MS) return `${stamp} >= ${second}`;
  return `(${stamp} > ${second} OR (${stamp} = ${second} AND ${id} > ${quote(mark.id)}))`;
}

/**
 * The same window on a child of Opportunity, through its parent relationship (child-to-parent fields may be used
 * "directly in the SELECT, FROM, or WHERE clauses using the dot (.) operator", Using Relationship Queries:
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_query_using.htm).
 * OpportunityContactRole and OpportunityHistory both look up `Opportunity` by `OpportunityId`.
 */
export const parentSinceClause = (mark: Mark, now: number): string => sinceClause(mark, now, 'Opportunity.SystemModstamp', 'OpportunityId');

function later(a: Mark | undefined, row: FlatRow): Mark {
  const m = { modstamp: asTime(row.SystemModstamp) ?? 0, id: String(row.Id) };
  if (!a) return m;
  return m.modstamp > a.modstamp || (m.modstamp === a.modstamp && m.id > a.id) ? m : a;
}

interface Ctx {
  client: SalesforceClient;
  mode: 'full' | 'incremental';
  state: SalesforceCursor;
  reader: QueryReader;
}

const snapshot = (state: SalesforceCursor): Cursor => ({ v: 1, objects: { ...state.objects } });

/**
 * Whether a full read should switch to a Bulk API 2.0 query job after its first REST page: above
 * `bulkThreshold`, and only when the job (create, one poll, one results read sized from `totalSize`:
 * bulk-query.ts `resultPageSize`) costs fewer calls than the pages left, chained five per Composite call.
 */
export function bulkPays(client: SalesforceClient, first: QueryPage): boolean {
  return jobPays(client, first);
}

/** The queries of one object, opened up front so their pages share Composite calls with the others'. */
interface ObjectRead {
  object: SfObject | 'OpportunityContactRole';
  fields: string[];
  where: string | undefined;
  mark: Mark | undefined;
  /** Full reads: the recycle bin (`queryAll … IsDeleted = true`); incremental reads carry deletions in `main`. */
  deleted: QueryStream | null;
  main: QueryStream;
  /** When the incremental window was cut (its in-flight rule depends on it). */
  now?: number;
}

function openObject(ctx: Ctx, object: SfObject | 'OpportunityContactRole', selected: string[], baseWhere: string | null): ObjectRead {
  const mark = ctx.mode === 'incremental' ? ctx.state.objects[object] : undefined;
  const fields = MERGEABLE.has(object) && !selected.includes(MERGE_FIELD) ? [...selected, MERGE_FIELD] : selected;
  if (mark) {
    // One queryAll returns the changed rows and the deleted ones (a delete moves SystemModstamp), in
    // (SystemModstamp, Id) order: the cursor never passes a deletion it has not reported.
    const now = Date.now();
    const where = sinceClause(mark, now);
    const main = ctx.reader.open(select([...fields, ...(fields.includes('IsDeleted') ? [] : ['IsDeleted'])], object, where, 'SystemModstamp, Id'), { all: true });
    return { object, fields, where, mark, deleted: null, main, now };
  }
  // Full: one queryAll returns every row and the recycle bin together (`IsDeleted` says which), so the
  // deletions cost no query of their own; a Bulk job reads the same (`operation: queryAll`).
  const where = baseWhere ?? undefined;
  const withDeleted = [...fields, ...(fields.includes('IsDeleted') ? [] : ['IsDeleted'])];
  const main = ctx.reader.open(select(withDeleted, object, where, 'SystemModstamp, Id'), { all: true, afterFirst: (first) => !bulkPays(ctx.client, first) });
  return { object, fields: withDeleted, where, mark, deleted: null, main };
}

/** Merge losers carry the survivor's id (Contact and Lead only: the objects merge() takes that Parcours reads as customers). */
const MERGEABLE: ReadonlySet<string> = new Set(['Contact', 'Lead']);
const MERGE_FIELD = 'MasterRecordId';

/** A deleted row of a read: its id, and the survivor's when a merge deleted it. */
interface Deleted {
  id: string;
  mergedInto: string | null;
  at: number | null;
}
const deletedOf = (r: FlatRow): Deleted => ({ id: String(r.Id), mergedInto: asText(r[MERGE_FIELD]) ?? null, at: asTime(r.SystemModstamp) ?? null });

/** Rows of one object: deletions first, then changed/all rows, REST or Bulk. Yields row pages with the mark to save after them. */
async function* objectPages(ctx: Ctx, read: ObjectRead): AsyncGenerator<{ rows: FlatRow[]; deleted: Deleted[]; mark: Mark | undefined }> {
  const { client } = ctx;
  if (read.deleted) {
    const deletedRows = await ctx.reader.rows(read.deleted);
    if (deletedRows.length > 0) yield { rows: [], deleted: deletedRows.map(deletedOf), mark: undefined };
  }
  let last = read.mark;
  const first = await read.main.page();
  if (!first) return;
  if (!read.mark && bulkPays(client, first)) {
    // Bulk rows are unordered: the cursor can only move once all of them are stored.
    for await (const rows of bulkQueryPages(client, select(read.fields, read.object, read.where), { all: true, expected: first.totalSize })) {
      const live: FlatRow[] = [];
      const gone: Deleted[] = [];
      for (const r of rows) {
        last = later(last, r);
        if (asBool(r.IsDeleted)) gone.push(deletedOf(r));
        else live.push(r);
      }
      yield { rows: live, deleted: gone, mark: undefined };
    }
    yield { rows: [], deleted: [], mark: last };
    return;
  }
  for (let page: QueryPage | null = first; page; page = await read.main.page()) {
    const live: FlatRow[] = [];
    const gone: Deleted[] = [];
    for (const r of page.rows) {
      last = later(last, r);
      if (asBool(r.IsDeleted)) gone.push(deletedOf(r));
      else live.push(r);
    }
    yield { rows: live, deleted: gone, mark: last };
  }
}

function handoverOf(row: FlatRow): Handover | null {
  const to = asText(row.ConvertedContactId);
  if (!to) return null;
  return { from: { kind: 'contact', objectType: 'Lead', id: String(row.Id) }, to: { kind: 'contact', objectType: 'Contact', id: to }, at: asTime(row.ConvertedDate) ?? Date.now() };
}

const CONVERSION_FIELDS = ['IsConverted', 'ConvertedContactId', 'ConvertedDate'];

/** Opens a Contact, Lead or Case read (and the Lead hand-over list of a full pull). */
function openSimple(ctx: Ctx, plan: ObjectPlan): { plan: ObjectPlan; read: ObjectRead; converted: QueryStream | null } {
  const incremental = ctx.mode === 'incremental' && ctx.state.objects[plan.object] !== undefined;
  // Leads: only unconverted ones are customers; a conversion seen incrementally hands the lead over to its Contact.
  // Cases: only those with a contact matter on a full pull; incrementally a case that lost its contact comes back with no contactIds.
  const base = plan.object === 'Lead' ? 'IsConverted = false' : plan.object === 'Case' ? 'ContactId != null' : null;
  const fields = plan.object === 'Lead' && incremental ? [...plan.select, ...CONVERSION_FIELDS.filter((f) => !plan.select.includes(f))] : plan.select;
  const read = openObject(ctx, plan.object, fields, base);
  // The full read filters converted Leads out: list them (slim) so their journeys hand over.
  const converted = plan.object === 'Lead' && ctx.mode === 'full' ? ctx.reader.open(select(['Id', ...CONVERSION_FIELDS], 'Lead', 'IsConverted = true')) : null;
  return { plan, read, converted };
}

async function* pullSimple(ctx: Ctx, opened: ReturnType<typeof openSimple>): AsyncGenerator<PullBatch> {
  const { plan, read, converted } = opened;
  for await (const page of objectPages(ctx, read)) {
    const removed: RecordRef[] = [];
    const records: CrmRecord[] = [];
    const handovers: Handover[] = [];
    for (const d of page.deleted) {
      const from: RecordRef = { kind: plan.kind, objectType: plan.object, id: d.id };
      // A merge loser: the customer lives on as the survivor (same object: merge() takes records of one type).
      if (d.mergedInto && d.mergedInto !== d.id) handovers.push({ from, to: { kind: plan.kind, objectType: plan.object, id: d.mergedInto }, at: d.at ?? Date.now() });
      else removed.push(from);
    }
    for (const row of page.rows) {
      if (plan.object === 'Lead' && asBool(row.IsConverted)) {
        const h = handoverOf(row);
        if (h) handovers.push(h);
        else removed.push({ kind: 'contact', objectType: 'Lead', id: String(row.Id) });
      } else records.push(plan.object === 'Case' ? toTicket(row, plan) : toContact(row, plan));
    }
    if (page.mark) ctx.state.objects[plan.object] = page.mark;
    yield { kind: plan.kind, records, removed, ...(handovers.length ? { handovers } : {}), ...(page.mark ? { cursor: snapshot(ctx.state) } : {}) };
  }
  if (converted) {
    // (A first pull without a Lead cursor has no Leads in the mirror yet: nothing to hand over.)
    for (let page = await converted.page(); page; page = await converted.page()) {
      const handovers = page.rows.map(handoverOf).filter((h): h is Handover => h !== null);
      if (handovers.length) yield { kind: 'contact', records: [], removed: [], handovers };
    }
  }
}

/** Rows of a preload (every role, every history row), REST pages or a Bulk job when that costs fewer calls. */
async function preloadRows(ctx: Ctx, stream: QueryStream, fields: string[], object: string): Promise<FlatRow[]> {
  const first = await stream.page();
  if (!first) return [];
  if (bulkPays(ctx.client, first)) {
    const rows: FlatRow[] = [];
    for await (const page of bulkQueryPages(ctx.client, select(fields, object), { expected: first.totalSize })) rows.push(...page);
    return rows;
  }
  const rows = [...first.rows];
  for (let page = await stream.page(); page; page = await stream.page()) rows.push(...page.rows);
  return rows;
}

function openDeals(ctx: Ctx, plan: ObjectPlan) {
  const incremental = ctx.mode === 'incremental' && ctx.state.objects.Opportunity !== undefined;
  const roleMark = ctx.state.objects.OpportunityContactRole;
  const afterFirst = (first: QueryPage) => !bulkPays(ctx.client, first);
  // Full: every role and every history row once, read before the deals they link.
  const roles = incremental ? null : ctx.reader.open(select(ROLE_FIELDS_WITH_STAMP, 'OpportunityContactRole'), { afterFirst });
  const history = !incremental && plan.stagesReached ? ctx.reader.open(select(HISTORY_FIELDS, 'OpportunityHistory', undefined, 'CreatedDate, Id'), { afterFirst }) : null;
  const read = openObject(ctx, 'Opportunity', plan.select, null);
  // Adding or removing a contact role does not touch the Opportunity's SystemModstamp: the roles changed
  // since their own cursor say which deals to re-read (queryAll also returns deleted roles).
  const roleChanges = incremental && roleMark
    ? ctx.reader.open(select(['Id', 'OpportunityId', 'SystemModstamp'], 'OpportunityContactRole', `SystemModstamp >= ${dateTimeLiteral(roleMark.modstamp)}`, 'SystemModstamp, Id'), { all: true })
    : null;
  return { plan, incremental, roles, history, read, roleChanges };
}

async function* pullDeals(ctx: Ctx, opened: ReturnType<typeof openDeals>): AsyncGenerator<PullBatch> {
  const { client } = ctx;
  const { plan, incremental, roles, history, read, roleChanges } = opened;
  let preloaded: { roles: Multi; history: History | null } | undefined;
  let newestRole: Mark | undefined;
  if (roles) {
    const roleRows = await preloadRows(ctx, roles, ROLE_FIELDS_WITH_STAMP, 'OpportunityContactRole');
    for (const r of roleRows) newestRole = later(newestRole, r);
    // Bulk rows come unordered: history entries are dated in (CreatedDate, Id) order.
    const historyRows = history ? sortByCreated(await preloadRows(ctx, history, HISTORY_FIELDS, 'OpportunityHistory')) : null;
    preloaded = { roles: rolesToMap(roleRows), history: historyRows ? historyToMap(historyRows) : null };
  }

  const toRecords = async (rows: FlatRow[], window?: { roles: Multi; history: History | null }): Promise<CrmRecord[]> => {
    if (rows.length === 0) return [];
    const known = preloaded ?? window;
    const links = await linkDeals(client, rows, { stagesReached: plan.stagesReached, ...(known ? { preloaded: known } : {}) });
    return rows.map((r) => toDeal(r, plan, links.get(String(r.Id)) as DealLinks));
  };

  // Many changed deals (more than one `Id IN` query's worth): their roles and history in one read each, filtered by
  // the deal read's own window through the parent relationship — ⌈rows / 2,000⌉ pages instead of ⌈deals / 300⌉
  // queries per kind. Every deal the deal read returned is in that window when the child read runs (SystemModstamp
  // only grows); rows of deals changed since then are ignored.
  let window: { roles: Multi; history: History | null } | undefined;
  const dealMark = read.mark;
  const loadWindow = async (): Promise<{ roles: Multi; history: History | null } | undefined> => {
    if (!incremental || !dealMark || read.main.totalSize <= IDS_PER_QUERY) return undefined;
    if (window) return window;
    const where = parentSinceClause(dealMark, read.now ?? Date.now());
    const rolesStream = ctx.reader.open(select(ROLE_FIELDS, 'OpportunityContactRole', where));
    const historyStream = plan.stagesReached ? ctx.reader.open(select(HISTORY_FIELDS, 'OpportunityHistory', where, 'CreatedDate, Id')) : null;
    const [roleRows, historyRows] = await Promise.all([ctx.reader.rows(rolesStream), historyStream ? ctx.reader.rows(historyStream) : Promise.resolve(null)]);
    window = { roles: rolesToMap(roleRows), history: historyRows ? historyToMap(historyRows) : null };
    return window;
  };

  const seen = new Set<string>();
  for await (const page of objectPages(ctx, read)) {
    for (const r of page.rows) seen.add(String(r.Id));
    const records = await toRecords(page.rows, page.rows.length > 0 ? await loadWindow() : undefined);
    const removed: RecordRef[] = page.deleted.map((d) => ({ kind: 'deal', objectType: 'Opportunity', id: d.id }));
    if (page.mark) ctx.state.objects.Opportunity = page.mark;
    yield { kind: 'deal', records, removed, ...(page.mark ? { cursor: snapshot(ctx.state) } : {}) };
  }

  const roleMark = ctx.state.objects.OpportunityContactRole;
  if (incremental && roleChanges && roleMark) {
    const changed = await ctx.reader.rows(roleChanges);
    let last: Mark | undefined = roleMark;
    const oppIds = new Set<string>();
    // As for records: a recent cursor second is taken whole (a role can change again within it).
    const wholeSecond = Date.now() - roleMark.modstamp < IN_FLIGHT_MS;
    for (const r of changed) {
      if (!wholeSecond && !after(r, roleMark)) continue;
      last = later(last, r);
      const opp = asText(r.OpportunityId);
      if (opp && !seen.has(opp)) oppIds.add(opp);
    }
    for (const ids of chunk([...oppIds], IDS_PER_QUERY)) {
      const rows = await queryRows(client, select(plan.select, 'Opportunity', `Id IN ${inList(ids)}`));
      yield { kind: 'deal', records: await toRecords(rows), removed: [] };
    }
    if (last) ctx.state.objects.OpportunityContactRole = last;
    yield { kind: 'deal', records: [], removed: [], cursor: snapshot(ctx.state) };
  } else {
    // First (or full) pull: watch roles from the newest one we preloaded.
    ctx.state.objects.OpportunityContactRole = newestRole ?? roleMark ?? { modstamp: 0, id: '' };
    yield { kind: 'deal', records: [], removed: [], cursor: snapshot(ctx.state) };
  }
}

function sortByCreated(rows: FlatRow[]): FlatRow[] {
  return rows.sort((a, b) => (asTime(a.CreatedDate) ?? 0) - (asTime(b.CreatedDate) ?? 0) || (String(a.Id) < String(b.Id) ? -1 : String(a.Id) > String(b.Id) ? 1 : 0));
}

export async function* pull(client: SalesforceClient, options: PullOptions): AsyncGenerator<PullBatch> {
  // One pass id per full pull: a full pull stopped early resumes incrementally, never as the same pass.
  const pass = options.mode === 'full' ? `sf-${Date.now()}` : null;
  // Every query of every kind is opened before the first is read, so their pages share Composite calls.
  const reader = new QueryReader(client);
  const kinds = options.objects.map((kind) => {
    const ctx: Ctx = { client, mode: options.mode, state: readCursor(kind, options.cursors[kind]), reader };
    if (kind === 'deal') {
      const opened = openDeals(ctx, planObject('Opportunity', options.fields));
      return { kind, batches: () => pullDeals(ctx, opened) };
    }
    const opened = OBJECTS_OF_KIND[kind].map((object) => openSimple(ctx, planObject(object, options.fields)));
    return { kind, batches: async function* () { for (const o of opened) yield* pullSimple(ctx, o); } };
  });
  for (const { kind, batches } of kinds) {
    for await (const batch of batches()) yield pass === null ? batch : { ...batch, fullPass: { id: pass } };
    if (pass !== null) yield { kind, records: [], removed: [], fullPass: { id: pass, complete: true } };
  }
}

export type { FieldNeeds };
