/**
 * The history HubSpot keeps of one property on one record — what reps see in the property's history:
 * `GET /crm/v3/objects/{type}/{id}?properties=<name>&propertiesWithHistory=<name>` →
 * `propertiesWithHistory.<name>: [{value, timestamp, sourceType, sourceId, updatedByUserId}]`
 * (hubspot.md §13; objects guide https://developers.hubspot.com/docs/api-reference/latest/crm/objects/contacts/guide).
 * Returned oldest first whatever order HubSpot sends. One call.
 */
import { z } from 'zod';
import type { FieldHistoryEntry } from '../../connectors/port.ts';
import type { RecordRef } from '../../src/model.ts';
import { hubspotPaths } from './paths.ts';
import { parseTime } from './translate.ts';
import type { HubspotTransport } from './transport.ts';

const versionSchema = z
  .object({ value: z.string().nullable().optional(), timestamp: z.union([z.string(), z.number()]).transform(String), sourceType: z.string().nullable().optional() })
  .loose();

const withHistorySchema = z
  .object({ id: z.union([z.string(), z.number()]).transform(String), propertiesWithHistory: z.record(z.string(), z.array(versionSchema)).default({}) })
  .loose();

export async function readFieldHistory(t: HubspotTransport, ref: RecordRef, fieldName: string): Promise<FieldHistoryEntry[]> {
  const body = await t.data({
    endpoint: `objects.${ref.objectType}.get`,
    method: 'GET',
    path: hubspotPaths.objectById(ref.objectType, ref.id),
    qs: { properties: fieldName, propertiesWithHistory: fieldName },
    schema: withHistorySchema,
    recordId: ref.id,
  });
  const entries: FieldHistoryEntry[] = [];
  for (const v of body.propertiesWithHistory[fieldName] ?? []) {
    const at = parseTime(v.timestamp);
    if (at === null) continue;
    entries.push({ value: v.value === undefined || v.value === '' ? null : v.value, at, source: v.sourceType ?? null });
  }
  return entries.sort((a, b) => a.at - b.at);
}
