/**
 * sObject resources: describe, single-record create/read/update/delete, sObject Collections, limits.
 * Collections: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections.htm
 * Describe: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
 * Limits: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_limits.htm
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { SfHttpError, notFound } from '../http-errors.ts';
import { type Org, type RecordError, type WriteResult } from '../org.ts';
import type { ObjectDef } from '../schema.ts';
import { attributes, jsonValue } from '../soql/run.ts';
import { versionOf, type ApiContext } from '../context.ts';

const MAX_COLLECTION = 200;
/** Text-like describe types: byteLength is three bytes per character (UTF-8). */
const TEXT_TYPES = new Set(['id', 'reference', 'string', 'email', 'phone', 'textarea', 'picklist', 'multipicklist']);

const collectionBody = z.object({
  allOrNone: z.boolean().optional(),
  records: z.array(z.record(z.string(), z.unknown())),
});

type CollectionResult = { id?: string; success: boolean; errors: RecordError[] };

function describe(org: Org, def: ObjectDef, version: string): Record<string, unknown> {
  const fields = [...def.fields.values()]
    .filter((f) => org.access(def, f, 'api') !== 'none')
    .map((f) => {
      const editable = org.access(def, f, 'api') === 'edit';
      return {
        name: f.name,
        label: f.label,
        type: f.type,
        length: f.length,
        custom: f.custom,
        createable: f.createable && editable,
        updateable: f.updateable && editable,
        nillable: f.nillable,
        filterable: true,
        sortable: f.type !== 'textarea' && f.type !== 'multipicklist',
        picklistValues: (f.picklistValues ?? []).map((v) => ({ active: true, defaultValue: v === f.defaultPicklistValue, label: v, validFor: null, value: v })),
        restrictedPicklist: f.restrictedPicklist ?? false,
        referenceTo: f.referenceToAll ?? (f.referenceTo ? [f.referenceTo] : []),
        polymorphicForeignKey: f.referenceToAll !== undefined,
        relationshipName: f.relationshipName ?? null,
        // Further DescribeFieldResult members clients read (same doc): ids, names, numbers, formulas.
        calculated: false,
        autoNumber: false,
        unique: false,
        externalId: false,
        idLookup: f.type === 'id' || f.type === 'email',
        nameField: f.name === 'Name' || (def.name === 'Case' && f.name === 'CaseNumber'),
        defaultedOnCreate: !f.nillable && f.type === 'boolean',
        deprecatedAndHidden: false,
        groupable: !['textarea', 'double', 'currency', 'percent', 'datetime'].includes(f.type),
        aggregatable: f.type !== 'textarea',
        htmlFormatted: false,
        inlineHelpText: null,
        precision: ['double', 'currency', 'percent'].includes(f.type) ? 18 : 0,
        scale: ['double', 'currency', 'percent'].includes(f.type) ? 2 : 0,
        digits: f.type === 'int' ? 9 : 0,
        byteLength: TEXT_TYPES.has(f.type) ? f.length * 3 : 0,
        soapType: f.type === 'datetime' ? 'xsd:dateTime' : f.type === 'date' ? 'xsd:date' : f.type === 'boolean' ? 'xsd:boolean' : ['int'].includes(f.type) ? 'xsd:int' : ['double', 'currency', 'percent'].includes(f.type) ? 'xsd:double' : f.type === 'id' || f.type === 'reference' ? 'tns:ID' : 'xsd:string',
      };
    });
  const childRelationships = [...org.schema.values()].flatMap((child) =>
    [...child.fields.values()].filter((f) => f.referenceTo === def.name && f.name !== 'CreatedById' && f.name !== 'LastModifiedById').map((f) => ({ childSObject: child.name, field: f.name, relationshipName: null })),
  );
  return {
    name: def.name,
    label: def.label,
    keyPrefix: def.keyPrefix,
    custom: false,
    createable: org.canCreate(def),
    updateable: org.canCreate(def),
    deletable: org.canCreate(def),
    queryable: true,
    fields,
    childRelationships,
    urls: { sobject: `/services/data/v${version}/sobjects/${def.name}`, describe: `/services/data/v${version}/sobjects/${def.name}/describe` },
  };
}

function objectOr404(org: Org, name: string): ObjectDef {
  const def = org.objectDef(name);
  if (!def) throw new SfHttpError(404, 'NOT_FOUND', `The requested resource does not exist`);
  return def;
}

/** A single-record write failure as an error array (the collections form uses `statusCode`). */
function failure(result: Extract<WriteResult, { ok: false }>): SfHttpError {
  const first = result.errors[0]!;
  const err = new SfHttpError(first.statusCode === 'ENTITY_IS_DELETED' || first.statusCode === 'INVALID_CROSS_REFERENCE_KEY' ? 404 : 400, first.statusCode, first.message, first.fields);
  err.body.splice(0, 1, ...result.errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields })));
  return err;
}

