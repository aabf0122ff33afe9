/**
 * Touchpoints (issue 13): calls, emails, meetings, notes, communications, postal mail and feedback
 * submissions with their contact / deal / ticket associations, and form conversions from contacts.
 * Costs and choices: README § Touchpoints. Facts: /work/shared/crm-facts/touchpoints.md §1–§3.
 *
 * Full pass, per object (each in id order, all objects side by side):
 * - by search (default, fewest calls): POST /crm/v3/objects/{type}/search, keyset on `hs_object_id`,
 *   200 per page on search's own 5/s budget, then the associations through v4 batch reads (1,000 ids per
 *   call, one call per target: contacts, deals, tickets). 0.005 + 0.003 = 0.008 calls per record.
 *   https://developers.hubspot.com/docs/api-reference/legacy/crm/search-the-crm ;
 *   https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide
 * - by list: GET /crm/v3/objects/{type}?associations=contacts,deals,tickets, 100 per page, associations on
 *   the page: 0.01 calls per record (25 % more) on the ordinary burst budget. Used when configured
 *   (`fullPullBy: 'list'`) or when that budget is large enough for list to finish in half the time search
 *   would (≥ 20 calls/s: 2,000 records/s against search's 1,000); a pass that does not yet know the budget
 *   reads its first page by list, which teaches it (`X-HubSpot-RateLimit-*` headers) and costs nothing extra.
 *   https://developers.hubspot.com/docs/api-reference/latest/crm/using-object-apis
 * - form conversions: search on contacts that have `recent_conversion_date`, keyset on `hs_object_id`.
 * The full pass reads no archived list: its last batch says `complete`, and the core sweeps what it did not see.
 *
 * Incremental, per object: search `hs_lastmodifieddate >= watermark − overlap` ascending (re-windowed before
 * the 10,000-result cap), v4 associations of what changed, then the `archived=true` list (archivedAt ≥ since)
 * → `removed`. Forms: contacts with `recent_conversion_date >= since`.
 */
import { z } from 'zod';
import type { Cursor, TouchpointBatch, TouchpointPullOptions } from '../../connectors/port.ts';
import { ParcoursError } from '../../src/errors.ts';
import type { TouchpointRecord } from '../../src/model.ts';
import { LIST_PAGE_SIZE, archivedIdPages } from './archived.ts';
import { ASSOCIATION_BATCH_MAX, readAssociations } from './associations.ts';
import type { ResolvedHubspotConfig } from './config.ts';
import { interleave } from './interleave.ts';
import { hubspotPaths } from './paths.ts';
import { SEARCH_PAGE_SIZE } from './pull-incremental.ts';
import { objectPageSchema, searchPageSchema, type CrmObject } from './schemas.ts';
import {
  CONVERSION_PROPERTIES,
  FORM_CONVERSIONS,
  TOUCHPOINT_MODIFIED,
  TOUCHPOINT_OBJECTS,
  TOUCHPOINT_TARGETS,
  propertiesOf,
  type TouchpointObject,
} from './touchpoint-objects.ts';
import { formConversions, toTouchpoint, type TouchpointLinks } from './translate-touchpoint.ts';
import { parseTime } from './translate.ts';
import type { HubspotTransport } from './transport.ts';

type Unit = TouchpointObject | typeof FORM_CONVERSIONS;
const UNITS: readonly Unit[] = [...TOUCHPOINT_OBJECTS, FORM_CONVERSIONS];

/** Ordinary calls per second from which listing (100 per call) is at least twice as fast as search (200 × 5/s). */
export const LIST_FASTER_FROM_PER_SECOND = 20;
/** Bound on `recent` ids kept per object; past it, the oldest may be re-emitted (harmless, just calls). */
const RECENT_MAX = 2_000;

const unitCursor = z.object({ watermark: z.number().optional(), recent: z.record(z.string(), z.number()).optional() });
const touchpointCursor = z.object({
  objects: z.record(z.string(), unitCursor).default({}),
  /** A full pass in progress: its start and, per object, the next id to read (null = that object is done). */
  full: z.object({ startedAt: z.number(), after: z.record(z.string(), z.string().nullable()) }).optional(),
});
type TouchpointCursor = z.infer<typeof touchpointCursor>;
type UnitCursor = z.infer<typeof unitCursor>;

