/**
 * Follow-up tasks through HubSpot's tasks v3 object (touchpoints.md §5):
 * https://developers.hubspot.com/docs/api-reference/latest/crm/activities/tasks/guide
 *
 * - Create: `POST /crm/v3/objects/tasks/batch/create`, ≤ 100 inputs, each with its associations on create
 *   (HUBSPOT_DEFINED task → contact 204, → deal 216, → ticket 230) and a unique `objectWriteTraceId`:
 *   HubSpot then answers 207 naming each failed input by trace id and creates the rest, and echoes the
 *   trace id on every created result (SDK `SimplePublicObject.objectWriteTraceId`), which is how a new
 *   task id is tied back to its key (https://developers.hubspot.com/docs/api-reference/error-handling,
 *   "Multi-status errors"). A 400 for the whole batch (a portal ignoring trace ids) is split in halves.
 * - Read: `POST …/tasks/batch/read` (≤ 100); an archived or deleted task is missing (207 OBJECT_NOT_FOUND).
 * - Update: `POST …/tasks/batch/update` (≤ 100, trace ids as for create; 200 or 207).
 * - Remove: `POST …/tasks/batch/archive` (≤ 100) → 204; archiving what is gone is not an error.
 * Properties: `hs_task_subject`, `hs_task_body`, `hs_task_status` (NOT_STARTED / COMPLETED), `hs_task_priority`
 * (LOW / MEDIUM / HIGH), `hs_timestamp` (the due time, required), `hubspot_owner_id`, `hs_task_type` TODO on create.
 * Scope: `crm.objects.contacts.write` (the guide's scope for tasks).
 */
import { randomBytes } from 'node:crypto';
import type { CrmTasks, TaskCreate, TaskFields, TaskPriority, TaskWriteFailure } from '../../connectors/port.ts';
import { ParcoursError } from '../../src/errors.ts';
import type { ObjectKind } from '../../src/model.ts';
import { readOwners } from './owners.ts';
import { hubspotPaths } from './paths.ts';
import { RETRYABLE_CATEGORIES } from './push.ts';
import { anyBodySchema, batchObjectsSchema, type BatchError } from './schemas.ts';
import { parseTime } from './translate.ts';
import type { HubspotTransport } from './transport.ts';

export const TASK_BATCH_MAX = 100;
const TASKS = 'tasks';

/** HUBSPOT_DEFINED association type ids from a task (touchpoints.md §1.3, §5). */
export const TASK_ASSOCIATION_TYPE: Record<ObjectKind, number> = { contact: 204, deal: 216, ticket: 230 };

export const TASK_PROPERTIES = ['hs_task_subject', 'hs_task_body', 'hs_task_status', 'hs_task_priority', 'hs_timestamp', 'hubspot_owner_id'] as const;

const PRIORITY_OUT: Record<TaskPriority, string> = { low: 'LOW', medium: 'MEDIUM', high: 'HIGH' };
const PRIORITY_IN: Record<string, TaskPriority> = { LOW: 'low', MEDIUM: 'medium', HIGH: 'high' };

/** Canonical fields → task properties (only those given). */
export function taskProperties(fields: Partial<TaskFields>): Record<string, string> {
  const p: Record<string, string> = {};
  if (fields.subject !== undefined) p.hs_task_subject = fields.subject;
  if (fields.body !== undefined) p.hs_task_body = fields.body;
  if (fields.status !== undefined) p.hs_task_status = fields.status === 'completed' ? 'COMPLETED' : 'NOT_STARTED';
  if (fields.priority !== undefined) p.hs_task_priority = PRIORITY_OUT[fields.priority];
  if (fields.dueAt !== undefined) p.hs_timestamp = new Date(fields.dueAt).toISOString();
  if (fields.ownerId !== undefined) p.hubspot_owner_id = fields.ownerId;
  return p;
}

/**
 * Task properties → canonical fields. Any status but COMPLETED is open (IN_PROGRESS, WAITING…: a rep who
 * moved it on has still not finished it); a priority outside LOW/MEDIUM/HIGH (NONE, cleared) reads as low.
 */
export function taskFields(props: Record<string, string | null>): TaskFields {
  return {
    subject: props.hs_task_subject ?? '',
    body: props.hs_task_body ?? '',
    status: props.hs_task_status === 'COMPLETED' ? 'completed' : 'open',
    priority: PRIORITY_IN[props.hs_task_priority ?? ''] ?? 'low',
    dueAt: parseTime(props.hs_timestamp) ?? 0,
    ownerId: props.hubspot_owner_id ?? '',
  };
}

