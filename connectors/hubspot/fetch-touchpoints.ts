/**
 * One customer's touchpoints, live (for `explain --crm`): the contact's engagement and feedback ids per object
 * (v4 batch read from the contact, reverse type ids 193, 197… — touchpoints.md §1.3), those records (batch read,
 * 100 per call, every property named), their contact / deal / ticket links (v4, one call per target), and the
 * form conversions the contact holds (GET by id). About 7 + 7 + 3 per object that has any + 1 calls.
 * https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide ;
 * https://developers.hubspot.com/docs/api-reference/latest/crm/using-object-apis (batch read)
 */
import type { TouchpointRecord } from '../../src/model.ts';
import { readAssociations } from './associations.ts';
import { hubspotPaths } from './paths.ts';
import { BATCH_MAX } from './pull-incremental.ts';
import { batchObjectsSchema, crmObjectSchema, type CrmObject } from './schemas.ts';
import { CONVERSION_PROPERTIES, TOUCHPOINT_OBJECTS, TOUCHPOINT_TARGETS, propertiesOf } from './touchpoint-objects.ts';
import { formConversions, toTouchpoint, type TouchpointLinks } from './translate-touchpoint.ts';
import type { HubspotTransport } from './transport.ts';

export async function fetchTouchpointRecords(t: HubspotTransport, contactId: string): Promise<TouchpointRecord[]> {
  const perObject = await Promise.all(
    TOUCHPOINT_OBJECTS.map(async (object) => {
      const ids = (await readAssociations(t, 'contacts', object, [contactId])).get(contactId) ?? [];
      if (ids.length === 0) return [];
      const objects: CrmObject[] = [];
      for (let i = 0; i < ids.length; i += BATCH_MAX) {
        const body = await t.data({
          endpoint: `objects.${object}.batch.read`,
          method: 'POST',
          path: hubspotPaths.batchRead(object),
          body: { properties: propertiesOf(object), propertiesWithHistory: [], inputs: ids.slice(i, i + BATCH_MAX).map((id) => ({ id })) },
          schema: batchObjectsSchema,
        });
        objects.push(...body.results);
      }
      const links = new Map<string, TouchpointLinks>(objects.map((o) => [o.id, { contactIds: [], dealIds: [], ticketIds: [] }]));
      const field = { contacts: 'contactIds', deals: 'dealIds', tickets: 'ticketIds' } as const;
      await Promise.all(
        TOUCHPOINT_TARGETS.map(async (target) => {
          for (const [id, to] of await readAssociations(t, object, target, [...links.keys()])) {
            const l = links.get(id);
            if (l) l[field[target]] = to;
          }
        }),
      );
      return objects.map((o) => toTouchpoint(object, o, links.get(o.id) as TouchpointLinks));
    }),
  );
  const contact = await t.data({
    endpoint: 'objects.contacts.get',
    method: 'GET',
    path: hubspotPaths.objectById('contacts', contactId),
    qs: { properties: CONVERSION_PROPERTIES.join(',') },
    schema: crmObjectSchema,
    recordId: contactId,
  });
  return [...perObject.flat(), ...formConversions(contact)];
}
