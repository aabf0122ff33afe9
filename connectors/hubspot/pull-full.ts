/**
 * Full pass for one kind, then the archived list. Two ways to read the live records:
 * - by search (default): POST /crm/v3/objects/{type}/search sorted on `hs_object_id` ascending with
 *   `hs_object_id GTE <next id>`, 200 per page on search's own budget (5/s). A query reaches at most 10,000
 *   results, so before the next page would cross the cap a new query starts after the last id seen (keyset):
 *   no record is skipped or read twice, and records created during the pass (higher ids) are reached.
 *   Search carries no associations: deals' and tickets' contact ids come from v4 batch reads (1,000 per call,
 *   pages gathered to fill them); contacts need none (every link has a deal or ticket end).
 *   https://developers.hubspot.com/docs/api-reference/legacy/crm/search-the-crm
 * - by list: GET /crm/v3/objects/{type} (100 per page, `after` = next id), deals and tickets with
 *   `associations=contacts` so their contact ids come at no extra call. Used when configured, and for a kind
 *   whose search body would pass 3,000 characters (long stage-history property lists).
 * The cursor carries the next id to read (`full.after`, the same meaning on both paths) so a pass stopped by
 * the daily quota resumes where it stopped; the watermark only moves (to the pass start minus the overlap)
 * once the whole pass is stored. Records modified during the pass are read again by the next incremental run.
 * Every batch carries the pass id (its start time, kept in the cursor across a resume); the last one
 * says the pass is complete, so the core removes what the pass did not see — records purged after the
 * 90-day archive window or GDPR-deleted are in neither the live nor the archived list.
 */
import type { PullBatch } from '../../connectors/port.ts';
import type { ObjectKind, RecordRef } from '../../src/model.ts';
import { LIST_PAGE_SIZE, archivedPages } from './archived.ts';
import { ASSOCIATION_BATCH_MAX } from './associations.ts';
import { toCursor, type HubspotCursor } from './cursor.ts';
import { buildPage, propertiesToRequest, type PullContext } from './page-builder.ts';
import { hubspotPaths } from './paths.ts';
import { OBJECT_TYPE } from './properties.ts';
import { objectPageSchema, searchPageSchema, type CrmObject } from './schemas.ts';
import { SEARCH_BODY_MAX_CHARS, SEARCH_PAGE_SIZE } from './pull-incremental.ts';

type Position = { base: { watermark?: number }; startedAt: number };

/** The keyset query: every record with an id at or above `fromId`, in id order. */
export function keysetSearchBody(fromId: string, properties: string[], after: number): Record<string, unknown> {
  return {
    filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'GTE', value: fromId }] }],
    sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
    properties,
    limit: SEARCH_PAGE_SIZE,
    after: String(after),
  };
}

const nextId = (id: string): string => (BigInt(id) + 1n).toString();

/**
 * Search pages of one pass asked ahead: a second of the search budget (5/s), so the pass keeps it busy while
 * the caller stores and evaluates a batch (a full sync's contact pass runs alone on it, last).
 */
const AHEAD = 5;

