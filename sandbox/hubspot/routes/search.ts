/**
 * POST /crm/v3/objects/{type}/search — filters, one sort, offset paging capped at 10,000 results,
 * its own per-second limit and no rate-limit headers (hubspot.md §2.2, §3.3). Archived records never match.
 */
import type { Express } from 'express';
import { z } from 'zod';
import { validationError } from '../http-error.ts';
import { parseObjectType, type ObjectType, type PropertyDef } from '../schema.ts';
import { parseBody, rawBodyLength, recordJson, type SandboxContext } from '../context.ts';
import type { StoredRecord } from '../store.ts';
import type { RateLimiter } from '../rate-limit.ts';

const MAX_LIMIT = 200;
const MAX_RESULTS = 10_000;
const MAX_BODY_CHARS = 3_000;
const MAX_GROUPS = 5;
const MAX_FILTERS_PER_GROUP = 6;
const MAX_FILTERS = 18;

const OPERATORS = ['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN'] as const;
const Scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const Filter = z.object({
  propertyName: z.string(),
  operator: z.enum(OPERATORS),
  value: Scalar.optional(),
  highValue: Scalar.optional(),
  values: z.array(Scalar).optional(),
});
type FilterT = z.infer<typeof Filter>;
const SearchBody = z.object({
  filterGroups: z.array(z.object({ filters: z.array(Filter) })).optional(),
  // The SDK types sorts as string[] (hubspot.md §11.3), so accept both forms.
  sorts: z.array(z.union([z.string(), z.object({ propertyName: z.string(), direction: z.enum(['ASCENDING', 'DESCENDING']).optional() })])).optional(),
  properties: z.array(z.string()).optional(),
  limit: z.number().int().optional(),
  after: z.union([z.string(), z.number()]).optional(),
  query: z.string().optional(),
});

const QUERY_FIELDS: Partial<Record<ObjectType, string[]>> = {
  contacts: ['firstname', 'lastname', 'email', 'phone', 'company'],
  companies: ['name', 'domain'],
  deals: ['dealname'],
  tickets: ['subject', 'content'],
  tasks: ['hs_task_subject', 'hs_task_body'],
};

