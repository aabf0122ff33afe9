/**
 * Incremental pass for one kind: CRM search on the modified-date property, ascending, 200 per page.
 * https://developers.hubspot.com/docs/api-reference/legacy/crm/search-the-crm
 * - A query reaches at most 10,000 results (paging past it is a 400): before the next page would cross
 *   the cap, a new query starts at the last seen timestamp (GTE) and ids already emitted are dropped.
 * - The query starts `overlapMs` before the watermark: freshly modified records take a moment to be indexed.
 * - Request bodies over 3,000 characters are rejected: with a long property list (deal stage history),
 *   search returns ids only and the properties come from batch read (100 per call).
 * - Archived records never appear in search: read from the archived list, filtered on `archivedAt`.
 */
import type { PullBatch } from '../../connectors/port.ts';
import { ParcoursError } from '../../src/errors.ts';
import type { ObjectKind, RecordRef } from '../../src/model.ts';
import { archivedPages } from './archived.ts';
import { toCursor, type HubspotCursor } from './cursor.ts';
import { buildPage, propertiesToRequest, type PullContext } from './page-builder.ts';
import { hubspotPaths } from './paths.ts';
import { MODIFIED_PROPERTY, OBJECT_TYPE } from './properties.ts';
import { batchObjectsSchema, searchPageSchema, type CrmObject } from './schemas.ts';
import { parseTime } from './translate.ts';
import { ASSOCIATION_BATCH_MAX } from './associations.ts';

export const SEARCH_PAGE_SIZE = 200;
export const SEARCH_BODY_MAX_CHARS = 3_000;
export const BATCH_MAX = 100;
/** Bound on `recent` ids kept in the cursor; past it, the oldest may be re-emitted (harmless, just calls). */
const RECENT_MAX = 2_000;

/** Ids stored with a modified time inside the next run's overlap window. */
function recentWindow(seen: Map<string, number>, watermark: number, overlapMs: number): Record<string, number> {
  const from = watermark - overlapMs;
  const kept = [...seen].filter(([, t]) => t >= from).sort((a, b) => b[1] - a[1]).slice(0, RECENT_MAX);
  return Object.fromEntries(kept);
}

function searchBody(modified: string, since: number, properties: string[], after: number): Record<string, unknown> {
  return {
    filterGroups: [{ filters: [{ propertyName: modified, operator: 'GTE', value: String(since) }] }],
    sorts: [{ propertyName: modified, direction: 'ASCENDING' }],
    properties,
    limit: SEARCH_PAGE_SIZE,
    after: String(after),
  };
}

async function batchRead(ctx: PullContext, objectType: string, ids: string[], properties: string[]): Promise<CrmObject[]> {
  const out: CrmObject[] = [];
  for (let i = 0; i < ids.length; i += BATCH_MAX) {
    const body = await ctx.transport.data({
      endpoint: `objects.${objectType}.batch.read`,
      method: 'POST',
      path: hubspotPaths.batchRead(objectType),
      body: { properties, propertiesWithHistory: [], inputs: ids.slice(i, i + BATCH_MAX).map((id) => ({ id })) },
      schema: batchObjectsSchema,
    });
    out.push(...body.results);
  }
  return out;
}

export async function* pullIncremental(ctx: PullContext, kind: ObjectKind, cursor: HubspotCursor & { watermark: number }): AsyncGenerator<PullBatch> {
  const objectType = OBJECT_TYPE[kind];
  const modified = MODIFIED_PROPERTY[kind];
  const cap = ctx.config.searchWindowCap;
  const since = cursor.watermark - ctx.config.overlapMs;
  const properties = await propertiesToRequest(ctx, kind);
  const idsOnly = JSON.stringify(searchBody(modified, since, properties, 0)).length > SEARCH_BODY_MAX_CHARS;
  const searchProperties = idsOnly ? [modified] : properties;

  // Once the pass has paged to the end, everything modified before (passStart - overlap) has been
  // indexed and seen: the next run may start there. Without this, the watermark stays on the last
  // record's modified time, and every later run re-reads the last minute of writes (all of a
  // rate-limited write burst) even when nothing changed.
  const passStart = Date.now();
  const emitted = new Set<string>();
  const seen = new Map<string, number>(Object.entries(cursor.recent ?? {}));
  let watermark = cursor.watermark;
  const buffered: CrmObject[] = [];
  let windowStart = since;
  let offset = 0;
  for (;;) {
    const page = await ctx.transport.data({
      endpoint: `objects.${objectType}.search`,
      endpointClass: 'search',
      method: 'POST',
      path: hubspotPaths.objectSearch(objectType),
      body: searchBody(modified, windowStart, searchProperties, offset),
      schema: searchPageSchema,
    });
    const modifiedOf = (o: CrmObject): number | null => parseTime(o.properties[modified]) ?? parseTime(o.updatedAt);
    // Skip ids already emitted in this run (re-windowing) and records stored last run with the same modified time.
    const fresh = page.results.filter((o) => !emitted.has(o.id) && !(seen.has(o.id) && seen.get(o.id) === modifiedOf(o)));
    let lastSeen: number | null = null;
    for (const o of page.results) lastSeen = modifiedOf(o) ?? lastSeen;
    for (const o of fresh) {
      emitted.add(o.id);
      const t = modifiedOf(o);
      if (t !== null) seen.set(o.id, t);
    }
    const objects = idsOnly && fresh.length > 0 ? await batchRead(ctx, objectType, fresh.map((o) => o.id), properties) : fresh;
    if (lastSeen !== null) watermark = Math.max(watermark, lastSeen);
    const next = page.paging?.next?.after;
    // Search pages hold 200 records, association batch reads take 1,000: gather five pages before
    // re-reading associations, so each association call is full (the cursor moves with the batch).
    buffered.push(...objects);
    if (buffered.length >= ASSOCIATION_BATCH_MAX || (next === undefined && buffered.length > 0)) {
      const content = await buildPage(ctx, kind, buffered.splice(0), false);
      yield { kind, ...content, cursor: toCursor({ watermark, recent: recentWindow(seen, watermark, ctx.config.overlapMs) }) };
    }
    if (next === undefined) break;
    const nextOffset = Number(next);
    if (nextOffset + SEARCH_PAGE_SIZE > cap) {
      // Re-window before the cap: same filter from the last timestamp seen; already-emitted ids are skipped.
      if (lastSeen === null || lastSeen <= windowStart) {
        throw new ParcoursError('CRM_ERROR', `More than ${cap} ${objectType} share ${modified} = ${windowStart}; HubSpot search cannot page past them.`, { crm: 'hubspot', endpoint: `objects.${objectType}.search` });
      }
      windowStart = lastSeen;
      offset = 0;
    } else offset = nextOffset;
  }

  const removed: RecordRef[] = [];
  for await (const refs of archivedPages(ctx.transport, kind, since)) removed.push(...refs);
  watermark = Math.max(watermark, passStart);
  yield { kind, records: [], removed, cursor: toCursor({ watermark, recent: recentWindow(seen, watermark, ctx.config.overlapMs) }) };
}