export function readTouchpointCursor(raw: Cursor | undefined): TouchpointCursor {
  if (raw === undefined) return { objects: {} };
  const parsed = touchpointCursor.safeParse(raw);
  if (!parsed.success) throw new ParcoursError('INPUT_INVALID', `Saved HubSpot touchpoint cursor is not valid: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? 'unknown shape'}`, { crm: 'hubspot' });
  return parsed.data;
}

export interface TouchpointContext {
  transport: HubspotTransport;
  config: ResolvedHubspotConfig;
}

/** One unit's step: records to store, and how the unit's part of the cursor moves once they are. */
interface Step {
  records: TouchpointRecord[];
  removed: string[];
  /** Full pass: the next id to read (null = done). */
  after?: string | null;
  /** Incremental: the unit's new cursor. */
  cursor?: UnitCursor;
}

const nextId = (id: string): string => (BigInt(id) + 1n).toString();

// ── associations ──────────────────────────────────────────────────────────────────────────────────

/** v4 batch reads, one per target and 1,000 ids (touchpoints.md §1.3, "Limits"). */
async function readLinks(ctx: TouchpointContext, object: TouchpointObject, ids: string[], known?: Map<string, TouchpointLinks>, only?: Set<string>): Promise<Map<string, TouchpointLinks>> {
  const out = new Map<string, TouchpointLinks>(ids.map((id) => [id, known?.get(id) ?? { contactIds: [], dealIds: [], ticketIds: [] }]));
  const field = { contacts: 'contactIds', deals: 'dealIds', tickets: 'ticketIds' } as const;
  await Promise.all(
    TOUCHPOINT_TARGETS.filter((t) => only === undefined || only.has(t)).map(async (target) => {
      const read = await readAssociations(ctx.transport, object, target, ids);
      for (const [id, to] of read) {
        const links = out.get(id);
        if (links) links[field[target]] = to;
      }
    }),
  );
  return out;
}

/** Association ids a list page carries per target, and the targets whose list was cut (`paging.next`). */
function listedLinks(obj: CrmObject): { links: TouchpointLinks; truncated: string[] } {
  const links: TouchpointLinks = { contactIds: [], dealIds: [], ticketIds: [] };
  const truncated: string[] = [];
  for (const [key, value] of Object.entries(obj.associations ?? {})) {
    // Keys are the plural type names; match loosely as the rest of the connector does.
    const target = TOUCHPOINT_TARGETS.find((t) => key.includes(t.slice(0, -1)));
    if (target === undefined) continue;
    const ids = value.results.map((r) => r.id);
    if (target === 'contacts') links.contactIds.push(...ids);
    else if (target === 'deals') links.dealIds.push(...ids);
    else links.ticketIds.push(...ids);
    if (value.paging?.next !== undefined) truncated.push(target);
  }
  return { links: { contactIds: [...new Set(links.contactIds)], dealIds: [...new Set(links.dealIds)], ticketIds: [...new Set(links.ticketIds)] }, truncated };
}

async function translated(ctx: TouchpointContext, object: TouchpointObject, objects: CrmObject[], known?: Map<string, TouchpointLinks>): Promise<TouchpointRecord[]> {
  if (objects.length === 0) return [];
  const links = known ?? (await readLinks(ctx, object, objects.map((o) => o.id)));
  return objects.map((o) => toTouchpoint(object, o, links.get(o.id) ?? { contactIds: [], dealIds: [], ticketIds: [] }));
}

// ── full pass ─────────────────────────────────────────────────────────────────────────────────────

function keysetBody(fromId: string, properties: string[], after: number, extra: Array<Record<string, unknown>> = []): Record<string, unknown> {
  return {
    filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'GTE', value: fromId }, ...extra] }],
    sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
    properties,
    limit: SEARCH_PAGE_SIZE,
    after: String(after),
  };
}

/**
 * Keyset search from `from`: pages of 200, gathered to 1,000 before their associations are read (full v4
 * calls). Before the next page would cross the 10,000-result cap, a new query starts after the last id.
 */