export function sobjectsRouter(ctx: ApiContext): Router {
  const r = express.Router();
  const { org } = ctx;

  r.get('/', (req, res) => {
    const v = versionOf(req);
    res.json({ sobjects: `/services/data/v${v}/sobjects`, query: `/services/data/v${v}/query`, queryAll: `/services/data/v${v}/queryAll`, limits: `/services/data/v${v}/limits`, composite: `/services/data/v${v}/composite`, tooling: `/services/data/v${v}/tooling`, jobs: `/services/data/v${v}/jobs` });
  });

  r.get('/limits', (_req, res) => {
    const b = ctx.budget;
    res.json({
      DailyApiRequests: { Max: b.max, Remaining: Math.max(0, b.max - b.used) },
      DailyBulkApiBatches: { Max: 15000, Remaining: 15000 - b.bulkBatches },
      DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 - b.bulkQueryJobs },
      DailyBulkV2QueryFileStorageMB: { Max: 976562, Remaining: 976562 },
    });
  });

  r.get('/sobjects', (req, res) => {
    const v = versionOf(req);
    res.json({ encoding: 'UTF-8', maxBatchSize: 200, sobjects: [...org.schema.values()].map((d) => ({ name: d.name, label: d.label, keyPrefix: d.keyPrefix, custom: false, createable: d.createable, queryable: true, urls: { sobject: `/services/data/v${v}/sobjects/${d.name}` } })) });
  });

  r.get('/sobjects/:object/describe', (req, res) => {
    res.json(describe(org, objectOr404(org, String(req.params.object)), versionOf(req)));
  });

  r.post('/sobjects/:object', (req, res) => {
    const def = objectOr404(org, String(req.params.object));
    const body = z.record(z.string(), z.unknown()).safeParse(req.body);
    if (!body.success) throw new SfHttpError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
    const result = org.create(def.name, body.data, 'api');
    if (!result.ok) throw failure(result);
    res.status(201).json({ id: result.id, success: true, errors: [] });
  });

  r.get('/sobjects/:object/:id', (req, res) => {
    const def = objectOr404(org, String(req.params.object));
    const rec = org.get(String(req.params.id));
    if (!rec || rec.type !== def.name || rec.values.IsDeleted === true) throw notFound();
    const out: Record<string, unknown> = { attributes: attributes(rec, versionOf(req)) };
    for (const f of def.fields.values()) if (org.access(def, f, 'api') !== 'none') out[f.name] = jsonValue(f, rec.values[f.name] ?? null);
    res.json(out);
  });

  r.patch('/sobjects/:object/:id', (req, res) => {
    const def = objectOr404(org, String(req.params.object));
    const body = z.record(z.string(), z.unknown()).safeParse(req.body);
    if (!body.success) throw new SfHttpError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
    const result = org.update(def.name, String(req.params.id), body.data, 'api');
    if (!result.ok) throw failure(result);
    res.status(204).end();
  });

  r.delete('/sobjects/:object/:id', (req, res) => {
    const def = objectOr404(org, String(req.params.object));
    const result = org.remove(String(req.params.id), def.name);
    if (!result.ok) throw failure(result);
    res.status(204).end();
  });

  const collection = (mode: 'create' | 'update') => (req: Request, res: Response): void => {
    const body = collectionBody.safeParse(req.body);
    if (!body.success) throw new SfHttpError(400, 'JSON_PARSER_ERROR', 'The request body must be {"allOrNone": boolean, "records": [...]}');
    const { records, allOrNone = false } = body.data;
    if (records.length > MAX_COLLECTION) throw new SfHttpError(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
    res.json(applyAll(org, allOrNone, records.map((rec) => () => writeOne(org, mode, rec))));
  };
  r.post('/composite/sobjects', collection('create'));
  r.patch('/composite/sobjects', collection('update'));
  r.delete('/composite/sobjects', (req, res) => {
    const ids = typeof req.query.ids === 'string' ? req.query.ids.split(',').filter((s) => s !== '') : [];
    if (ids.length === 0) throw new SfHttpError(400, 'MISSING_ARGUMENT', 'ids parameter is required');
    if (ids.length > MAX_COLLECTION) throw new SfHttpError(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
    const allOrNone = req.query.allOrNone === 'true';
    res.json(applyAll(org, allOrNone, ids.map((id) => () => org.remove(id)), true));
  });
  return r;
}

function writeOne(org: Org, mode: 'create' | 'update', rec: Record<string, unknown>): WriteResult {
  const attrs = z.object({ type: z.string() }).safeParse(rec.attributes);
  const type = attrs.success ? attrs.data.type : null;
  if (!type) return { ok: false, id: null, errors: [{ statusCode: 'INVALID_TYPE', message: 'Must send a concrete entity type.', fields: [] }] };
  if (!org.objectDef(type)) return { ok: false, id: null, errors: [{ statusCode: 'INVALID_TYPE', message: `sObject type '${type}' is not supported.`, fields: [] }] };
  const { attributes: _a, ...fields } = rec;
  if (mode === 'create') return org.create(type, fields, 'api');
  const id = typeof rec.id === 'string' ? rec.id : typeof rec.Id === 'string' ? rec.Id : null;
  if (!id) return { ok: false, id: null, errors: [{ statusCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: [] }] };
  const { id: _i, Id: _I, ...changes } = fields;
  return org.update(type, id, changes, 'api');
}

/**
 * Per-record results in request order. With allOrNone, one failure rolls every write back and the
 * records that would have succeeded report ALL_OR_NONE_OPERATION_ROLLED_BACK.
 */
function applyAll(org: Org, allOrNone: boolean, ops: Array<() => WriteResult>, idOnFailure = false): CollectionResult[] {
  return org.transaction((rollback) => {
    const results = ops.map((op) => op());
    const anyFailed = results.some((r) => !r.ok);
    if (allOrNone && anyFailed) rollback();
    return results.map((r): CollectionResult => {
      if (r.ok && !(allOrNone && anyFailed)) return { id: r.id, success: true, errors: [] };
      const errors = r.ok
        ? [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }]
        : r.errors;
      return idOnFailure && r.id ? { id: r.id, success: false, errors } : { success: false, errors };
    });
  });
}
