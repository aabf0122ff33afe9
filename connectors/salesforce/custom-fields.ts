/**
 * Owned custom fields through the Tooling API.
 * https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_customfield.htm
 * Metadata shapes (type names are case-sensitive, `MultiselectPicklist` not `MultiPicklist`):
 * https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/customfield.htm
 *
 * - Which fields exist: one tooling query for all of them (`TableEnumOrId IN … AND DeveloperName IN …`);
 *   only the missing ones are created (`POST /tooling/sobjects/CustomField`). A second `setup` on an
 *   unchanged mapping therefore writes nothing.
 * - Picklist values: in the Tooling API a value is a CustomValue named by `valueName` (the Metadata API
 *   calls the same thing `fullName`; we accept `fullName` on read as a fallback and always write
 *   `valueName`). A Tooling PATCH of `Metadata` replaces the whole definition: a value left out goes
 *   inactive ("If picklist values are missing from a component definition, they get deactivated",
 *   https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_customvalue.htm).
 *   So we read the field (`GET /tooling/sobjects/CustomField/{id}`), keep every value it has — the
 *   admin's and earlier mappings' included, active or not — and PATCH only when one of ours is missing
 *   or inactive.
 */
import { z } from 'zod';
import type { OwnedFieldSpec } from '../port.ts';
import { ParcoursError } from '../../src/errors.ts';
import type { SalesforceClient } from './client.ts';
import { inList } from './soql.ts';

/** Owned text fields (reasons) are Text of this length. */
export const TEXT_LENGTH = 255;

/** Tooling CustomValue as we write it. */
type PicklistValue = { valueName: string; label: string; default: boolean };

const newValue = (o: { value: string; label: string }): PicklistValue => ({ valueName: o.value, label: o.label, default: false });

export function fieldMetadata(spec: OwnedFieldSpec, groupLabel: string): Record<string, unknown> {
  const base = { label: spec.label, description: `Written by Parcours (${groupLabel}). Do not edit by hand.` };
  const valueSet = () => ({
    // Restricted: a value Parcours does not know is rejected instead of silently stored.
    restricted: true,
    valueSetDefinition: { sorted: false, value: (spec.options ?? []).map(newValue) },
  });
  switch (spec.type) {
    case 'enumeration':
      return { ...base, type: 'Picklist', required: false, valueSet: valueSet() };
    case 'multi':
      return { ...base, type: 'MultiselectPicklist', required: false, visibleLines: 4, valueSet: valueSet() };
    case 'datetime':
      return { ...base, type: 'DateTime', required: false };
    case 'text':
      // Text(255), not a Long Text Area: a query selecting two or more long-text custom fields returns at
      // most 200 rows a page instead of 2,000 ("Change the Batch Size in Queries",
      // https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_changing_batch_size.htm),
      // and every Contact/Lead pull selects both reasons. Reasons are cut to 255 characters before the diff
      // (src/sync/desired.ts `truncate`), so what is written is what is compared.
      return { ...base, type: 'Text', length: TEXT_LENGTH };
  }
}

const Existing = z.object({
  records: z.array(z.object({ Id: z.string(), DeveloperName: z.string(), TableEnumOrId: z.string() }).loose()),
});
const FieldRow = z.object({ Id: z.string(), Metadata: z.record(z.string(), z.unknown()).nullish() }).loose();
/** A value as read: `valueName` (Tooling), `fullName` (Metadata API naming) accepted as a fallback. */
const ReadValue = z
  .object({ valueName: z.string().optional(), fullName: z.string().optional(), isActive: z.boolean().nullish() })
  .loose()
  .refine((v) => v.valueName !== undefined || v.fullName !== undefined, { message: 'picklist value without valueName' });
const ValueSet = z.object({ valueSetDefinition: z.object({ value: z.array(ReadValue) }).loose() }).loose();

export type FieldOutcome = 'created' | 'updated' | 'unchanged';

const developerName = (name: string): string => name.replace(/__c$/, '');

/** `Object.Name__c` → tooling id, for the owned fields that already exist (one query). */
export async function findCustomFields(client: SalesforceClient, fields: Array<{ object: string; name: string }>): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (fields.length === 0) return found;
  const objects = [...new Set(fields.map((f) => f.object))];
  const names = [...new Set(fields.map((f) => developerName(f.name)))];
  const soql = `SELECT Id, DeveloperName, TableEnumOrId FROM CustomField WHERE TableEnumOrId IN ${inList(objects)} AND DeveloperName IN ${inList(names)}`;
  const res = await client.call<unknown>('tooling', { method: 'GET', url: `/tooling/query?q=${encodeURIComponent(soql)}` });
  for (const r of Existing.parse(res.body).records) found.set(`${r.TableEnumOrId}.${r.DeveloperName}__c`.toLowerCase(), r.Id);
  return found;
}