async function* searchFull(ctx: TouchpointContext, objectType: string, from: string, properties: string[], extra: Array<Record<string, unknown>>, gather: number, finish: (objects: CrmObject[]) => Promise<TouchpointRecord[]>): AsyncGenerator<Step> {
  const buffered: CrmObject[] = [];
  let windowFrom = from;
  let offset = 0;
  for (;;) {
    const page = await ctx.transport.data({
      endpoint: `objects.${objectType}.search`,
      endpointClass: 'search',
      method: 'POST',
      path: hubspotPaths.objectSearch(objectType),
      body: keysetBody(windowFrom, properties, offset, extra),
      schema: searchPageSchema,
    });
    buffered.push(...page.results);
    const next = page.paging?.next?.after;
    const last = buffered.at(-1);
    if (last !== undefined && (next === undefined || buffered.length >= gather)) {
      yield { records: await finish(buffered.splice(0)), removed: [], after: next === undefined ? null : nextId(last.id) };
    }
    if (next === undefined) {
      if (last === undefined) yield { records: [], removed: [], after: null };
      return;
    }
    const lastSeen = page.results.at(-1);
    if (Number(next) + SEARCH_PAGE_SIZE > ctx.config.searchWindowCap && lastSeen !== undefined) {
      windowFrom = nextId(lastSeen.id);
      offset = 0;
    } else offset = Number(next);
  }
}

/** One list page with `associations=contacts,deals,tickets` (100 per page); a cut association list is re-read through v4. */
async function listPage(ctx: TouchpointContext, object: TouchpointObject, after: string | undefined): Promise<{ records: TouchpointRecord[]; objects: CrmObject[]; next: string | undefined }> {
  // Comma-separated lists are accepted for `properties`/`associations` (the SDK would repeat keys instead).
  const qs: Record<string, string> = { limit: String(LIST_PAGE_SIZE), properties: propertiesOf(object).join(','), associations: TOUCHPOINT_TARGETS.join(','), archived: 'false' };
  if (after !== undefined) qs.after = after;
  const page = await ctx.transport.data({ endpoint: `objects.${object}.list`, method: 'GET', path: hubspotPaths.objectList(object), qs, schema: objectPageSchema });
  const known = new Map<string, TouchpointLinks>();
  const cut = new Map<string, string[]>();
  for (const o of page.results) {
    const { links, truncated } = listedLinks(o);
    known.set(o.id, links);
    for (const t of truncated) cut.set(t, [...(cut.get(t) ?? []), o.id]);
  }
  for (const [target, ids] of cut) {
    const reread = await readLinks(ctx, object, ids, known, new Set([target]));
    for (const [id, links] of reread) known.set(id, links);
  }
  return { records: await translated(ctx, object, page.results, known), objects: page.results, next: page.paging?.next?.after };
}

/** Whether listing beats search by 2× on this portal's burst budget; undefined while no response has told it. */
function listIsFaster(ctx: TouchpointContext): boolean | undefined {
  const { max, intervalMs } = ctx.transport.rateLimit;
  if (max === undefined || intervalMs === undefined || intervalMs <= 0) return undefined;
  return max / (intervalMs / 1000) >= LIST_FASTER_FROM_PER_SECOND;
}

async function* fullObject(ctx: TouchpointContext, object: TouchpointObject, from: string | undefined): AsyncGenerator<Step> {
  let by: 'list' | 'search' | undefined = ctx.config.fullPullBy === 'list' ? 'list' : undefined;
  let after = from;
  if (by === undefined) {
    const faster = listIsFaster(ctx);
    if (faster === undefined) {
      // The first page by list: associations on the page, and the headers tell the budget.
      const first = await listPage(ctx, object, after);
      const last = first.objects.at(-1);
      const nextAfter = first.next === undefined || last === undefined ? null : nextId(last.id);
      yield { records: first.records, removed: [], after: nextAfter };
      if (nextAfter === null) return;
      after = nextAfter;
    }
    by = listIsFaster(ctx) ? 'list' : 'search';
  }
  if (by === 'list') {
    for (;;) {
      const page = await listPage(ctx, object, after);
      const last = page.objects.at(-1);
      const next = page.next === undefined || last === undefined ? null : nextId(last.id);
      yield { records: page.records, removed: [], after: next };
      if (next === null) return;
      after = next;
    }
  }
  yield* searchFull(ctx, object, after ?? '0', propertiesOf(object), [], ASSOCIATION_BATCH_MAX, (objects) => translated(ctx, object, objects));
}

