/**
 * One customer, live: the contact (GET by id), its deal and ticket ids (associations v4, paged), those
 * records (batch read) and their own contact ids (v4), translated like a pull.
 */
import type { FieldNeeds } from '../../connectors/port.ts';
import type { CrmRecord } from '../../src/model.ts';
import { readAssociations } from './associations.ts';
import { buildPage, propertiesToRequest, type PullContext } from './page-builder.ts';
import { hubspotPaths } from './paths.ts';
import { batchObjectsSchema, crmObjectSchema, type CrmObject } from './schemas.ts';
import { toContact } from './translate.ts';

export async function fetchCustomerRecords(ctx: PullContext, contactId: string, fields: FieldNeeds): Promise<CrmRecord[]> {
  const t = ctx.transport;
  const contact = await t.data({
    endpoint: 'objects.contacts.get',
    method: 'GET',
    path: hubspotPaths.objectById('contacts', contactId),
    qs: { properties: (await propertiesToRequest(ctx, 'contact')).join(',') },
    schema: crmObjectSchema,
    recordId: contactId,
  });
  const records: CrmRecord[] = [toContact(contact, fields)];
  for (const [kind, objectType] of [['deal', 'deals'], ['ticket', 'tickets']] as const) {
    const ids = (await readAssociations(t, 'contacts', objectType, [contactId])).get(contactId) ?? [];
    if (ids.length === 0) continue;
    const properties = await propertiesToRequest(ctx, kind);
    const objects: CrmObject[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      const body = await t.data({
        endpoint: `objects.${objectType}.batch.read`,
        method: 'POST',
        path: hubspotPaths.batchRead(objectType),
        body: { properties, propertiesWithHistory: [], inputs: ids.slice(i, i + 100).map((id) => ({ id })) },
        schema: batchObjectsSchema,
      });
      objects.push(...body.results);
    }
    records.push(...(await buildPage(ctx, kind, objects, false)).records);
  }
  return records;
}
