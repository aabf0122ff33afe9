/**
 * Lists v3 (hubspot.md §7): create (200 `{list}`, as the SDK's ListsApi expects), get by id or name,
 * MANUAL/SNAPSHOT membership add/remove with raw JSON array bodies, membership paging (max 250).
 */
import type { Express } from 'express';
import { z } from 'zod';
import { errorBody, httpError, notFound, validationError } from '../http-error.ts';
import { OBJECT_TYPES, OBJECT_TYPE_IDS, type ObjectType } from '../schema.ts';
import { parseBody, queryInt, type SandboxContext } from '../context.ts';
import type { StoredList } from '../store.ts';

const MEMBERSHIP_MAX = 250;
const CreateBody = z.object({
  name: z.string().min(1),
  objectTypeId: z.string(),
  processingType: z.enum(['MANUAL', 'DYNAMIC', 'SNAPSHOT']),
  listFolderId: z.number().optional(),
  customProperties: z.record(z.string(), z.string()).optional(),
  membershipSettings: z.unknown().optional(),
  listPermissions: z.unknown().optional(),
  filterBranch: z.unknown().optional(),
});
const IdArray = z.array(z.union([z.string(), z.number()]).transform(String));
const AddAndRemoveBody = z.object({ recordIdsToAdd: IdArray.optional(), recordIdsToRemove: IdArray.optional() });

function typeOfList(objectTypeId: string): ObjectType {
  const t = OBJECT_TYPES.find((x) => OBJECT_TYPE_IDS[x] === objectTypeId);
  if (!t) throw validationError(`Unsupported objectTypeId for lists: ${objectTypeId}`);
  return t;
}

function listJson(l: StoredList): Record<string, unknown> {
  return {
    listId: l.listId,
    listVersion: l.listVersion,
    name: l.name,
    objectTypeId: l.objectTypeId,
    processingType: l.processingType,
    processingStatus: 'COMPLETE',
    createdAt: new Date(l.createdAt).toISOString(),
    updatedAt: new Date(l.updatedAt).toISOString(),
    createdById: '1',
    updatedById: '1',
    size: l.members.size,
  };
}

export function mountListRoutes(app: Express, ctx: SandboxContext): void {
  const { store } = ctx;
  const mustList = (listId: string): StoredList => {
    const l = store.lists.get(listId);
    if (!l) throw notFound(`List ${listId} does not exist.`);
    return l;
  };
  const manual = (l: StoredList): StoredList => {
    if (l.processingType === 'DYNAMIC') throw httpError(400, errorBody('VALIDATION_ERROR', `List ${l.listId} is DYNAMIC; memberships of dynamic lists cannot be changed manually.`));
    return l;
  };

  app.post('/crm/v3/lists', (req, res) => {
    const body = parseBody(CreateBody, req);
    typeOfList(body.objectTypeId);
    if (store.findListByName(body.objectTypeId, body.name)) throw validationError(`A list named '${body.name}' already exists.`);
    const l = store.createList(body.name, body.objectTypeId, body.processingType);
    res.status(200).json({ list: listJson(l) });
  });

  app.get('/crm/v3/lists/object-type-id/:objectTypeId/name/:listName', (req, res) => {
    const l = store.findListByName(req.params.objectTypeId, req.params.listName);
    if (!l) throw notFound(`List with name ${req.params.listName} does not exist.`);
    res.json({ list: listJson(l) });
  });

  app.get('/crm/v3/lists/:listId', (req, res) => {
    res.json({ list: listJson(mustList(req.params.listId)) });
  });

  // DELETE /crm/v3/lists/{listId}: 204; the list (and its memberships) then answer 404.
  // https://developers.hubspot.com/docs/api-reference/crm-lists-v3/lists/delete-crm-v3-lists-listId
  app.delete('/crm/v3/lists/:listId', (req, res) => {
    mustList(req.params.listId);
    store.deleteList(req.params.listId);
    res.status(204).end();
  });

  const change = (l: StoredList, add: string[], remove: string[]) => {
    const type = typeOfList(l.objectTypeId);
    const now = ctx.clock();
    const added: string[] = [];
    const removed: string[] = [];
    const missing: string[] = [];
    for (const id of add) {
      const rec = store.get(type, id);
      if (!rec || rec.archived) missing.push(id);
      else if (!l.members.has(id)) {
        l.members.set(id, now);
        added.push(id);
      }
    }
    for (const id of remove) {
      if (l.members.delete(id)) removed.push(id);
      else if (!store.get(type, id)) missing.push(id);
    }
    if (added.length || removed.length) {
      l.updatedAt = now;
      l.listVersion++;
    }
    // `recordsIdsAdded` is spelled that way in the official API (hubspot.md §7).
    return { recordsIdsAdded: added, recordIdsRemoved: removed, recordIdsMissing: missing };
  };

  app.put('/crm/v3/lists/:listId/memberships/add', (req, res) => {
    const l = manual(mustList(req.params.listId));
    res.status(200).json(change(l, parseBody(IdArray, req), []));
  });

  app.put('/crm/v3/lists/:listId/memberships/remove', (req, res) => {
    const l = manual(mustList(req.params.listId));
    res.status(200).json(change(l, [], parseBody(IdArray, req)));
  });

  app.put('/crm/v3/lists/:listId/memberships/add-and-remove', (req, res) => {
    const l = manual(mustList(req.params.listId));
    const body = parseBody(AddAndRemoveBody, req);
    res.status(200).json(change(l, body.recordIdsToAdd ?? [], body.recordIdsToRemove ?? []));
  });

  app.get('/crm/v3/lists/:listId/memberships', (req, res) => {
    const l = mustList(req.params.listId);
    const limit = queryInt(req.query['limit'], 'limit', 100);
    if (limit < 1 || limit > MEMBERSHIP_MAX) throw validationError(`limit must be between 1 and ${MEMBERSHIP_MAX}, got ${limit}`);
    const after = req.query['after'] === undefined ? null : Number(String(req.query['after']));
    const ids = [...l.members.keys()].map(Number).sort((a, b) => a - b);
    const start = after === null ? 0 : ids.findIndex((id) => id > after);
    const slice = start < 0 ? [] : ids.slice(start, start + limit);
    const results = slice.map((id) => ({ recordId: String(id), membershipTimestamp: new Date(l.members.get(String(id)) ?? 0).toISOString() }));
    const last = slice[slice.length - 1];
    const more = start >= 0 && start + limit < ids.length && last !== undefined;
    res.json({ results, total: ids.length, ...(more ? { paging: { next: { after: String(last) } } } : {}) });
  });
}
