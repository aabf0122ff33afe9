/**
 * CRM v3 object reads and batch writes: GET list with cursor paging, batch/read, batch/update.
 * Shapes and maxima: hubspot.md §3.1, §3.2, §4.
 */
import type { Express } from 'express';
import { z } from 'zod';
import { errorBody, httpError, validationError, type HubspotErrorDetail } from '../http-error.ts';
import { parseObjectType, REQUIRED_ON_CREATE, singular, type ObjectType } from '../schema.ts';
import { checkWrite } from '../property-values.ts';
import { parseBody, queryBool, queryInt, queryList, recordJson, withHistory, type RecordJson, type SandboxContext } from '../context.ts';
import { associationTarget, type StoredRecord } from '../store.ts';

const LIST_MAX = 100;
const BATCH_MAX = 100;

const BatchReadBody = z.object({
  inputs: z.array(z.object({ id: z.string() })),
  properties: z.array(z.string()).optional(),
  propertiesWithHistory: z.array(z.string()).optional(),
  idProperty: z.string().optional(),
});

/**
 * Batch create with associations on create (touchpoints.md §5; hubspot.md §3.2):
 * `{inputs:[{properties, associations:[{to:{id}, types:[{associationCategory, associationTypeId}]}], objectWriteTraceId}]}`.
 */
const BatchCreateBody = z.object({
  inputs: z.array(
    z.object({
      properties: z.record(z.string(), z.unknown()),
      associations: z
        .array(
          z.object({
            to: z.object({ id: z.union([z.string(), z.number()]).transform(String) }),
            types: z.array(z.object({ associationCategory: z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED']), associationTypeId: z.number().int() })).min(1),
          }),
        )
        .optional(),
      objectWriteTraceId: z.string().optional(),
    }),
  ),
});

const BatchArchiveBody = z.object({ inputs: z.array(z.object({ id: z.string() })) });

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
        results.push(withHistory(store, rec, recordJson(store, rec, body.properties ?? null), body.propertiesWithHistory ?? []));
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
    // Feedback submissions are read-only: v3 has list, get, batch/read and search only (touchpoints.md §3.1).
    if (type === 'feedback_submissions') throw httpError(404, errorBody('OBJECT_NOT_FOUND', `Unable to route POST request to ${req.path}`));
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
      const check = checkWrite(defs, rec.properties, input.properties, store.liveOwnerIds());
      if (!check.errors.length) planned.push({ rec, values: check.values });
      else if (multiStatus) errors.push(invalidPropertiesError(input.objectWriteTraceId as string, check.errors));
      else throw validationError(invalidPropertiesMessage(check.errors), check.errors);
    }
    const results: RecordJson[] = [];
    for (const { rec, values } of planned) {
      store.write(rec, values, 'API');
      results.push(recordJson(store, rec, Object.keys(values)));
    }
    if (missing.length) errors.unshift(notFoundError(type, missing));
    const base = { status: 'COMPLETE', results, ...batchTimes(startedAt, ctx) };
    if (!errors.length) return void res.status(200).json(base);
    res.status(207).json({ ...base, numErrors: errors.length, errors });
  });
}

interface PlannedCreate {
  values: Record<string, string>;
  links: Array<{ to: ObjectType; id: string }>;
  objectWriteTraceId: string | undefined;
}

/**
 * POST /crm/v3/objects/{type}/batch/create: 201 with every record created; 207 naming each failed input
 * by `objectWriteTraceId` when every input carries one; otherwise one invalid input fails the whole batch
 * with 400 and nothing is created (https://developers.hubspot.com/docs/api-reference/error-handling,
 * "Multi-status errors"). Results echo each input's `objectWriteTraceId` (SDK `SimplePublicObject`).
 */
export function mountBatchCreateRoutes(app: Express, ctx: SandboxContext): void {
  const { store } = ctx;
  app.post('/crm/v3/objects/:objectType/batch/create', (req, res) => {
    const startedAt = ctx.clock();
    const type = servedType(req.params.objectType);
    const body = parseBody(BatchCreateBody, req);
    if (body.inputs.length > BATCH_MAX) throw validationError(`The maximum number of inputs supported in a batch request is ${BATCH_MAX}`);
    const multiStatus = ctx.multiStatus && body.inputs.every((i) => i.objectWriteTraceId !== undefined);
    const defs = store.properties[type];
    const owners = store.liveOwnerIds();
    const planned: PlannedCreate[] = [];
    const errors: Array<Record<string, unknown>> = [];
    body.inputs.forEach((input, index) => {
      const check = checkWrite(defs, {}, input.properties, owners);
      for (const name of REQUIRED_ON_CREATE[type] ?? []) {
        if (check.values[name] === undefined || check.values[name] === '') check.errors.push({ message: `Property "${name}" is required`, code: 'REQUIRED_FIELD', context: { propertyName: [name] } });
      }
      const links: PlannedCreate['links'] = [];
      for (const [i, a] of (input.associations ?? []).entries()) {
        for (const t of a.types) {
          const to = t.associationCategory === 'HUBSPOT_DEFINED' ? associationTarget(type, t.associationTypeId) : null;
          const target = to ? store.get(to, a.to.id) : undefined;
          if (!to) check.errors.push({ message: `${t.associationCategory} association type ${t.associationTypeId} does not exist from ${singular(type)}`, code: 'INVALID_ASSOCIATION_TYPE', in: `inputs[${index}].associations[${i}]` });
          else if (!target || target.archived) check.errors.push({ message: `No ${singular(to)} with id ${a.to.id} to associate`, code: 'OBJECT_NOT_FOUND', in: `inputs[${index}].associations[${i}]` });
          else links.push({ to, id: target.id });
        }
      }
      if (check.errors.length === 0) planned.push({ values: check.values, links, objectWriteTraceId: input.objectWriteTraceId });
      else if (multiStatus) errors.push(invalidPropertiesError(input.objectWriteTraceId as string, check.errors));
      else throw validationError(invalidPropertiesMessage(check.errors), check.errors);
    });
    const results: Array<RecordJson & { objectWriteTraceId?: string }> = [];
    for (const p of planned) {
      const values = Object.fromEntries(Object.entries(p.values).filter(([, v]) => v !== ''));
      const rec = store.create(type, values);
      store.noteHistory(rec, values, 'API');
      if (type === 'tasks' && values['hs_task_status'] === 'COMPLETED') rec.properties['hs_task_completion_date'] = new Date(rec.createdAt).toISOString();
      for (const l of p.links) store.associate(type, rec.id, l.to, l.id);
      const json = recordJson(store, rec, Object.keys(p.values));
      results.push(p.objectWriteTraceId === undefined ? json : { ...json, objectWriteTraceId: p.objectWriteTraceId });
    }
    const base = { status: 'COMPLETE', results, ...batchTimes(startedAt, ctx) };
    if (!errors.length) return void res.status(201).json(base);
    res.status(207).json({ ...base, numErrors: errors.length, errors });
  });

  // POST /crm/v3/objects/{type}/batch/archive: 204 No Content; archived records are restorable for 90 days
  // and gone from reads (hubspot.md §3.2, §3.4). Ids that do not exist are not an error.
  app.post('/crm/v3/objects/:objectType/batch/archive', (req, res) => {
    const type = servedType(req.params.objectType);
    const body = parseBody(BatchArchiveBody, req);
    if (body.inputs.length > BATCH_MAX) throw validationError(`The maximum number of inputs supported in a batch request is ${BATCH_MAX}`);
    for (const { id } of body.inputs) {
      const rec = store.get(type, id);
      if (rec && !rec.archived) store.archive(rec);
    }
    res.status(204).end();
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