/** Contacts holding a conversion, in id order: their first and most recent form conversions. */
function fullForms(ctx: TouchpointContext, from: string | undefined): AsyncGenerator<Step> {
  const hasConversion = { propertyName: 'recent_conversion_date', operator: 'HAS_PROPERTY' };
  return searchFull(ctx, 'contacts', from ?? '0', CONVERSION_PROPERTIES, [hasConversion], SEARCH_PAGE_SIZE, async (contacts) => contacts.flatMap(formConversions));
}

// ── incremental ───────────────────────────────────────────────────────────────────────────────────

function recentWindow(seen: Map<string, number>, watermark: number, overlapMs: number): Record<string, number> {
  const from = watermark - overlapMs;
  return Object.fromEntries([...seen].filter(([, t]) => t >= from).sort((a, b) => b[1] - a[1]).slice(0, RECENT_MAX));
}

/**
 * Search `property >= since` ascending, 200 per page, re-windowed at the last seen value before the
 * 10,000-result cap (ids already emitted dropped); records stored last run with the same value skipped.
 */
async function* changedSince(ctx: TouchpointContext, objectType: string, property: string, properties: string[], cursor: UnitCursor & { watermark: number }, gather: number, finish: (objects: CrmObject[]) => Promise<TouchpointRecord[]>): AsyncGenerator<Step> {
  const since = cursor.watermark - ctx.config.overlapMs;
  const passStart = Date.now();
  const emitted = new Set<string>();
  const seen = new Map<string, number>(Object.entries(cursor.recent ?? {}));
  let watermark = cursor.watermark;
  const buffered: CrmObject[] = [];
  let windowStart = since;
  let offset = 0;
  const valueOf = (o: CrmObject): number | null => parseTime(o.properties[property]) ?? (property === TOUCHPOINT_MODIFIED ? parseTime(o.updatedAt) : null);
  for (;;) {
    const page = await ctx.transport.data({
      endpoint: `objects.${objectType}.search`,
      endpointClass: 'search',
      method: 'POST',
      path: hubspotPaths.objectSearch(objectType),
      body: {
        filterGroups: [{ filters: [{ propertyName: property, operator: 'GTE', value: String(windowStart) }] }],
        sorts: [{ propertyName: property, direction: 'ASCENDING' }],
        properties,
        limit: SEARCH_PAGE_SIZE,
        after: String(offset),
      },
      schema: searchPageSchema,
    });
    let lastSeen: number | null = null;
    for (const o of page.results) {
      const t = valueOf(o);
      lastSeen = t ?? lastSeen;
      if (emitted.has(o.id) || (seen.has(o.id) && seen.get(o.id) === t)) continue;
      emitted.add(o.id);
      if (t !== null) seen.set(o.id, t);
      buffered.push(o);
    }
    if (lastSeen !== null) watermark = Math.max(watermark, lastSeen);
    const next = page.paging?.next?.after;
    if (buffered.length >= gather || (next === undefined && buffered.length > 0)) {
      yield { records: await finish(buffered.splice(0)), removed: [], cursor: { watermark, recent: recentWindow(seen, watermark, ctx.config.overlapMs) } };
    }
    if (next === undefined) break;
    const nextOffset = Number(next);
    if (nextOffset + SEARCH_PAGE_SIZE > ctx.config.searchWindowCap) {
      if (lastSeen === null || lastSeen <= windowStart) {
        throw new ParcoursError('CRM_ERROR', `More than ${ctx.config.searchWindowCap} ${objectType} share ${property} = ${windowStart}; HubSpot search cannot page past them.`, { crm: 'hubspot', endpoint: `objects.${objectType}.search` });
      }
      windowStart = lastSeen;
      offset = 0;
    } else offset = nextOffset;
  }
  watermark = Math.max(watermark, passStart);
  yield { records: [], removed: [], cursor: { watermark, recent: recentWindow(seen, watermark, ctx.config.overlapMs) } };
}

