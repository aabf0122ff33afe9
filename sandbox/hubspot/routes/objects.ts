/**
 * CRM v3 object reads and batch writes: GET list with cursor paging, batch/read, batch/update.
 * Shapes and maxima: hubspot.md §3.1, §3.2, §4.
 */
import type { Express } from 'express';
import { z } from 'zod';
import { errorBody, httpError, validationError, type HubspotErrorDetail } from '../http-error.ts';
import { parseObjectType, singular, type ObjectType } from '../schema.ts';
import { checkWrite } from '../property-values.ts';
import { parseBody, queryBool, queryInt, queryList, recordJson, type RecordJson, type SandboxContext } from '../context.ts';
import type { StoredRecord } from '../store.ts';

const LIST_MAX = 100;
const BATCH_MAX = 100;

const BatchReadBody = z.object({
  inputs: z.array(z.object({ id: z.string() })),
  properties: z.array(z.string()).optional(),
  propertiesWithHistory: z.array(z.string()).optional(),
  idProperty: z.string().optional(),
});

const GdprDeleteBody = z.object({ objectId: z.string().min(1), idProperty: z.string().optional() });

const BatchUpdateBody = z.object({
  inputs: z.array(
    z.object({ id: z.string(), idProperty: z.string().optional(), objectWriteTraceId: z.string().optional(), properties: z.record(z.string(), z.unknown()) }),
  ),
});

/** Only these three are served as objects; companies exist for associations. */
function servedType(raw: string): ObjectType {
  const t = parseObjectType(raw);
  if (t === 'companies') throw httpError(404, errorBody('OBJECT_NOT_FOUND', `Unable to route request for object type ${raw}`));
  return t;
}

function batchTimes(startedAt: number, ctx: SandboxContext): { startedAt: string; completedAt: string } {
  return { startedAt: new Date(startedAt).toISOString(), completedAt: new Date(ctx.clock()).toISOString() };
}

export function mountObjectRoutes(app: Express, ctx: SandboxContext): void {
  const { store } = ctx;

  app.get('/crm/v3/objects/:objectType', (req, res) => {
    const type = servedType(req.params.objectType);
    const limit = queryInt(req.query['limit'], 'limit', 10);
    if (limit < 1 || limit > LIST_MAX) throw validationError(`limit must be between 1 and ${LIST_MAX}, got ${limit}`);
    const afterRaw = req.query['after'];
    const after = afterRaw === undefined ? 0 : queryInt(afterRaw, 'after', 0);
    const properties = queryList(req.query['properties']);
    const associations = queryList(req.query['associations']).map(parseObjectType);
    const archived = queryBool(req.query['archived']);
    const ids = store.order[type];
    const results: RecordJson[] = [];
    let i = store.lowerBound(type, after);
    for (; i < ids.length && results.length < limit; i++) {
      const rec = store.records[type].get(String(ids[i]));
      // Past the 90-day restore window an archived record is purged: no longer listed.
      if (!rec || rec.archived !== archived || store.expired(rec)) continue;
      results.push(withAssociations(recordJson(store, rec, properties), rec, associations, ctx));
    }
    // Skip ahead so `after` names a record that will actually be on the next page.
    while (i < ids.length && (store.records[type].get(String(ids[i]))?.archived !== archived || store.expired(store.records[type].get(String(ids[i])) as StoredRecord))) i++;
    const next = ids[i];
    res.json(next === undefined ? { results } : { results, paging: { next: { after: String(next), link: `${req.path}?after=${next}` } } });
  });

  // GDPR delete: permanent, unlike archive; the record does not appear in the archived list afterwards.
  // Body {objectId, idProperty?}; 204 No Content. Contacts only.
  // https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/gdpr/post-crm-v3-objects-contacts-gdpr-delete
  app.post('/crm/v3/objects/contacts/gdpr-delete', (req, res) => {
    const body = parseBody(GdprDeleteBody, req);
    const rec = resolve('contacts', body.objectId, body.idProperty, ctx);
    if (!rec || rec.archived) throw httpError(404, errorBody('OBJECT_NOT_FOUND', 'resource not found'));
    store.purge(rec);
    res.status(204).end();
  });

  app.post('/crm/v3/objects/:objectType/batch/read', (req, res) => {
    const startedAt = ctx.clock();
    const type = servedType(req.params.objectType);
    const body = parseBody(BatchReadBody, req);
    const max = body.propertiesWithHistory?.length ? 50 : BATCH_MAX;
    if (body.inputs.length > max) throw validationError(`The maximum number of inputs supported in a batch request is ${max}`);
    const archived = queryBool(req.query['archived']);
    const results: RecordJson[] = [];
    const missing: string[] = [];
    const seen = new Set<string>();
    for (const { id } of body.inputs) {
      const rec = resolve(type, id, body.idProperty, ctx);
      if (!rec || rec.archived !== archived) missing.push(id);
      else if (!seen.has(rec.id)) {
        seen.add(rec.id);
        results.push(recordJson(store, rec, body.properties ?? null));
      }
    }
    const base = { status: 'COMPLETE', results, ...batchTimes(startedAt, ctx) };
    if (!missing.length) return void res.status(200).json(base);
    res.status(207).json({
      ...base,
      numErrors: 1,
      errors: [notFoundError(type, missing)],
    });
  });

  app.post('/crm/v3/objects/:objectType/batch/update', (req, res) => {
    const startedAt = ctx.clock();
    const type = servedType(req.params.objectType);
    const body = parseBody(BatchUpdateBody, req);
    if (body.inputs.length > BATCH_MAX) throw validationError(`The maximum number of inputs supported in a batch request is ${BATCH_MAX}`);
    const ids = body.inputs.map((i) => i.id);
    const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (dupes.length) throw validationError(`Duplicate IDs found in batch input: [${[...new Set(dupes)].join(', ')}]. IDs must be unique`);

    // Multi-status for invalid values only when every input carries an `objectWriteTraceId`; otherwise
    // one invalid input fails the whole batch with 400 and nothing is written.
    // https://developers.hubspot.com/docs/api-reference/error-handling "Multi-status errors" (documented for
    // batch create; hubspot.md §13 applies it to update, whose input model has the same field).
    const multiStatus = ctx.multiStatus && body.inputs.every((i) => i.objectWriteTraceId !== undefined);
    const defs = store.properties[type];
    const planned: Array<{ rec: StoredRecord; values: Record<string, string> }> = [];
    const missing: string[] = [];
    const errors: Array<Record<string, unknown>> = [];
    for (const input of body.inputs) {
      const rec = resolve(type, input.id, input.idProperty, ctx);
      if (!rec || rec.archived) {
        missing.push(input.id);
        continue;
      }
      const check = checkWrite(defs, rec.properties, input.properties);
      if (!check.errors.length) planned.push({ rec, values: check.values });
      else if (multiStatus) errors.push(invalidPropertiesError(input.objectWriteTraceId as string, check.errors));
      else throw validationError(invalidPropertiesMessage(check.errors), check.errors);
    }
    const results: RecordJson[] = [];
    for (const { rec, values } of planned) {
      store.write(rec, values);
      results.push(recordJson(store, rec, Object.keys(values)));
    }
    if (missing.length) errors.unshift(notFoundError(type, missing));
    const base = { status: 'COMPLETE', results, ...batchTimes(startedAt, ctx) };
    if (!errors.length) return void res.status(200).json(base);
    res.status(207).json({ ...base, numErrors: errors.length, errors });
  });
}

