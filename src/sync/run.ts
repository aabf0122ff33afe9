/**
 * One sync run: pull → store → evaluate every customer from the mirror → plan (diff against the
 * CRM's current values) → push in full batches → segment memberships → run record.
 *
 * The core owns ordering, batching and per-record bookkeeping; the connector supplies the strategies.
 * Time-based rules change without any record changing, so every run re-evaluates every customer
 * and writes only what changed.
 */
import type { CrmConnector, RecordChange, RecordFailure } from '../../connectors/port.ts';
import { ParcoursError } from '../errors.ts';
import type { Engine } from '../journey/engine.ts';
import type { EntryKind } from '../journey/stage-entry.ts';
import type { CrmName, ObjectKind, RecordRef } from '../model.ts';
import type { RunStatus, StageChange, Store } from '../store/index.ts';
import type { Values } from './desired.ts';
import type { DisabledRule } from './field-check.ts';
import { checkFields, rememberMissing, requireOwnedFields } from './field-check.ts';
import { fieldNeeds } from './field-spec.ts';
import { apiCallDelta, ownedFieldTypes, planCustomer, withCurrentStages } from './plan.ts';
import { PushPipeline } from './push-pipeline.ts';

export interface SyncOptions {
  connector: CrmConnector;
  store: Store;
  engine: Engine;
  installation: string;
  mode: 'full' | 'incremental';
  dryRun: boolean;
  /** Evaluation time; the clock is read by the caller. */
  now: number;
  /** Records per write flush and kind; default: the connector's `pushChunk`. */
  flushSize?: number;
  onProgress?: (p: SyncProgress) => void;
}

export interface SyncProgress {
  phase: 'pull' | 'evaluate' | 'push' | 'segments';
  done: number;
  total?: number;
}

export interface FieldExample {
  id: string;
  before: string | null;
  after: string | null;
}

export interface SyncSummary {
  runId: number;
  crm: CrmName;
  installation: string;
  mode: 'full' | 'incremental';
  dryRun: boolean;
  status: Exclude<RunStatus, 'running'>;
  pulled: { contacts: number; deals: number; tickets: number; removed: number };
  customers: number;
  changed: { contacts: number; deals: number; tickets: number };
  unchanged: { contacts: number; deals: number; tickets: number };
  written: number;
  failed: Array<{ object: ObjectKind; id: string; code: string; message: string }>;
  segments: Record<string, { members: number; added: number; removed: number }>;
  stages: Record<string, number>;
  /**
   * Stage entries this run dated (customers entering a stage the ledger did not hold open), by where the
   * date came from; `backfilled`: earlier stays recorded from the CRM's history on first sight.
   */
  stageEntries: { byKind: Partial<Record<EntryKind, number>>; backfilled: number };
  flags: Record<string, number>;
  /** Per field: how many records change, and a few examples (the dry-run plan). */
  plan: Record<string, { changes: number; examples: FieldExample[] }>;
  apiCalls: { total: number; byEndpoint: Record<string, number>; rateLimited: number };
  stoppedReason?: string;
  resumeAt?: number;
  startedAt: number;
  finishedAt: number;
  /** Rules off because the CRM lacks a field they read: which, what they need, how to map it. */
  disabled: DisabledRule[];
}

const PLURAL: Record<ObjectKind, 'contacts' | 'deals' | 'tickets'> = { contact: 'contacts', deal: 'deals', ticket: 'tickets' };

export async function runSync(o: SyncOptions): Promise<SyncSummary> {
  const { connector, store, installation } = o;
  const startedAt = Date.now();
  const callsBefore = connector.stats();
  const runId = store.startRun({ installation, crm: connector.crm, mode: o.mode, dryRun: o.dryRun, startedAt });
  const summary: SyncSummary = {
    runId, crm: connector.crm, installation, mode: o.mode, dryRun: o.dryRun, status: 'succeeded',
    pulled: { contacts: 0, deals: 0, tickets: 0, removed: 0 }, customers: 0,
    changed: { contacts: 0, deals: 0, tickets: 0 }, unchanged: { contacts: 0, deals: 0, tickets: 0 },
    written: 0, failed: [], segments: {}, stages: {}, stageEntries: { byKind: {}, backfilled: 0 }, flags: {}, plan: {},
    apiCalls: { total: 0, byEndpoint: {}, rateLimited: 0 }, startedAt, finishedAt: startedAt, disabled: [],
  };
  // Pushes run behind the evaluation, at most two in flight.
  const pushes = new PushPipeline(2);
  try {
    const checked = await checkFields(connector, o.engine);
    if (!o.dryRun) requireOwnedFields(connector.crm, checked.availability);
    summary.disabled = checked.disabled;
    o = { ...o, engine: checked.engine };
    if (!o.dryRun) rememberMissing(store, installation, checked.engine);
    await pull(o, summary);
    const members = await evaluateAndPush(o, runId, summary, pushes);
    if (!o.dryRun) await syncSegments(o, summary, members);
    else planSegments(o, summary, members);
    summary.status = summary.failed.length > 0 ? 'partial' : 'succeeded';
  } catch (error) {
    // Pushes still running finish, and are recorded, before the run ends.
    await pushes.settle();
    if (error instanceof ParcoursError && (error.code === 'DAILY_LIMIT' || error.code === 'QUOTA_RESERVE')) {
      summary.status = 'stopped';
      summary.stoppedReason = error.message;
      if (error.context.resumeAt !== undefined) summary.resumeAt = error.context.resumeAt;
    } else {
      summary.status = 'failed';
      summary.stoppedReason = error instanceof Error ? error.message : String(error);
      finish(store, summary, connector, callsBefore);
      throw error;
    }
  }
  finish(store, summary, connector, callsBefore);
  return summary;
}

