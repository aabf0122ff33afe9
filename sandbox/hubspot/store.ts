/**
 * In-memory portal state: records per object type (ids ascending, so cursor paging is a binary search),
 * associations (both directions), property definitions and groups, and lists.
 */
import { ParcoursError } from '../../src/errors.ts';
import {
  OBJECT_TYPES,
  builtinGroups,
  builtinProperties,
  lifecycleDateProperty,
  modifiedProperty,
  stageDatesOnMove,
  type ObjectType,
  type PropertyDef,
  type PropertyGroupDef,
  type StageDateNames,
} from './schema.ts';

/** Archived records can be restored for 90 days, then they are deleted permanently. */
export const ARCHIVE_RESTORE_WINDOW_MS = 90 * 86_400_000;

export interface StoredRecord {
  id: string;
  type: ObjectType;
  /** HubSpot values are strings; an absent key is an empty property. */
  properties: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt: number | null;
}

export interface StoredList {
  listId: string;
  name: string;
  objectTypeId: string;
  processingType: 'MANUAL' | 'DYNAMIC' | 'SNAPSHOT';
  createdAt: number;
  updatedAt: number;
  listVersion: number;
  /** recordId → membership timestamp */
  members: Map<string, number>;
}

/** v4 association type ids (hubspot.md §5, SDK AssociationTypes). */
const ASSOCIATION_TYPE_IDS: Record<string, number> = {
  'contacts→deals': 4,
  'deals→contacts': 3,
  'contacts→tickets': 15,
  'tickets→contacts': 16,
  'contacts→companies': 279,
  'companies→contacts': 280,
  'deals→companies': 341,
  'companies→deals': 342,
  'tickets→deals': 28,
  'deals→tickets': 27,
};

export function associationTypeId(from: ObjectType, to: ObjectType): number {
  return ASSOCIATION_TYPE_IDS[`${from}→${to}`] ?? 0;
}

function storeError(message: string, context: Record<string, unknown>): ParcoursError {
  return new ParcoursError('NOT_FOUND', message, { crm: 'hubspot', ...context });
}

export class PortalStore {
  readonly records: Record<ObjectType, Map<string, StoredRecord>>;
  /** Ids per type in ascending numeric order (ids only grow, so appends keep it sorted). */
  readonly order: Record<ObjectType, number[]>;
  readonly properties: Record<ObjectType, Map<string, PropertyDef>>;
  readonly groups: Record<ObjectType, Map<string, PropertyGroupDef>>;
  readonly lists = new Map<string, StoredList>();
  /** merged-away id → surviving id */
  readonly mergedInto = new Map<string, string>();
  private readonly links = new Map<string, Set<string>>();
  private nextId = 1001;
  private nextListId = 1;
  readonly clock: () => number;
  /** Stage-calculated property names this portal has (schema.ts `StageDateNames`). */
  readonly stageDates: StageDateNames;

  constructor(clock: () => number, stageDates: StageDateNames = 'v2') {
    this.clock = clock;
    this.stageDates = stageDates;
    const now = clock();
    const per = <T>(f: (t: ObjectType) => T): Record<ObjectType, T> =>
      Object.fromEntries(OBJECT_TYPES.map((t) => [t, f(t)])) as Record<ObjectType, T>;
    this.records = per(() => new Map());
    this.order = per(() => []);
    this.properties = per((t) => new Map(builtinProperties(t, now, stageDates).map((p) => [p.name, p])));
    this.groups = per((t) => new Map(builtinGroups(t).map((g) => [g.name, g])));
  }

  /** Creates a record; `createdAt`/`updatedAt` default to the clock. */
  create(type: ObjectType, properties: Record<string, string>, times: { createdAt?: number; updatedAt?: number } = {}): StoredRecord {
    const id = String(this.nextId++);
    const createdAt = times.createdAt ?? this.clock();
    const updatedAt = times.updatedAt ?? Math.max(createdAt, this.clock());
    const rec: StoredRecord = { id, type, properties: { ...properties }, createdAt, updatedAt, archived: false, archivedAt: null };
    rec.properties['hs_object_id'] = id;
    rec.properties['createdate'] = new Date(createdAt).toISOString();
    rec.properties[modifiedProperty(type)] = new Date(updatedAt).toISOString();
    this.records[type].set(id, rec);
    this.order[type].push(Number(id));
    return rec;
  }

  get(type: ObjectType, id: string): StoredRecord | undefined {
    return this.records[type].get(id);
  }

  mustGet(type: ObjectType, id: string): StoredRecord {
    const rec = this.get(type, id);
    if (!rec) throw storeError(`No ${type} record with id ${id}`, { recordId: id });
    return rec;
  }

  /** Applies already-validated values ('' clears) and bumps the modified date. */
  write(rec: StoredRecord, values: Record<string, string>): void {
    const fromStage = rec.properties['dealstage'];
    const toStage = rec.type === 'deals' ? values['dealstage'] : undefined;
    // Entering a lifecycle stage stamps its "Became a … date" (hubspot.md §13).
    const lifecycle = values['lifecyclestage'];
    if (rec.type === 'contacts' && lifecycle && lifecycle !== rec.properties['lifecyclestage'] && this.properties.contacts.has(lifecycleDateProperty(lifecycle))) {
      rec.properties[lifecycleDateProperty(lifecycle)] = new Date(this.clock()).toISOString();
    }
    for (const [k, v] of Object.entries(values)) {
      if (v === '') delete rec.properties[k];
      else rec.properties[k] = v;
    }
    this.touch(rec);
    if (toStage !== undefined && toStage !== '' && toStage !== fromStage) {
      // Stage-calculated properties follow every stage change, whoever makes it (UI or API).
      Object.assign(rec.properties, stageDatesOnMove(this.stageDates, fromStage, toStage, rec.updatedAt));
    }
  }

