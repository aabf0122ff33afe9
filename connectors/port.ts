/**
 * The connector port: the one interface every CRM connector implements.
 *
 * Connectors know nothing of the journey engine, the store or the CLI. They import only this file,
 * `src/model.ts`, `src/errors.ts`, `src/http/` and their SDK. The sync core (src/sync) owns ordering,
 * batching decisions, diffing and per-record bookkeeping; connectors supply small strategies:
 * pull pages, provision fields, write batches, change memberships.
 */
import type { CrmName, CrmRecord, ObjectKind, RecordRef, TouchpointRecord } from '../src/model.ts';

/** Canonical owned fields Parcours writes back. */
export const OWNED_FIELDS = ['stage', 'stageEnteredAt', 'stageReason', 'friction', 'frictionReason', 'segments'] as const;
export type OwnedField = (typeof OWNED_FIELDS)[number];

/** What the compiled mapping needs from each object: normalized vocabulary and raw CRM fields. */
export interface FieldNeeds {
  /** Normalized fields used by rules, per kind (e.g. `lifecycle`, `stageEnteredAt`). */
  normalized: Record<ObjectKind, string[]>;
  /** Raw CRM field names used by rules (`contact.raw.<name>`), per kind. */
  raw: Record<ObjectKind, string[]>;
  /**
   * Admin overrides from the mapping's `fields:` section: normalized field → CRM field name,
   * per kind (e.g. ticket.firstResponseAt → `First_Response_At__c`).
   */
  overrides: Record<ObjectKind, Record<string, string>>;
  /** Owned fields to read back with each record (so the planner knows the CRM's current values). */
  owned: Record<ObjectKind, string[]>;
}

/** Opaque per-object cursor; connectors define its shape and validate it with zod when they read it back. */
export type Cursor = Record<string, unknown>;

export interface PullOptions {
  objects: ObjectKind[];
  fields: FieldNeeds;
  /** `full` reads everything (and reconciles associations and deletions); `incremental` reads changes since the cursor. */
  mode: 'full' | 'incremental';
  /** Last saved cursor per kind (absent: never pulled). */
  cursors: Partial<Record<ObjectKind, Cursor>>;
}

/** Replaces the set of deals/tickets linked to a contact, as seen from the contact's side. */
export interface ContactLinks {
  contactId: string;
  deals?: string[];
  tickets?: string[];
}

export interface PullBatch {
  kind: ObjectKind;
  records: CrmRecord[];
  /** Records that left the CRM (archived, deleted, merged away). */
  removed: RecordRef[];
  /** Association sets read from the contact side (e.g. re-read for contacts that changed). */
  links?: ContactLinks[];
  /** Cursor to save once this batch is stored; undefined = unchanged. */
  cursor?: Cursor;
  /**
   * Set on every batch of a full pass over `kind` (the same `id` for the whole pass, also when a
   * stopped pass resumes in a later run). `complete` on the pass's last batch: every record of `kind`
   * the CRM still shows has then come in a batch of this pass, so the core removes from the mirror
   * whatever the pass did not see (mark and sweep). A pass that stops early never sets it.
   */
  fullPass?: { id: string; complete?: boolean };
  /**
   * Records that became another record (a Salesforce Lead converted into a Contact): the customer's
   * journey continues on `to` (stage ledger, segment history). `from` leaves the mirror with it.
   */
  handovers?: Handover[];
}

/**
 * Touchpoints (issue 13) come through their own method: every interaction and survey answer the CRM
 * holds (HubSpot engagements and feedback submissions; Salesforce Task, Event, EmailMessage,
 * CampaignMember, and survey/chat/messaging objects where the org has them). One opaque cursor covers
 * all the touchpoint objects of a CRM; the connector keeps per-object positions inside it.
 */
export interface TouchpointPullOptions {
  mode: 'full' | 'incremental';
  cursor?: Cursor;
}

export interface TouchpointBatch {
  records: TouchpointRecord[];
  /** Touchpoints that left the CRM (deleted, archived, recycled). `kind` is always `'touchpoint'`. */
  removed: Array<{ objectType: string; id: string }>;
  /** Cursor to save once this batch is stored; undefined = unchanged. */
  cursor?: Cursor;
  /** As `PullBatch.fullPass`: the core sweeps touchpoints a complete full pass did not see. */
  fullPass?: { id: string; complete?: boolean };
}

