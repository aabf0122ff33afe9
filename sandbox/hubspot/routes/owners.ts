/**
 * Owners API (read-only): `GET /crm/v3/owners` paged with `after`/`limit`, `archived=true` for deactivated
 * users, `email` to filter; `GET /crm/v3/owners/{ownerId}`. Scope `crm.objects.owners.read`.
 * https://developers.hubspot.com/docs/api-reference/latest/crm/owners/guide (shape: SDK `PublicOwner`:
 * id, email, type PERSON|QUEUE, firstName, lastName, userId, userIdIncludingInactive, createdAt, updatedAt,
 * archived, teams). A token without the scope gets 403 MISSING_SCOPES, body as captured in
 * https://github.com/HubSpot/hubspot-api-nodejs/issues/268.
 */
import type { Express, Response } from 'express';
import { correlationId, httpError, notFound, validationError } from '../http-error.ts';
import { queryBool, queryInt, type SandboxContext } from '../context.ts';
import type { StoredOwner } from '../store.ts';

export const OWNERS_SCOPE = 'crm.objects.owners.read';
const LIMIT_MAX = 500;

function ownerJson(o: StoredOwner): Record<string, unknown> {
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    id: o.id,
    email: o.email,
    type: 'PERSON',
    firstName: o.firstName,
    lastName: o.lastName,
    // A deactivated user keeps only `userIdIncludingInactive`.
    ...(o.archived ? {} : { userId: o.userId }),
    userIdIncludingInactive: o.userId,
    createdAt: iso(o.createdAt),
    updatedAt: iso(o.updatedAt),
    archived: o.archived,
    teams: [],
  };
}

function requireScope(res: Response): void {
  const scopes = res.locals['scopes'] as string[] | undefined;
  if (scopes === undefined || scopes.includes(OWNERS_SCOPE)) return;
  throw httpError(403, {
    status: 'error',
    message: "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
    correlationId: correlationId(),
    errors: [{ message: 'One or more of the following scopes are required.', context: { requiredScopes: [OWNERS_SCOPE] } }],
    links: { scopes: 'https://developers.hubspot.com/scopes' },
    category: 'MISSING_SCOPES',
  });
}

export function mountOwnerRoutes(app: Express, ctx: SandboxContext): void {
  app.get('/crm/v3/owners', (req, res) => {
    requireScope(res);
    const limit = queryInt(req.query['limit'], 'limit', 100);
    if (limit < 1 || limit > LIMIT_MAX) throw validationError(`limit must be between 1 and ${LIMIT_MAX}, got ${limit}`);
    const archived = queryBool(req.query['archived']);
    const email = typeof req.query['email'] === 'string' ? req.query['email'].toLowerCase() : null;
    const all = [...ctx.store.owners.values()].filter((o) => o.archived === archived && (email === null || o.email.toLowerCase() === email));
    const offset = req.query['after'] === undefined ? 0 : decodeAfter(String(req.query['after']));
    const page = all.slice(offset, offset + limit);
    const next = offset + page.length;
    res.json(next < all.length ? { results: page.map(ownerJson), paging: { next: { after: encodeAfter(next), link: `${req.path}?after=${encodeAfter(next)}` } } } : { results: page.map(ownerJson) });
  });

  app.get('/crm/v3/owners/:ownerId', (req, res) => {
    requireScope(res);
    const owner = ctx.store.owners.get(req.params.ownerId);
    if (!owner || owner.archived !== queryBool(req.query['archived'])) throw notFound('resource not found');
    res.json(ownerJson(owner));
  });
}

/** Opaque cursors, like HubSpot's; clients must not parse them. */
function encodeAfter(offset: number): string {
  return Buffer.from(`owner:${offset}`).toString('base64url');
}

function decodeAfter(after: string): number {
  const m = /^owner:(\d+)$/.exec(Buffer.from(after, 'base64url').toString('utf8'));
  if (!m) throw validationError(`Invalid after cursor: ${after}`);
  return Number(m[1]);
}
