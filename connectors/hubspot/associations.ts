/**
 * Associations v4 batch read: up to 1,000 inputs per call, paged per input (`paging.next.after` on one
 * result → re-send that input with `after`). https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide
 * The v3 batch read ignores `after` (hubspot-api-python#187), hence v4.
 */
import type { HubspotTransport } from './transport.ts';
import { hubspotPaths } from './paths.ts';
import { associationsBatchSchema } from './schemas.ts';

export const ASSOCIATION_BATCH_MAX = 1_000;

/** Every id maps to its full set of associated ids (empty when it has none). */
export async function readAssociations(transport: HubspotTransport, from: string, to: string, ids: string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, Set<string>>(ids.map((id) => [id, new Set<string>()]));
  let pending: Array<{ id: string; after?: string }> = [...found.keys()].map((id) => ({ id }));
  while (pending.length > 0) {
    const chunk = pending.slice(0, ASSOCIATION_BATCH_MAX);
    pending = pending.slice(ASSOCIATION_BATCH_MAX);
    const body = await transport.data({
      endpoint: `associations.${from}.${to}.batch.read`,
      endpointClass: 'associations',
      method: 'POST',
      path: hubspotPaths.associationsBatchRead(from, to),
      body: { inputs: chunk },
      schema: associationsBatchSchema,
    });
    // 207 errors (e.g. an id with no associations or that no longer exists) leave that id with an empty set.
    for (const result of body.results) {
      const set = found.get(result.from.id) ?? new Set<string>();
      for (const t of result.to) set.add(t.toObjectId);
      found.set(result.from.id, set);
      const after = result.paging?.next?.after;
      if (after !== undefined) pending.push({ id: result.from.id, after });
    }
  }
  return new Map([...found].map(([id, set]) => [id, [...set]]));
}
