/**
 * Owned properties: the group, then each property, idempotently.
 * https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide
 * - One GET of all properties per object type, then create only what is missing (201). A 409 on create
 *   (created meanwhile, or invisible to the first read) means it exists: read it, then PATCH missing options.
 * - PATCH `options` replaces the whole list, so existing options are kept and new ones appended.
 * - Only properties named in the spec are ever touched.
 */
import type { JourneyFieldSpec, OwnedFieldSpec } from '../../connectors/port.ts';
import { ParcoursError } from '../../src/errors.ts';
import { hubspotPaths } from './paths.ts';
import { OBJECT_TYPE } from './properties.ts';
import { anyBodySchema, propertiesSchema, propertySchema, type HubspotProperty } from './schemas.ts';
import type { HubspotTransport } from './transport.ts';

/** Parcours field type → HubSpot type/fieldType (table in the properties guide). */
export function hubspotTypeOf(spec: OwnedFieldSpec): { type: string; fieldType: string } {
  switch (spec.type) {
    case 'enumeration':
      return { type: 'enumeration', fieldType: 'select' };
    case 'multi':
      return { type: 'enumeration', fieldType: 'checkbox' }; // multi-select, `;`-joined values
    case 'datetime':
      return { type: 'datetime', fieldType: 'date' };
    case 'text':
      return { type: 'string', fieldType: 'textarea' };
  }
}

export function missingOptions(spec: OwnedFieldSpec, existing: HubspotProperty): Array<{ value: string; label: string }> {
  const have = new Set(existing.options.map((o) => o.value));
  return (spec.options ?? []).filter((o) => !have.has(o.value));
}

export function typeMismatch(spec: OwnedFieldSpec, existing: HubspotProperty): string | null {
  const want = hubspotTypeOf(spec);
  return existing.type === want.type && existing.fieldType === want.fieldType ? null : `${existing.type}/${existing.fieldType}, expected ${want.type}/${want.fieldType}`;
}

export interface SetupResult {
  created: string[];
  updated: string[];
  unchanged: string[];
}

async function ensureGroup(t: HubspotTransport, objectType: string, group: JourneyFieldSpec['group'], out: SetupResult): Promise<void> {
  const res = await t.request({ endpoint: 'properties.groups.create', method: 'POST', path: hubspotPaths.propertyGroups(objectType), body: { name: group.name, label: group.label, displayOrder: -1 }, schema: anyBodySchema, accept: [409] });
  (res.ok ? out.created : out.unchanged).push(`${objectType}.group:${group.name}`);
}

async function addOptions(t: HubspotTransport, objectType: string, spec: OwnedFieldSpec, existing: HubspotProperty): Promise<boolean> {
  const mismatch = typeMismatch(spec, existing);
  if (mismatch !== null) {
    throw new ParcoursError('CRM_VALIDATION', `HubSpot property ${objectType}.${spec.name} exists as ${mismatch}; rename the mapping's field or delete the property in HubSpot.`, { crm: 'hubspot', endpoint: 'properties.update' });
  }
  const missing = missingOptions(spec, existing);
  if (missing.length === 0) return false;
  const options = [
    ...existing.options.map((o) => ({ label: o.label, value: o.value, hidden: o.hidden ?? false, ...(o.displayOrder !== undefined ? { displayOrder: o.displayOrder } : {}) })),
    ...missing.map((o, i) => ({ label: o.label, value: o.value, hidden: false, displayOrder: existing.options.length + i })),
  ];
  await t.data({ endpoint: 'properties.update', method: 'PATCH', path: hubspotPaths.property(objectType, spec.name), body: { options }, schema: propertySchema });
  return true;
}

async function ensureProperty(t: HubspotTransport, objectType: string, groupName: string, spec: OwnedFieldSpec, existing: HubspotProperty | undefined, out: SetupResult): Promise<void> {
  const label = `${objectType}.${spec.name}`;
  if (existing) {
    (await addOptions(t, objectType, spec, existing) ? out.updated : out.unchanged).push(label);
    return;
  }
  const { type, fieldType } = hubspotTypeOf(spec);
  const body: Record<string, unknown> = { name: spec.name, label: spec.label, type, fieldType, groupName };
  if (type === 'enumeration') body.options = (spec.options ?? []).map((o, i) => ({ label: o.label, value: o.value, hidden: false, displayOrder: i }));
  const res = await t.request({ endpoint: 'properties.create', method: 'POST', path: hubspotPaths.properties(objectType), body, schema: anyBodySchema, accept: [409] });
  if (res.ok) {
    out.created.push(label);
    return;
  }
  // 409: it exists after all — read it and bring its options up to date.
  const current = await t.data({ endpoint: 'properties.get', method: 'GET', path: hubspotPaths.property(objectType, spec.name), schema: propertySchema });
  (await addOptions(t, objectType, spec, current) ? out.updated : out.unchanged).push(label);
}

export async function readProperties(t: HubspotTransport, objectType: string): Promise<Map<string, HubspotProperty>> {
  const body = await t.data({ endpoint: 'properties.list', method: 'GET', path: hubspotPaths.properties(objectType), schema: propertiesSchema });
  return new Map(body.results.map((p) => [p.name, p]));
}

export async function ensureProperties(t: HubspotTransport, spec: JourneyFieldSpec): Promise<SetupResult> {
  const out: SetupResult = { created: [], updated: [], unchanged: [] };
  const kinds = [...new Set(spec.fields.map((f) => f.kind))];
  for (const kind of kinds) {
    const objectType = OBJECT_TYPE[kind];
    const existing = await readProperties(t, objectType);
    const fields = spec.fields.filter((f) => f.kind === kind);
    if (fields.some((f) => !existing.has(f.name))) await ensureGroup(t, objectType, spec.group, out);
    else out.unchanged.push(`${objectType}.group:${spec.group.name}`);
    for (const f of fields) await ensureProperty(t, objectType, spec.group.name, f, existing.get(f.name), out);
  }
  return out;
}
