/**
 * Follow-up tasks (issue 14): after a run has evaluated every customer, open the tasks the mapping's
 * `actions:` want and close the ones whose problem cleared.
 *
 * - One open task per (action, record): a key with an open episode in the store gets nothing new.
 * - A problem that cleared, with `close_when_cleared`: the task is read back and completed only if it is
 *   still open and unedited (the CRM shows exactly what Parcours wrote); an edited task is left to its
 *   owner and said so; a deleted one just ends the episode.
 * - Only task ids from the store are ever read, edited or closed: a task Parcours did not create is
 *   never touched.
 * - Creates are handed to the connector in chunks (it batches them, ≤ 100 HubSpot / ≤ 200 Salesforce,
 *   through the same pacer as every other call); a failed create is reported and, the key still having
 *   no open episode, tried again by the next run.
 */
import type { CrmConnector, CrmTasks, SchemaCache, TaskCreate, TaskFields } from '../../connectors/port.ts';
import type { DesiredTask } from '../journey/actions.ts';
import { DAY_MS, type ObjectKind } from '../model.ts';
import type { ActionDef } from '../mapping/ast.ts';
import type { NewTaskEpisode, Store, TaskEpisode } from '../store/index.ts';
import { refreshRoster, rosterFor, type Roster } from './owner-roster.ts';

/** One task in a plan or a report line. */
export interface TaskLine {
  key: string;
  action: string;
  on: { kind: ObjectKind; id: string };
  ownerId: string | null;
  dueAt: number;
  subject: string;
  taskId?: string;
}

export interface TaskSummary {
  created: number;
  completed: number;
  /** Open tasks kept as they are: their problem still holds. */
  held: number;
  /** The problem cleared but the task was edited by a person (or `close_when_cleared` is off): left open. */
  leftOpen: Array<{ key: string; taskId: string; why: string }>;
  /** Found completed by a person when the problem cleared. */
  doneByOwner: number;
  /** Deleted in the CRM: the episode just ends. */
  gone: number;
  /** Wanted, but nobody to assign them to: reported, not created. */
  unassignable: Array<{ key: string; why: string }>;
  failed: Array<{ key: string; object: ObjectKind; id: string; code: string; message: string }>;
  /** Dry runs: what the run would create and close (closing still depends on the task being unedited then). */
  toCreate?: TaskLine[];
  toClose?: TaskLine[];
  /** Set when the mapping has actions but the connector cannot write tasks. */
  unsupported?: string;
}

export interface TaskSyncOptions {
  connector: CrmConnector;
  store: Store;
  installation: string;
  runId: number;
  actions: readonly ActionDef[];
  /** Every task the evaluation wants open, by key (the first customer citing a shared record wins). */
  desired: ReadonlyMap<string, DesiredTask>;
  now: number;
  dryRun: boolean;
  /** Where the owner roster is kept across runs (the store); without it every run with creates reads it. */
  cache?: SchemaCache;
  /** Creates handed to the connector per call; it splits them into the CRM's batches. */
  chunk?: number;
  /** The open episodes, read ahead (`readOpenEpisodes`) by a caller in whose run nothing else changes them. */
  open?: OpenEpisodes;
}

const READ_CHUNK = 100;

export function emptyTaskSummary(): TaskSummary {
  return { created: 0, completed: 0, held: 0, leftOpen: [], doneByOwner: 0, gone: 0, unassignable: [], failed: [] };
}

export function episodeKey(e: Pick<TaskEpisode, 'action' | 'kind' | 'recordId'>): string {
  return `${e.action}:${e.kind}:${e.recordId}`;
}

/** The open episodes with their keys (several episodes of one key are all kept: each is closed when cleared). */
export interface OpenEpisodes {
  episodes: Array<{ key: string; episode: TaskEpisode }>;
  byKey: Map<string, TaskEpisode>;
}