interface Association {
  to: { id: string };
  types: Array<{ associationCategory: 'HUBSPOT_DEFINED'; associationTypeId: number }>;
}

function associationsOf(task: TaskCreate): Association[] {
  const links = new Map<string, Association>();
  const add = (kind: ObjectKind, id: string): void => {
    links.set(`${kind}:${id}`, { to: { id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: TASK_ASSOCIATION_TYPE[kind] }] });
  };
  add(task.on.kind, task.on.id);
  if (task.contactId !== null) add('contact', task.contactId);
  return [...links.values()];
}

function failure(id: string, error: BatchError | undefined, fallback: string): TaskWriteFailure {
  const code = error?.category ?? 'UNKNOWN';
  return { id, code, message: error?.message ?? fallback, retryable: RETRYABLE_CATEGORIES.has(code) };
}

/** Transport failures after its own retries: transient ones are retryable per task; auth/quota stop the run. */
function transportFailures(ids: string[], error: unknown): TaskWriteFailure[] {
  if (error instanceof ParcoursError && (error.code === 'CRM_UNAVAILABLE' || error.code === 'CRM_ERROR' || error.code === 'RATE_LIMITED')) {
    return ids.map((id) => ({ id, code: error.code, message: error.message, retryable: true }));
  }
  throw error;
}

