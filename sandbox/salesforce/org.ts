/**
 * The in-memory org: records, recycle bin, custom fields and field-level security, and every write
 * path (REST, collections, Bulk, the test `data` API) with Salesforce's per-record validation.
 */
import { IdFactory, KEY_PREFIXES, normalizeId } from './ids.ts';
import { isDate, parseDateTime } from './format.ts';
import { CASE_STATUSES, OPPORTUNITY_STAGES, standardSchema, type FieldDef, type FieldType, type ObjectDef } from './schema.ts';

export type Value = string | number | boolean | null;
export type Values = Record<string, Value>;

export interface StoredRecord {
  type: string;
  values: Values;
}

/** One per-record error, as collections and single-record endpoints report it. */
export interface RecordError {
  statusCode: string;
  message: string;
  fields: string[];
}

export type WriteResult = { ok: true; id: string; created: boolean } | { ok: false; id: string | null; errors: RecordError[] };

/** Who is writing: the API user (bound by field-level security) or an admin acting in the UI (tests' `data` API). */
export type Actor = 'api' | 'admin';

export interface CustomFieldRow {
  id: string;
  object: string;
  developerName: string;
  metadata: Record<string, unknown>;
  createdDate: number;
  lastModifiedDate: number;
}

export type FieldAccess = 'none' | 'read' | 'edit';

export function recordError(statusCode: string, message: string, fields: string[] = []): RecordError {
  return { statusCode, message, fields };
}

const NUMERIC: FieldType[] = ['int', 'double', 'currency', 'percent'];
const TEXTUAL: FieldType[] = ['id', 'string', 'email', 'phone', 'textarea', 'picklist', 'multipicklist', 'reference'];

export class Org {
  readonly schema: Map<string, ObjectDef> = standardSchema();
  readonly orgId: string;
  readonly ids = new IdFactory();
  readonly customFields = new Map<string, CustomFieldRow>();
  apiUserId = '';
  /**
   * Objects whose field history is on ("Enable Contact History", Setup > Object Manager > Fields &
   * Relationships > Set History Tracking), and the standard fields each tracks; custom fields are tracked
   * when their metadata says `trackHistory: true`. At most 20 tracked fields per object.
   * https://help.salesforce.com/s/articleView?id=xcloud.tracking_field_history_for_standard_objects.htm
   */
  readonly historyEnabled = new Set<string>();
  readonly trackedStandard = new Map<string, Set<string>>();
  private readonly byId = new Map<string, StoredRecord>();
  private readonly byType = new Map<string, Map<string, StoredRecord>>();
  private readonly hardDeleted = new Set<string>();
  private journal: Map<string, StoredRecord | null> | null = null;
  private caseNumber = 1000;
  readonly clock: () => number;

  /**
   * `clock` is epoch ms; the org keeps whole seconds. Salesforce dateTime values (SystemModstamp,
   * LastModifiedDate, CreatedDate and dateTime fields) are stored to the second — real values end in
   * `.000` (https://salesforce.stackexchange.com/questions/234824; `../shared/crm-facts/salesforce.md` §11) —
   * so a burst of writes shares one SystemModstamp and only Id orders it.
   */
  constructor(clock: () => number) {
    this.clock = () => wholeSecond(clock());
    this.orgId = this.ids.next(KEY_PREFIXES.Organization);
    for (const name of this.schema.keys()) this.byType.set(name, new Map());
  }

  /** Objects an org has only with a feature turned on (Surveys, Chat, Messaging). */
  addObjects(defs: ObjectDef[]): void {
    for (const def of defs) {
      this.schema.set(def.name, def);
      if (!this.byType.has(def.name)) this.byType.set(def.name, new Map());
    }
  }

  objectDef(name: string): ObjectDef | undefined {
    // Object names are case-insensitive in the API.
    const direct = this.schema.get(name);
    if (direct) return direct;
    const lower = name.toLowerCase();
    for (const def of this.schema.values()) if (def.name.toLowerCase() === lower) return def;
    return undefined;
  }