export function indexEpisodes(open: readonly TaskEpisode[]): OpenEpisodes {
  const episodes = open.map((episode) => ({ key: episodeKey(episode), episode }));
  return { episodes, byKey: new Map(episodes.map((e) => [e.key, e.episode])) };
}

/**
 * The open episodes, read a page at a time with the event loop handed back in between (on SQLite a read is one
 * synchronous step), and indexed: a run does this while its pull waits on the CRM, instead of after it.
 */
export async function readOpenEpisodes(store: Store, installation: string, pageSize = 500, ahead?: { stopped: boolean }): Promise<OpenEpisodes | undefined> {
  const out: TaskEpisode[] = [];
  for (;;) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    // The caller no longer waits for it (it reads what it needs itself).
    if (ahead?.stopped) return undefined;
    const page = await store.openTaskEpisodesOf(installation, { limit: pageSize, ...(out.length ? { afterId: (out.at(-1) as TaskEpisode).id } : {}) });
    out.push(...page);
    if (page.length < pageSize) return indexEpisodes(out);
  }
}

export async function syncTasks(o: TaskSyncOptions): Promise<TaskSummary | undefined> {
  const open = o.open ?? indexEpisodes(await o.store.openTaskEpisodesOf(o.installation));
  if (o.actions.length === 0 && open.episodes.length === 0) return undefined;
  const summary = emptyTaskSummary();
  const tasks = o.connector.tasks;
  if (!tasks) {
    summary.unsupported = `the ${o.connector.crm} connector cannot write tasks: actions skipped`;
    return summary;
  }
  const actions = new Map(o.actions.map((a) => [a.id, a]));
  const openByKey = open.byKey;

  const wanted: DesiredTask[] = [];
  for (const [key, t] of o.desired) {
    if (openByKey.has(key)) summary.held++;
    else if (t.owner.id === null) summary.unassignable.push({ key, why: t.owner.why });
    else wanted.push(t);
  }
  // Episodes of an action no longer in the mapping are left as they are: nothing says how to close them.
  const cleared = open.episodes.filter(({ key, episode }) => actions.has(episode.action) && !o.desired.has(key)).map((e) => e.episode);

  const roster = wanted.length > 0 ? await rosterFor(tasks, o.cache, wanted) : null;
  const creates = assignAll(wanted, roster, summary);

  if (o.dryRun) {
    summary.toCreate = creates.map(({ task, create }) => ({ key: task.key, action: task.action, on: { kind: task.on.kind, id: task.on.id }, ownerId: create.fields.ownerId, dueAt: task.dueAt, subject: task.subject }));
    summary.toClose = cleared
      .filter((e) => actions.get(e.action)?.closeWhenCleared)
      .map((e) => ({ key: episodeKey(e), action: e.action, on: { kind: e.kind, id: e.recordId }, ownerId: e.fields.ownerId, dueAt: e.fields.dueAt, subject: e.fields.subject, taskId: e.taskId }));
    return summary;
  }

  let failures = await createTasks(o, tasks, creates, summary);
  if (failures.length > 0 && roster !== null && !roster.fresh) {
    // Assigned from a kept roster: an owner may have left since. Read it again and try the failed creates
    // once more where the assignment changes (owner-roster.ts); one nobody can take now is unassignable.
    const failed = new Set(failures.map((f) => f.key));
    const retry = creates.filter((c) => failed.has(c.create.key));
    const ownerBefore = new Map(retry.map((c) => [c.create.key, c.create.fields.ownerId]));
    const reassigned = assignAll(retry.map((c) => c.task), await refreshRoster(tasks, o.cache, wanted), summary);
    const unchanged = new Set(reassigned.filter((c) => c.create.fields.ownerId === ownerBefore.get(c.create.key)).map((c) => c.create.key));
    const again = reassigned.filter((c) => !unchanged.has(c.create.key));
    failures = [...failures.filter((f) => unchanged.has(f.key)), ...(again.length > 0 ? await createTasks(o, tasks, again, summary) : [])];
  }
  await reportFailures(o, failures, summary);
  await closeCleared(o, tasks, cleared, actions, summary);
  return summary;
}