async function* incrementalObject(ctx: TouchpointContext, object: TouchpointObject, cursor: UnitCursor & { watermark: number }): AsyncGenerator<Step> {
  let last: UnitCursor = cursor;
  for await (const step of changedSince(ctx, object, TOUCHPOINT_MODIFIED, propertiesOf(object), cursor, ASSOCIATION_BATCH_MAX, (objects) => translated(ctx, object, objects))) {
    if (step.records.length > 0) yield step;
    last = step.cursor ?? last;
  }
  // Search never returns archived (deleted) records: the archived list, filtered on archivedAt.
  const removed: string[] = [];
  for await (const ids of archivedIdPages(ctx.transport, object, cursor.watermark - ctx.config.overlapMs)) removed.push(...ids);
  yield { records: [], removed, cursor: last };
}

function incrementalForms(ctx: TouchpointContext, cursor: UnitCursor & { watermark: number }): AsyncGenerator<Step> {
  return changedSince(ctx, 'contacts', 'recent_conversion_date', CONVERSION_PROPERTIES, cursor, SEARCH_PAGE_SIZE, async (contacts) => contacts.flatMap(formConversions));
}

// ── the pull ──────────────────────────────────────────────────────────────────────────────────────

export async function* pullTouchpoints(ctx: TouchpointContext, options: TouchpointPullOptions, now = Date.now()): AsyncGenerator<TouchpointBatch> {
  const saved = readTouchpointCursor(options.cursor);
  const state: TouchpointCursor = { objects: { ...saved.objects } };
  const isFull = options.mode === 'full' || saved.full !== undefined || UNITS.some((u) => saved.objects[u]?.watermark === undefined);
  const removedRef = (objectType: string) => (id: string) => ({ objectType, id });

  if (!isFull) {
    const sources = UNITS.map((unit) => {
      const cursor = { ...saved.objects[unit], watermark: saved.objects[unit]?.watermark as number };
      const steps = unit === FORM_CONVERSIONS ? incrementalForms(ctx, cursor) : incrementalObject(ctx, unit, cursor);
      return tag(unit, steps);
    });
    for await (const { unit, step } of interleave(sources)) {
      if (step.cursor) state.objects[unit] = step.cursor;
      yield { records: step.records, removed: step.removed.map(removedRef(unit)), cursor: snapshot(state) };
    }
    return;
  }

  // A full pass (or the rest of one a daily-limit stop interrupted): every object from where it stood.
  const pass = saved.full ?? { startedAt: now, after: {} };
  state.full = { startedAt: pass.startedAt, after: { ...pass.after } };
  const fullPass = { id: String(pass.startedAt) };
  const sources = UNITS.filter((u) => pass.after[u] !== null).map((unit) => {
    const from = pass.after[unit] ?? undefined;
    return tag(unit, unit === FORM_CONVERSIONS ? fullForms(ctx, from) : fullObject(ctx, unit, from));
  });
  for await (const { unit, step } of interleave(sources)) {
    if (step.after !== undefined && state.full) state.full.after[unit] = step.after;
    yield { records: step.records, removed: [], cursor: snapshot(state), fullPass };
  }
  // Every object read to its end: incremental runs start at the pass start (minus the indexing overlap).
  const watermark = pass.startedAt - ctx.config.overlapMs;
  yield { records: [], removed: [], fullPass: { ...fullPass, complete: true }, cursor: snapshot({ objects: Object.fromEntries(UNITS.map((u) => [u, { watermark }])) }) };
}

async function* tag(unit: Unit, steps: AsyncGenerator<Step>): AsyncGenerator<{ unit: Unit; step: Step }> {
  for await (const step of steps) yield { unit, step };
}

function snapshot(state: TouchpointCursor): Cursor {
  const objects: Record<string, UnitCursor> = {};
  for (const [unit, c] of Object.entries(state.objects)) {
    const out: UnitCursor = {};
    if (c.watermark !== undefined) out.watermark = c.watermark;
    if (c.recent !== undefined && Object.keys(c.recent).length > 0) out.recent = { ...c.recent };
    objects[unit] = out;
  }
  return state.full ? { objects, full: { startedAt: state.full.startedAt, after: { ...state.full.after } } } : { objects };
}