  touch(rec: StoredRecord): void {
    // Strictly increasing per record, so incremental readers never miss a write made in the same ms.
    rec.updatedAt = Math.max(this.clock(), rec.updatedAt + 1);
    rec.properties[modifiedProperty(rec.type)] = new Date(rec.updatedAt).toISOString();
  }

  /**
   * Archives (deletes) a record: restorable for 90 days, listed with `archived=true` meanwhile; after
   * that HubSpot purges it for good (hubspot.md §3.4; objects guide "Restore"). `at` lets tests archive
   * as of a past date: a record archived more than 90 days ago is purged at once.
   */
  archive(rec: StoredRecord, at: number = this.clock()): void {
    rec.archived = true;
    rec.archivedAt = at;
    for (const list of this.lists.values()) list.members.delete(rec.id);
    if (this.clock() - at > ARCHIVE_RESTORE_WINDOW_MS) this.purge(rec);
  }

  /**
   * Permanent deletion (GDPR delete, or the end of the archive window): the record, its associations
   * and list memberships are gone, and it is in neither the live nor the archived list.
   * https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/gdpr/post-crm-v3-objects-contacts-gdpr-delete
   */
  purge(rec: StoredRecord): void {
    for (const to of OBJECT_TYPES) for (const other of this.associated(rec.type, rec.id, to)) this.dissociate(rec.type, rec.id, to, other);
    for (const list of this.lists.values()) list.members.delete(rec.id);
    this.records[rec.type].delete(rec.id);
  }

  /** Whether an archived record is past the restore window (then HubSpot has purged it). */
  expired(rec: StoredRecord): boolean {
    return rec.archived && rec.archivedAt !== null && this.clock() - rec.archivedAt > ARCHIVE_RESTORE_WINDOW_MS;
  }

  /** Index of the first id ≥ `fromId` in the type's ascending order. */
  lowerBound(type: ObjectType, fromId: number): number {
    const ids = this.order[type];
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ids[mid] ?? 0) < fromId) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private key(type: ObjectType, id: string, to: ObjectType): string {
    return `${type}:${id}:${to}`;
  }

  associate(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string): void {
    this.linkSet(fromType, fromId, toType).add(toId);
    this.linkSet(toType, toId, fromType).add(fromId);
  }

  dissociate(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string): void {
    this.links.get(this.key(fromType, fromId, toType))?.delete(toId);
    this.links.get(this.key(toType, toId, fromType))?.delete(fromId);
  }

  private linkSet(type: ObjectType, id: string, to: ObjectType): Set<string> {
    const k = this.key(type, id, to);
    let set = this.links.get(k);
    if (!set) {
      set = new Set();
      this.links.set(k, set);
    }
    return set;
  }

  /** Associated ids of live records, ascending. */
  associated(type: ObjectType, id: string, to: ObjectType): string[] {
    const set = this.links.get(this.key(type, id, to));
    if (!set) return [];
    return [...set].filter((x) => this.records[to].get(x)?.archived === false).sort((a, b) => Number(a) - Number(b));
  }

  /** Moves the merged contact's associations to the primary, archives it and records the merge. */
  mergeContacts(primaryId: string, mergedId: string): StoredRecord {
    const primary = this.mustGet('contacts', primaryId);
    const merged = this.mustGet('contacts', mergedId);
    for (const to of OBJECT_TYPES) {
      for (const other of this.associated('contacts', mergedId, to)) {
        this.dissociate('contacts', mergedId, to, other);
        this.associate('contacts', primaryId, to, other);
      }
    }
    for (const [k, v] of Object.entries(merged.properties)) {
      if (primary.properties[k] === undefined && k !== 'hs_object_id') primary.properties[k] = v;
    }
    const previous = primary.properties['hs_merged_object_ids'];
    primary.properties['hs_merged_object_ids'] = previous ? `${previous};${mergedId}` : mergedId;
    this.archive(merged);
    this.mergedInto.set(mergedId, primaryId);
    for (const list of this.lists.values()) {
      if (list.members.delete(mergedId) && !list.members.has(primaryId)) list.members.set(primaryId, this.clock());
    }
    this.touch(primary);
    return primary;
  }

  createList(name: string, objectTypeId: string, processingType: StoredList['processingType']): StoredList {
    const now = this.clock();
    const list: StoredList = { listId: String(this.nextListId++), name, objectTypeId, processingType, createdAt: now, updatedAt: now, listVersion: 1, members: new Map() };
    this.lists.set(list.listId, list);
    return list;
  }

  /** DELETE /crm/v3/lists/{listId}: the list and its memberships are gone from the API. */
  deleteList(listId: string): boolean {
    return this.lists.delete(listId);
  }

  findListByName(objectTypeId: string, name: string): StoredList | undefined {
    const wanted = name.toLowerCase();
    for (const l of this.lists.values()) if (l.objectTypeId === objectTypeId && l.name.toLowerCase() === wanted) return l;
    return undefined;
  }
}