/** Creates the tasks and opens their episodes; returns the failed creates (reported by the caller). */
async function createTasks(o: TaskSyncOptions, tasks: CrmTasks, creates: Array<{ task: DesiredTask; create: TaskCreate }>, summary: TaskSummary): Promise<TaskSummary['failed']> {
  const out: TaskSummary['failed'] = [];
  // 1,000 a create (five 200-record Collections calls, one Salesforce Composite call), or what the connector takes.
  const chunk = o.chunk ?? tasks.createChunk ?? 1000;
  for (let i = 0; i < creates.length; i += chunk) {
    const part = creates.slice(i, i + chunk);
    const byKey = new Map(part.map((c) => [c.create.key, c]));
    const result = await tasks.create(part.map((c) => c.create));
    const episodes: NewTaskEpisode[] = [];
    for (const { key, id } of result.created) {
      const c = byKey.get(key);
      if (!c) continue;
      byKey.delete(key);
      episodes.push({ action: c.task.action, kind: c.task.on.kind, recordId: c.task.on.id, contactId: c.task.contactId, flag: c.task.flag, taskId: id, fields: c.create.fields });
    }
    await o.store.openTaskEpisodes(o.installation, o.runId, o.now, episodes);
    summary.created += episodes.length;
    for (const f of result.failed) {
      const c = byKey.get(f.id);
      if (c) out.push({ key: f.id, object: c.task.on.kind, id: c.task.on.id, code: f.code, message: `task ${c.task.action}: ${f.message}` });
    }
  }
  return out;
}

/** Each wanted task with its owner from the roster (or as the evaluation named it when none was read); the unassignable reported. */
function assignAll(wanted: readonly DesiredTask[], roster: Roster | null, summary: TaskSummary): Array<{ task: DesiredTask; create: TaskCreate }> {
  const creates: Array<{ task: DesiredTask; create: TaskCreate }> = [];
  for (const t of wanted) {
    const owner = roster ? assign(t, roster) : { id: (t.owner as { id: string }).id };
    if (owner.id === null) {
      summary.unassignable.push({ key: t.key, why: owner.why });
      continue;
    }
    const fields: TaskFields = { subject: t.subject, body: t.body, status: 'open', priority: t.priority, dueAt: t.dueAt, ownerId: owner.id };
    creates.push({ task: t, create: { key: t.key, on: t.on, contactId: t.contactId, fields } });
  }
  return creates;
}

async function closeCleared(o: TaskSyncOptions, tasks: CrmTasks, cleared: TaskEpisode[], actions: Map<string, ActionDef>, summary: TaskSummary): Promise<void> {
  const toCheck: TaskEpisode[] = [];
  for (const e of cleared) {
    if (actions.get(e.action)?.closeWhenCleared) toCheck.push(e);
    else {
      // Not Parcours's to close: the episode ends, the task stays with its owner.
      await o.store.endTaskEpisode(e, 'left_open', o.runId, o.now, 'close_when_cleared is off');
      summary.leftOpen.push({ key: episodeKey(e), taskId: e.taskId, why: 'close_when_cleared is off' });
    }
  }
  for (let i = 0; i < toCheck.length; i += READ_CHUNK) {
    const part = toCheck.slice(i, i + READ_CHUNK);
    const live = await tasks.read(part.map((e) => e.taskId));
    const complete: TaskEpisode[] = [];
    for (const e of part) {
      const cur = live.get(e.taskId);
      if (!cur) {
        await o.store.endTaskEpisode(e, 'gone', o.runId, o.now, 'deleted in the CRM');
        summary.gone++;
      } else if (cur.status === 'completed') {
        await o.store.endTaskEpisode(e, 'done_by_owner', o.runId, o.now, null);
        summary.doneByOwner++;
      } else {
        const edited = editedFields(cur, e.fields);
        if (edited.length > 0) {
          const why = `edited in the CRM (${edited.join(', ')}): left open for its owner`;
          await o.store.endTaskEpisode(e, 'left_open', o.runId, o.now, why);
          summary.leftOpen.push({ key: episodeKey(e), taskId: e.taskId, why });
        } else complete.push(e);
      }
    }
    if (complete.length === 0) continue;
    const result = await tasks.update(complete.map((e) => ({ id: e.taskId, fields: { status: 'completed' } })));
    const written = new Set(result.written);
    for (const e of complete) {
      if (!written.has(e.taskId)) continue;
      await o.store.endTaskEpisode(e, 'completed', o.runId, o.now, null, { op: 'complete', after: { ...e.fields, status: 'completed' } });
      summary.completed++;
    }
    const byTask = new Map(complete.map((e) => [e.taskId, e]));
    // A failed close leaves the episode open: the next run reads the task and tries again.
    await reportFailures(
      o,
      result.failed.flatMap((f) => {
        const e = byTask.get(f.id);
        return e ? [{ key: episodeKey(e), object: e.kind, id: e.recordId, code: f.code, message: `task ${e.action} (${e.taskId}) not completed: ${f.message}` }] : [];
      }),
      summary,
    );
  }
}

