/**
 * Tooling API CustomField: create, update, query.
 * https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_customfield.htm
 * Metadata shape: https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/customfield.htm
 *
 * Picklist values are Tooling CustomValues, named `valueName` (the Metadata API's `fullName` is not a
 * Tooling field; a body using it fails to deserialize). A PATCH of `Metadata` replaces the whole
 * definition: values it leaves out stay in the definition as inactive ("If picklist values are missing
 * from a component definition, they get deactivated",
 * https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_customvalue.htm).
 * Inactive values are not offered by describe and a restricted picklist refuses them.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import { KEY_PREFIXES } from '../ids.ts';
import { SfHttpError, notFound } from '../http-errors.ts';
import type { CustomFieldRow, Org } from '../org.ts';
import { CUSTOMIZABLE_OBJECTS, type FieldDef, type FieldType } from '../schema.ts';
import { parseSoql, SoqlError, type Condition } from '../soql/parser.ts';
import { versionOf, type ApiContext } from '../context.ts';

const TYPES: Record<string, FieldType> = {
  Picklist: 'picklist', MultiselectPicklist: 'multipicklist', DateTime: 'datetime', Date: 'date', Text: 'string',
  LongTextArea: 'textarea', TextArea: 'textarea', Number: 'double', Checkbox: 'boolean', Email: 'email',
};

const metadataSchema = z.looseObject({
  label: z.string().min(1),
  trackHistory: z.boolean().optional(),
  type: z.string(),
  length: z.number().int().positive().optional(),
  visibleLines: z.number().int().positive().optional(),
  valueSet: z
    .looseObject({
      restricted: z.boolean().optional(),
      valueSetDefinition: z.looseObject({ value: z.array(z.looseObject({ valueName: z.string(), label: z.string().optional(), default: z.boolean().optional(), isActive: z.boolean().optional() })) }),
    })
    .optional(),
});

const createBody = z.object({ FullName: z.string(), Metadata: metadataSchema });
const updateBody = z.object({ FullName: z.string().optional(), Metadata: metadataSchema });

type Metadata = z.infer<typeof metadataSchema>;

/** The Metadata API's value name sent to Tooling: Salesforce cannot deserialize it into a CustomValue. */
function metadataApiNaming(body: unknown): SfHttpError | null {
  const values = (body as { Metadata?: { valueSet?: { valueSetDefinition?: { value?: unknown } } } } | null)?.Metadata?.valueSet?.valueSetDefinition?.value;
  if (!Array.isArray(values) || !values.some((v) => typeof v === 'object' && v !== null && 'fullName' in v)) return null;
  return new SfHttpError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of CustomValue: unrecognized field "fullName" (Tooling names a picklist value valueName)');
}