function resolve(type: ObjectType, id: string, idProperty: string | undefined, ctx: SandboxContext): StoredRecord | undefined {
  const { store } = ctx;
  if (idProperty && idProperty !== 'hs_object_id') {
    const def = store.properties[type].get(idProperty);
    if (!def || !def.hasUniqueValue) throw validationError(`Unable to perform update/upsert by non-unique ${idProperty} property`);
    const wanted = id.toLowerCase();
    for (const rec of store.records[type].values()) if (!rec.archived && rec.properties[idProperty]?.toLowerCase() === wanted) return rec;
    return undefined;
  }
  // A merged-away contact id reads as the surviving record, as in HubSpot.
  const merged = type === 'contacts' ? store.mergedInto.get(id) : undefined;
  return store.get(type, merged ?? id);
}

function notFoundError(type: ObjectType, ids: string[]): Record<string, unknown> {
  return {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: `Could not get some ${singular(type).toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`,
    context: { ids },
    errors: [],
    links: {},
  };
}

function invalidPropertiesMessage(details: HubspotErrorDetail[]): string {
  return `Property values were not valid: ${JSON.stringify(details.map((d) => ({ isValid: false, message: d.message, error: d.code, name: d.context?.['propertyName']?.[0] })))}`;
}

/** One failed input of a multi-status batch, exactly as the error-handling doc's example: attributed by trace id only. */
function invalidPropertiesError(objectWriteTraceId: string, details: HubspotErrorDetail[]): Record<string, unknown> {
  return { status: 'error', category: 'VALIDATION_ERROR', message: invalidPropertiesMessage(details), context: { objectWriteTraceId: [objectWriteTraceId] } };
}

function withAssociations(json: RecordJson, rec: StoredRecord, types: ObjectType[], ctx: SandboxContext): RecordJson & { associations?: Record<string, unknown> } {
  if (!types.length) return json;
  const associations: Record<string, unknown> = {};
  for (const to of types) {
    const ids = ctx.store.associated(rec.type, rec.id, to);
    // Key is the plural type; each entry `{id, type: "contact_to_deal"}` (hubspot.md §3.1). Empty ones are omitted.
    if (ids.length) associations[to] = { results: ids.map((id) => ({ id, type: `${singular(rec.type)}_to_${singular(to)}` })) };
  }
  return Object.keys(associations).length ? { ...json, associations } : json;
}