async function reportFailures(o: TaskSyncOptions, failures: TaskSummary['failed'], summary: TaskSummary): Promise<void> {
  if (failures.length === 0) return;
  summary.failed.push(...failures);
  await o.store.recordFailures(o.installation, o.runId, failures.map((f) => ({ kind: f.object, id: f.id, code: f.code, message: f.message })));
}

/**
 * The fields a person changed on a task since Parcours last wrote it (status aside). Due dates compare
 * by UTC day (Salesforce `ActivityDate` is a date); text ignores line-ending and edge-whitespace changes
 * the CRMs make on storage.
 */
export function editedFields(live: TaskFields, wrote: TaskFields): Array<keyof TaskFields> {
  const out: Array<keyof TaskFields> = [];
  const text = (s: string): string => s.replace(/\r\n/g, '\n').trim();
  if (text(live.subject) !== text(wrote.subject)) out.push('subject');
  if (text(live.body) !== text(wrote.body)) out.push('body');
  if (live.priority !== wrote.priority) out.push('priority');
  if (live.ownerId !== wrote.ownerId) out.push('ownerId');
  if (Math.floor(live.dueAt / DAY_MS) !== Math.floor(wrote.dueAt / DAY_MS)) out.push('dueAt');
  return out;
}

/** True when the CRM shows the task exactly as Parcours left it, status included. */
export function untouched(live: TaskFields, wrote: TaskFields): boolean {
  return live.status === wrote.status && editedFields(live, wrote).length === 0;
}

/** The record's owner when the CRM lists it as an active user, else the fallback owner (by id or email), else why nobody. */
function assign(t: DesiredTask, dir: Roster): { id: string } | { id: null; why: string } {
  const owner = t.owner as { id: string; via: string };
  const resolve = (ref: string): string | null => (ref.includes('@') ? (dir.byEmail.get(ref.toLowerCase()) ?? null) : dir.byId.get(ref) ? ref : null);
  if (owner.via !== 'fallback_owner') {
    if (dir.byId.get(owner.id)) return { id: owner.id };
    const problem = dir.byId.has(owner.id) ? `owner ${owner.id} (${owner.via}) is inactive` : `owner ${owner.id} (${owner.via}) is not a user the CRM lists`;
    if (t.fallback === null) return { id: null, why: `${problem}, and the action has no fallback_owner` };
    const id = resolve(t.fallback);
    return id ? { id } : { id: null, why: `${problem}, and fallback_owner ${t.fallback} is no active user` };
  }
  const id = resolve(owner.id);
  return id ? { id } : { id: null, why: `the record has no owner, and fallback_owner ${owner.id} is no active user` };
}