export interface Handover {
  from: RecordRef;
  to: RecordRef;
  /** When it happened (e.g. the Lead's ConvertedDate), epoch ms. */
  at: number;
}

/**
 * A field the mapping needs that the CRM cannot supply: absent from the object's describe /
 * properties list, or hidden from the integration user (field-level security).
 */
export interface MissingField {
  kind: ObjectKind;
  /** The normalized field (`csat`) or, when `raw`, the CRM field name the rule names. */
  field: string;
  raw: boolean;
  /** CRM field names looked for; empty when the CRM has no standard field for it and the mapping names none. */
  looked: string[];
}

export interface FieldAvailability {
  /** Rule fields nothing in the CRM can fill; the sync core disables the rules that read them. */
  missing: MissingField[];
  /** Parcours's own fields not (yet) in the CRM, as `<object>.<field>`: `setup` creates them. */
  missingOwned: string[];
}

export interface OwnedFieldSpec {
  kind: ObjectKind;
  field: OwnedField;
  /** CRM field name: `parcours_stage`, `Parcours_Stage__c`. */
  name: string;
  label: string;
  type: 'enumeration' | 'multi' | 'datetime' | 'text';
  options?: Array<{ value: string; label: string }>;
}

export interface JourneyFieldSpec {
  group: { name: string; label: string };
  fields: OwnedFieldSpec[];
  /** One HubSpot list / Salesforce campaign per segment. */
  segments: Array<{ id: string; name: string }>;
}

export interface SchemaReport {
  created: string[];
  updated: string[];
  unchanged: string[];
  /** Segment id → CRM list id / campaign id. */
  segmentTargets: Record<string, string>;
  /** What setup found but leaves to the admin (e.g. an existing field of a costlier type), each with its fix. */
  notes?: string[];
}

/** One record's owned-field values to write. Values are CRM-ready strings; `null` clears. */
export interface RecordChange {
  ref: RecordRef;
  values: Record<string, string | null>;
}

export interface RecordFailure {
  ref: RecordRef;
  code: string;
  message: string;
  retryable: boolean;
}

export interface PushReport {
  written: RecordRef[];
  failed: RecordFailure[];
}

export interface MembershipChange {
  segmentId: string;
  /** CRM list id / campaign id from SchemaReport.segmentTargets. */
  targetId: string;
  add: string[];
  remove: string[];
}

/** The members a list / campaign holds in the CRM now, read page by page. */
export interface MembershipRead {
  /** Contact (or Lead) ids. */
  members: string[];
  /** False when the list / campaign no longer exists in the CRM (deleted by an admin). */
  exists: boolean;
  /** Calls spent on the read, and the page size it used (for the run summary). */
  calls: number;
  pageSize: number;
}

export interface MembershipReport {
  added: string[];
  removed: string[];
  failed: Array<{ contactId: string; code: string; message: string }>;
}

/**
 * A CRM's API budget at one moment (issue 15), kept per installation in the store between jobs, which may run in
 * different processes. Only recent states are adopted (`BUDGET_FRESH_MS`): an old one says little of a budget that
 * has refilled since, and must not hold a job back on a reserve that is no longer reached.
 */
export interface BudgetState {
  /** Epoch ms of the response it was read from. */
  at: number;
  /** The daily budget: HubSpot's daily limit, Salesforce's rolling 24-hour API request allocation. */
  daily?: { limit: number; remaining: number };
  /** HubSpot's rolling burst window (`X-HubSpot-RateLimit-Max/-Remaining/-Interval-Milliseconds`). */
  window?: { max: number; remaining: number; intervalMs: number };
  /**
   * HubSpot search: when its last calls were answered (epoch ms). Search counts 5 requests/s per account across
   * every client and sends no rate-limit headers, so the next process waits out these itself.
   */
  search?: { ends: number[] };
}

/** How long a budget read in another process is taken over. */
export const BUDGET_FRESH_MS = 15 * 60_000;

/**
 * How long a full run takes a schema read (describe, properties) kept by an earlier run or setup as current
 * instead of reading it again: the first full sync after `setup` is the usual case, and a field removed in
 * between is still caught, by the CRM naming it unknown (the kept read is forgotten and read again).
 */
