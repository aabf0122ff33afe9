/**
 * GET one record by id (`GET /crm/v3/objects/{objectType}/{objectId}`), as the connector's
 * `fetchCustomer` reads a contact (webhook recomputes, `explain`). Archived records are only
 * served with `archived=true`; anything else missing is a 404 OBJECT_NOT_FOUND.
 * https://developers.hubspot.com/docs/api-reference/latest/crm/objects/contacts/guide
 */
import type { Express } from 'express';
import { notFound } from '../http-error.ts';
import { parseObjectType } from '../schema.ts';
import { queryBool, queryList, recordJson, withHistory, type SandboxContext } from '../context.ts';

export function mountObjectByIdRoute(app: Express, ctx: SandboxContext): void {
  app.get('/crm/v3/objects/:objectType/:objectId', (req, res) => {
    const type = parseObjectType(req.params.objectType);
    const rec = ctx.store.get(type, req.params.objectId);
    if (!rec || type === 'companies' || rec.archived !== queryBool(req.query['archived'])) throw notFound('resource not found');
    // `propertiesWithHistory=<names>`: every version of each, newest first (objects guide; hubspot.md §13).
    res.json(withHistory(ctx.store, rec, recordJson(ctx.store, rec, queryList(req.query['properties'])), queryList(req.query['propertiesWithHistory'])));
  });
}
