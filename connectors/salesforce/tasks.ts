/**
 * Follow-up tasks as Salesforce `Task` records through sObject Collections (touchpoints.md §6.1, §8;
 * salesforce.md §3.1):
 * - create `POST /composite/sobjects`, update `PATCH /composite/sobjects`, delete
 *   `DELETE /composite/sobjects?ids=…&allOrNone=false`: ≤ 200 records a call, `allOrNone: false`, one API
 *   request per call, results in request order, per-record `errors[].statusCode`.
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections.htm
 * - Fields: `Subject`, `Description`, `Status`, `Priority`, `ActivityDate` (a date, `YYYY-MM-DD`, UTC),
 *   `OwnerId` (a User), `WhoId` (the Contact or Lead), `WhatId` (the Opportunity or Case), `TaskSubtype: Task`.
 *   A task whose `WhoId` is a Lead cannot also be related to a record through `WhatId` (Salesforce's activity
 *   rules for leads; not in crm-facts, so UNCONFIRMED here): a task on a deal/ticket whose customer is a Lead
 *   keeps only the `WhatId`.
 * - Status and Priority values are the org's (`TaskStatus`, `TaskPriority`, 2 queries, kept in the schema cache for an
 *   hour — `PICKLISTS_FRESH_MS` — and read again after a task write is refused):
 *   completed = the `IsClosed` status (Completed if the org has it), open = the `IsDefault` status; high = the
 *   `IsHighPriority` priority, medium = the `IsDefault` one, low = "Low" (else the last by SortOrder).
 * - Many creates at once (`ingestPays`, as the record pushes decide): one Bulk API 2.0 `insert` job on Task
 *   (create, upload, close, poll, successfulResults for the new ids; failedResults only when the job info counts a
 *   failure: 5 calls, +1). Task has no external id field to carry our keys, but both result files return the columns
 *   we sent next to `sf__Id` / `sf__Error` ("Field data for the row that was provided in the original job data upload
 *   request", in any order, get_job_successful_results:
 *   https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_successful_results.htm), so a
 *   result row is matched back to its input by all its columns (WhoId, WhatId, Subject, Description, ActivityDate,
 *   OwnerId, Priority, Status). Inputs whose columns are identical could not be told apart: those go through
 *   Collections (results in request order), so every id and every failure stays exact.
 * - Read: `SELECT … FROM Task WHERE Id IN (…)`, 300 ids a query; a deleted task is simply missing (`query`,
 *   not `queryAll`). Status reads back from `IsClosed`, priority from `IsHighPriority` and the org's values.
 */
import { z } from 'zod';
import type { CrmTasks, DoctorCheck, SchemaCache, TaskCreate, TaskFields, TaskPriority, TaskWriteFailure } from '../port.ts';
import { ParcoursError } from '../../src/errors.ts';
import type { SalesforceClient } from './client.ts';
import { COLLECTION_SIZE, RETRYABLE_RECORD_CODES, SaveResults, errorOf, type SaveResult } from './push.ts';
import { bulkIngest, ingestPays } from './bulk-ingest.ts';
import { queryRows } from './rest-query.ts';
import { chunk, IDS_PER_QUERY, inList } from './soql.ts';
import { asBool, asText, asTime, type FlatRow } from './translate.ts';
import { readActiveUsers } from './users.ts';

/** Errors that stop the run (cursors saved); anything else fails just the records of the call. */
const STOPPING = new Set(['AUTH_FAILED', 'QUOTA_RESERVE', 'DAILY_LIMIT']);
/** Deleting what is already gone: not an error for `remove`. */
const GONE = new Set(['ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY']);

export const TASK_FIELDS = ['Id', 'Subject', 'Description', 'Status', 'Priority', 'ActivityDate', 'OwnerId', 'IsClosed', 'IsHighPriority'] as const;

export interface TaskPicklists {
  openStatus: string;
  closedStatus: string;
  closedStatuses: Set<string>;
  priority: Record<TaskPriority, string>;
}

const Master = z.object({ ApiName: z.string().nullish(), MasterLabel: z.string().nullish(), IsDefault: z.boolean().nullish(), SortOrder: z.number().nullish() }).loose();

function valueOf(row: z.infer<typeof Master>): string {
  return (row.ApiName ?? row.MasterLabel ?? '') as string;
}