/** API calls of this run only (a connector instance may have served setup or earlier runs). */
function finish(store: Store, summary: SyncSummary, connector: CrmConnector, before: SyncSummary['apiCalls']): void {
  summary.apiCalls = apiCallDelta(before, connector.stats());
  summary.finishedAt = Date.now();
  store.finishRun(summary.runId, { finishedAt: summary.finishedAt, status: summary.status, summary });
}

async function pull(o: SyncOptions, summary: SyncSummary): Promise<void> {
  const needs = fieldNeeds(o.engine.mapping);
  if (o.mode === 'full') o.store.resetCursors(o.installation);
  const cursors = o.store.getCursors(o.installation);
  let done = 0;
  for await (const batch of o.connector.pull({ objects: ['contact', 'deal', 'ticket'], fields: needs, mode: o.mode, cursors })) {
    // The cursor is saved in the same transaction as the records it covers.
    o.store.applyPullBatch(o.installation, batch);
    summary.pulled[PLURAL[batch.kind]] += batch.records.length;
    summary.pulled.removed += batch.removed.length;
    done += batch.records.length;
    o.onProgress?.({ phase: 'pull', done });
  }
}

/** Returns the desired members of each segment (contact ids). */
async function evaluateAndPush(o: SyncOptions, runId: number, summary: SyncSummary, pushes: PushPipeline): Promise<Map<string, Set<string>>> {
  const { store, engine, installation, connector } = o;
  const mapping = engine.mapping;
  const typeOf = ownedFieldTypes(engine);
  const flushSize = o.flushSize ?? connector.pushChunk;
  const pending: Record<ObjectKind, Array<{ change: RecordChange; before: Values }>> = { contact: [], deal: [], ticket: [] };
  const seen: Record<'deal' | 'ticket', Set<string>> = { deal: new Set(), ticket: new Set() };
  const stageChanges: StageChange[] = [];
  const members = new Map<string, Set<string>>(mapping.segments.map((s) => [s.id, new Set()]));
  const total = store.countRecords(installation).contacts;

  // Pushes run behind the evaluation, so CPU time spent evaluating and storing overlaps the
  // rate-limited calls instead of adding to them. Every push settles into the pipeline; a failed
  // push stops the loop at its next flush (each one checks) or at the drain, and ends the run.
  const flush = async (kind: ObjectKind, force: boolean): Promise<void> => {
    pushes.check();
    const queue = pending[kind];
    if (queue.length === 0 || (!force && queue.length < flushSize)) return;
    pending[kind] = [];
    if (o.dryRun) return;
    await pushes.submit(async () => {
      const report = await connector.push(queue.map((q) => q.change));
      const byId = new Map(queue.map((q) => [q.change.ref.id, q]));
      const writes = report.written.map((ref) => {
        const q = byId.get(ref.id);
        return { kind: ref.kind, id: ref.id, before: q?.before ?? {}, after: q?.change.values ?? {} };
      });
      store.recordWrites(installation, runId, writes);
      if (writes.length) store.clearFailures(installation, writes.map((w) => ({ kind: w.kind, id: w.id })));
      recordFailures(store, installation, runId, report.failed, summary);
      summary.written += writes.length;
      o.onProgress?.({ phase: 'push', done: summary.written });
    });
  };

  let n = 0;
  for (const [customer, current] of withCurrentStages(store, installation, store.iterateCustomers(installation))) {
    n++;
    const plan = planCustomer(engine, current, customer, o.now, typeOf);
    const state = plan.state;
    summary.stages[state.stage.id] = (summary.stages[state.stage.id] ?? 0) + 1;
    for (const id of new Set(state.friction.filter((f) => f.on.kind === 'contact').map((f) => f.id))) summary.flags[id] = (summary.flags[id] ?? 0) + 1;
    for (const s of state.segments) members.get(s.id)?.add(customer.contact.id);
    if (plan.entry.kind !== null) summary.stageEntries.byKind[plan.entry.kind] = (summary.stageEntries.byKind[plan.entry.kind] ?? 0) + 1;
    for (const c of plan.stageChanges) if (c.backfilled && c !== plan.stageChanges.at(-1)) summary.stageEntries.backfilled++;
    if (!o.dryRun) stageChanges.push(...plan.stageChanges);

    for (const kind of plan.unchanged) {
      if (kind !== 'contact') continue;
      summary.unchanged.contacts++;
    }
    // A deal or ticket shared by two contacts is planned once.
    const fresh = (kind: ObjectKind, id: string): boolean => {
      if (kind === 'contact') return true;
      if (seen[kind].has(id)) return false;
      seen[kind].add(id);
      return true;
    };
    for (const d of customer.deals) if (!plan.changes.some((c) => c.kind === 'deal' && c.change.ref.id === d.id) && fresh('deal', d.id)) summary.unchanged.deals++;
    for (const t of customer.tickets) if (!plan.changes.some((c) => c.kind === 'ticket' && c.change.ref.id === t.id) && fresh('ticket', t.id)) summary.unchanged.tickets++;
    for (const p of plan.changes) {
      if (!fresh(p.kind, p.change.ref.id)) continue;
      summary.changed[PLURAL[p.kind]]++;
      for (const [field, value] of Object.entries(p.change.values)) {
        const entry = (summary.plan[`${p.kind}.${field}`] ??= { changes: 0, examples: [] });
        entry.changes++;
        if (entry.examples.length < 3) entry.examples.push({ id: p.change.ref.id, before: p.before[field] ?? null, after: value });
      }
      pending[p.kind].push({ change: p.change, before: p.before });
      await flush(p.kind, false);
    }
    if (stageChanges.length >= 1000) store.recordStageChanges(installation, stageChanges.splice(0));
    if (n % 1000 === 0) o.onProgress?.({ phase: 'evaluate', done: n, total });
  }
  summary.customers = n;
  if (stageChanges.length) store.recordStageChanges(installation, stageChanges.splice(0));
  for (const kind of ['contact', 'deal', 'ticket'] as const) await flush(kind, true);
  await pushes.drain();
  return members;
}