export const SCHEMA_FRESH_MS = 15 * 60_000;

export interface ApiCallStats {
  total: number;
  byEndpoint: Record<string, number>;
  rateLimited: number;
  /**
   * Attempts that got no HTTP answer (our timeout, a dropped connection); absent when none. A write among them may
   * still reach the CRM later: the retry wrote the same values, but an admin seeing many should look at the network.
   */
  unanswered?: number;
}

/**
 * Follow-up tasks (issue 14). The core decides which tasks exist, when they are opened and closed, and
 * whether a task is still "unedited" (it compares what `readTasks` returns with what it wrote).
 * Connectors only translate: HubSpot tasks v3 (batch create with associations, batch read/update/archive),
 * Salesforce Task through sObject Collections (`WhoId`/`WhatId`). A connector never reads, edits or
 * deletes a task id the core did not hand it.
 */
export const TASK_PRIORITIES = ['low', 'medium', 'high'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/** The task fields Parcours sets, in canonical form (connectors map to `hs_task_*` / Task fields). */
export interface TaskFields {
  subject: string;
  body: string;
  /** `completed`: HubSpot `hs_task_status=COMPLETED`; Salesforce a `TaskStatus` value with `IsClosed`. */
  status: 'open' | 'completed';
  priority: TaskPriority;
  /** Due time, epoch ms (HubSpot `hs_timestamp`; Salesforce `ActivityDate`, a date: compare by day). */
  dueAt: number;
  /** CRM user id: HubSpot owner id, Salesforce User Id. */
  ownerId: string;
}

export interface TaskCreate {
  /** The core's key for this task, echoed back: `<action>:<record kind>:<record id>`. */
  key: string;
  /** The record the task is about (associated on create; Salesforce `WhatId` for deals/tickets). */
  on: RecordRef;
  /** The customer (HubSpot contact association; Salesforce `WhoId`), when known. */
  contactId: string | null;
  fields: TaskFields;
}

export interface TaskWriteFailure {
  /** `key` for creates, task id for updates/deletes. */
  id: string;
  code: string;
  message: string;
  retryable: boolean;
}

export interface CrmTasks {
  /** Batched creates (HubSpot ≤ 100 per call, Salesforce ≤ 200); never all-or-nothing. */
  create(tasks: TaskCreate[]): Promise<{ created: Array<{ key: string; id: string }>; failed: TaskWriteFailure[] }>;
  /** Current fields of the given task ids; an id missing from the map no longer exists (deleted / archived). */
  read(ids: string[]): Promise<Map<string, TaskFields>>;
  /** Batched partial updates (close, re-open). */
  update(updates: Array<{ id: string; fields: Partial<TaskFields> }>): Promise<{ written: string[]; failed: TaskWriteFailure[] }>;
  /** Batched deletes (rollback only). Deleting a task that no longer exists is not an error. */
  remove(ids: string[]): Promise<{ removed: string[]; failed: TaskWriteFailure[] }>;
  /** Reads now, and keeps, what creating tasks needs besides owners (Salesforce: the org's Task status and priority values); `setup` calls it. */
  prepare?(): Promise<void>;
  /** Users tasks can be assigned to (HubSpot owners API; Salesforce active Users). */
  owners(): Promise<Array<{ id: string; email: string | null; name: string | null; active: boolean }>>;
  /** Creates to hand `create` at once (default 1,000): Salesforce takes more, so that one Bulk insert job can pay. */
  readonly createChunk?: number;
}

/** One value a field held on a record, and since when (HubSpot `propertiesWithHistory`, Salesforce `<Object>History`). */
export interface FieldHistoryEntry {
  value: string | null;
  at: number;
  /** Who or what set it, when the CRM says (HubSpot `sourceType`, Salesforce `CreatedById`). */
  source?: string | null;
}

export interface DoctorCheck {
  id: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

/**
 * Schema reads kept across runs and processes (property catalogues, pipelines, describe results): JSON
 * values by name. The sync core backs it with the store; connectors never see the store. `get` checks
 * the value with the given schema (a zod schema fits) and answers undefined when nothing is kept or
 * the kept value no longer parses.
 */
export interface SchemaCache {
  get<T>(name: string, schema: { parse(value: unknown): T }): Promise<T | undefined>;
  set(name: string, value: unknown): Promise<void>;
}

export interface CrmConnector {
  readonly crm: CrmName;
  /**
   * How many changes of one kind the core should hand to one `push` call: a multiple of the CRM's
   * batch size (so every call is full), large enough for bulk APIs to kick in where they exist.
   */
  readonly pushChunk: number;
  /**
   * Which of the fields `needs` asks for the CRM lacks. The schema read behind it is kept in the
   * connector's `SchemaCache` across runs and read again only when `refresh` is set (setup, doctor; full runs
   * with `keptFreshMs`: not when the kept read is younger than that), when `needs` asks for a field the kept
   * read does not settle, or after the CRM named a field unknown (see the connector README for its cost).
   * Once asked, `pull` and `fetchCustomer` never request a field reported here; the sync core asks before every run.
   */
  availableFields(needs: FieldNeeds, options?: { refresh?: boolean; keptFreshMs?: number }): Promise<FieldAvailability>;
  /** Pages of canonical records; the caller stores each batch before asking for the next. */
  pull(options: PullOptions): AsyncIterable<PullBatch>;
  /** Touchpoints (issue 13); absent on a connector that cannot read them. */
  pullTouchpoints?(options: TouchpointPullOptions): AsyncIterable<TouchpointBatch>;
  /**
   * Full runs pull touchpoints before the records: each customer is then complete as its contact arrives, and the
   * core evaluates and writes it back while the rest is read. Worth it where the writes have a budget of their own
   * that the record pull leaves idle (HubSpot: standard calls beside search's 5/s); otherwise touchpoints come after.
   */
  readonly touchpointsFirst?: boolean;
  /** One customer, live: the contact with its deals and tickets (for `explain`). */
  fetchCustomer(contactId: string, fields: FieldNeeds): Promise<CrmRecord[]>;
  /**
   * One customer's touchpoints, live (for `explain --crm`), in any order (the core sorts them).
   * Absent: `explain` shows the touchpoints the last sync stored for the contact, and says so.
   */
  fetchTouchpoints?(contactId: string): Promise<TouchpointRecord[]>;
  /** Idempotent provisioning of owned fields, their options, and one list/campaign per segment. */
  ensureSchema(spec: JourneyFieldSpec): Promise<SchemaReport>;
  /** Current values of owned fields, for rollback and live checks. */
  readCurrent(refs: RecordRef[], fieldNames: string[]): Promise<Map<string, Record<string, string | null>>>;
  /** Batched writes; never all-or-nothing; every record ends written or failed. */
  push(changes: RecordChange[]): Promise<PushReport>;
  /** Segment membership diff. Adding an existing member or removing a non-member is not an error. */
  syncMembership(change: MembershipChange): Promise<MembershipReport>;
  /** The CRM's own id of the account these credentials reach: HubSpot portal (hub) id, Salesforce org id. */
  accountId(): Promise<string>;
  /** The members a segment's list / campaign holds now (full runs repair drift from it). */
  readMembership(targetId: string): Promise<MembershipRead>;
  /** (Re)creates the list / campaign of one segment, e.g. after an admin deleted it; returns its id. */
  ensureSegmentTarget(segment: { id: string; name: string }): Promise<string>;
  /** Preflight checks for `doctor`. */
  doctor(spec: JourneyFieldSpec): Promise<DoctorCheck[]>;
  /** API calls made so far by this connector instance. */
  stats(): ApiCallStats;
  /** The CRM's API budget as this connector last heard it (null before its first response; absent: it hears none). */
  budget?(): BudgetState | null;
  /**
   * Takes over a budget another connector of the same installation heard (possibly in another process), when it is
   * newer than this one's: the daily reserve is then checked before the first call, and the pacer starts from it.
   */
  adoptBudget?(state: BudgetState): void;
  /** Owner follow-up tasks (issue 14); absent on a connector that cannot write tasks. */
  readonly tasks?: CrmTasks;
  /** The history of one owned field on one record, oldest first, as the CRM keeps it (for `explain`). */
  fieldHistory?(ref: RecordRef, fieldName: string): Promise<FieldHistoryEntry[]>;
}
