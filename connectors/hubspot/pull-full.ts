/**
 * Full pass for one kind: GET /crm/v3/objects/{type} (100 per page, `after` = next id), deals and tickets
 * with `associations=contacts` so their contact ids come at no extra call, then the archived list.
 * The cursor carries the paging position so a pass stopped by the daily quota resumes where it stopped;
 * the watermark only moves (to the pass start minus the overlap) once the whole pass is stored.
 */
import type { PullBatch } from '../../connectors/port.ts';
import type { ObjectKind, RecordRef } from '../../src/model.ts';
import { LIST_PAGE_SIZE, archivedPages } from './archived.ts';
import { toCursor, type HubspotCursor } from './cursor.ts';
import { buildPage, propertiesToRequest, type PullContext } from './page-builder.ts';
import { hubspotPaths } from './paths.ts';
import { OBJECT_TYPE } from './properties.ts';
import { objectPageSchema } from './schemas.ts';

export async function* pullFull(ctx: PullContext, kind: ObjectKind, cursor: HubspotCursor, now: number): AsyncGenerator<PullBatch> {
  const objectType = OBJECT_TYPE[kind];
  const startedAt = cursor.full?.startedAt ?? now;
  const base = cursor.watermark === undefined ? {} : { watermark: cursor.watermark };
  let after: string | null | undefined = cursor.full ? cursor.full.after : undefined;
  if (after !== null) {
    const properties = (await propertiesToRequest(ctx, kind)).join(',');
    do {
      // Comma-separated lists are accepted for `properties`/`associations` (the SDK repeats keys instead).
      const qs: Record<string, string> = { limit: String(LIST_PAGE_SIZE), properties, archived: 'false' };
      if (kind !== 'contact') qs.associations = 'contacts';
      if (after !== undefined) qs.after = after;
      const page = await ctx.transport.data({ endpoint: `objects.${objectType}.list`, method: 'GET', path: hubspotPaths.objectList(objectType), qs, schema: objectPageSchema });
      const content = await buildPage(ctx, kind, page.results, true);
      const next = page.paging?.next?.after;
      yield { kind, ...content, cursor: toCursor({ ...base, full: { after: next ?? null, startedAt } }) };
      after = next;
    } while (after !== undefined);
  }
  // Archived records of every age: a full run reconciles all removals.
  const removed: RecordRef[] = [];
  for await (const refs of archivedPages(ctx.transport, kind, null)) removed.push(...refs);
  yield { kind, records: [], removed, cursor: toCursor({ watermark: startedAt - ctx.config.overlapMs }) };
}
