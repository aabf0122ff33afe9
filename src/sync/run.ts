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
import type { CrmName, ObjectKind, RecordRef } from '../model.ts';
import type { RunStatus, Store } from '../store/index.ts';
import { currentValue, desiredValues, sameValue, toTime, type Values } from './desired.ts';
import { fieldNeeds, journeyFieldSpec } from './field-spec.ts';

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
  flags: Record<string, number>;
  /** Per field: how many records change, and a few examples (the dry-run plan). */
  plan: Record<string, { changes: number; examples: FieldExample[] }>;
  apiCalls: { total: number; byEndpoint: Record<string, number>; rateLimited: number };
  stoppedReason?: string;
  resumeAt?: number;
  startedAt: number;
  finishedAt: number;
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
    written: 0, failed: [], segments: {}, stages: {}, flags: {}, plan: {},
    apiCalls: { total: 0, byEndpoint: {}, rateLimited: 0 }, startedAt, finishedAt: startedAt,
  };
  try {
    await pull(o, summary);
    const members = await evaluateAndPush(o, runId, summary);
    if (!o.dryRun) await syncSegments(o, summary, members);
    else planSegments(o, summary, members);
    summary.status = summary.failed.length > 0 ? 'partial' : 'succeeded';
  } catch (error) {
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
  const after = connector.stats();
  const byEndpoint: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.byEndpoint)) {
    const d = v - (before.byEndpoint[k] ?? 0);
    if (d > 0) byEndpoint[k] = d;
  }
  summary.apiCalls = { total: after.total - before.total, byEndpoint, rateLimited: after.rateLimited - before.rateLimited };
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
async function evaluateAndPush(o: SyncOptions, runId: number, summary: SyncSummary): Promise<Map<string, Set<string>>> {
  const { store, engine, installation, connector } = o;
  const mapping = engine.mapping;
  const spec = journeyFieldSpec(mapping);
  const typeOf = new Map(spec.fields.map((f) => [`${f.kind}:${f.name}`, f.type]));
  const stageField = mapping.writeback.contact.stage;
  const enteredField = mapping.writeback.contact.stageEnteredAt;
  const flushSize = o.flushSize ?? connector.pushChunk;
  const pending: Record<ObjectKind, Array<{ change: RecordChange; before: Values }>> = { contact: [], deal: [], ticket: [] };
  const seen: Record<'deal' | 'ticket', Set<string>> = { deal: new Set(), ticket: new Set() };
  const stageChanges: Array<{ contactId: string; journeyId: string; stage: string; at: number }> = [];
  const members = new Map<string, Set<string>>(mapping.segments.map((s) => [s.id, new Set()]));
  const total = store.countRecords(installation).contacts;

  const flush = async (kind: ObjectKind, force: boolean): Promise<void> => {
    const queue = pending[kind];
    if (queue.length === 0 || (!force && queue.length < flushSize)) return;
    pending[kind] = [];
    if (o.dryRun) return;
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
  };

  let n = 0;
  for (const customer of store.iterateCustomers(installation)) {
    n++;
    const state = engine.evaluate(customer, o.now);
    summary.stages[state.stage.id] = (summary.stages[state.stage.id] ?? 0) + 1;
    for (const id of new Set(state.friction.filter((f) => f.on.kind === 'contact').map((f) => f.id))) summary.flags[id] = (summary.flags[id] ?? 0) + 1;
    for (const s of state.segments) members.get(s.id)?.add(customer.contact.id);

    // Stage entered: kept while the stage holds; on a change, the evidence's date (or now).
    const current = store.currentStages(installation, [customer.contact.id], state.journeyId).get(customer.contact.id);
    let enteredAt: number;
    if (current && current.stage === state.stage.id) enteredAt = current.enteredAt;
    else {
      const crmStage = stageField ? currentValue(customer.contact, stageField) : null;
      const crmEntered = enteredField ? currentValue(customer.contact, enteredField) : null;
      const desiredStageValue = mapping.writeback.stageValues[state.stage.id] ?? state.stage.id;
      const fromCrm = crmStage === desiredStageValue && crmEntered ? toTime(crmEntered) : null;
      enteredAt = fromCrm ?? Math.min(state.stage.since ?? o.now, o.now);
      if (!o.dryRun) stageChanges.push({ contactId: customer.contact.id, journeyId: state.journeyId, stage: state.stage.id, at: enteredAt });
    }

    for (const d of desiredValues(mapping, customer, state, enteredAt)) {
      if (d.kind !== 'contact') {
        if (seen[d.kind].has(d.record.id)) continue; // a deal shared by two contacts is planned once
        seen[d.kind].add(d.record.id);
      }
      const changed: Values = {};
      const before: Values = {};
      for (const [field, value] of Object.entries(d.values)) {
        const cur = currentValue(d.record, field);
        if (!sameValue(typeOf.get(`${d.kind}:${field}`), cur, value)) {
          changed[field] = value;
          before[field] = cur;
          const plan = (summary.plan[`${d.kind}.${field}`] ??= { changes: 0, examples: [] });
          plan.changes++;
          if (plan.examples.length < 3) plan.examples.push({ id: d.record.id, before: cur, after: value });
        }
      }
      if (Object.keys(changed).length === 0) {
        summary.unchanged[PLURAL[d.kind]]++;
        continue;
      }
      summary.changed[PLURAL[d.kind]]++;
      const ref: RecordRef = { kind: d.kind, objectType: d.record.objectType, id: d.record.id };
      pending[d.kind].push({ change: { ref, values: changed }, before });
      await flush(d.kind, false);
    }
    if (stageChanges.length >= 1000) store.recordStageChanges(installation, stageChanges.splice(0));
    if (n % 1000 === 0) o.onProgress?.({ phase: 'evaluate', done: n, total });
  }
  summary.customers = n;
  if (stageChanges.length) store.recordStageChanges(installation, stageChanges.splice(0));
  for (const kind of ['contact', 'deal', 'ticket'] as const) await flush(kind, true);
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
