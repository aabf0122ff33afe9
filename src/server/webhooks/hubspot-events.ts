/**
 * HubSpot webhook payloads (a JSON array of events, hubspot.md §9) → the records and customers to
 * recompute. Events about Parcours's own properties are dropped: they are the echo of our writes.
 */
import { z } from 'zod';
import type { Mapping } from '../../mapping/ast.ts';
import type { ObjectKind, RecordRef } from '../../model.ts';
import type { ChangeBatch } from '../work-queue.ts';

const id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String);

// Real payloads name the type `subscriptionType`; the 2024 field table says `eventType`: accept both.
// Developer-platform apps send generic `object.*` events with `objectTypeId`
// (https://developers.hubspot.com/docs/apps/developer-platform/add-features/configure-webhooks).
export const HubspotEventSchema = z.looseObject({
  eventId: id,
  portalId: id,
  subscriptionType: z.string().optional(),
  eventType: z.string().optional(),
  objectId: id.optional(),
  objectTypeId: z.string().optional(),
  occurredAt: z.number().int().optional(),
  propertyName: z.string().optional(),
  associationType: z.string().optional(),
  fromObjectId: id.optional(),
  toObjectId: id.optional(),
  primaryObjectId: id.optional(),
  newObjectId: id.optional(),
  mergedObjectIds: z.array(id).optional(),
  attemptNumber: z.number().int().optional(),
});

/** HubSpot sends fewer than 100 events per request; allow some slack, refuse floods. */
export const HubspotBatchSchema = z.array(HubspotEventSchema).min(1).max(1000);

export type HubspotEvent = z.infer<typeof HubspotEventSchema>;

const KIND_BY_PREFIX: Record<string, ObjectKind> = { contact: 'contact', deal: 'deal', ticket: 'ticket' };
const KIND_BY_TYPE_ID: Record<string, ObjectKind> = { '0-1': 'contact', '0-3': 'deal', '0-5': 'ticket' };
const OBJECT_TYPE: Record<ObjectKind, string> = { contact: 'contacts', deal: 'deals', ticket: 'tickets' };

export function eventType(e: HubspotEvent): string {
  return e.subscriptionType ?? e.eventType ?? '';
}

/**
 * Retries carry the same eventId; since HubSpot does not promise eventIds are unique, the key also
 * names the event type and object so two different events never collapse into one.
 */
export function eventKey(e: HubspotEvent): string {
  return `${e.eventId}:${eventType(e)}:${e.objectId ?? ''}`;
}

function kindOf(e: HubspotEvent): ObjectKind | null {
  const [prefix] = eventType(e).split('.');
  if (prefix === 'object') return KIND_BY_TYPE_ID[e.objectTypeId ?? ''] ?? null;
  return KIND_BY_PREFIX[prefix ?? ''] ?? null;
}

const ref = (kind: ObjectKind, recordId: string): RecordRef => ({ kind, objectType: OBJECT_TYPE[kind], id: recordId });

/** What one event asks to recompute, or null when it concerns nothing Parcours reads (or our own writes). */
export function changesOf(e: HubspotEvent, ownedProperties: ReadonlySet<string>): Partial<ChangeBatch> | null {
  const kind = kindOf(e);
  const action = eventType(e).split('.')[1] ?? '';
  if (!kind) return null;
  if (action === 'propertyChange' && e.propertyName && ownedProperties.has(e.propertyName)) return null;
  const at = e.occurredAt ?? null;
  if (action === 'associationChange') {
    // e.g. CONTACT_TO_DEAL: from = contact; DEAL_TO_CONTACT: to = contact. Fired for both directions.
    const [from, , to] = (e.associationType ?? '').toLowerCase().split('_');
    const contactIds = [from === 'contact' ? e.fromObjectId : undefined, to === 'contact' ? e.toObjectId : undefined].filter((x): x is string => x !== undefined);
    return contactIds.length ? { contactIds, oldestEventAt: at } : null;
  }
  if (action === 'merge' && kind === 'contact') {
    // The surviving contact, and the merged-away ones (gone: they leave the mirror).
    const ids = [e.newObjectId, e.primaryObjectId, e.objectId, ...(e.mergedObjectIds ?? [])].filter((x): x is string => x !== undefined);
    return { contactIds: [...new Set(ids)], oldestEventAt: at };
  }
  if (e.objectId === undefined) return null;
  if (kind === 'contact') return { contactIds: [e.objectId], oldestEventAt: at };
  return { records: [ref(kind, e.objectId)], oldestEventAt: at };
}

/** The CRM property names Parcours writes (their change events are our own echo). */
export function ownedPropertyNames(mapping: Mapping): Set<string> {
  const names = [mapping.writeback.contact, mapping.writeback.deal, mapping.writeback.ticket].flatMap((w) => Object.values(w));
  return new Set(names.filter((v): v is string => typeof v === 'string'));
}
