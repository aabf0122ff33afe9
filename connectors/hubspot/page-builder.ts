/**
 * Turns one page of HubSpot objects into a PullBatch body: canonical records, merged-away contacts as
 * removals, contact ids for deals/tickets, and (for changed contacts) their current deal/ticket links.
 */
import type { ContactLinks, FieldNeeds } from '../../connectors/port.ts';
import type { CrmRecord, ObjectKind, RecordRef } from '../../src/model.ts';
import type { ResolvedHubspotConfig } from './config.ts';
import { readAssociations } from './associations.ts';
import type { PipelineCache } from './pipelines.ts';
import { OBJECT_TYPE, needsStageHistory, propertiesFor } from './properties.ts';
import type { CrmObject } from './schemas.ts';
import { mergedAwayIds, toContact, toDeal, toTicket } from './translate.ts';
import type { HubspotTransport } from './transport.ts';

export interface PullContext {
  transport: HubspotTransport;
  config: ResolvedHubspotConfig;
  fields: FieldNeeds;
  objects: ObjectKind[];
  pipelines: PipelineCache;
  /** The portal's deal property names, once `availableFields` has read them (narrows the stage-date names). */
  dealProperties?: ReadonlySet<string>;
}

export interface PageContent {
  records: CrmRecord[];
  removed: RecordRef[];
  links?: ContactLinks[];
}

/** Properties to request for a kind; reads the deal pipelines first only when stage history is needed. */
export async function propertiesToRequest(ctx: PullContext, kind: ObjectKind): Promise<string[]> {
  const stageIds = kind === 'deal' && needsStageHistory(ctx.fields) ? (await ctx.pipelines.get('deals')).stageIds() : [];
  return propertiesFor(kind, ctx.fields, stageIds, ctx.dealProperties);
}

/** Contact ids from the list call's `associations` (key name is not documented exactly: take any *contact* key). */
function listedContactIds(obj: CrmObject): { ids: string[]; complete: boolean } {
  const ids = new Set<string>();
  let complete = true;
  for (const [key, value] of Object.entries(obj.associations ?? {})) {
    if (!key.includes('contact')) continue;
    for (const r of value.results) ids.add(r.id);
    if (value.paging?.next !== undefined) complete = false;
  }
  return { ids: [...ids], complete };
}

/**
 * @param associationsListed true when the objects came from a list call with `associations=contacts`
 *   (search results carry none: then every id is read through v4).
 */
export async function buildPage(ctx: PullContext, kind: ObjectKind, objects: CrmObject[], associationsListed: boolean): Promise<PageContent> {
  if (objects.length === 0) return { records: [], removed: [] };
  if (kind === 'contact') {
    const records = objects.map((o) => toContact(o, ctx.fields));
    const removed = objects.flatMap((o) => mergedAwayIds(o)).map((id): RecordRef => ({ kind: 'contact', objectType: 'contacts', id }));
    if (associationsListed) return { records, removed };
    // Association changes do not bump lastmodifieddate: re-read the links of every changed contact.
    const ids = objects.map((o) => o.id);
    const deals = ctx.objects.includes('deal') ? await readAssociations(ctx.transport, 'contacts', 'deals', ids) : null;
    const tickets = ctx.objects.includes('ticket') ? await readAssociations(ctx.transport, 'contacts', 'tickets', ids) : null;
    const links: ContactLinks[] = ids.map((contactId) => ({
      contactId,
      ...(deals ? { deals: deals.get(contactId) ?? [] } : {}),
      ...(tickets ? { tickets: tickets.get(contactId) ?? [] } : {}),
    }));
    return { records, removed, ...(deals || tickets ? { links } : {}) };
  }
  const objectType = OBJECT_TYPE[kind];
  const contactIds = new Map<string, string[]>();
  const toRead: string[] = [];
  for (const o of objects) {
    if (associationsListed) {
      const { ids, complete } = listedContactIds(o);
      contactIds.set(o.id, ids);
      if (!complete) toRead.push(o.id);
    } else toRead.push(o.id);
  }
  if (toRead.length > 0) {
    for (const [id, ids] of await readAssociations(ctx.transport, objectType, 'contacts', toRead)) contactIds.set(id, ids);
  }
  const text = (v: string | null | undefined): string | null => (v === undefined || v === null || v === '' ? null : v);
  const stages = objects.map((o): [string | null, string | null] =>
    kind === 'deal' ? [text(o.properties.pipeline), text(o.properties.dealstage)] : [text(o.properties.hs_pipeline), text(o.properties.hs_pipeline_stage)],
  );
  const catalog = await ctx.pipelines.covering(kind === 'deal' ? 'deals' : 'tickets', stages);
  const records = objects.map((o) =>
    kind === 'deal' ? toDeal(o, ctx.fields, catalog, contactIds.get(o.id) ?? []) : toTicket(o, ctx.fields, catalog, contactIds.get(o.id) ?? []),
  );
  return { records, removed: [] };
}