  /** Field lookup, case-insensitive like the API. */
  fieldDef(obj: ObjectDef, name: string): FieldDef | undefined {
    const direct = obj.fields.get(name);
    if (direct) return direct;
    const lower = name.toLowerCase();
    for (const f of obj.fields.values()) if (f.name.toLowerCase() === lower) return f;
    return undefined;
  }

  /**
   * Field-level security: custom fields are invisible to the API user until a FieldPermissions row on a
   * permission set assigned to that user grants read (and edit) — salesforce.md §5.3.
   */
  access(obj: ObjectDef, f: FieldDef, actor: Actor): FieldAccess {
    if (!f.custom || actor === 'admin') return 'edit';
    const assigned = new Set<string>();
    for (const psa of this.list('PermissionSetAssignment')) {
      if (psa.values.AssigneeId === this.apiUserId) assigned.add(String(psa.values.PermissionSetId));
    }
    let access: FieldAccess = 'none';
    const key = `${obj.name}.${f.name}`;
    for (const fp of this.list('FieldPermissions')) {
      if (fp.values.Field !== key || !assigned.has(String(fp.values.ParentId))) continue;
      if (fp.values.PermissionsEdit === true) return 'edit';
      if (fp.values.PermissionsRead === true) access = 'read';
    }
    return access;
  }

  /** A field the actor can see (null when unknown or hidden by FLS, which the API reports the same way). */
  visibleField(obj: ObjectDef, name: string, actor: Actor): FieldDef | null {
    const f = this.fieldDef(obj, name);
    if (!f || this.access(obj, f, actor) === 'none') return null;
    return f;
  }

  /** Live (not deleted) records of a type, in insertion order; `withDeleted` adds the recycle bin. */
  list(type: string, withDeleted = false): StoredRecord[] {
    const all = [...(this.byType.get(type)?.values() ?? [])];
    return withDeleted ? all : all.filter((r) => r.values.IsDeleted !== true);
  }

  get(id: string): StoredRecord | undefined {
    const norm = normalizeId(id);
    return norm ? this.byId.get(norm) : undefined;
  }

  /** Seeding path: stores values as given (system fields defaulted), no validation or automation. */
  insertRaw(type: string, values: Values): string {
    const def = this.schema.get(type);
    if (!def) throw new RangeError(`unknown sobject ${type}`);
    const id = this.ids.next(def.keyPrefix);
    const now = this.clock();
    const created = typeof values.CreatedDate === 'number' ? values.CreatedDate : now;
    const shape = shapeOf(def);
    const rec: StoredRecord = { type, values: { ...shape.blank } };
    Object.assign(rec.values, { CreatedById: this.apiUserId || null, LastModifiedById: this.apiUserId || null }, values, {
      Id: id,
      IsDeleted: false,
      CreatedDate: created,
      LastModifiedDate: values.LastModifiedDate ?? created,
      SystemModstamp: values.SystemModstamp ?? values.LastModifiedDate ?? created,
    });
    for (const name of shape.datetimes) {
      const v = rec.values[name];
      if (typeof v === 'number') rec.values[name] = wholeSecond(v);
    }
    if (type === 'Case' && rec.values.CaseNumber === null) rec.values.CaseNumber = String(++this.caseNumber).padStart(8, '0');
    this.store(rec);
    return id;
  }

  /** Runs `fn` so that `rollback()` can undo every write it made (allOrNone). */
  transaction<T>(fn: (rollback: () => void) => T): T {
    this.journal = new Map();
    const journal = this.journal;
    const rollback = (): void => {
      for (const [id, prev] of journal) {
        const cur = this.byId.get(id);
        if (cur) this.byType.get(cur.type)?.delete(id);
        this.byId.delete(id);
        this.hardDeleted.delete(id);
        if (prev) this.store(prev);
      }
      journal.clear();
    };
    try {
      return fn(rollback);
    } finally {
      this.journal = null;
    }
  }

  private remember(id: string): void {
    if (this.journal && !this.journal.has(id)) {
      const cur = this.byId.get(id);
      this.journal.set(id, cur ? { type: cur.type, values: { ...cur.values } } : null);
    }
  }