/** The org's task statuses and priorities (2 queries), mapped onto Parcours's open/completed and low/medium/high. */
export async function readTaskPicklists(client: SalesforceClient): Promise<TaskPicklists> {
  // Both queries at once: one Composite call (with the owners read when setup asks for both together).
  const [statusRows, priorityRows] = await Promise.all([
    queryRows(client, 'SELECT ApiName, MasterLabel, IsClosed, IsDefault, SortOrder FROM TaskStatus ORDER BY SortOrder'),
    queryRows(client, 'SELECT ApiName, MasterLabel, IsDefault, IsHighPriority, SortOrder FROM TaskPriority ORDER BY SortOrder'),
  ]);
  const statuses = statusRows.map((r) => ({ ...Master.parse(r), IsClosed: asBool(r.IsClosed) }));
  const priorities = priorityRows.map((r) => ({ ...Master.parse(r), IsHighPriority: asBool(r.IsHighPriority) }));
  const closed = statuses.filter((s) => s.IsClosed);
  const open = statuses.filter((s) => !s.IsClosed);
  if (closed.length === 0 || open.length === 0 || priorities.length === 0) {
    throw new ParcoursError('CRM_ERROR', 'Salesforce lists no closed or no open TaskStatus, or no TaskPriority: tasks cannot be written', { crm: 'salesforce', endpoint: 'soql.query' });
  }
  const closedStatus = valueOf(closed.find((s) => valueOf(s) === 'Completed') ?? (closed[0] as (typeof closed)[number]));
  const openStatus = valueOf(open.find((s) => s.IsDefault === true) ?? (open[0] as (typeof open)[number]));
  const high = priorities.find((p) => p.IsHighPriority) ?? priorities[0];
  const medium = priorities.find((p) => p.IsDefault === true && !p.IsHighPriority) ?? priorities.find((p) => valueOf(p) === 'Normal') ?? priorities[Math.floor(priorities.length / 2)];
  const low = priorities.find((p) => valueOf(p) === 'Low') ?? priorities[priorities.length - 1];
  return {
    openStatus,
    closedStatus,
    closedStatuses: new Set(closed.map(valueOf)),
    priority: { high: valueOf(high!), medium: valueOf(medium!), low: valueOf(low!) },
  };
}

/** `YYYY-MM-DD` of an epoch-ms time in UTC (ActivityDate is a date: midnight UTC, never shifted). */
export function activityDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function taskValues(fields: Partial<TaskFields>, p: TaskPicklists): Record<string, string | null> {
  const v: Record<string, string | null> = {};
  if (fields.subject !== undefined) v.Subject = fields.subject;
  if (fields.body !== undefined) v.Description = fields.body;
  if (fields.status !== undefined) v.Status = fields.status === 'completed' ? p.closedStatus : p.openStatus;
  if (fields.priority !== undefined) v.Priority = p.priority[fields.priority];
  if (fields.dueAt !== undefined) v.ActivityDate = activityDate(fields.dueAt);
  if (fields.ownerId !== undefined) v.OwnerId = fields.ownerId;
  return v;
}

/** Who/What of a task: the customer (Contact or Lead) and the deal or ticket it is about. */
function links(task: TaskCreate): { WhoId?: string; WhatId?: string } {
  if (task.on.kind === 'contact') return { WhoId: task.on.id };
  const who = task.contactId;
  // A Lead (key prefix 00Q) as WhoId cannot carry a WhatId: keep the deal/ticket.
  if (who === null || who.startsWith('00Q')) return { WhatId: task.on.id };
  return { WhoId: who, WhatId: task.on.id };
}

export function taskFromRow(row: FlatRow, p: TaskPicklists): TaskFields {
  const priority = asText(row.Priority);
  return {
    subject: asText(row.Subject) ?? '',
    body: asText(row.Description) ?? '',
    status: asBool(row.IsClosed) || p.closedStatuses.has(asText(row.Status) ?? '') ? 'completed' : 'open',
    priority: asBool(row.IsHighPriority) || priority === p.priority.high ? 'high' : priority === p.priority.low ? 'low' : 'medium',
    dueAt: asTime(row.ActivityDate) ?? 0,
    ownerId: asText(row.OwnerId) ?? '',
  };
}

function failedAll(ids: string[], error: unknown): TaskWriteFailure[] {
  if (error instanceof ParcoursError && !STOPPING.has(error.code)) {
    const retryable = error.code === 'CRM_UNAVAILABLE' || error.code === 'RATE_LIMITED';
    return ids.map((id) => ({ id, code: String(error.context.sfErrorCode ?? error.code), message: error.message, retryable }));
  }
  throw error;
}