async function readField(client: SalesforceClient, id: string, fullName: string): Promise<Record<string, unknown>> {
  const res = await client.call<unknown>('tooling', { method: 'GET', url: `/tooling/sobjects/CustomField/${id}` });
  const row = FieldRow.safeParse(res.body);
  if (!row.success || !row.data.Metadata) {
    throw new ParcoursError('CRM_ERROR', `Salesforce says ${fullName} exists but the Tooling API does not return its metadata`, { crm: 'salesforce', endpoint: 'tooling' });
  }
  return row.data.Metadata;
}

/** Every existing value kept (renamed to `valueName`), ours added or re-activated; null when nothing is missing. */
export function mergeValueSet(current: unknown, options: Array<{ value: string; label: string }>): Record<string, unknown> | null {
  const parsed = ValueSet.safeParse(current);
  const existing = parsed.success ? parsed.data.valueSetDefinition.value : [];
  const nameOf = (v: z.infer<typeof ReadValue>): string => (v.valueName ?? v.fullName) as string;
  const byName = new Map(existing.map((v) => [nameOf(v), v]));
  const missing = options.filter((o) => !byName.has(o.value));
  const inactive = new Set(options.filter((o) => byName.get(o.value)?.isActive === false).map((o) => o.value));
  if (missing.length === 0 && inactive.size === 0) return null;
  const kept = existing.map((v) => {
    const { fullName: _metadataName, ...rest } = v;
    return { ...rest, valueName: nameOf(v), ...(inactive.has(nameOf(v)) ? { isActive: true } : {}) };
  });
  const base = parsed.success ? parsed.data : { restricted: true };
  const definition = parsed.success ? parsed.data.valueSetDefinition : { sorted: false };
  return { ...base, valueSetDefinition: { ...definition, value: [...kept, ...missing.map(newValue)] } };
}

/**
 * An existing reason field created as a Long Text Area (Parcours before Text(255), or by hand). Setup does
 * not change a field's type on the admin's org (a type change can lose data and is the admin's call); it
 * says what it costs and how to fix it.
 */
function longTextNote(object: string, spec: OwnedFieldSpec, metadata: Record<string, unknown>): string | null {
  if (metadata.type !== 'LongTextArea' && metadata.type !== 'Html') return null;
  return `${object}.${spec.name} is a Long Text Area: with two of them in one query Salesforce returns at most 200 rows a page, so pulling ${object} costs 10x the calls. Parcours writes at most ${TEXT_LENGTH} characters there: change it to Text(${TEXT_LENGTH}) in Setup > Object Manager > ${object} > Fields & Relationships > ${spec.label} > Edit > Change Field Type.`;
}

export async function ensureCustomField(client: SalesforceClient, object: string, spec: OwnedFieldSpec, groupLabel: string, existingId: string | undefined, notes: string[] = []): Promise<FieldOutcome> {
  const fullName = `${object}.${spec.name}`;
  let id = existingId;
  if (id === undefined) {
    try {
      await client.call('tooling', { method: 'POST', url: '/tooling/sobjects/CustomField', body: { FullName: fullName, Metadata: fieldMetadata(spec, groupLabel) } });
      return 'created';
    } catch (error) {
      // Created meanwhile by someone else: read it back like an existing one.
      if (!(error instanceof ParcoursError) || error.context.sfErrorCode !== 'DUPLICATE_DEVELOPER_NAME') throw error;
      id = (await findCustomFields(client, [{ object, name: spec.name }])).get(fullName.toLowerCase());
      if (id === undefined) throw new ParcoursError('CRM_ERROR', `Salesforce says ${fullName} exists but the Tooling API does not return it`, { crm: 'salesforce', endpoint: 'tooling' });
    }
  }
  if (spec.type === 'text') {
    const note = longTextNote(object, spec, await readField(client, id, fullName));
    if (note) notes.push(note);
    return 'unchanged';
  }
  if (spec.type !== 'enumeration' && spec.type !== 'multi') return 'unchanged';
  const metadata = await readField(client, id, fullName);
  const valueSet = mergeValueSet(metadata.valueSet, spec.options ?? []);
  if (valueSet === null) return 'unchanged';
  await client.call('tooling', { method: 'PATCH', url: `/tooling/sobjects/CustomField/${id}`, body: { Metadata: { ...metadata, valueSet } } });
  return 'updated';
}
