/**
 * Archived (deleted) records: search never returns them, so they are listed with `archived=true`
 * (returns only archived records, each with `archivedAt`), 100 per page, in id order — the whole list is
 * read each run and filtered on `archivedAt`. Restorable for 90 days, then they vanish from this list too.
 * https://developers.hubspot.com/docs/api-reference/latest/crm/objects/contacts/guide
 */
import type { ObjectKind, RecordRef } from '../../src/model.ts';
import { hubspotPaths } from './paths.ts';
import { OBJECT_TYPE } from './properties.ts';
import { objectPageSchema } from './schemas.ts';
import { parseTime } from './translate.ts';
import type { HubspotTransport } from './transport.ts';

export const LIST_PAGE_SIZE = 100;

/** Pages of archived refs with `archivedAt >= since` (all of them when since is null). */
export async function* archivedPages(transport: HubspotTransport, kind: ObjectKind, since: number | null): AsyncGenerator<RecordRef[]> {
  const objectType = OBJECT_TYPE[kind];
  for await (const ids of archivedIdPages(transport, objectType, since)) yield ids.map((id): RecordRef => ({ kind, objectType, id }));
}

/** The same for any object type (engagements, feedback submissions): ids only. */
export async function* archivedIdPages(transport: HubspotTransport, objectType: string, since: number | null): AsyncGenerator<string[]> {
  let after: string | undefined;
  do {
    const qs: Record<string, string> = { limit: String(LIST_PAGE_SIZE), archived: 'true', properties: 'hs_object_id' };
    if (after !== undefined) qs.after = after;
    const page = await transport.data({ endpoint: `objects.${objectType}.list.archived`, method: 'GET', path: hubspotPaths.objectList(objectType), qs, schema: objectPageSchema });
    yield page.results
      .filter((o) => {
        if (since === null) return true;
        const at = parseTime(o.archivedAt);
        return at === null || at >= since;
      })
      .map((o) => o.id);
    after = page.paging?.next?.after;
  } while (after !== undefined);
}