function recordFailure(id: string, r: SaveResult | undefined): TaskWriteFailure {
  const { code, message } = r ? errorOf(r) : { code: 'NO_RESULT', message: 'Salesforce returned no result for this record' };
  return { id, code, message, retryable: RETRYABLE_RECORD_CODES.has(code) };
}

async function collection(client: SalesforceClient, method: 'POST' | 'PATCH', records: Array<Record<string, unknown>>): Promise<SaveResult[]> {
  const res = await client.call<unknown>('sobjects.collections', { method, url: '/composite/sobjects', body: { allOrNone: false, records } });
  return SaveResults.parse(res.body);
}

/** The Task fields of one create, as sent by Collections and as CSV columns of an insert job (strings only: no null). */
function taskColumns(t: TaskCreate, p: TaskPicklists): Record<string, string> {
  const v: Record<string, string> = {};
  for (const [k, value] of Object.entries({ ...taskValues(t.fields, p), ...links(t), TaskSubtype: 'Task' })) if (value !== null && value !== undefined) v[k] = value;
  return v;
}

/** What identifies a row of an insert job: every column we sent, in a fixed order (result files echo them). */
function rowKey(columns: readonly string[], row: Record<string, string | null | undefined>): string {
  return JSON.stringify(columns.map((c) => row[c] ?? ''));
}

