/**
 * Which properties the portal has: `GET /crm/v3/properties/{objectType}` for contacts, deals and
 * tickets (all properties of the object, archived ones excluded by default).
 * https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide
 *
 * HubSpot silently omits a requested property that does not exist, so without this read a rule on a
 * property the portal lacks (a CSAT rollup on a portal without feedback surveys) would be quietly
 * dead. `restrictNeeds` reports such fields missing (the sync core disables the rules that read
 * them) and drops them from what the connector requests. Cost: 3 calls, read once per run
 * (`availableFields`); live reads between runs reuse the last read for up to 10 minutes.
 */
import type { FieldAvailability, FieldNeeds, MissingField } from '../../connectors/port.ts';
import type { ObjectKind } from '../../src/model.ts';
import { AgedValue } from '../../src/http/aged-value.ts';
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

const MAX_AGE_MS = 10 * 60_000;

/** The portal's property names, read on demand and kept for the connector's lifetime (refreshed per run). */
export class PropertyCatalogCache extends AgedValue<PropertyCatalog> {
  constructor(transport: HubspotTransport, now: () => number = Date.now) {
    super(async () => {
      const [contact, deal, ticket] = await Promise.all(KINDS.map(async (k) => new Set((await readProperties(transport, OBJECT_TYPE[k])).keys())));
      return { contact: contact as Set<string>, deal: deal as Set<string>, ticket: ticket as Set<string> };
    }, MAX_AGE_MS, now);
  }
}