function parseBody<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const naming = metadataApiNaming(raw);
  if (naming) throw naming;
  const body = schema.safeParse(raw);
  if (!body.success) throw new SfHttpError(400, 'INVALID_INPUT', `Invalid CustomField: ${body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return body.data;
}

/** A PATCH replaces the definition; values it omits are kept as inactive. */
function replaceDefinition(previous: Record<string, unknown>, next: Metadata): Metadata {
  const nextSet = next.valueSet;
  const before = (previous as Metadata).valueSet?.valueSetDefinition.value ?? [];
  if (!nextSet || before.length === 0) return next;
  const named = new Set(nextSet.valueSetDefinition.value.map((v) => v.valueName));
  const dropped = before.filter((v) => !named.has(v.valueName)).map((v) => ({ ...v, isActive: false, default: false }));
  return { ...next, valueSet: { ...nextSet, valueSetDefinition: { ...nextSet.valueSetDefinition, value: [...nextSet.valueSetDefinition.value, ...dropped] } } };
}

function toFieldDef(name: string, md: Metadata): FieldDef | SfHttpError {
  const type = TYPES[md.type];
  if (!type) return new SfHttpError(400, 'INVALID_INPUT', `Invalid field type: ${md.type}`);
  const values = (md.valueSet?.valueSetDefinition.value ?? []).filter((v) => v.isActive !== false);
  if ((type === 'picklist' || type === 'multipicklist') && values.length === 0) {
    return new SfHttpError(400, 'FIELD_INTEGRITY_EXCEPTION', 'Picklist values: You must enter at least one value.');
  }
  // Text: 1..255; TextArea: always 255; LongTextArea (and rich text): the given length (describe reports textarea + length).
  const length = type === 'string' ? Math.min(md.length ?? 255, 255) : md.type === 'TextArea' ? 255 : type === 'textarea' ? (md.length ?? 32768) : type === 'multipicklist' ? 4099 : type === 'picklist' ? 255 : 0;
  return {
    name, label: md.label, type, length, createable: true, updateable: true, nillable: true, custom: true,
    ...(values.length > 0 ? { picklistValues: values.map((v) => v.valueName), restrictedPicklist: md.valueSet?.restricted ?? false } : {}),
    ...(values.find((v) => v.default) ? { defaultPicklistValue: values.find((v) => v.default)!.valueName } : {}),
  };
}

function customFieldJson(row: CustomFieldRow, version: string, columns: string[]): Record<string, unknown> {
  const all: Record<string, unknown> = {
    Id: row.id, DeveloperName: row.developerName, TableEnumOrId: row.object, FullName: `${row.object}.${row.developerName}__c`,
    Metadata: row.metadata, NamespacePrefix: null, CreatedDate: new Date(row.createdDate).toISOString().replace('Z', '+0000'),
    LastModifiedDate: new Date(row.lastModifiedDate).toISOString().replace('Z', '+0000'),
  };
  const out: Record<string, unknown> = { attributes: { type: 'CustomField', url: `/services/data/v${version}/tooling/sobjects/CustomField/${row.id}` } };
  for (const c of columns) {
    const key = Object.keys(all).find((k) => k.toLowerCase() === c.toLowerCase());
    if (!key) throw new SoqlError('INVALID_FIELD', `No such column '${c}' on entity 'CustomField'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`, 0);
    out[key] = all[key];
  }
  return out;
}

/** Evaluates the simple equality / IN filters tooling callers use on CustomField columns. */
function matches(cond: Condition | null, row: Record<string, unknown>): boolean {
  if (!cond) return true;
  const get = (p: string): unknown => row[Object.keys(row).find((k) => k.toLowerCase() === p.toLowerCase()) ?? ''];
  switch (cond.op) {
    case 'and':
      return matches(cond.left, row) && matches(cond.right, row);
    case 'or':
      return matches(cond.left, row) || matches(cond.right, row);
    case 'not':
      return !matches(cond.expr, row);
    case 'cmp': {
      const lit = cond.value.kind === 'null' ? null : cond.value.value;
      const eq = String(get(cond.field.path) ?? '').toLowerCase() === String(lit ?? '').toLowerCase();
      if (cond.cmp === '=') return eq;
      if (cond.cmp === '!=') return !eq;
      throw new SoqlError('MALFORMED_QUERY', 'only = and != filters are supported on CustomField here', cond.pos);
    }
    case 'in': {
      const hit = cond.values.some((l) => l.kind !== 'null' && String(l.value).toLowerCase() === String(get(cond.field.path) ?? '').toLowerCase());
      return cond.negate ? !hit : hit;
    }
    case 'like':
      throw new SoqlError('MALFORMED_QUERY', 'LIKE is not supported on CustomField here', cond.pos);
  }
}

/** Field history tracking allows 20 fields per object (Salesforce Help, "Track Object Field History"). */
export const TRACKED_FIELDS_MAX = 20;

/**
 * `trackHistory: true` on a CustomField (Metadata API CustomField; crm-facts salesforce.md §11): refused when
 * the object's history tracking is off or the object already tracks 20 fields. Salesforce's exact error
 * code and text for these two cases are UNCONFIRMED; the sandbox answers FIELD_INTEGRITY_EXCEPTION with a
 * message naming the cause, as a 400 like every other Tooling validation error.
 * https://help.salesforce.com/s/articleView?id=xcloud.tracking_field_history_for_standard_objects.htm
 */
function checkTrackHistory(org: Org, object: string, fieldName: string, next: Metadata, previous: Record<string, unknown> | null): SfHttpError | null {
  if (next.trackHistory !== true || previous?.trackHistory === true) return null;
  if (!org.historyEnabled.has(object)) return new SfHttpError(400, 'FIELD_INTEGRITY_EXCEPTION', `Field history tracking is not enabled for ${object}: enable ${object} History before tracking ${fieldName}.`);
  const tracked = org.trackedFields(object).filter((f) => f !== fieldName);
  if (tracked.length >= TRACKED_FIELDS_MAX) return new SfHttpError(400, 'FIELD_INTEGRITY_EXCEPTION', `${object} already tracks ${tracked.length} fields; you can track up to ${TRACKED_FIELDS_MAX} fields per object.`);
  return null;
}

/**
 * Tooling `FieldDefinition` rows of the org's objects (https://developer.salesforce.com/docs/platform/api-tooling/references/tooling-objects/tooling-fielddefinition.html):
 * `EntityDefinitionId` is the object's API name for standard objects, `IsFieldHistoryTracked` says whether
 * the field's history is tracked — what limit dashboards count against 20.
 */
function fieldDefinitionRows(org: Org): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [];
  for (const def of org.schema.values()) {
    const tracked = new Set(org.trackedFields(def.name));
    for (const f of def.fields.values()) {
      rows.push({ DurableId: `${def.name}.${f.name}`, QualifiedApiName: f.name, EntityDefinitionId: def.name, IsFieldHistoryTracked: tracked.has(f.name), DataType: f.type, Label: f.label });
    }
  }
  return rows;
}

export function toolingRouter(ctx: ApiContext): Router {
  const r = express.Router();
  const { org } = ctx;

  r.post('/tooling/sobjects/CustomField', (req, res) => {
    const body = { data: parseBody(createBody, req.body) };
    const m = /^([A-Za-z]+)\.([A-Za-z][A-Za-z0-9_]*)__c$/.exec(body.data.FullName);
    if (!m || !CUSTOMIZABLE_OBJECTS.includes(m[1]!)) throw new SfHttpError(400, 'INVALID_INPUT', `Invalid FullName: ${body.data.FullName}`);
    const [, objectName, devName] = m as unknown as [string, string, string];
    const def = org.objectDef(objectName)!;
    if (org.fieldDef(def, `${devName}__c`)) {
      throw new SfHttpError(400, 'DUPLICATE_DEVELOPER_NAME', `There is already a field named ${devName} on ${objectName}.`);
    }
    const field = toFieldDef(`${devName}__c`, body.data.Metadata);
    if (field instanceof SfHttpError) throw field;
    const tracking = checkTrackHistory(org, def.name, `${devName}__c`, body.data.Metadata, null);
    if (tracking) throw tracking;
    const now = org.clock();
    const row: CustomFieldRow = { id: org.ids.next(KEY_PREFIXES.CustomField), object: def.name, developerName: devName, metadata: body.data.Metadata, createdDate: now, lastModifiedDate: now };
    org.defineCustomField(def, row, field);
    res.status(201).json({ id: row.id, success: true, errors: [], warnings: [], infos: [] });
  });

  r.patch('/tooling/sobjects/CustomField/:id', (req, res) => {
    const row = org.customFields.get(String(req.params.id));
    if (!row) throw notFound();
    const metadata = replaceDefinition(row.metadata, parseBody(updateBody, req.body).Metadata);
    const def = org.objectDef(row.object)!;
    const field = toFieldDef(`${row.developerName}__c`, metadata);
    if (field instanceof SfHttpError) throw field;
    const tracking = checkTrackHistory(org, row.object, `${row.developerName}__c`, metadata, row.metadata);
    if (tracking) throw tracking;
    row.metadata = metadata;
    row.lastModifiedDate = org.clock();
    def.fields.set(field.name, field);
    res.status(204).end();
  });

  r.get('/tooling/sobjects/CustomField/:id', (req, res) => {
    const row = org.customFields.get(String(req.params.id));
    if (!row) throw notFound();
    res.json(customFieldJson(row, versionOf(req), ['Id', 'DeveloperName', 'TableEnumOrId', 'FullName', 'Metadata', 'CreatedDate', 'LastModifiedDate']));
  });

  r.get('/tooling/query', (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q : '';
    try {
      const ast = parseSoql(q);
      if (ast.from.name.toLowerCase() === 'fielddefinition') {
        const version = versionOf(req);
        const columns = ast.select === 'count' ? [] : ast.select.map((f) => f.path);
        let rows = fieldDefinitionRows(org).filter((row) => matches(ast.where, row));
        if (ast.limit !== null) rows = rows.slice(0, ast.limit);
        const records = ast.select === 'count' ? [] : rows.map((row) => {
          const out: Record<string, unknown> = { attributes: { type: 'FieldDefinition', url: `/services/data/v${version}/tooling/sobjects/FieldDefinition/${String(row.DurableId)}` } };
          for (const c of columns) {
            const key = Object.keys(row).find((k) => k.toLowerCase() === c.toLowerCase());
            if (!key) throw new SoqlError('INVALID_FIELD', `No such column '${c}' on entity 'FieldDefinition'.`, 0);
            out[key] = row[key];
          }
          return out;
        });
        return void res.json({ size: rows.length, totalSize: rows.length, done: true, queryLocator: null, entityTypeName: 'FieldDefinition', records });
      }
      if (ast.from.name.toLowerCase() !== 'customfield') throw new SoqlError('INVALID_TYPE', `sObject type '${ast.from.name}' is not supported by this sandbox's Tooling API.`, ast.from.pos);
      const version = versionOf(req);
      const columns = ast.select === 'count' ? [] : ast.select.map((f) => f.path);
      let rows = [...org.customFields.values()].filter((row) => matches(ast.where, customFieldJson(row, version, ['Id', 'DeveloperName', 'TableEnumOrId', 'FullName'])));
      if (ast.limit !== null) rows = rows.slice(0, ast.limit);
      // Salesforce refuses Metadata/FullName unless the query returns at most one row.
      if (columns.some((c) => /^(metadata|fullname)$/i.test(c)) && rows.length > 1) {
        throw new SoqlError('MALFORMED_QUERY', 'When retrieving results with Metadata or FullName fields, the query qualifications must specify no more than one row for retrieval. Result size: ' + rows.length, 0);
      }
      const records = ast.select === 'count' ? [] : rows.map((row) => customFieldJson(row, version, columns));
      res.json({ size: rows.length, totalSize: rows.length, done: true, queryLocator: null, entityTypeName: 'CustomField', records });
    } catch (e) {
      if (e instanceof SoqlError) throw new SfHttpError(400, e.code, e.format(q));
      throw e;
    }
  });
  return r;
}
