/**
 * Which fields the org has, as the integration user sees them: one sObject describe per object the
 * sync reads (Contact, Lead, Opportunity, Case) plus the parents its relationship paths go through
 * (Account for `Account.Industry`). A field hidden by field-level security is absent from describe,
 * exactly as it is absent to SOQL (salesforce.md §5.3), so "missing" covers both.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
 *
 * `restrictNeeds` rewrites what the mapping asks for so that the field plan never selects a field the
 * org lacks: a normalized field with none of its sources present is reported missing (the sync core
 * disables the rules that read it) and requested from no object; sources present on one object only
 * become `Object:Field` overrides. Cost: 5 describe calls, kept across runs in the installation's schema
 * cache (src/http/kept-schema.ts) and read again on setup, doctor, full runs (when 15 minutes old or more: SCHEMA_FRESH_MS), when the mapping needs a
 * field the kept read lacks, and after a query names a field unknown (INVALID_FIELD).
 */
import { z } from 'zod';
import type { FieldAvailability, FieldNeeds, MissingField, SchemaCache } from '../port.ts';
import type { ObjectKind } from '../../src/model.ts';
import { KeptSchema } from '../../src/http/kept-schema.ts';
import type { SalesforceClient } from './client.ts';
import { DEFAULT_SOURCES, OBJECTS_OF_KIND, namesFor, type SfObject } from './field-plan.ts';

const KINDS: ObjectKind[] = ['contact', 'deal', 'ticket'];

/** The describe fields we read (the full result carries far more: salesforce.md §5.4). */
const DescribeBody = z.object({
  name: z.string(),
  fields: z.array(z.object({
    name: z.string(),
    type: z.string(),
    relationshipName: z.string().nullish(),
    referenceTo: z.array(z.string()).nullish(),
  }).loose()),
}).loose();

interface ObjectFields {
  /** Lower-cased field name → field. */
  fields: Map<string, { name: string; relationshipName: string | null; referenceTo: string[] }>;
}

/** Object name → its visible fields; an object the org does not have is absent. */
export type Catalog = Map<string, ObjectFields>;

export function catalogFrom(bodies: unknown[]): Catalog {
  const out: Catalog = new Map();
  for (const body of bodies) {
    const d = DescribeBody.parse(body);
    out.set(d.name.toLowerCase(), {
      fields: new Map(d.fields.map((f) => [f.name.toLowerCase(), { name: f.name, relationshipName: f.relationshipName ?? null, referenceTo: f.referenceTo ?? [] }])),
    });
  }
  return out;
}

/** `Email` on Contact, or `Account.Industry` through Contact's `Account` relationship. */
export function hasField(catalog: Catalog, object: string, path: string): boolean {
  const own = catalog.get(object.toLowerCase());
  if (!own) return false;
  const [head, rest] = path.split('.', 2) as [string, string | undefined];
  if (rest === undefined) return own.fields.has(head.toLowerCase());
  const rel = [...own.fields.values()].find((f) => f.relationshipName?.toLowerCase() === head.toLowerCase());
  const parent = rel?.referenceTo[0];
  return parent !== undefined && hasField(catalog, parent, rest);
}

/** Parents that the relationship paths of the default sources go through (describe them too). */
export function parentObjects(): string[] {
  const parents = new Set<string>();
  for (const object of Object.keys(DEFAULT_SOURCES) as SfObject[]) {
    for (const list of Object.values(DEFAULT_SOURCES[object])) for (const p of list) if (p.includes('.')) parents.add(p.split('.')[0] as string);
  }
  return [...parents];
}

/** Normalized fields the connector computes itself (ids, flags, stage history): never missing. */
function hasSources(object: SfObject, field: string): boolean {
  return field in DEFAULT_SOURCES[object];
}

export function restrictNeeds(needs: FieldNeeds, catalog: Catalog): { needs: FieldNeeds; availability: FieldAvailability } {
  const missing: MissingField[] = [];
  const missingOwned: string[] = [];
  const overrides: FieldNeeds['overrides'] = { contact: { ...needs.overrides.contact }, deal: { ...needs.overrides.deal }, ticket: { ...needs.overrides.ticket } };
  const raw: FieldNeeds['raw'] = { contact: [], deal: [], ticket: [] };
  const owned: FieldNeeds['owned'] = { contact: [], deal: [], ticket: [] };

  for (const kind of KINDS) {
    const objects = OBJECTS_OF_KIND[kind];
    const wanted = new Set([...(needs.normalized[kind] ?? []), ...Object.keys(needs.overrides[kind] ?? {})]);
    for (const field of wanted) {
      const override = needs.overrides[kind]?.[field];
      if (override === undefined && !objects.some((o) => hasSources(o, field))) continue;
      const looked: string[] = [];
      const present: string[] = [];
      let dropped = false;
      for (const object of objects) {
        const names = override !== undefined ? namesFor(object, override) : (DEFAULT_SOURCES[object][field] ?? []);
        for (const name of names) {
          looked.push(`${object}.${name}`);
          if (hasField(catalog, object, name)) present.push(`${object}:${name}`);
          else dropped = true;
        }
      }
      if (present.length === 0) {
        missing.push({ kind, field, raw: false, looked });
        // An empty override: no object selects anything for it, and it stays null.
        overrides[kind][field] = '';
      } else if (dropped) {
        overrides[kind][field] = present.join(', ');
      }
    }

    for (const entry of needs.raw[kind] ?? []) {
      const present: string[] = [];
      const looked: string[] = [];
      for (const object of objects) {
        for (const name of namesFor(object, entry)) {
          looked.push(`${object}.${name}`);
          if (hasField(catalog, object, name)) present.push(`${object}:${name}`);
        }
      }
      if (present.length === 0) missing.push({ kind, field: entry, raw: true, looked });
      else raw[kind].push(present.join(', '));
    }

    for (const name of needs.owned[kind] ?? []) {
      const lacking = objects.filter((o) => !hasField(catalog, o, name));
      if (lacking.length === 0) owned[kind].push(name);
      else missingOwned.push(...lacking.map((o) => `${o}.${name}`));
    }
  }
  return { needs: { normalized: needs.normalized, raw, overrides, owned }, availability: { missing, missingOwned } };
}

const KeptFields = z.record(z.string(), z.array(z.object({ name: z.string(), relationshipName: z.string().nullable(), referenceTo: z.array(z.string()) })));

/** The org's fields (describe of every object the sync reads, side by side), kept in the schema cache across runs. */
export function fieldCatalog(client: SalesforceClient, cache: SchemaCache | undefined): KeptSchema<Catalog, z.infer<typeof KeptFields>> {
  return new KeptSchema({
    name: 'salesforce.describe',
    cache,
    schema: KeptFields,
    read: async () => {
      const objects = [...new Set<string>([...KINDS.flatMap((k) => OBJECTS_OF_KIND[k]), ...parentObjects()])];
      // One group: one Composite call, shared with the touchpoint describes when both are read at once.
      const answers = await client.callAll<unknown>('metadata', objects.map((object) => ({ method: 'GET' as const, url: `/sobjects/${object}/describe` })));
      return catalogFrom(answers.map((a) => {
        if (a instanceof Error) throw a;
        return a.body;
      }));
    },
    encode: (c) => Object.fromEntries([...c].map(([object, o]) => [object, [...o.fields.values()]])),
    decode: (j) => new Map(Object.entries(j).map(([object, fields]) => [object, { fields: new Map(fields.map((f) => [f.name.toLowerCase(), f])) }])),
  });
}