function planSegments(o: SyncOptions, summary: SyncSummary, desired: Map<string, Set<string>>): void {
  for (const [segmentId, want] of desired) {
    const have = o.store.getSegmentMembers(o.installation, segmentId);
    summary.segments[segmentId] = {
      members: want.size,
      added: [...want].filter((id) => !have.has(id)).length,
      removed: [...have].filter((id) => !want.has(id)).length,
    };
  }
}

async function syncSegments(o: SyncOptions, summary: SyncSummary, desired: Map<string, Set<string>>): Promise<void> {
  for (const [segmentId, want] of desired) {
    const targetId = o.store.getSetting(o.installation, `segment-target:${segmentId}`);
    const have = o.store.getSegmentMembers(o.installation, segmentId);
    const add = [...want].filter((id) => !have.has(id));
    const remove = [...have].filter((id) => !want.has(id));
    summary.segments[segmentId] = { members: want.size, added: 0, removed: 0 };
    if (add.length === 0 && remove.length === 0) continue;
    if (!targetId) {
      throw new ParcoursError('CONFIG_INVALID', `segment "${segmentId}" has no ${o.connector.crm === 'hubspot' ? 'list' : 'campaign'} yet: run "parcours setup --crm ${o.connector.crm}" first`, { crm: o.connector.crm });
    }
    const report = await o.connector.syncMembership({ segmentId, targetId, add, remove });
    const failedIds = new Set(report.failed.map((f) => f.contactId));
    const added = add.filter((id) => !failedIds.has(id));
    const removed = remove.filter((id) => !failedIds.has(id));
    o.store.applyMembership(o.installation, segmentId, added, removed, o.now);
    summary.segments[segmentId] = { members: want.size, added: added.length, removed: removed.length };
    for (const f of report.failed) summary.failed.push({ object: 'contact', id: f.contactId, code: f.code, message: `segment ${segmentId}: ${f.message}` });
    o.onProgress?.({ phase: 'segments', done: added.length + removed.length });
  }
}

function recordFailures(store: Store, installation: string, runId: number, failed: RecordFailure[], summary: SyncSummary): void {
  if (failed.length === 0) return;
  store.recordFailures(installation, runId, failed.map((f) => ({ kind: f.ref.kind, id: f.ref.id, code: f.code, message: f.message })));
  for (const f of failed) summary.failed.push({ object: f.ref.kind, id: f.ref.id, code: f.code, message: f.message });
}
