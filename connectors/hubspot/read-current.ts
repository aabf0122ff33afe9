/**
 * Current owned values: POST /crm/v3/objects/{type}/batch/read, 100 ids per call. Missing ids come back
 * as a 207 with OBJECT_NOT_FOUND and are simply absent from the map.
 */
import type { RecordRef } from '../../src/model.ts';
import { hubspotPaths } from './paths.ts';
import { batchObjectsSchema } from './schemas.ts';
import type { HubspotTransport } from './transport.ts';

export const READ_BATCH_MAX = 100;

/** Keyed by record id (HubSpot ids of one object type; refs of several types are read per type). */
export async function readCurrentValues(t: HubspotTransport, refs: RecordRef[], fieldNames: string[]): Promise<Map<string, Record<string, string | null>>> {
  const out = new Map<string, Record<string, string | null>>();
  if (refs.length === 0 || fieldNames.length === 0) return out;
  const byType = new Map<string, string[]>();
  for (const r of refs) byType.set(r.objectType, [...new Set([...(byType.get(r.objectType) ?? []), r.id])]);
  for (const [objectType, ids] of byType) {
    for (let i = 0; i < ids.length; i += READ_BATCH_MAX) {
      const body = await t.data({
        endpoint: `objects.${objectType}.batch.read`,
        method: 'POST',
        path: hubspotPaths.batchRead(objectType),
        body: { properties: fieldNames, propertiesWithHistory: [], inputs: ids.slice(i, i + READ_BATCH_MAX).map((id) => ({ id })) },
        schema: batchObjectsSchema,
      });
      for (const o of body.results) {
        const values: Record<string, string | null> = {};
        // HubSpot returns "" or omits a cleared property: both mean no value.
        for (const f of fieldNames) values[f] = o.properties[f] === undefined || o.properties[f] === '' ? null : (o.properties[f] ?? null);
        out.set(o.id, values);
      }
    }
  }
  return out;
}