function isWholeBatchRejection(error: unknown): error is ParcoursError {
  return error instanceof ParcoursError && (error.code === 'CRM_VALIDATION' || error.code === 'NOT_FOUND');
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type CreateResult = Awaited<ReturnType<CrmTasks['create']>>;

async function createBatch(t: HubspotTransport, batch: TaskCreate[]): Promise<CreateResult> {
  const nonce = randomBytes(4).toString('hex');
  const byTrace = new Map(batch.map((task, i) => [`${nonce}-${i}`, task]));
  try {
    const body = await t.data({
      endpoint: 'objects.tasks.batch.create',
      method: 'POST',
      path: hubspotPaths.batchCreate(TASKS),
      body: {
        inputs: [...byTrace].map(([trace, task]) => ({
          properties: { ...taskProperties(task.fields), hs_task_type: 'TODO' },
          associations: associationsOf(task),
          objectWriteTraceId: trace,
        })),
      },
      schema: batchObjectsSchema,
    });
    const out: CreateResult = { created: [], failed: [] };
    const done = new Set<string>();
    for (const r of body.results) {
      const trace = typeof r.objectWriteTraceId === 'string' ? r.objectWriteTraceId : undefined;
      const task = trace !== undefined ? byTrace.get(trace) : batch.length === 1 ? batch[0] : undefined;
      if (!task) continue;
      done.add(task.key);
      out.created.push({ key: task.key, id: r.id });
    }
    for (const error of body.errors ?? []) {
      for (const trace of error.context?.objectWriteTraceId ?? []) {
        const task = byTrace.get(trace);
        if (!task || done.has(task.key)) continue;
        done.add(task.key);
        out.failed.push(failure(task.key, error, 'HubSpot refused the task'));
      }
    }
    // Neither a result nor an error names it: it may exist without its id known, so a retry could duplicate it.
    for (const task of batch) {
      if (!done.has(task.key)) out.failed.push({ id: task.key, code: 'UNATTRIBUTED', message: 'HubSpot answered without naming this task (no objectWriteTraceId in results or errors)', retryable: false });
    }
    return out;
  } catch (error) {
    if (isWholeBatchRejection(error)) {
      if (batch.length > 1) {
        const mid = Math.ceil(batch.length / 2);
        const [a, b] = [await createBatch(t, batch.slice(0, mid)), await createBatch(t, batch.slice(mid))];
        return { created: [...a.created, ...b.created], failed: [...a.failed, ...b.failed] };
      }
      const only = batch[0] as TaskCreate;
      const details = Array.isArray(error.context.errors) && error.context.errors.length > 0 ? `: ${error.context.errors.join('; ')}` : '';
      return { created: [], failed: [{ id: only.key, code: typeof error.context.category === 'string' ? error.context.category : error.code, message: `${error.message}${details}`, retryable: false }] };
    }
    return { created: [], failed: transportFailures(batch.map((task) => task.key), error) };
  }
}

type UpdateResult = Awaited<ReturnType<CrmTasks['update']>>;

async function updateBatch(t: HubspotTransport, batch: Array<{ id: string; fields: Partial<TaskFields> }>): Promise<UpdateResult> {
  const nonce = randomBytes(4).toString('hex');
  const byTrace = new Map(batch.map((u) => [`${nonce}-${u.id}`, u.id]));
  try {
    const body = await t.data({
      endpoint: 'objects.tasks.batch.update',
      method: 'POST',
      path: hubspotPaths.batchUpdate(TASKS),
      body: { inputs: batch.map((u) => ({ id: u.id, objectWriteTraceId: `${nonce}-${u.id}`, properties: taskProperties(u.fields) })) },
      schema: batchObjectsSchema,
    });
    const failed = new Map<string, TaskWriteFailure>();
    for (const error of body.errors ?? []) {
      const ids = [...(error.context?.objectWriteTraceId ?? []).map((trace) => byTrace.get(trace)), ...(error.context?.ids ?? [])];
      for (const id of ids) if (id !== undefined) failed.set(id, failure(id, error, 'HubSpot refused the update'));
    }
    const returned = new Set(body.results.map((r) => r.id));
    const out: UpdateResult = { written: [], failed: [] };
    for (const u of batch) {
      const f = failed.get(u.id);
      if (f) out.failed.push(f);
      else if (returned.has(u.id)) out.written.push(u.id);
      else out.failed.push({ id: u.id, code: 'UNATTRIBUTED', message: 'HubSpot did not return this task as updated', retryable: true });
    }
    return out;
  } catch (error) {
    if (isWholeBatchRejection(error)) {
      if (batch.length > 1) {
        const mid = Math.ceil(batch.length / 2);
        const [a, b] = [await updateBatch(t, batch.slice(0, mid)), await updateBatch(t, batch.slice(mid))];
        return { written: [...a.written, ...b.written], failed: [...a.failed, ...b.failed] };
      }
      const only = batch[0] as { id: string };
      return { written: [], failed: [{ id: only.id, code: typeof error.context.category === 'string' ? error.context.category : error.code, message: error.message, retryable: false }] };
    }
    return { written: [], failed: transportFailures(batch.map((u) => u.id), error) };
  }
}

export function hubspotTasks(t: HubspotTransport): CrmTasks {
  return {
    async create(tasks) {
      const out: CreateResult = { created: [], failed: [] };
      for (const batch of chunks(tasks, TASK_BATCH_MAX)) {
        const r = await createBatch(t, batch);
        out.created.push(...r.created);
        out.failed.push(...r.failed);
      }
      return out;
    },

    async read(ids) {
      const out = new Map<string, TaskFields>();
      for (const batch of chunks([...new Set(ids)], TASK_BATCH_MAX)) {
        const body = await t.data({
          endpoint: 'objects.tasks.batch.read',
          method: 'POST',
          path: hubspotPaths.batchRead(TASKS),
          body: { properties: [...TASK_PROPERTIES], propertiesWithHistory: [], inputs: batch.map((id) => ({ id })) },
          schema: batchObjectsSchema,
        });
        for (const r of body.results) if (r.archived !== true) out.set(r.id, taskFields(r.properties));
      }
      return out;
    },

    async update(updates) {
      // HubSpot refuses duplicate ids in one batch: later fields win.
      const merged = new Map<string, Partial<TaskFields>>();
      for (const u of updates) merged.set(u.id, { ...merged.get(u.id), ...u.fields });
      const out: UpdateResult = { written: [], failed: [] };
      for (const batch of chunks([...merged].map(([id, fields]) => ({ id, fields })), TASK_BATCH_MAX)) {
        const r = await updateBatch(t, batch);
        out.written.push(...r.written);
        out.failed.push(...r.failed);
      }
      return out;
    },

    async remove(ids) {
      const out: Awaited<ReturnType<CrmTasks['remove']>> = { removed: [], failed: [] };
      for (const batch of chunks([...new Set(ids)], TASK_BATCH_MAX)) {
        try {
          await t.data({ endpoint: 'objects.tasks.batch.archive', method: 'POST', path: hubspotPaths.batchArchive(TASKS), body: { inputs: batch.map((id) => ({ id })) }, schema: anyBodySchema });
          out.removed.push(...batch);
        } catch (error) {
          out.failed.push(...transportFailures(batch, error));
        }
      }
      return out;
    },

    owners: () => readOwners(t),
  };
}