export function mountSearchRoute(app: Express, ctx: SandboxContext, limiter: RateLimiter): void {
  app.post('/crm/v3/objects/:objectType/search', (req, res) => {
    const rejection = limiter.admitSearch();
    if (rejection) throw rejection;
    const type = parseObjectType(req.params.objectType);
    if ((rawBodyLength.get(req) ?? 0) > MAX_BODY_CHARS) throw validationError(`Request body exceeds the ${MAX_BODY_CHARS} character limit for search requests`);
    const body = parseBody(SearchBody, req);
    const groups = body.filterGroups ?? [];
    const total = groups.reduce((n, g) => n + g.filters.length, 0);
    if (groups.length > MAX_GROUPS || groups.some((g) => g.filters.length > MAX_FILTERS_PER_GROUP) || total > MAX_FILTERS) {
      throw validationError(
        `Too many filters: at most ${MAX_GROUPS} filterGroups, ${MAX_FILTERS_PER_GROUP} filters per group and ${MAX_FILTERS} filters in total are allowed`,
      );
    }
    if ((body.sorts?.length ?? 0) > 1) throw validationError('Only one sort is allowed');
    const limit = body.limit ?? 10;
    if (limit < 0 || limit > MAX_LIMIT) throw validationError(`limit must be between 0 and ${MAX_LIMIT}, got ${limit}`);
    const after = body.after === undefined || body.after === '' ? 0 : Number(body.after);
    if (!Number.isInteger(after) || after < 0) throw validationError(`Invalid after: ${String(body.after)}`);
    // Paging past 10,000 results is refused outright (hubspot.md §2.2, §11.2).
    if (after + limit > MAX_RESULTS) throw validationError(`Paging past ${MAX_RESULTS} results is not supported. Narrow your search with filters.`);

    const defs = ctx.store.properties[type];
    for (const g of groups) for (const f of g.filters) checkFilter(f);
    const q = body.query?.toLowerCase();
    const matches: StoredRecord[] = [];
    const sortFirst = body.sorts?.[0];
    // Sorted on the id ascending (keyset paging): read in id order, so no sort is needed.
    const byId = sortFirst !== undefined && (typeof sortFirst === 'string' ? sortFirst === 'hs_object_id' : sortFirst.propertyName === 'hs_object_id' && sortFirst.direction !== 'DESCENDING');
    // A keyset query (every group holds `hs_object_id GTE x`) matches nothing below the smallest x: start there.
    const floors = groups.map((g) => g.filters.find((f) => f.propertyName === 'hs_object_id' && (f.operator === 'GTE' || f.operator === 'GT')));
    const from = byId && groups.length > 0 && floors.every((f) => f !== undefined) ? Math.min(...floors.map((f) => Number(f?.value))) : 0;
    const candidates = byId ? idOrder(ctx, type, Number.isFinite(from) ? from : 0) : ctx.store.records[type].values();
    for (const rec of candidates) {
      if (rec.archived) continue;
      if (groups.length && !groups.some((g) => g.filters.every((f) => (f.propertyName.startsWith('associations.') ? matchAssociation(ctx, rec, f) : matchFilter(rec, f, defs.get(f.propertyName)))))) continue;
      if (q && !(QUERY_FIELDS[type] ?? []).some((p) => rec.properties[p]?.toLowerCase().includes(q))) continue;
      matches.push(rec);
    }
    const sort = body.sorts?.[0];
    if (sort !== undefined && !byId) {
      const { name, desc } = typeof sort === 'string' ? { name: sort.replace(/^-/, ''), desc: sort.startsWith('-') } : { name: sort.propertyName, desc: sort.direction === 'DESCENDING' };
      const def = defs.get(name);
      // Compute each sort key once (dates would otherwise be parsed O(n log n) times).
      const keyed = matches.map((rec) => ({ rec, k: rec.properties[name] === undefined ? undefined : key(def, rec.properties[name]) }));
      keyed.sort((a, b) => compareKeys(a, b, desc));
      matches.splice(0, matches.length, ...keyed.map((x) => x.rec));
    }
    const page = matches.slice(after, after + limit);
    const nextOffset = after + page.length;
    const json: Record<string, unknown> = { total: matches.length, results: page.map((r) => recordJson(ctx.store, r, body.properties ?? null)) };
    if (nextOffset < matches.length && page.length > 0) json['paging'] = { next: { after: String(nextOffset) } };
    res.status(200).json(json);
  });
}

/**
 * The association pseudo-property: `{"propertyName":"associations.contact","operator":"EQ","value":"123"}`
 * matches records associated with contact 123 (hubspot.md §3.3). EQ/NEQ/IN/NOT_IN/HAS_PROPERTY/NOT_HAS_PROPERTY.
 */
function matchAssociation(ctx: SandboxContext, rec: StoredRecord, f: FilterT): boolean {
  const to = parseObjectType(f.propertyName.slice('associations.'.length));
  const ids = ctx.store.associated(rec.type, rec.id, to);
  switch (f.operator) {
    case 'EQ':
      return ids.includes(String(f.value));
    case 'NEQ':
      return !ids.includes(String(f.value));
    case 'IN':
      return (f.values ?? []).some((v) => ids.includes(v));
    case 'NOT_IN':
      return !(f.values ?? []).some((v) => ids.includes(v));
    case 'HAS_PROPERTY':
      return ids.length > 0;
    case 'NOT_HAS_PROPERTY':
      return ids.length === 0;
    default:
      throw validationError(`Operator ${f.operator} is not supported on ${f.propertyName}`);
  }
}

