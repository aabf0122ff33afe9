/**
 * Which properties the portal has: `GET /crm/v3/properties/{objectType}` for contacts, deals and
 * tickets (all properties of the object, archived ones excluded by default).
 * https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide
 *
 * HubSpot silently omits a requested property that does not exist, so without this read a rule on a
 * property the portal lacks (a CSAT rollup on a portal without feedback surveys) would be quietly
 * dead. `restrictNeeds` reports such fields missing (the sync core disables the rules that read
 * them) and drops them from what the connector requests. Cost: 3 calls, kept across runs in the
 * installation's schema cache (src/http/kept-schema.ts) and read again on setup, doctor, full runs (when 15 minutes old or more: SCHEMA_FRESH_MS) and
 * when the mapping needs a property the kept read lacks.
 */
import type { FieldAvailability, FieldNeeds, MissingField } from '../../connectors/port.ts';
import type { ObjectKind } from '../../src/model.ts';
import { z } from 'zod';
import type { SchemaCache } from '../../connectors/port.ts';
import { KeptSchema } from '../../src/http/kept-schema.ts';
import { readProperties } from './property-setup.ts';
import { DEFAULT_PROPERTIES, OBJECT_TYPE, sourceProperties } from './properties.ts';
import type { HubspotTransport } from './transport.ts';

const KINDS: ObjectKind[] = ['contact', 'deal', 'ticket'];

/** Property names per kind. */
export type PropertyCatalog = Record<ObjectKind, ReadonlySet<string>>;

/** Normalized fields the connector computes itself (top-level ids and dates, pipeline flags, stage history). */
function hasSources(kind: ObjectKind, field: string, needs: FieldNeeds): boolean {
  return needs.overrides[kind]?.[field] !== undefined || field in DEFAULT_PROPERTIES[kind];
}

export function restrictNeeds(needs: FieldNeeds, catalog: PropertyCatalog): { needs: FieldNeeds; availability: FieldAvailability } {
  const missing: MissingField[] = [];
  const missingOwned: string[] = [];
  const normalized: FieldNeeds['normalized'] = { contact: [], deal: [], ticket: [] };
  const overrides: FieldNeeds['overrides'] = { contact: {}, deal: {}, ticket: {} };
  const raw: FieldNeeds['raw'] = { contact: [], deal: [], ticket: [] };
  const owned: FieldNeeds['owned'] = { contact: [], deal: [], ticket: [] };
  for (const kind of KINDS) {
    const has = catalog[kind];
    const wanted = new Set([...(needs.normalized[kind] ?? []), ...Object.keys(needs.overrides[kind] ?? {})]);
    for (const field of wanted) {
      const override = needs.overrides[kind]?.[field];
      const keep = (): void => {
        if ((needs.normalized[kind] ?? []).includes(field)) normalized[kind].push(field);
        if (override !== undefined) overrides[kind][field] = override;
      };
      if (!hasSources(kind, field, needs)) {
        keep();
        continue;
      }
      const looked = sourceProperties(kind, field, needs);
      const present = looked.filter((p) => has.has(p));
      if (present.length === 0) {
        missing.push({ kind, field, raw: false, looked });
        continue;
      }
      keep();
      // A field read from the first filled of several names (NPS: current, then deprecated) asks only for
      // the one the portal has. `name` (firstname + lastname) and `firstResponseAt` (reply date, else
      // creation + reply time) combine theirs, so any one of them will do and they are left as they are.
      if (present.length < looked.length && override === undefined && field !== 'name' && field !== 'firstResponseAt' && present.length === 1) {
        overrides[kind][field] = present[0] as string;
      }
    }
    for (const name of needs.raw[kind] ?? []) {
      if (has.has(name)) raw[kind].push(name);
      else missing.push({ kind, field: name, raw: true, looked: [name] });
    }
    for (const name of needs.owned[kind] ?? []) {
      if (has.has(name)) owned[kind].push(name);
      else missingOwned.push(`${OBJECT_TYPE[kind]}.${name}`);
    }
  }
  return { needs: { normalized, raw, overrides, owned }, availability: { missing, missingOwned } };
}

const KeptCatalog = z.object({ contact: z.array(z.string()), deal: z.array(z.string()), ticket: z.array(z.string()) });

/** The portal's property names, kept in the schema cache across runs. */
export function propertyCatalog(transport: HubspotTransport, cache: SchemaCache | undefined): KeptSchema<PropertyCatalog, z.infer<typeof KeptCatalog>> {
  return new KeptSchema<PropertyCatalog, z.infer<typeof KeptCatalog>>({
    name: 'hubspot.properties',
    cache,
    schema: KeptCatalog,
    read: async () => {
      const [contact, deal, ticket] = await Promise.all(KINDS.map(async (k) => new Set((await readProperties(transport, OBJECT_TYPE[k])).keys())));
      return { contact: contact as Set<string>, deal: deal as Set<string>, ticket: ticket as Set<string> };
    },
    encode: (c) => ({ contact: [...c.contact], deal: [...c.deal], ticket: [...c.ticket] }),
    decode: (j) => ({ contact: new Set(j.contact), deal: new Set(j.deal), ticket: new Set(j.ticket) }),
  });
}
