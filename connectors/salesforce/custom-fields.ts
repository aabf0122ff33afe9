/**
 * Owned custom fields through the Tooling API: `POST /tooling/sobjects/CustomField`; an existing field
 * answers 400 DUPLICATE_DEVELOPER_NAME, then we read it (tooling query, `Metadata` is allowed because
 * the query returns one row) and PATCH in the picklist values it lacks. Values are only ever added.
 * https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_customfield.htm
 * Metadata shapes (type names are case-sensitive, `MultiselectPicklist` not `MultiPicklist`):
 * https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/customfield.htm
 */
import { z } from 'zod';
import type { OwnedFieldSpec } from '../port.ts';
import { ParcoursError } from '../../src/errors.ts';
import type { SalesforceClient } from './client.ts';
import { quote } from './soql.ts';

type PicklistValue = { fullName: string; label: string; default: boolean };

export function fieldMetadata(spec: OwnedFieldSpec, groupLabel: string): Record<string, unknown> {
  const base = { label: spec.label, description: `Written by Parcours (${groupLabel}). Do not edit by hand.` };
  const valueSet = () => ({
    // Restricted: a value Parcours does not know is rejected instead of silently stored.
    restricted: true,
    valueSetDefinition: { sorted: false, value: (spec.options ?? []).map((o): PicklistValue => ({ fullName: o.value, label: o.label, default: false })) },
  });
  switch (spec.type) {
    case 'enumeration':
      return { ...base, type: 'Picklist', required: false, valueSet: valueSet() };
    case 'multi':
      return { ...base, type: 'MultiselectPicklist', required: false, visibleLines: 4, valueSet: valueSet() };
    case 'datetime':
      return { ...base, type: 'DateTime', required: false };
    case 'text':
      // Reasons can run past Text's 255 characters.
      return { ...base, type: 'LongTextArea', length: 32768, visibleLines: 3 };
  }
}

const Existing = z.object({
  records: z.array(z.object({ Id: z.string(), Metadata: z.record(z.string(), z.unknown()).nullish() }).loose()),
});
const ValueSet = z.object({ valueSetDefinition: z.object({ value: z.array(z.object({ fullName: z.string() }).loose()) }).loose() }).loose();

export type FieldOutcome = 'created' | 'updated' | 'unchanged';

export async function ensureCustomField(client: SalesforceClient, object: string, spec: OwnedFieldSpec, groupLabel: string): Promise<FieldOutcome> {
  const fullName = `${object}.${spec.name}`;
  const metadata = fieldMetadata(spec, groupLabel);
  try {
    await client.call('tooling', { method: 'POST', url: '/tooling/sobjects/CustomField', body: { FullName: fullName, Metadata: metadata } });
    return 'created';
  } catch (error) {
    if (!(error instanceof ParcoursError) || error.context.sfErrorCode !== 'DUPLICATE_DEVELOPER_NAME') throw error;
  }
  if (spec.type !== 'enumeration' && spec.type !== 'multi') return 'unchanged';

  const developerName = spec.name.replace(/__c$/, '');
  const soql = `SELECT Id, DeveloperName, Metadata FROM CustomField WHERE TableEnumOrId = ${quote(object)} AND DeveloperName = ${quote(developerName)}`;
  const res = await client.call<unknown>('tooling', { method: 'GET', url: `/tooling/query?q=${encodeURIComponent(soql)}` });
  const row = Existing.parse(res.body).records[0];
  if (!row?.Metadata) {
    throw new ParcoursError('CRM_ERROR', `Salesforce says ${fullName} exists but the Tooling API does not return it`, { crm: 'salesforce', endpoint: 'tooling' });
  }
  const current = ValueSet.safeParse(row.Metadata.valueSet);
  const have = new Set(current.success ? current.data.valueSetDefinition.value.map((v) => v.fullName) : []);
  const missing = (spec.options ?? []).filter((o) => !have.has(o.value));
  if (missing.length === 0) return 'unchanged';
  const existingValues = current.success ? current.data.valueSetDefinition.value : [];
  const valueSet = {
    ...(current.success ? current.data : { restricted: true }),
    valueSetDefinition: {
      ...(current.success ? current.data.valueSetDefinition : { sorted: false }),
      value: [...existingValues, ...missing.map((o): PicklistValue => ({ fullName: o.value, label: o.label, default: false }))],
    },
  };
  await client.call('tooling', { method: 'PATCH', url: `/tooling/sobjects/CustomField/${row.Id}`, body: { Metadata: { ...row.Metadata, valueSet } } });
  return 'updated';
}