async function* searchPass(ctx: PullContext, kind: ObjectKind, from: string, properties: string[], pos: Position): AsyncGenerator<PullBatch> {
  const objectType = OBJECT_TYPE[kind];
  const cap = ctx.config.searchWindowCap;
  const buffered: CrmObject[] = [];
  const fetchPage = (windowFrom: string, offset: number) => {
    const p = ctx.transport.data({
      endpoint: `objects.${objectType}.search`,
      endpointClass: 'search',
      method: 'POST',
      path: hubspotPaths.objectSearch(objectType),
      body: keysetSearchBody(windowFrom, properties, offset),
      schema: searchPageSchema,
    });
    // A page asked ahead may fail while the caller still works on the one before: the failure is thrown
    // where the page is awaited, not reported as unhandled meanwhile (and dropped if the pass stops first).
    p.catch(() => undefined);
    return p;
  };
  // Pages are asked ahead (at most AHEAD in flight), so one page's latency does not idle the search budget
  // while the caller stores and evaluates the page before it; the cursor still moves only with stored
  // batches. A page's position is its offset in the query window: the next one is known from `paging`, and
  // the ones after it from the window's `total` (first page). Pages asked past an end that moved are dropped.
  let windowFrom = from;
  let known: number | undefined;
  let asked = -SEARCH_PAGE_SIZE;
  const queue: Array<{ offset: number; page: ReturnType<typeof fetchPage> }> = [];
  // Pages dropped while still asked: settled before the pass ends, so no request of this run outlives it
  // (one left waiting in the pacer would reach the portal after the job released the installation).
  const dropped: Array<Promise<unknown>> = [];
  const drop = (): void => {
    dropped.push(...queue.map((q) => q.page));
    queue.length = 0;
  };
  const topUp = (needed: number): void => {
    if (queue[0]?.offset !== needed) {
      drop();
      asked = needed - SEARCH_PAGE_SIZE;
    }
    while (queue.length < AHEAD) {
      const offset = asked + SEARCH_PAGE_SIZE;
      if (offset !== needed && (known === undefined || offset >= known)) return;
      if (offset + SEARCH_PAGE_SIZE > cap) return;
      asked = offset;
      queue.push({ offset, page: fetchPage(windowFrom, offset) });
    }
  };
  try {
    yield* passPages();
  } finally {
    drop();
    await Promise.allSettled(dropped);
  }

  async function* passPages(): AsyncGenerator<PullBatch> {
    topUp(0);
    for (;;) {
      const head = queue.shift() as (typeof queue)[number];
      const page = await head.page;
      if (head.offset === 0 && page.total !== undefined) known = Math.min(page.total, cap);
      const next = page.paging?.next?.after;
      const lastSeen = page.results.at(-1);
      if (next === undefined) drop();
      else if (Number(next) + SEARCH_PAGE_SIZE > cap && lastSeen !== undefined) {
        // Keyset past the 10,000-result cap: a new query from the id after the last one seen.
        windowFrom = nextId(lastSeen.id);
        known = undefined;
        drop();
        topUp(0);
      } else topUp(Number(next));
      buffered.push(...page.results);
      const last = buffered.at(-1);
      // Gather pages so each v4 association read for deals/tickets is full; the cursor moves with the batch.
      if (last !== undefined && (next === undefined || buffered.length >= ASSOCIATION_BATCH_MAX)) {
        const content = await buildPage(ctx, kind, buffered.splice(0), kind === 'contact');
        yield { kind, ...content, cursor: toCursor({ ...pos.base, full: { after: next === undefined ? null : nextId(last.id), startedAt: pos.startedAt } }) };
      }
      if (next === undefined) return;
    }
  }
}

async function* listPass(ctx: PullContext, kind: ObjectKind, from: string | undefined, properties: string[], pos: Position): AsyncGenerator<PullBatch> {
  const objectType = OBJECT_TYPE[kind];
  let after = from;
  do {
    // Comma-separated lists are accepted for `properties`/`associations` (the SDK repeats keys instead).
    const qs: Record<string, string> = { limit: String(LIST_PAGE_SIZE), properties: properties.join(','), archived: 'false' };
    if (kind !== 'contact') qs.associations = 'contacts';
    if (after !== undefined) qs.after = after;
    const page = await ctx.transport.data({ endpoint: `objects.${objectType}.list`, method: 'GET', path: hubspotPaths.objectList(objectType), qs, schema: objectPageSchema });
    const content = await buildPage(ctx, kind, page.results, true);
    const next = page.paging?.next?.after;
    yield { kind, ...content, cursor: toCursor({ ...pos.base, full: { after: next ?? null, startedAt: pos.startedAt } }) };
    after = next;
  } while (after !== undefined);
}

export async function* pullFull(ctx: PullContext, kind: ObjectKind, cursor: HubspotCursor, now: number): AsyncGenerator<PullBatch> {
  const pos: Position = { base: cursor.watermark === undefined ? {} : { watermark: cursor.watermark }, startedAt: cursor.full?.startedAt ?? now };
  const passId = String(pos.startedAt);
  const after: string | null | undefined = cursor.full ? cursor.full.after : undefined;
  if (after !== null) {
    const properties = await propertiesToRequest(ctx, kind);
    const bySearch = ctx.config.fullPullBy === 'search' && JSON.stringify(keysetSearchBody(after ?? '0', properties, 0)).length <= SEARCH_BODY_MAX_CHARS;
    const pass = bySearch ? searchPass(ctx, kind, after ?? '0', properties, pos) : listPass(ctx, kind, after, properties, pos);
    for await (const batch of pass) yield { ...batch, fullPass: { id: passId } };
  }
  // Archived records of every age: a full run reconciles all removals.
  const removed: RecordRef[] = [];
  for await (const refs of archivedPages(ctx.transport, kind, null)) removed.push(...refs);
  yield { kind, records: [], removed, fullPass: { id: String(pos.startedAt), complete: true }, cursor: toCursor({ watermark: pos.startedAt - ctx.config.overlapMs }) };
}