function checkFilter(f: FilterT): void {
  const needsValue = !['HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'IN', 'NOT_IN'].includes(f.operator);
  if (needsValue && f.value === undefined) throw validationError(`Filter on ${f.propertyName} with operator ${f.operator} needs a value`);
  if (f.operator === 'BETWEEN' && f.highValue === undefined) throw validationError(`BETWEEN filter on ${f.propertyName} needs a highValue`);
  if ((f.operator === 'IN' || f.operator === 'NOT_IN') && !f.values?.length) throw validationError(`${f.operator} filter on ${f.propertyName} needs values`);
}

/** Typed comparison key: instants and numbers compare as numbers, strings case-insensitively, enumerations exactly. */
function key(def: PropertyDef | undefined, v: string): number | string {
  if (def?.type === 'datetime' || def?.type === 'date') {
    if (/^-?\d+$/.test(v)) return Number(v);
    const t = Date.parse(v);
    return Number.isNaN(t) ? v : t;
  }
  if (def?.type === 'number') return Number(v);
  if (def?.type === 'enumeration' || def?.type === 'bool') return v;
  return v.toLowerCase();
}

function matchFilter(rec: StoredRecord, f: FilterT, def: PropertyDef | undefined): boolean {
  const raw = f.propertyName === 'hs_object_id' ? rec.id : rec.properties[f.propertyName];
  if (f.operator === 'HAS_PROPERTY') return raw !== undefined;
  if (f.operator === 'NOT_HAS_PROPERTY') return raw === undefined;
  // Multi-select values match when any selected option matches.
  const candidates = raw === undefined ? [] : def?.fieldType === 'checkbox' ? raw.split(';') : [raw];
  const negated = f.operator === 'NEQ' || f.operator === 'NOT_IN' || f.operator === 'NOT_CONTAINS_TOKEN';
  if (!candidates.length) return negated;
  const hit = candidates.some((c) => positive(key(def, c), f, def));
  return negated ? !hit : hit;
}

function positive(v: number | string, f: FilterT, def: PropertyDef | undefined): boolean {
  const k = (s: string | undefined) => key(def, s ?? '');
  switch (f.operator) {
    case 'EQ':
    case 'NEQ':
      return v === k(f.value);
    case 'LT':
      return v < k(f.value);
    case 'LTE':
      return v <= k(f.value);
    case 'GT':
      return v > k(f.value);
    case 'GTE':
      return v >= k(f.value);
    case 'BETWEEN':
      return v >= k(f.value) && v <= k(f.highValue);
    case 'IN':
    case 'NOT_IN':
      return (f.values ?? []).some((x) => v === k(x));
    case 'CONTAINS_TOKEN':
    case 'NOT_CONTAINS_TOKEN': {
      const pattern = new RegExp(`(^|\\W)${String(f.value ?? '').toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}($|\\W)`);
      return pattern.test(String(v).toLowerCase());
    }
    default:
      return false;
  }
}

function compareKeys(a: { rec: StoredRecord; k: number | string | undefined }, b: { rec: StoredRecord; k: number | string | undefined }, desc: boolean): number {
  if (a.k === undefined || b.k === undefined) {
    // Empties sort last in either direction.
    if (a.k !== b.k) return a.k === undefined ? 1 : -1;
    return Number(a.rec.id) - Number(b.rec.id);
  }
  let c = a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
  if (desc) c = -c;
  return c !== 0 ? c : Number(a.rec.id) - Number(b.rec.id);
}

/** Records of a type in id order, from the first id ≥ `fromId`. */
function* idOrder(ctx: SandboxContext, type: ObjectType, fromId: number): Generator<StoredRecord> {
  const ids = ctx.store.order[type];
  for (let i = ctx.store.lowerBound(type, fromId); i < ids.length; i++) {
    const rec = ctx.store.records[type].get(String(ids[i]));
    if (rec !== undefined) yield rec;
  }
}