const KeptPicklists = z.object({
  readAt: z.number(),
  openStatus: z.string(),
  closedStatus: z.string(),
  closedStatuses: z.array(z.string()),
  priority: z.object({ high: z.string(), medium: z.string(), low: z.string() }),
});
const PICKLISTS = 'salesforce.task-picklists';
/** Per-record codes of a refused picklist value (StatusCode enum, SOAP API Developer Guide). */
const PICKLIST_REFUSALS = new Set(['INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'FIELD_INTEGRITY_EXCEPTION']);
/** The org's task statuses and priorities are configuration: kept across runs this long (README, "Follow-up tasks"). */
export const PICKLISTS_FRESH_MS = 60 * 60_000;

/** The kept picklists when younger than PICKLISTS_FRESH_MS, else the 2 queries (kept for the next runs). */
async function keptTaskPicklists(client: SalesforceClient, cache: SchemaCache | undefined, refresh = false): Promise<TaskPicklists> {
  const now = Date.now();
  const kept = refresh ? undefined : await cache?.get(PICKLISTS, KeptPicklists);
  if (kept && kept.readAt <= now && now - kept.readAt < PICKLISTS_FRESH_MS) return { ...kept, closedStatuses: new Set(kept.closedStatuses) };
  const p = await readTaskPicklists(client);
  await cache?.set(PICKLISTS, { readAt: now, openStatus: p.openStatus, closedStatus: p.closedStatus, closedStatuses: [...p.closedStatuses], priority: p.priority } satisfies z.infer<typeof KeptPicklists>);
  return p;
}

/** `cache`: where the org's task picklists are kept across runs (the installation's schema cache). */
export function salesforceTasks(client: SalesforceClient, cache?: SchemaCache): CrmTasks {
  let picklists: Promise<TaskPicklists> | null = null;
  const lists = (): Promise<TaskPicklists> => {
    picklists ??= keptTaskPicklists(client, cache).catch((error: unknown) => {
      picklists = null; // a failed read is tried again next time
      throw error;
    });
    return picklists;
  };
  /** A value the org no longer has ("bad value for restricted picklist field"): the next write reads the picklists again. */
  const distrust = async (failed: readonly TaskWriteFailure[]): Promise<void> => {
    if (!failed.some((f) => PICKLIST_REFUSALS.has(f.code))) return;
    picklists = null;
    await cache?.set(PICKLISTS, null);
  };

  /** Creates through 200-record Collections calls (five travel in one Composite call, composite.ts); results in request order. */
  const createByCollections = async (tasks: TaskCreate[], p: TaskPicklists, out: Awaited<ReturnType<CrmTasks['create']>>): Promise<void> => {
    const parts = chunk(tasks, COLLECTION_SIZE);
    const answers = await Promise.all(parts.map(async (part) => {
      try {
        return { part, results: await collection(client, 'POST', part.map((t) => ({ attributes: { type: 'Task' }, ...taskColumns(t, p) }))), error: null as unknown };
      } catch (error) {
        return { part, results: null, error };
      }
    }));
    for (const { part, results, error } of answers) {
      if (results === null) {
        out.failed.push(...failedAll(part.map((t) => t.key), error));
        continue;
      }
      part.forEach((t, i) => {
        const r = results[i];
        if (r?.success && r.id) out.created.push({ key: t.key, id: r.id });
        else out.failed.push(recordFailure(t.key, r));
      });
    }
  };

  /** One Bulk API 2.0 insert job; result rows matched back to inputs by the columns sent (each input's are unique here). */
  const createByJob = async (tasks: TaskCreate[], p: TaskPicklists, out: Awaited<ReturnType<CrmTasks['create']>>): Promise<void> => {
    const rows = tasks.map((t) => taskColumns(t, p));
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    const keyOf = new Map(tasks.map((t, i) => [rowKey(columns, rows[i] as Record<string, string>), t.key]));
    let outcome;
    try {
      outcome = await bulkIngest(client, 'Task', 'insert', columns, rows, (r) => rowKey(columns, r), { readSuccessful: true });
    } catch (error) {
      out.failed.push(...failedAll(tasks.map((t) => t.key), error));
      return;
    }
    for (const { key, id } of outcome.created) {
      const task = keyOf.get(key);
      if (task !== undefined && id) out.created.push({ key: task, id });
    }
    for (const f of outcome.failed) {
      const task = keyOf.get(f.id);
      if (task !== undefined) out.failed.push({ id: task, code: f.code, message: f.message, retryable: RETRYABLE_RECORD_CODES.has(f.code) });
    }
    for (const k of outcome.unprocessed) {
      const task = keyOf.get(k);
      if (task !== undefined) out.failed.push({ id: task, code: 'BULK_ABORTED', message: 'the Bulk API 2.0 insert job ended before creating this task; the next run creates it', retryable: true });
    }
    for (const k of outcome.aborted?.unknown ?? []) {
      const task = keyOf.get(k);
      // Salesforce may still have created it: the next run may find a duplicate, reported rather than hidden.
      if (task !== undefined) out.failed.push({ id: task, code: 'BULK_OUTCOME_UNKNOWN', message: 'the Bulk API 2.0 insert job was aborted while this task may have been in process', retryable: true });
    }
  };

  return {
    async create(tasks) {
      const out: Awaited<ReturnType<CrmTasks['create']>> = { created: [], failed: [] };
      if (tasks.length === 0) return out;
      const p = await lists();
      if (!ingestPays(client, tasks.length)) {
        await createByCollections(tasks, p, out);
        await distrust(out.failed);
        return out;
      }
      // Inputs with identical columns cannot be told apart in the job's results: those go by Collections.
      const rows = tasks.map((t) => taskColumns(t, p));
      const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
      const keys = rows.map((r) => rowKey(columns, r));
      const seen = new Map<string, number>();
      for (const k of keys) seen.set(k, (seen.get(k) ?? 0) + 1);
      const unique = tasks.filter((_, i) => seen.get(keys[i] as string) === 1);
      const ambiguous = tasks.filter((_, i) => seen.get(keys[i] as string) !== 1);
      await Promise.all([createByJob(unique, p, out), ambiguous.length > 0 ? createByCollections(ambiguous, p, out) : Promise.resolve()]);
      await distrust(out.failed);
      return out;
    },

    async read(ids) {
      const out = new Map<string, TaskFields>();
      const unique = [...new Set(ids)];
      if (unique.length === 0) return out;
      const p = await lists();
      for (const part of chunk(unique, IDS_PER_QUERY)) {
        for (const row of await queryRows(client, `SELECT ${TASK_FIELDS.join(', ')} FROM Task WHERE Id IN ${inList(part)}`)) out.set(String(row.Id), taskFromRow(row, p));
      }
      // Queries return 18-character ids: answer under the ids the caller gave (15 or 18 characters).
      for (const id of unique) {
        if (out.has(id)) continue;
        const long = [...out.keys()].find((k) => k.startsWith(id) && id.length === 15);
        if (long) out.set(id, out.get(long) as TaskFields);
      }
      return out;
    },

    async update(updates) {
      const out: Awaited<ReturnType<CrmTasks['update']>> = { written: [], failed: [] };
      const merged = new Map<string, Partial<TaskFields>>();
      for (const u of updates) merged.set(u.id, { ...merged.get(u.id), ...u.fields });
      if (merged.size === 0) return out;
      const p = await lists();
      const parts = chunk([...merged], COLLECTION_SIZE);
      const answers = await Promise.all(parts.map(async (part) => {
        try {
          return { part, results: await collection(client, 'PATCH', part.map(([id, fields]) => ({ attributes: { type: 'Task' }, id, ...taskValues(fields, p) }))), error: null as unknown };
        } catch (error) {
          return { part, results: null, error };
        }
      }));
      for (const { part, results, error } of answers) {
        if (results === null) {
          out.failed.push(...failedAll(part.map(([id]) => id), error));
          continue;
        }
        part.forEach(([id], i) => {
          const r = results[i];
          if (r?.success) out.written.push(id);
          else out.failed.push(recordFailure(id, r));
        });
      }
      await distrust(out.failed);
      return out;
    },

    async remove(ids) {
      const out: Awaited<ReturnType<CrmTasks['remove']>> = { removed: [], failed: [] };
      for (const part of chunk([...new Set(ids)], COLLECTION_SIZE)) {
        let results: SaveResult[];
        try {
          const res = await client.call<unknown>('sobjects.collections', { method: 'DELETE', url: `/composite/sobjects?ids=${part.map(encodeURIComponent).join(',')}&allOrNone=false` });
          results = SaveResults.parse(res.body);
        } catch (error) {
          out.failed.push(...failedAll(part, error));
          continue;
        }
        part.forEach((id, i) => {
          const r = results[i];
          if (r?.success || (r && GONE.has(errorOf(r).code))) out.removed.push(id);
          else out.failed.push(recordFailure(id, r));
        });
      }
      return out;
    },

    // As many creates at once as one insert job takes (the record pushes' `pushChunk`): ingestPays decides per call.
    createChunk: Math.max(100_000, Math.ceil((client.config.bulkThreshold * 5) / 200) * 200),

    async prepare() {
      const fresh = keptTaskPicklists(client, cache, true);
      picklists = fresh.catch((error: unknown) => {
        picklists = null;
        throw error;
      });
      await fresh;
    },

    // No picklist read is started here for later: one nobody waits for can outlive the run (the picklists are
    // kept across runs, and `setup` reads both side by side through `prepare`).
    owners: () => readActiveUsers(client),
  };
}

const TaskDescribe = z.object({ createable: z.boolean(), fields: z.array(z.object({ name: z.string(), createable: z.boolean().optional(), updateable: z.boolean().optional() }).loose()) }).loose();

/**
 * Doctor: can the integration user create tasks and give them to other users? `GET /sobjects/Task/describe`
 * (1 call): the object `createable` (the user permission "Edit Tasks", PermissionSet `PermissionsEditTask`)
 * and `OwnerId`, `WhoId`, `WhatId`, `Status` createable (field-level access).
 */
export async function taskChecks(client: SalesforceClient): Promise<DoctorCheck[]> {
  const id = 'salesforce.tasks';
  const fix = 'Give the integration user the "Edit Tasks" user permission (its profile or a permission set assigned to it) and access to the Task fields Subject, Description, Status, Priority, ActivityDate, OwnerId, WhoId and WhatId, so Parcours can create follow-up tasks and assign them to record owners.';
  try {
    const res = await client.call<unknown>('metadata', { method: 'GET', url: '/sobjects/Task/describe' });
    const d = TaskDescribe.parse(res.body);
    if (!d.createable) return [{ id, ok: false, detail: 'The integration user cannot create Task records (describe: createable false).', fix }];
    const fields = new Map(d.fields.map((f) => [f.name, f]));
    const blocked = ['Subject', 'Description', 'Status', 'Priority', 'ActivityDate', 'OwnerId', 'WhoId', 'WhatId'].filter((n) => fields.get(n)?.createable !== true);
    if (blocked.length > 0) return [{ id, ok: false, detail: `Task fields not writable by the integration user: ${blocked.join(', ')}${blocked.includes('OwnerId') ? ' (tasks could not be assigned to record owners)' : ''}.`, fix }];
    return [{ id, ok: true, detail: 'The integration user can create tasks and assign them (Task createable, OwnerId/WhoId/WhatId writable).' }];
  } catch (error) {
    const detail = error instanceof ParcoursError ? `${error.code}: ${error.message}` : String(error);
    return [{ id, ok: false, detail, fix }];
  }
}
