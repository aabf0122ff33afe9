/**
 * In-memory portal state: records per object type (ids ascending, so cursor paging is a binary search),
 * associations (both directions), property definitions and groups, and lists.
 */
import { ParcoursError } from '../../src/errors.ts';
import {
  OBJECT_TYPES,
  builtinGroups,
  builtinProperties,
  createdProperty,
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
  // Tasks (touchpoints.md §1.3, §5): task → contact 204, deal 216, ticket 230, company 192; the reverse
  // directions are one lower (contact → task 203, …), as HubSpot numbers each pair.
  'tasks→contacts': 204,
  'contacts→tasks': 203,
  'tasks→deals': 216,
  'deals→tasks': 215,
  'tasks→tickets': 230,
  'tickets→tasks': 229,
  'tasks→companies': 192,
  'companies→tasks': 191,
  // Engagements and feedback submissions (touchpoints.md §1.3):
  // https://developers.hubspot.com/docs/api-reference/latest/crm/associations/associate-records/guide
  ...engagementTypeIds('calls', { contacts: 194, companies: 182, deals: 206, tickets: 220 }, 193),
  ...engagementTypeIds('emails', { contacts: 198, companies: 186, deals: 210, tickets: 224 }, 197),
  ...engagementTypeIds('meetings', { contacts: 200, companies: 188, deals: 212, tickets: 226 }, 199),
  ...engagementTypeIds('notes', { contacts: 202, companies: 190, deals: 214, tickets: 228 }, 201),
  ...engagementTypeIds('communications', { contacts: 81, companies: 87, deals: 85, tickets: 83 }, 82),
  ...engagementTypeIds('postal_mail', { contacts: 453, companies: 459, deals: 457, tickets: 455 }, 454),
  ...engagementTypeIds('feedback_submissions', { contacts: 98, companies: 928, deals: 984, tickets: 100 }, 97),
  'tickets→feedback_submissions': 99,
  'deals→feedback_submissions': 985,
};

/** `<engagement>→<object>` ids, and the documented reverse `contacts→<engagement>`. */
function engagementTypeIds(from: string, to: Record<'contacts' | 'companies' | 'deals' | 'tickets', number>, fromContact: number): Record<string, number> {
  const out: Record<string, number> = { [`contacts→${from}`]: fromContact };
  for (const [t, id] of Object.entries(to)) out[`${from}→${t}`] = id;
  return out;
}

/** Who wrote a value, as `propertiesWithHistory` reports it (`sourceType`). */
export type HistorySource = 'API' | 'CRM_UI' | 'IMPORT';

export interface PropertyVersion {
  value: string;
  /** Epoch ms. */
  timestamp: number;
  sourceType: HistorySource;
}

/**
 * An owner as `GET /crm/v3/owners` returns it: `id` is what records carry in `hubspot_owner_id`; `userId`
 * is the user's id (not for assigning). Archived owners are deactivated users.
 * https://developers.hubspot.com/docs/api-reference/latest/crm/owners/guide
 */
export interface StoredOwner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number;
  archived: boolean;
  createdAt: number;
  updatedAt: number;
}

export function associationTypeId(from: ObjectType, to: ObjectType): number {
  return ASSOCIATION_TYPE_IDS[`${from}→${to}`] ?? 0;
}

