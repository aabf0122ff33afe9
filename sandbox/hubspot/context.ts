/** What every route module gets: the portal state and its options. Also request-parsing helpers shared by routes. */
import type { Request } from 'express';
import { z } from 'zod';
import { validationError } from './http-error.ts';
import type { PortalStore, StoredRecord } from './store.ts';
import { LIST_DEFAULT_PROPERTIES, createdProperty, modifiedProperty } from './schema.ts';

export interface SandboxContext {
  store: PortalStore;
  /** The portal's id (account details, token metadata, webhooks' `portalId`). */
  hubId: number;
  clock: () => number;
  /** Max associations per input on a v4 batch read page. */
  associationPageSize: number;
  /**
   * Batch update honours `objectWriteTraceId` (per-input errors in a 207) as HubSpot documents. `false`
   * models a portal that still fails the whole batch with 400, to exercise a client's fallback.
   */
  multiStatus: boolean;
}

/** Query values arrive as repeated keys (`a=1&a=2`) or comma lists (`a=1,2`); both mean a list. */
export function queryList(value: unknown): string[] {
  const raw = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return raw.flatMap((v) => String(v).split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

export function queryInt(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const s = Array.isArray(value) ? String(value[0]) : String(value);
  if (!/^\d+$/.test(s)) throw validationError(`Invalid value for ${name}: ${s}`);
  return Number(s);
}

export function queryBool(value: unknown): boolean {
  return String(Array.isArray(value) ? value[0] : value).toLowerCase() === 'true';
}

/** Parses a JSON body with zod; failures become HubSpot's 400 VALIDATION_ERROR. */
export function parseBody<T>(schema: z.ZodType<T>, req: Request): T {
  const r = schema.safeParse(req.body);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length ? ` at ${issue.path.join('.')}` : '';
    throw validationError(`Invalid input JSON${where}: ${issue?.message ?? 'unexpected body'}`);
  }
  return r.data;
}

export interface RecordJson {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

/**
 * A record as the v3 object APIs return it. Without `properties` the type's defaults come back;
 * with them, those plus the id and the create/modified dates. Requested but empty → null; requested
 * but not a property of the portal → left out without an error, as HubSpot does (hubspot.md §13).
 */
export function recordJson(store: PortalStore, rec: StoredRecord, requested: string[] | null): RecordJson {
  const names = new Set(
    requested && requested.length ? ['hs_object_id', createdProperty(rec.type), modifiedProperty(rec.type), ...requested] : LIST_DEFAULT_PROPERTIES[rec.type],
  );
  const defined = store.properties[rec.type];
  const properties: Record<string, string | null> = {};
  for (const n of names) if (defined.has(n)) properties[n] = rec.properties[n] ?? null;
  const json: RecordJson = {
    id: rec.id,
    properties,
    createdAt: new Date(rec.createdAt).toISOString(),
    updatedAt: new Date(rec.updatedAt).toISOString(),
    archived: rec.archived,
  };
  if (rec.archived && rec.archivedAt !== null) json.archivedAt = new Date(rec.archivedAt).toISOString();
  return json;
}

/**
 * `propertiesWithHistory`: every version of each named property, newest first, as
 * `{value, timestamp, sourceType, sourceId?, updatedByUserId?}` (hubspot.md §13, objects guide; SDK
 * `ValueWithTimestamp`). A property the portal does not define is left out, like `properties`.
 */
export function withHistory<T extends RecordJson>(store: PortalStore, rec: StoredRecord, json: T, names: string[]): T & { propertiesWithHistory?: Record<string, unknown[]> } {
  if (names.length === 0) return json;
  const defined = store.properties[rec.type];
  const history: Record<string, unknown[]> = {};
  for (const name of names) {
    if (!defined.has(name)) continue;
    history[name] = store.propertyHistory(rec, name).map((v) => ({
      value: v.value,
      timestamp: new Date(v.timestamp).toISOString(),
      sourceType: v.sourceType,
      ...(v.sourceType === 'API' ? { sourceId: 'sandbox-private-app' } : {}),
    }));
  }
  return { ...json, propertiesWithHistory: history };
}

/** Raw body sizes, recorded by the JSON parser, for limits stated in characters (search: 3,000). */
export const rawBodyLength = new WeakMap<object, number>();