  private store(rec: StoredRecord): void {
    const id = String(rec.values.Id);
    this.remember(id);
    this.byId.set(id, rec);
    this.byType.get(rec.type)?.set(id, rec);
  }

  create(type: string, input: Record<string, unknown>, actor: Actor): WriteResult {
    const def = this.objectDef(type);
    if (!def || !def.createable) return { ok: false, id: null, errors: [recordError('INVALID_TYPE', `sObject type '${type}' is not supported.`)] };
    // Without "Edit Tasks" the user cannot create tasks (describe shows Task createable = false). The exact
    // error code is UNCONFIRMED; INSUFFICIENT_ACCESS_OR_READONLY is Salesforce's code for a missing right.
    if (actor === 'api' && !this.canCreate(def)) return { ok: false, id: null, errors: [recordError('INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id')] };
    if ('Id' in input || 'id' in input) return { ok: false, id: null, errors: [recordError('INVALID_FIELD', 'cannot specify Id in an insert call', ['Id'])] };
    const parsed = this.coerce(def, input, actor, 'create');
    if ('errors' in parsed) return { ok: false, id: null, errors: parsed.errors };
    const values = parsed.values;
    for (const f of def.fields.values()) {
      if (values[f.name] === undefined && f.defaultPicklistValue) values[f.name] = f.defaultPicklistValue;
    }
    // The creating user owns the record unless OwnerId says otherwise.
    if (def.fields.has('OwnerId') && (values.OwnerId === undefined || values.OwnerId === null)) values.OwnerId = this.apiUserId;
    const missing = def.required.filter((n) => values[n] === undefined || values[n] === null);
    if (def.name === 'CampaignMember' && !values.ContactId && !values.LeadId) missing.push('ContactId');
    if (missing.length > 0) return { ok: false, id: null, errors: [recordError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing)] };
    const refError = this.checkReferences(def, values) ?? this.checkUnique(def, values, null);
    if (refError) return { ok: false, id: null, errors: [refError] };
    const now = this.clock();
    const id = this.ids.next(def.keyPrefix);
    const rec: StoredRecord = { type: def.name, values: {} };
    for (const f of def.fields.values()) rec.values[f.name] = f.type === 'boolean' ? false : null;
    Object.assign(rec.values, values, {
      Id: id, IsDeleted: false, CreatedDate: now, LastModifiedDate: now, SystemModstamp: now,
      CreatedById: this.apiUserId, LastModifiedById: this.apiUserId,
    });
    this.automate(rec, null);
    this.store(rec);
    return { ok: true, id, created: true };
  }

  update(type: string | null, rawId: string, input: Record<string, unknown>, actor: Actor): WriteResult {
    const found = this.locate(rawId, type);
    if ('errors' in found) return { ok: false, id: normalizeId(rawId), errors: found.errors };
    const { rec } = found;
    // A converted Lead is read-only for everyone (object reference, Lead: IsConverted; salesforce.md §11).
    if (rec.type === 'Lead' && rec.values.IsConverted === true) {
      return { ok: false, id: rec.values.Id as string, errors: [recordError('CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead')] };
    }
    const def = this.schema.get(rec.type)!;
    const parsed = this.coerce(def, input, actor, 'update');
    if ('errors' in parsed) return { ok: false, id: rec.values.Id as string, errors: parsed.errors };
    const next: Values = { ...rec.values, ...parsed.values };
    const missing = def.required.filter((n) => n in parsed.values && parsed.values[n] === null);
    if (missing.length > 0) return { ok: false, id: rec.values.Id as string, errors: [recordError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing)] };
    const refError = this.checkReferences(def, parsed.values) ?? this.checkUnique(def, next, rec.values.Id as string);
    if (refError) return { ok: false, id: rec.values.Id as string, errors: [refError] };
    const prev = rec.values;
    const now = this.clock();
    const updated: StoredRecord = { type: rec.type, values: { ...next, LastModifiedDate: now, SystemModstamp: now, LastModifiedById: this.apiUserId } };
    this.automate(updated, prev);
    this.store(updated);
    return { ok: true, id: rec.values.Id as string, created: false };
  }

  /** Deletes to the recycle bin (`IsDeleted = true`, still visible to queryAll), or for good for objects without one (CampaignMember, OpportunityContactRole, setup objects). */
  remove(rawId: string, type: string | null = null): WriteResult {
    const found = this.locate(rawId, type);
    if ('errors' in found) return { ok: false, id: normalizeId(rawId), errors: found.errors };
    const { rec } = found;
    const id = rec.values.Id as string;
    const def = this.schema.get(rec.type)!;
    if (!def.recycleOnDelete) {
      this.remember(id);
      this.byId.delete(id);
      this.byType.get(rec.type)?.delete(id);
      this.hardDeleted.add(id);
      return { ok: true, id, created: false };
    }
    const now = this.clock();
    this.store({ type: rec.type, values: { ...rec.values, IsDeleted: true, LastModifiedDate: now, SystemModstamp: now } });
    // Deleting a campaign deletes its members with it (CampaignMember cannot exist without its campaign;
    // object reference, CampaignMember.CampaignId is required).
    if (rec.type === 'Campaign') for (const m of this.list('CampaignMember')) if (m.values.CampaignId === id) this.remove(String(m.values.Id));
    // An Opportunity in the recycle bin takes its contact roles with it: the one case where a role has
    // IsDeleted = true (see the OpportunityContactRole definition in schema.ts).
    if (rec.type === 'Opportunity') {
      for (const role of this.list('OpportunityContactRole')) {
        if (role.values.OpportunityId === id) this.store({ type: role.type, values: { ...role.values, IsDeleted: true, SystemModstamp: now } });
      }
    }
    return { ok: true, id, created: false };
  }

  /** A write Salesforce makes itself (lead conversion, merge): any field, no validation; bumps the modstamp. */
  systemWrite(id: string, values: Values): void {
    const rec = this.byId.get(id);
    if (!rec) throw new RangeError(`no record ${id}`);
    const now = this.clock();
    this.store({ type: rec.type, values: { ...rec.values, ...values, LastModifiedDate: now, SystemModstamp: now } });
  }

  /**
   * emptyRecycleBin(): records in the recycle bin are deleted for good; queryAll no longer returns them
   * (the bin also empties itself after 15 days).
   * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_emptyrecyclebin.htm
   */
  emptyRecycleBin(id: string): boolean {
    const rec = this.byId.get(id);
    if (!rec || rec.values.IsDeleted !== true) return false;
    this.remember(id);
    this.byId.delete(id);
    this.byType.get(rec.type)?.delete(id);
    this.hardDeleted.add(id);
    return true;
  }

  private locate(rawId: string, type: string | null): { rec: StoredRecord } | { errors: RecordError[] } {
    const id = normalizeId(rawId);
    if (!id) return { errors: [recordError('MALFORMED_ID', `malformed id ${rawId}`, ['Id'])] };
    const rec = this.byId.get(id);
    if (this.hardDeleted.has(id) || rec?.values.IsDeleted === true) return { errors: [recordError('ENTITY_IS_DELETED', 'entity is deleted')] };
    if (!rec || (type !== null && rec.type.toLowerCase() !== type.toLowerCase())) {
      return { errors: [recordError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id')] };
    }
    return { rec };
  }

  /** Checks names, FLS, writability and value types; returns typed values. */
  private coerce(def: ObjectDef, input: Record<string, unknown>, actor: Actor, mode: 'create' | 'update'): { values: Values } | { errors: RecordError[] } {
    const values: Values = {};
    const errors: RecordError[] = [];
    const notWritable: string[] = [];
    for (const [key, raw] of Object.entries(input)) {
      if (key === 'attributes' || (mode === 'update' && (key === 'Id' || key === 'id'))) continue;
      const f = this.fieldDef(def, key);
      const access = f ? this.access(def, f, actor) : 'none';
      if (!f || access === 'none') {
        errors.push(recordError('INVALID_FIELD', `No such column '${key}' on sobject of type ${def.name}`, [key]));
        continue;
      }
      if ((mode === 'create' ? !f.createable : !f.updateable) || access !== 'edit') {
        notWritable.push(f.name);
        continue;
      }
      const result = coerceValue(f, raw);
      if ('error' in result) errors.push(result.error);
      else values[f.name] = result.value;
    }
    if (notWritable.length > 0) {
      errors.push(recordError('INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${notWritable.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, notWritable));
    }
    return errors.length > 0 ? { errors } : { values };
  }

  /** Whether the API user may create records of `def` (Task needs "Edit Tasks" on a profile or permission set). */
  canCreate(def: ObjectDef): boolean {
    if (!def.createable) return false;
    if (def.name !== 'Task') return true;
    const assigned = new Set(this.list('PermissionSetAssignment').filter((a) => a.values.AssigneeId === this.apiUserId).map((a) => String(a.values.PermissionSetId)));
    return this.list('PermissionSet').some((p) => assigned.has(String(p.values.Id)) && p.values.PermissionsEditTask === true);
  }

  private checkReferences(def: ObjectDef, values: Values): RecordError | null {
    for (const [name, v] of Object.entries(values)) {
      const f = def.fields.get(name);
      if (f?.type !== 'reference' || v === null) continue;
      const target = this.get(String(v));
      const allowed = f.referenceToAll ?? [f.referenceTo];
      // A polymorphic lookup given a record of a type it does not take (a Task WhoId that is an Account):
      // FIELD_INTEGRITY_EXCEPTION (touchpoints.md §6.1, jsforce/jsforce#1006).
      if (f.referenceToAll && target && target.values.IsDeleted !== true && !allowed.includes(target.type)) {
        const label = def.name === 'Task' && name === 'WhoId' ? 'Contact/Lead ID' : f.label;
        return recordError('FIELD_INTEGRITY_EXCEPTION', `${label}: id value of incorrect type: ${String(v)}`, [name]);
      }
      if (!target || target.values.IsDeleted === true || !allowed.includes(target.type)) {
        return recordError('INVALID_CROSS_REFERENCE_KEY', `${f.label}: id value of incorrect type: ${String(v)}`, [name]);
      }
      // An inactive user cannot own records or tasks (StatusCode INACTIVE_OWNER_OR_USER).
      if (name === 'OwnerId' && target.type === 'User' && target.values.IsActive !== true) {
        return recordError('INACTIVE_OWNER_OR_USER', `operation performed with inactive user [${String(v)}] as owner of ${def.name.toLowerCase()}`, [name]);
      }
    }
    if (def.name === 'FieldPermissions' && typeof values.Field === 'string') {
      // FieldPermissions.Field is a restricted picklist of the org's fields.
      const [objName, fieldName] = values.Field.split('.');
      const obj = objName ? this.schema.get(objName) : undefined;
      if (!obj || !fieldName || !obj.fields.has(fieldName) || values.SobjectType !== objName) {
        return recordError('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `Field Name: bad value for restricted picklist field: ${values.Field}`, ['Field']);
      }
    }
    return null;
  }

  /** Uniqueness rules the connector meets: one membership per campaign and person, one grant per set and field. */
  private checkUnique(def: ObjectDef, values: Values, selfId: string | null): RecordError | null {
    const keys: Record<string, string[][]> = {
      CampaignMember: [['CampaignId', 'ContactId'], ['CampaignId', 'LeadId']],
      FieldPermissions: [['ParentId', 'Field']],
      PermissionSetAssignment: [['AssigneeId', 'PermissionSetId']],
      PermissionSet: [['Name']],
    };
    for (const key of keys[def.name] ?? []) {
      if (key.some((k) => values[k] === null || values[k] === undefined)) continue;
      const clash = this.list(def.name).find((r) => r.values.Id !== selfId && key.every((k) => r.values[k] === values[k]));
      if (!clash) continue;
      if (def.name === 'CampaignMember') return recordError('DUPLICATE_VALUE', 'Already a campaign member.', []);
      return recordError('DUPLICATE_VALUE', `duplicate value found: ${key.join(', ')} duplicates value on record with id: ${String(clash.values.Id)}`, key);
    }
    return null;
  }

  /** What Salesforce derives on save: names, stage flags and history, case closure, member response. */
  private automate(rec: StoredRecord, prev: Values | null): void {
    const v = rec.values;
    const now = v.SystemModstamp as number;
    if ('LastName' in v && 'Name' in v) v.Name = [v.FirstName, v.LastName].filter((x) => typeof x === 'string' && x !== '').join(' ') || null;
    switch (rec.type) {
      case 'Opportunity': {
        const stage = OPPORTUNITY_STAGES.find((s) => s.name === v.StageName);
        const stageChanged = !prev || prev.StageName !== v.StageName;
        if (stage) {
          v.IsClosed = stage.closed;
          v.IsWon = stage.won;
          v.ForecastCategoryName = stage.forecast;
          if (stageChanged && (prev === null ? v.Probability === null : true)) v.Probability = stage.probability;
        }
        if (stageChanged) v.LastStageChangeDate = now;
        if (!prev || stageChanged || prev.Amount !== v.Amount || prev.CloseDate !== v.CloseDate) {
          this.insertRaw('OpportunityHistory', { OpportunityId: v.Id ?? null, StageName: v.StageName ?? null, Amount: v.Amount ?? null, CloseDate: v.CloseDate ?? null, Probability: v.Probability ?? null, CreatedDate: now });
        }
        break;
      }
      case 'Case': {
        if (!prev) v.CaseNumber = String(++this.caseNumber).padStart(8, '0');
        const closed = CASE_STATUSES.find((s) => s.name === v.Status)?.closed ?? false;
        if (closed && !v.IsClosed) v.ClosedDate = now;
        if (!closed) v.ClosedDate = null;
        v.IsClosed = closed;
        break;
      }
      case 'CampaignMember':
        if (v.Status === null) v.Status = 'Sent';
        v.HasResponded = v.Status === 'Responded';
        if (v.HasResponded && v.FirstRespondedDate === null) v.FirstRespondedDate = new Date(now).toISOString().slice(0, 10);
        break;
      case 'Task': {
        // IsClosed follows the TaskStatus master row; CompletedDateTime is stamped when saved closed.
        const closed = this.list('TaskStatus').some((s) => s.values.ApiName === v.Status && s.values.IsClosed === true);
        if (closed && (!prev || prev.IsClosed !== true)) v.CompletedDateTime = now;
        if (!closed) v.CompletedDateTime = null;
        v.IsClosed = closed;
        v.IsHighPriority = this.list('TaskPriority').some((p) => p.values.ApiName === v.Priority && p.values.IsHighPriority === true);
        if (v.TaskSubtype === null) v.TaskSubtype = 'Task';
        if (v.WhatId !== null && v.WhatId !== undefined) {
          const what = this.get(String(v.WhatId));
          v.AccountId = what?.type === 'Account' ? String(what.values.Id) : ((what?.values.AccountId as string | null | undefined) ?? null);
        }
        break;
      }
      case 'EmailMessageRelation': {
        const target = typeof v.RelationId === 'string' ? this.get(v.RelationId) : undefined;
        v.RelationObjectType = target?.type ?? null;
        break;
      }
    }
    if (prev && (rec.type === 'Contact' || rec.type === 'Lead')) this.recordHistory(rec, prev);
  }

  /** Tracked fields of an object: standard ones the org tracks, and custom fields whose metadata says `trackHistory`. */
  trackedFields(object: string): string[] {
    const custom = [...this.customFields.values()].filter((r) => r.object === object && r.metadata.trackHistory === true).map((r) => `${r.developerName}__c`);
    return [...(this.trackedStandard.get(object) ?? []), ...custom];
  }

  /** One `<Object>History` row per tracked field whose value changed, when the object's history is on. */
  private recordHistory(rec: StoredRecord, prev: Values): void {
    if (!this.historyEnabled.has(rec.type)) return;
    const at = rec.values.SystemModstamp as number;
    for (const name of this.trackedFields(rec.type)) {
      const before = prev[name] ?? null;
      const after = rec.values[name] ?? null;
      if (before === after) continue;
      this.insertRaw(`${rec.type}History`, {
        [`${rec.type}Id`]: rec.values.Id as string,
        Field: name,
        DataType: 'Text',
        OldValue: before === null ? null : String(before),
        NewValue: after === null ? null : String(after),
        CreatedDate: at,
        CreatedById: (rec.values.LastModifiedById as string | null) ?? this.apiUserId,
      });
    }
  }

  /** Adds a Tooling-created custom field to the object (hidden from the API user until FLS grants it). */
  defineCustomField(obj: ObjectDef, row: CustomFieldRow, f: FieldDef): void {
    this.customFields.set(row.id, row);
    obj.fields.set(f.name, f);
    for (const rec of this.list(obj.name, true)) if (!(f.name in rec.values)) rec.values[f.name] = f.type === 'boolean' ? false : null;
  }
}

/** A blank record of an object (booleans false, the rest null) and its dateTime fields, cached per field count. */
const shapes = new WeakMap<ObjectDef, { size: number; blank: Values; datetimes: string[] }>();
function shapeOf(def: ObjectDef): { blank: Values; datetimes: string[] } {
  const cached = shapes.get(def);
  if (cached && cached.size === def.fields.size) return cached;
  const blank: Values = {};
  const datetimes: string[] = [];
  for (const f of def.fields.values()) {
    blank[f.name] = f.type === 'boolean' ? false : null;
    if (f.type === 'datetime') datetimes.push(f.name);
  }
  const shape = { size: def.fields.size, blank, datetimes };
  shapes.set(def, shape);
  return shape;
}

export function wholeSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** Converts one JSON/CSV input value to the field's stored form, or the error Salesforce reports. */
export function coerceValue(f: FieldDef, raw: unknown): { value: Value } | { error: RecordError } {
  const bad = (): { error: RecordError } => ({ error: recordError('INVALID_TYPE_ON_FIELD_IN_RECORD', `${f.label}: value not of required type: ${String(raw)}`, [f.name]) });
  if (raw === null || raw === '') return { value: null };
  if (TEXTUAL.includes(f.type)) {
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') return bad();
    let s = String(raw);
    if (f.type === 'reference' || f.type === 'id') {
      const id = normalizeId(s);
      if (!id) return { error: recordError('MALFORMED_ID', `${f.label}: id value of incorrect type: ${s}`, [f.name]) };
      s = id;
    }
    if (f.length > 0 && s.length > f.length) {
      return { error: recordError('STRING_TOO_LONG', `${f.label}: data value too large: ${s.slice(0, 40)}… (max length=${f.length})`, [f.name]) };
    }
    if (f.type === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s)) return { error: recordError('INVALID_EMAIL_ADDRESS', `${f.label}: invalid email address: ${s}`, [f.name]) };
    if ((f.type === 'picklist' || f.type === 'multipicklist') && f.restrictedPicklist && f.picklistValues) {
      const parts = f.type === 'multipicklist' ? s.split(';') : [s];
      const wrong = parts.find((p) => !f.picklistValues!.includes(p));
      if (wrong !== undefined) {
        return { error: recordError('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${f.label}: bad value for restricted picklist field: ${wrong}`, [f.name]) };
      }
    }
    return { value: s };
  }
  if (f.type === 'boolean') {
    if (typeof raw === 'boolean') return { value: raw };
    if (raw === 'true' || raw === 'false') return { value: raw === 'true' };
    return bad();
  }
  if (NUMERIC.includes(f.type)) {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
    if (!Number.isFinite(n) || (f.type === 'int' && !Number.isInteger(n))) return bad();
    return { value: n };
  }
  if (f.type === 'date') {
    if (typeof raw !== 'string') return bad();
    if (isDate(raw)) return { value: raw };
    const ms = parseDateTime(raw);
    return ms === null ? bad() : { value: new Date(ms).toISOString().slice(0, 10) };
  }
  if (f.type === 'datetime') {
    if (typeof raw !== 'string') return bad();
    const ms = parseDateTime(raw) ?? (isDate(raw) ? Date.parse(`${raw}T00:00:00Z`) : null);
    // Stored to the second, like every Salesforce dateTime (see the Org constructor).
    return ms === null ? bad() : { value: wholeSecond(ms) };
  }
  return bad();
}