/** The object type a HUBSPOT_DEFINED association type id from `from` points at, or null if it names none. */
export function associationTarget(from: ObjectType, typeId: number): ObjectType | null {
  for (const [pair, id] of Object.entries(ASSOCIATION_TYPE_IDS)) {
    const [f, t] = pair.split('→') as [ObjectType, ObjectType];
    if (f === from && id === typeId) return t;
  }
  return null;
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
  readonly owners = new Map<string, StoredOwner>();
  /** `type:id` → property → versions, oldest first: every write the portal received since it started. */
  private readonly history = new Map<string, Map<string, PropertyVersion[]>>();
  /** `<from>><to>` → record id → associated ids (one map per type pair keeps keys short for large portals). */
  private readonly links = new Map<string, Map<string, Set<string>>>();
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
  create(type: ObjectType, properties: Record<string, string>, times: { createdAt?: number; updatedAt?: number; /** the caller hands `properties` over (no copy) */ owned?: boolean } = {}): StoredRecord {
    const id = String(this.nextId++);
    const createdAt = times.createdAt ?? this.clock();
    const updatedAt = times.updatedAt ?? Math.max(createdAt, this.clock());
    const rec: StoredRecord = { id, type, properties: times.owned ? properties : { ...properties }, createdAt, updatedAt, archived: false, archivedAt: null };
    rec.properties['hs_object_id'] = id;
    rec.properties[createdProperty(type)] = new Date(createdAt).toISOString();
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

  addOwner(owner: Omit<StoredOwner, 'id' | 'userId'> & { id?: string }): StoredOwner {
    const n = this.owners.size;
    const stored: StoredOwner = { ...owner, id: owner.id ?? String(73_420_001 + n), userId: 9_586_501 + n };
    this.owners.set(stored.id, stored);
    return stored;
  }

  /** Live (not archived) owner ids: what `hubspot_owner_id` accepts. */
  liveOwnerIds(): ReadonlySet<string> {
    return new Set([...this.owners.values()].filter((o) => !o.archived).map((o) => o.id));
  }

  /**
   * Remembers values a write set, for `propertiesWithHistory`. The first write of a property that already
   * held a (seeded) value keeps that value as its first version, dated at the record's creation.
   */
  noteHistory(rec: StoredRecord, values: Record<string, string>, source: HistorySource, before: Record<string, string> = {}): void {
    const key = `${rec.type}:${rec.id}`;
    const perRecord = this.history.get(key) ?? new Map<string, PropertyVersion[]>();
    this.history.set(key, perRecord);
    for (const [name, value] of Object.entries(values)) {
      let versions = perRecord.get(name);
      if (!versions) {
        versions = [];
        const prior = before[name];
        if (prior !== undefined && prior !== '') versions.push({ value: prior, timestamp: rec.createdAt, sourceType: 'IMPORT' });
        perRecord.set(name, versions);
      }
      versions.push({ value, timestamp: rec.updatedAt, sourceType: source });
    }
  }

  /** Versions of one property, newest first; a value never written since start reads as one version. */
  propertyHistory(rec: StoredRecord, name: string): PropertyVersion[] {
    const versions = this.history.get(`${rec.type}:${rec.id}`)?.get(name);
    if (versions) return [...versions].reverse();
    const value = rec.properties[name];
    return value === undefined ? [] : [{ value, timestamp: rec.createdAt, sourceType: 'IMPORT' }];
  }

  /** Applies already-validated values ('' clears) and bumps the modified date. */
  write(rec: StoredRecord, values: Record<string, string>, source: HistorySource = 'API'): void {
    const before = { ...rec.properties };
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
    this.noteHistory(rec, values, source, before);
    // A task saved as COMPLETED gets its completion date; re-opened, it loses it.
    const status = rec.type === 'tasks' ? values['hs_task_status'] : undefined;
    if (status !== undefined) {
      if (status === 'COMPLETED' && before['hs_task_status'] !== 'COMPLETED') rec.properties['hs_task_completion_date'] = new Date(rec.updatedAt).toISOString();
      if (status !== 'COMPLETED') delete rec.properties['hs_task_completion_date'];
    }
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

  private pair(type: ObjectType, to: ObjectType): Map<string, Set<string>> {
    const k = `${type}>${to}`;
    let m = this.links.get(k);
    if (!m) {
      m = new Map();
      this.links.set(k, m);
    }
    return m;
  }

  associate(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string): void {
    this.linkSet(fromType, fromId, toType).add(toId);
    this.linkSet(toType, toId, fromType).add(fromId);
  }

  dissociate(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string): void {
    this.links.get(`${fromType}>${toType}`)?.get(fromId)?.delete(toId);
    this.links.get(`${toType}>${fromType}`)?.get(toId)?.delete(fromId);
  }

  private linkSet(type: ObjectType, id: string, to: ObjectType): Set<string> {
    const m = this.pair(type, to);
    let set = m.get(id);
    if (!set) {
      set = new Set();
      m.set(id, set);
    }
    return set;
  }

  /** Associated ids of live records, ascending. */
  associated(type: ObjectType, id: string, to: ObjectType): string[] {
    const set = this.links.get(`${type}>${to}`)?.get(id);
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
