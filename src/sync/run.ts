/**
 * One sync run: pull → store → evaluate every customer from the mirror → plan (diff against the
 * CRM's current values) → push in full batches → segment memberships → run record.
 *
 * The core owns ordering, batching and per-record bookkeeping; the connector supplies the strategies.
 * Time-based rules change without any record changing, so every run re-evaluates every customer
 * and writes only what changed. Full runs evaluate customers as their pull completes them; incremental
 * runs evaluate the mirror while their pull waits and evaluate again only the customers it touched
 * (pre-evaluation.ts).
 */
import type { CrmConnector, MembershipRead, MembershipReport, OwnedFieldSpec, PullBatch, RecordChange, RecordFailure, TouchpointBatch } from '../../connectors/port.ts';
import { SCHEMA_FRESH_MS } from '../../connectors/port.ts';
import { ParcoursError } from '../errors.ts';
import type { Engine } from '../journey/engine.ts';
import type { EntryKind } from '../journey/stage-entry.ts';
import type { CrmName, Customer, ObjectKind, RecordRef, TouchpointChannel } from '../model.ts';
import type { CurrentStage, KeptOutcomeRow, RunStatus, StageChange, Store } from '../store/index.ts';
import type { Values } from './desired.ts';
import type { DisabledRule } from './field-check.ts';
import { checkFields, rememberMissing, requireOwnedFields } from './field-check.ts';
import { fieldNeeds, journeyFieldSpec } from './field-spec.ts';
import { apiCallDelta, ownedFieldTypes, planCustomer, withCurrentStages, type CustomerPlan } from './plan.ts';
import { assertNotPaused } from './pause.ts';
import { PushPipeline } from './push-pipeline.ts';
import { storeSchemaCache } from './schema-cache.ts';
import { clearingsFor, isGone, type Clearing, type SweptWritten } from './sweep-clear.ts';
import { readOpenEpisodes, syncTasks, type OpenEpisodes, type TaskSummary } from './tasks.ts';
import type { DesiredTask } from '../journey/actions.ts';
import { compareIds } from '../store/mirror.ts';
import { outcomeOf, type CustomerOutcome } from './outcome.ts';
import { startPreEvaluation, MAX_PRE_EVALUATED, type PreEvaluated, type PreEvaluation } from './pre-evaluation.ts';
import { keepable, keptRow, outcomeFingerprint } from './kept-outcomes.ts';
import { sameApplied } from './outcome.ts';

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
  /**
   * Aborted when the worker must let go of the job (SIGTERM past its grace, or the queue took the job back): the
   * run stops at its next safe point — after a pulled batch and its cursor are stored, before the next push — and
   * the pushes already sent finish and are recorded. The run ends failed (`INTERRUPTED`); the next one goes on
   * from the stored cursors and pushes only what is still different.
   */
  signal?: AbortSignal;
}

/** Throws `INTERRUPTED` once the run's signal is aborted (call only where stopping keeps the store consistent). */
export function stopIfAborted(o: Pick<SyncOptions, 'signal' | 'installation' | 'connector'>): void {
  if (!o.signal?.aborted) return;
  const why = o.signal.reason instanceof Error ? o.signal.reason.message : typeof o.signal.reason === 'string' ? o.signal.reason : 'the worker is stopping';
  throw new ParcoursError('INTERRUPTED', `run interrupted (${why}); what it pulled and wrote is kept, and the next run goes on from there`, { crm: o.connector.crm, installation: o.installation });
}

export interface SyncProgress {
  phase: 'pull' | 'evaluate' | 'push' | 'segments';
  done: number;
  total?: number;
}

export interface SegmentOutcome {
  members: number;
  added: number;
  removed: number;
  /**
   * Full runs: drift repaired against the CRM — members the store had but the list / campaign lacked
   * (removed by hand, put back) plus members it held that the store did not (added by hand, taken out).
   */
  repaired?: number;
  /** The list / campaign had been deleted in the CRM: `recreated`, or `missing` (mapping says report). */
  target?: 'recreated' | 'missing';
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
  /** Of `customers`: outcomes the last run kept, taken back instead of evaluated (kept-outcomes.ts). */
  kept?: number;
  changed: { contacts: number; deals: number; tickets: number };
  unchanged: { contacts: number; deals: number; tickets: number };
  written: number;
  failed: Array<{ object: ObjectKind; id: string; code: string; message: string }>;
  /** Per segment: members wanted, CRM adds/removes made, and on full runs the drift `repaired` (see SegmentOutcome). */
  segments: Record<string, SegmentOutcome>;
  /** Membership repairs of this run, all segments (full runs: members restored + members evicted). */
  repaired: number;
  /** Full runs: what reading the lists / campaigns cost (calls) against the members read and the page size. */
  membershipReads?: { calls: number; members: number; pageSize: number };
  /**
   * Records that left the mirror this run, per kind: deleted/archived/merged in the CRM, handed over
   * (a converted Lead), or not seen by a completed full pass (reconciliation; `swept` of the total).
   * `cleared`: swept records still in the CRM whose Parcours values were cleared there (dry run: to clear).
   */
  removed: { contacts: number; deals: number; tickets: number; swept: number; cleared: number };
  /** Converted Leads whose journey (stage ledger, segment history) moved to the Contact they became. */
  handedOver: number;
  stages: Record<string, number>;
  /**
   * Stage entries this run dated (customers entering a stage the ledger did not hold open), by where the
   * date came from; `backfilled`: earlier stays recorded from the CRM's history on first sight.
   */
  stageEntries: { byKind: Partial<Record<EntryKind, number>>; backfilled: number };
  flags: Record<string, number>;
  /** Per field: how many records change, and a few examples (the dry-run plan). */
  plan: Record<string, { changes: number; examples: FieldExample[] }>;
  apiCalls: { total: number; byEndpoint: Record<string, number>; rateLimited: number; unanswered?: number };
  stoppedReason?: string;
  resumeAt?: number;
  startedAt: number;
  finishedAt: number;
  /** Rules off because the CRM lacks a field they read: which, what they need, how to map it. */
  disabled: DisabledRule[];
  /**
   * Touchpoints pulled this run (issue 13), per normalized channel; `removed`: deleted/archived in the
   * CRM, `swept`: not seen by a completed full pass; `rejected`: malformed records skipped (first ones
   * listed). `supported: false` when the connector cannot read touchpoints.
   */
  touchpoints: TouchpointTally;
  /** Follow-up tasks (the mapping's `actions:`); absent when the mapping has none and none are open. */
  tasks?: TaskSummary;
}

export interface TouchpointTally {
  supported: boolean;
  pulled: number;
  byChannel: Partial<Record<TouchpointChannel, number>>;
  removed: number;
  swept: number;
  rejected: number;
  rejectedExamples: Array<{ objectType: string | null; id: string | null; message: string }>;
}

const PLURAL: Record<ObjectKind, 'contacts' | 'deals' | 'tickets'> = { contact: 'contacts', deal: 'deals', ticket: 'tickets' };
/** Outcomes are applied during the pull in slices this long (ms), so its calls still leave on time. */
const PRE_APPLY_SLICE_MS = 4;

export async function runSync(o: SyncOptions): Promise<SyncSummary> {
  // A linked mapping's writeback is per side: only runLinkedSync (src/sync/linked-run.ts) can run it.
  if (o.engine.mapping.crm === 'linked') {
    throw new ParcoursError('CONFIG_INVALID', `${o.engine.mapping.file} is a linked mapping (crm: linked): it runs on a linked installation (sync --link)`, { file: o.engine.mapping.file });
  }
  const run = await startInstallationRun(o, { keepOutcomes: true });
  try {
    await run.prepare();
    await run.pull(true);
    await run.complete();
  } catch (error) {
    await run.fail(error);
  }
  return await run.end();
}

/** Plans one customer: evaluates it (the default), or applies a state evaluated elsewhere (a linked customer's). */
export type Planner = (engine: Engine, current: CurrentStage | undefined, customer: Customer, now: number, types: Map<string, OwnedFieldSpec['type']>) => CustomerPlan;

/**
 * One installation's run, step by step: `runSync` takes the steps in order; a linked run (issue 16) takes
 * them for its two sides, pulling both before it evaluates any customer.
 */
export interface InstallationRun {
  readonly summary: SyncSummary;
  /** The run's options as the schema check left them (the engine compiled with the missing fields). */
  options(): SyncOptions;
  /** Field check (the schema read again on full runs) and, on full runs, the list / campaign reads side by side with the pull. */
  prepare(): Promise<void>;
  /** Pull into the mirror (the three kinds, then touchpoints), then clear what a full pass swept. `stream`: evaluate complete customers while a full pull goes on, or the whole mirror while an incremental one does (pre-evaluation.ts). */
  pull(stream: boolean): Promise<void>;
  /** Plans these customers (each once per run) and pushes what changed behind the evaluation. */
  evaluate(customers: AsyncIterable<Customer> | Iterable<Customer>, planner?: Planner): Promise<void>;
  /** Plans every customer not planned yet (unless `rest: false`), waits for the pushes, syncs memberships and (unless `tasks: false`) follow-up tasks. */
  complete(options?: { rest?: boolean; tasks?: boolean }): Promise<void>;
  /** After an error: pushes and reads settle; a stopped run (daily limit, reserve) is kept, any other error is recorded and rethrown. */
  fail(error: unknown): Promise<void>;
  /** Records the run's end (its own API calls, status) and returns its summary. */
  end(): Promise<SyncSummary>;
}

/** `keepOutcomes`: take back the outcomes the last run kept, and keep this run's (single-CRM runs: kept-outcomes.ts). */
export async function startInstallationRun(options: SyncOptions, how: { keepOutcomes?: boolean } = {}): Promise<InstallationRun> {
  let o = options;
  const keeping = how.keepOutcomes === true;
  const { connector, store, installation } = o;
  // A paused installation (after a rollback) is not written to; a dry run only shows the plan.
  if (!o.dryRun) await assertNotPaused(store, installation, connector.crm);
  const startedAt = Date.now();
  const callsBefore = connector.stats();
  const runId = await store.startRun({ installation, crm: connector.crm, mode: o.mode, dryRun: o.dryRun, startedAt });
  const summary: SyncSummary = {
    runId, crm: connector.crm, installation, mode: o.mode, dryRun: o.dryRun, status: 'succeeded',
    pulled: { contacts: 0, deals: 0, tickets: 0, removed: 0 }, customers: 0,
    changed: { contacts: 0, deals: 0, tickets: 0 }, unchanged: { contacts: 0, deals: 0, tickets: 0 },
    written: 0, failed: [], segments: {}, repaired: 0, removed: { contacts: 0, deals: 0, tickets: 0, swept: 0, cleared: 0 }, handedOver: 0, stages: {}, stageEntries: { byKind: {}, backfilled: 0 }, flags: {}, plan: {},
    apiCalls: { total: 0, byEndpoint: {}, rateLimited: 0 }, startedAt, finishedAt: startedAt, disabled: [],
    touchpoints: { supported: connector.pullTouchpoints !== undefined, pulled: 0, byChannel: {}, removed: 0, swept: 0, rejected: 0, rejectedExamples: [] },
  };
  // Pushes run behind the evaluation, at most two in flight.
  const pushes = new PushPipeline(2);
  let memberships: { result(): Promise<Map<string, MembershipRead>> } | undefined;
  // Read ahead while the pull waits; used only if done by the time they are needed (never waited for: see pull).
  let openTasks: OpenEpisodes | undefined;
  let storedSegments: Map<string, StoredSegment> | undefined;
  const readAhead = { stopped: false };
  // Tasks only after every customer was evaluated: a task is closed because its key is not wanted.
  const desiredTasks = new Map<string, DesiredTask>();
  const evaluator = createEvaluator(() => o, runId, summary, pushes, desiredTasks);

  const check = async (options: { refresh: boolean; keptFreshMs?: number }): Promise<void> => {
    const checked = await checkFields(connector, o.engine, options);
    if (!o.dryRun) requireOwnedFields(connector.crm, checked.availability);
    summary.disabled = checked.disabled;
    o = { ...o, engine: checked.engine };
    if (!o.dryRun) await rememberMissing(store, installation, checked.engine);
  };

  return {
    summary,
    options: () => o,
    async prepare() {
      // Full runs read the CRM's schema again unless it was read minutes ago (setup); other runs use the kept read (connector README: schema cache).
      await check(o.mode === 'full' ? { refresh: true, keptFreshMs: SCHEMA_FRESH_MS } : { refresh: false });
      // Full runs read every list / campaign back; those reads need nothing from the pull, so they go side by
      // side with it (on the budget a search pull leaves idle) instead of after the writes.
      memberships = o.mode === 'full' && !o.dryRun ? readMemberships(o) : undefined;
    },
    async pull(stream) {
      const streaming = stream ? evaluator : null;
      // A connector that asks for it (HubSpot) has its touchpoints pulled first on full runs: every customer is
      // then complete as its contact arrives, so it is evaluated and written back while the pull goes on (the
      // connector README says why it pays). The cursors are reset once, before both.
      const touchpointsFirst = o.mode === 'full' && o.connector.touchpointsFirst === true && o.connector.pullTouchpoints !== undefined;
      if (touchpointsFirst) {
        await o.store.resetCursors(o.installation);
        await pullTouchpoints(o, summary, null);
      }
      // Incremental runs evaluate the mirror while their pull waits on the CRM (pre-evaluation.ts).
      let pre = stream && o.mode === 'incremental' ? await startPreEvaluation({ ...o, keep: keeping, onCovered: (outcomes, halted) => evaluator.preApply(outcomes, halted) }) : null;
      // The open follow-up tasks and the segments' stored state are read while the pull waits too (only this run's task
      // and segment sync change them; a hand-over moves memberships, see complete). The episodes at once, in small pages; the segments (up to one read of every member a turn) once the pass has
      // covered the mirror (pre-evaluation.ts `covered`): side by side with the pass they made turns of 20-85 ms that
      // held up the search answers. What is not read by the time it is needed is read then, in one go: a pull that
      // ends quickly (Salesforce) must not make the task creates wait, or they miss the last record pushes' Composite call.
      if (keeping) {
        readOpenEpisodes(store, installation, 100, readAhead).then((read) => (openTasks = read), () => undefined);
        if (!o.dryRun) {
          const run = o;
          (pre?.covered() ?? Promise.resolve()).then(() => readStoredSegments(run, readAhead)).then((read) => (storedSegments = read), () => undefined);
        }
      }
      try {
        let clearings: Clearing[];
        try {
          // `resume` when the touchpoints came first: the cursors were reset before them, not again.
          clearings = await pull(o, summary, touchpointsFirst, streaming, touchpointsFirst, pre);
        } catch (error) {
          // The CRM named a field unknown that the kept schema still had: read the schema again, once, and
          // go on from the cursors the stored batches saved. (Only before any customer was evaluated: the
          // engine may change with the schema, and with it every pre-evaluated outcome.)
          const evaluated = Object.keys(summary.stages).length > 0;
          if (!(error instanceof ParcoursError && error.context.schemaStale === true) || evaluated) throw error;
          pre?.stop();
          pre = null;
          await check({ refresh: true });
          clearings = await pull(o, summary, true, streaming, touchpointsFirst, null);
        }
        if (!touchpointsFirst) await pullTouchpoints(o, summary, pre);
        await clearSwept(o, summary, clearings);
      } catch (error) {
        pre?.stop();
        await pre?.settle();
        throw error;
      }
      const preEvaluated = await pre?.settle();
      if (preEvaluated) await evaluator.adopt(preEvaluated);
      else evaluator.dropPreApplied();
    },
    evaluate: (customers, planner) => evaluator.evaluate(customers, planner),
    async complete(opts = {}) {
      const members = await evaluator.finish(opts.rest ?? true);
      // What was read ahead is used as it stands; the rest is read below, when needed.
      readAhead.stopped = true;
      stopIfAborted(o);
      // Tasks only after every customer was evaluated (a task is closed because its key is not wanted); they
      // start in the same turn as the last record pushes, so on Salesforce their Collections calls share a
      // Composite call instead of going out alone after the pushes drained.
      const tasksRun = (opts.tasks ?? true)
        ? syncTasks({ connector, store, installation, runId, actions: o.engine.mapping.actions, desired: desiredTasks, now: o.now, dryRun: o.dryRun, cache: storeSchemaCache(store, installation), ...(openTasks ? { open: openTasks } : {}) }).then((tasks) => {
            if (!tasks) return;
            summary.tasks = tasks;
            for (const f of tasks.failed) summary.failed.push({ object: f.object, id: f.id, code: f.code, message: f.message });
          })
        : Promise.resolve();
      const [pushed, tasked] = await Promise.allSettled([evaluator.flushLast(), tasksRun]);
      if (pushed.status === 'rejected') throw pushed.reason;
      if (tasked.status === 'rejected') throw tasked.reason;
      stopIfAborted(o);
      // A hand-over in the pull (a merge, a converted lead) moved memberships after they were read ahead: read them again.
      if (!o.dryRun) await syncSegments(o, summary, members, await memberships?.result(), summary.handedOver === 0 ? storedSegments : undefined);
      else await planSegments(o, summary, members);
      summary.status = summary.failed.length > 0 ? 'partial' : 'succeeded';
      // Last of the store's changes to what an evaluation reads (the stage ledger is written): keep the outcomes.
      const kept = keeping && !o.dryRun && opts.rest !== false ? evaluator.keptRows() : null;
      if (kept) await store.keepOutcomes(installation, outcomeFingerprint(o.engine), kept.rows, kept.fromKept ? { replace: false, goneAmong: kept.goneAmong } : { replace: true });
    },
    async fail(error) {
      readAhead.stopped = true;
      // Pushes still running finish, and are recorded, before the run ends; so do the list reads.
      await pushes.settle();
      await memberships?.result().catch(() => undefined);
      if (error instanceof ParcoursError && (error.code === 'DAILY_LIMIT' || error.code === 'QUOTA_RESERVE')) {
        summary.status = 'stopped';
        summary.stoppedReason = error.message;
        if (error.context.resumeAt !== undefined) summary.resumeAt = error.context.resumeAt;
        return;
      }
      summary.status = 'failed';
      summary.stoppedReason = error instanceof Error ? error.message : String(error);
      await finish(store, summary, connector, callsBefore);
      throw error;
    },
    async end() {
      await finish(store, summary, connector, callsBefore);
      return summary;
    },
  };
}

/** API calls of this run only (a connector instance may have served setup or earlier runs). */
async function finish(store: Store, summary: SyncSummary, connector: CrmConnector, before: SyncSummary['apiCalls']): Promise<void> {
  summary.apiCalls = apiCallDelta(before, connector.stats());
  summary.finishedAt = Date.now();
  await store.finishRun(summary.runId, { finishedAt: summary.finishedAt, status: summary.status, summary });
}

/** Pulls into the mirror; returns the clearing writes the records a full pass swept call for. */
async function pull(o: SyncOptions, summary: SyncSummary, resume: boolean, evaluator: Evaluator | null, touchpointsPulled: boolean, pre: PreEvaluation | null): Promise<Clearing[]> {
  const needs = fieldNeeds(o.engine.mapping);
  // A retried pull resumes from the cursors its first attempt's stored batches saved.
  if (o.mode === 'full' && !resume) await o.store.resetCursors(o.installation);
  const cursors = await o.store.getCursors(o.installation);
  const sweptWritten: SweptWritten[] = [];
  const converted = new Set<string>();
  // Full runs: once this run's deal and ticket passes are complete, every deal and ticket (with its contact
  // links) is in the mirror, so a contact stored after that is a complete customer: evaluated and written
  // back at once, while the pull goes on (the connector README says which order its passes run in).
  // A connector that also pulls touchpoints completes customers only once they are pulled: before the three
  // kinds when it asks for that (`touchpointsFirst`), else after them, and then nothing streams.
  const streams = evaluator !== null && o.mode === 'full' && (o.connector.pullTouchpoints === undefined || touchpointsPulled);
  const complete = new Set<ObjectKind>();
  let done = 0;
  for await (const batch of o.connector.pull({ objects: ['contact', 'deal', 'ticket'], fields: needs, mode: o.mode, cursors })) {
    // Before it is stored: whose inputs it changes (a pass that sweeps removes records no batch names).
    if (pre && batch.fullPass) pre.stop();
    const touched = pre && !batch.fullPass ? await touchedBy(o.store, o.installation, batch) : null;
    if (touched) pre?.touch(touched);
    // The cursor is saved in the same transaction as the records it covers.
    const applied = await o.store.applyPullBatch(o.installation, batch);
    if (touched) pre?.stored(touched);
    if (batch.fullPass?.complete) complete.add(batch.kind);
    sweptWritten.push(...applied.sweptWritten);
    for (const h of batch.handovers ?? []) converted.add(h.from.id);
    for (const ref of applied.removed) summary.removed[PLURAL[ref.kind]]++;
    summary.removed.swept += applied.swept.length;
    summary.handedOver += applied.handedOver.length;
    summary.pulled[PLURAL[batch.kind]] += batch.records.length;
    summary.pulled.removed += batch.removed.length;
    done += batch.records.length;
    o.onProgress?.({ phase: 'pull', done });
    stopIfAborted(o);
    if (streams && batch.kind === 'contact' && complete.has('deal') && complete.has('ticket') && batch.records.length > 0 && !(batch.handovers?.length)) {
      await evaluator?.evaluate(o.store.iterateCustomers(o.installation, { contactIds: batch.records.map((r) => r.id) }));
    }
  }
  return clearingsFor(sweptWritten, converted);
}

/**
 * Touchpoints, after the three kinds: every run pulls them when the connector can, whether or not a
 * rule reads them, because the journey map's touchpoint sections need them too (incremental runs
 * cost little: only what changed since the cursor). Each batch and its cursor: one transaction.
 */
async function pullTouchpoints(o: SyncOptions, summary: SyncSummary, pre: PreEvaluation | null): Promise<void> {
  if (!o.connector.pullTouchpoints) return;
  const tally = summary.touchpoints;
  // A full run reset every cursor (pull above), the touchpoint cursor included.
  const cursor = o.mode === 'full' ? undefined : await o.store.getTouchpointCursor(o.installation);
  let done = 0;
  for await (const pulled of o.connector.pullTouchpoints({ mode: o.mode, ...(cursor ? { cursor } : {}) })) {
    // Follow-up tasks Parcours created (issue 14) are CRM activities too, but no customer met them.
    const own = await o.store.ownTaskIds(o.installation, pulled.records.map((r) => r.id));
    const batch = own.size === 0 ? pulled : { ...pulled, records: pulled.records.filter((r) => !own.has(r.id)) };
    if (pre && batch.fullPass) pre.stop();
    const touched = pre && !batch.fullPass ? await touchedByTouchpoints(o.store, o.installation, batch) : null;
    if (touched) pre?.touch(touched);
    const applied = await o.store.applyTouchpointBatch(o.installation, batch);
    if (touched) pre?.stored(touched);
    for (const t of applied.stored) tally.byChannel[t.channel] = (tally.byChannel[t.channel] ?? 0) + 1;
    tally.pulled += applied.stored.length;
    tally.removed += applied.removed;
    tally.swept += applied.swept;
    tally.rejected += applied.rejected.length;
    for (const r of applied.rejected) if (tally.rejectedExamples.length < 10) tally.rejectedExamples.push(r);
    done += applied.stored.length;
    o.onProgress?.({ phase: 'pull', done });
    stopIfAborted(o);
  }
}

/** Customers a pulled batch changes: its contacts, and the customers its deals and tickets are linked to before and after it. */
async function touchedBy(store: Store, installation: string, batch: PullBatch): Promise<string[]> {
  const ids: string[] = [];
  const linked: Array<{ kind: 'deal' | 'ticket'; id: string }> = [];
  for (const ref of [...batch.records, ...batch.removed]) {
    if (ref.kind === 'contact') ids.push(ref.id);
    else linked.push({ kind: ref.kind, id: ref.id });
  }
  for (const r of batch.records) if (r.kind !== 'contact' && Array.isArray(r.contactIds)) ids.push(...r.contactIds);
  for (const l of batch.links ?? []) ids.push(l.contactId);
  for (const h of batch.handovers ?? []) ids.push(h.from.id, h.to.id);
  if (linked.length > 0) ids.push(...(await store.contactsLinkedTo(installation, linked)));
  return ids;
}

/** Customers a touchpoint batch changes: those its touchpoints are linked to before and after it. */
async function touchedByTouchpoints(store: Store, installation: string, batch: TouchpointBatch): Promise<string[]> {
  const ids: string[] = [];
  for (const t of batch.records) if (Array.isArray(t.contactIds)) ids.push(...t.contactIds.filter((id): id is string => typeof id === 'string'));
  const refs = [...batch.records, ...batch.removed].filter((r) => typeof r.objectType === 'string' && typeof r.id === 'string');
  if (refs.length > 0) ids.push(...(await store.contactsOfTouchpoints(installation, refs)));
  return ids;
}

/**
 * Swept records keep in the CRM the owned values Parcours last wrote: clear them in one batched push,
 * audited like any write. A record the CRM no longer has is nothing to clear, not a failure.
 */
async function clearSwept(o: SyncOptions, summary: SyncSummary, clearings: Clearing[]): Promise<void> {
  if (clearings.length === 0) return;
  for (const c of clearings) {
    for (const [field, before] of Object.entries(c.before)) {
      const entry = (summary.plan[`${c.change.ref.kind}.${field}`] ??= { changes: 0, examples: [] });
      entry.changes++;
      if (entry.examples.length < 3) entry.examples.push({ id: c.change.ref.id, before: before ?? null, after: null });
    }
  }
  if (o.dryRun) {
    summary.removed.cleared += clearings.length;
    return;
  }
  const report = await o.connector.push(clearings.map((c) => c.change));
  const byId = new Map(clearings.map((c) => [`${c.change.ref.kind}:${c.change.ref.id}`, c]));
  const writes = report.written.flatMap((ref) => {
    const c = byId.get(`${ref.kind}:${ref.id}`);
    return c ? [{ kind: ref.kind, id: ref.id, before: c.before, after: c.change.values }] : [];
  });
  await o.store.recordWrites(o.installation, summary.runId, writes);
  summary.written += writes.length;
  summary.removed.cleared += writes.length;
  await recordFailures(o.store, o.installation, summary.runId, report.failed.filter((f) => !isGone(f)), summary);
}

/**
 * Evaluates customers and pushes what changed, a customer at a time: the run feeds it customers whose
 * records are complete while the pull still goes on (`streamed`), then every other customer. Returns
 * the desired members of each segment (contact ids) when finished.
 */
interface Evaluator {
  /** Plans these customers (and the tasks they want) (each once per run) and flushes full chunks behind the evaluation. */
  evaluate(customers: AsyncIterable<Customer> | Iterable<Customer>, planner?: Planner): Promise<void>;
  /** Plans every customer not planned yet (unless `rest` is false); returns each segment's desired members. */
  finish(rest: boolean): Promise<Map<string, Set<string>>>;
  /** Starts the last pushes of every kind together and waits for every push. */
  flushLast(): Promise<void>;
  /**
   * Takes a pre-evaluation's outcomes for the whole mirror (incremental runs): evaluates the customers its pull
   * touched again, then applies every outcome in id order; `finish` then has nobody left to read.
   */
  adopt(pre: PreEvaluated): Promise<void>;
  /**
   * While the pull still waits: applies, in id order, the outcomes that write nothing, so `adopt` has only the
   * rest to apply. `adopt` keeps them if they still stand, or takes them back and applies everything.
   */
  preApply(outcomes: ReadonlyMap<string, CustomerOutcome>, halted: () => boolean): Promise<void>;
  /** The pre-evaluation gave up: what `preApply` applied is taken back. */
  dropPreApplied(): void;
  /**
   * The rows to keep for every customer applied (kept-outcomes.ts): those evaluated this run (outcomes taken
   * back stand as kept); `fromKept` when some were. Null above MAX_PRE_EVALUATED customers (not held).
   */
  keptRows(): { rows: KeptOutcomeRow[]; fromKept: boolean; goneAmong: string[] } | null;
}

function createEvaluator(run: () => SyncOptions, runId: number, summary: SyncSummary, pushes: PushPipeline, tasks: Map<string, DesiredTask>): Evaluator {
  const o = run();
  const { store, installation, connector } = o;
  let types: Map<string, OwnedFieldSpec['type']> | null = null;
  const flushSize = o.flushSize ?? connector.pushChunk;
  const pending: Record<ObjectKind, Array<{ change: RecordChange; before: Values }>> = { contact: [], deal: [], ticket: [] };
  /** Deals and tickets planned, each with the customer that planned it (the first citing it in id order). */
  const seen: Record<'deal' | 'ticket', Map<string, string>> = { deal: new Map(), ticket: new Map() };
  const planned = new Set<string>();
  const stageChanges: StageChange[] = [];
  let members: Map<string, Set<string>> | null = null;
  let n = 0;
  // Rows to keep (null once past MAX_PRE_EVALUATED: a run that large is not held in memory), and outcomes taken back.
  let keep: Map<string, KeptOutcomeRow> | null = new Map();
  let takenBack = 0;
  // Customers the pull touched: when outcomes were taken back, the only ones whose kept rows may be of customers gone.
  const maybeGone = new Set<string>();

  // Pushes run behind the evaluation, so CPU time spent evaluating and storing overlaps the
  // rate-limited calls instead of adding to them. Every push settles into the pipeline; a failed
  // push stops the loop at its next flush (each one checks) or at the drain, and ends the run.
  const flush = async (kind: ObjectKind, force: boolean, last = false): Promise<void> => {
    pushes.check();
    stopIfAborted(o);
    const queue = pending[kind];
    if (queue.length === 0 || (!force && queue.length < flushSize)) return;
    pending[kind] = [];
    if (o.dryRun) return;
    const job = async () => {
      const report = await connector.push(queue.map((q) => q.change));
      const byId = new Map(queue.map((q) => [q.change.ref.id, q]));
      const writes = report.written.map((ref) => {
        const q = byId.get(ref.id);
        return { kind: ref.kind, id: ref.id, before: q?.before ?? {}, after: q?.change.values ?? {} };
      });
      await store.recordWrites(installation, runId, writes);
      if (writes.length) await store.clearFailures(installation, writes.map((w) => ({ kind: w.kind, id: w.id })));
      await recordFailures(store, installation, runId, report.failed, summary);
      summary.written += writes.length;
      o.onProgress?.({ phase: 'push', done: summary.written });
    };
    if (last) pushes.start(job);
    else await pushes.submit(job);
  };

  // One customer's outcome into the run: tallies, members, tasks, ledger rows, and the pushes behind it.
  // Every segment has its (maybe empty) set once evaluation starts: a mirror left with no member empties the list.
  const wanted = (): Map<string, Set<string>> => (members ??= new Map(run().engine.mapping.segments.map((s) => [s.id, new Set()])));
  // A deal or ticket shared by two contacts is planned once.
  const fresh = (kind: ObjectKind, id: string, contactId: string): boolean => {
    if (kind === 'contact') return true;
    if (seen[kind].has(id)) return false;
    seen[kind].set(id, contactId);
    return true;
  };
  // Synchronous unless the outcome has pushes or ledger rows to hand on: a run taking back 20,000 kept outcomes
  // applies them without a promise each.
  const apply = (outcome: CustomerOutcome, total?: number): Promise<void> | undefined => {
    const members = wanted();
    planned.add(outcome.contactId);
    n++;
    if (outcome.kept) takenBack++;
    else if (keep !== null) {
      if (keep.size < MAX_PRE_EVALUATED) keep.set(outcome.contactId, keptRow(outcome, o.now));
      else keep = null;
    }
    summary.stages[outcome.stage] = (summary.stages[outcome.stage] ?? 0) + 1;
    for (const id of outcome.flags) summary.flags[id] = (summary.flags[id] ?? 0) + 1;
    for (const id of outcome.segments) members.get(id)?.add(outcome.contactId);
    // A deal or ticket shared by two customers wants one task: the first customer citing it wins.
    for (const t of outcome.tasks) if (!tasks.has(t.key)) tasks.set(t.key, t);
    if (outcome.entryKind !== null) summary.stageEntries.byKind[outcome.entryKind] = (summary.stageEntries.byKind[outcome.entryKind] ?? 0) + 1;
    summary.stageEntries.backfilled += outcome.backfilled;
    if (!o.dryRun && outcome.stageChanges.length > 0) stageChanges.push(...outcome.stageChanges);
    if (outcome.contactUnchanged) summary.unchanged.contacts++;
    const changes = outcome.changes;
    if (changes.length === 0) {
      // Most outcomes change nothing (every kept one): no search through their changes.
      for (const id of outcome.deals) if (fresh('deal', id, outcome.contactId)) summary.unchanged.deals++;
      for (const id of outcome.tickets) if (fresh('ticket', id, outcome.contactId)) summary.unchanged.tickets++;
    } else {
      for (const id of outcome.deals) if (!changes.some((c) => c.kind === 'deal' && c.change.ref.id === id) && fresh('deal', id, outcome.contactId)) summary.unchanged.deals++;
      for (const id of outcome.tickets) if (!changes.some((c) => c.kind === 'ticket' && c.change.ref.id === id) && fresh('ticket', id, outcome.contactId)) summary.unchanged.tickets++;
    }
    if (n % 1000 === 0) o.onProgress?.({ phase: 'evaluate', done: n, ...(total !== undefined ? { total } : {}) });
    return outcome.changes.length > 0 || stageChanges.length >= 1000 ? handOn(outcome) : undefined;
  };
  // The pushes behind an outcome, and the ledger rows once a thousand are held.
  const handOn = async (outcome: CustomerOutcome): Promise<void> => {
    for (const p of outcome.changes) {
      if (!fresh(p.kind, p.change.ref.id, outcome.contactId)) continue;
      summary.changed[PLURAL[p.kind]]++;
      for (const [field, value] of Object.entries(p.change.values)) {
        const entry = (summary.plan[`${p.kind}.${field}`] ??= { changes: 0, examples: [] });
        entry.changes++;
        if (entry.examples.length < 3) entry.examples.push({ id: p.change.ref.id, before: p.before[field] ?? null, after: value });
      }
      pending[p.kind].push({ change: p.change, before: p.before });
      await flush(p.kind, false);
    }
    if (stageChanges.length >= 1000) await store.recordStageChanges(installation, stageChanges.splice(0), runId);
  };

  const evaluate = async (customers: AsyncIterable<Customer> | Iterable<Customer>, planner: Planner, total?: number): Promise<void> => {
    // The run's engine as its schema check left it (a stale schema is read again before any customer is planned).
    const engine = run().engine;
    types ??= ownedFieldTypes(engine);
    wanted();
    for await (const [customer, current] of withCurrentStages(store, installation, customers)) {
      if (planned.has(customer.contact.id)) continue;
      if (o.signal?.aborted) stopIfAborted(o);
      await apply(outcomeOf(engine, customer, planner(engine, current, customer, o.now, types), o.now), total);
    }
  };

  // Set once a pre-evaluation's outcomes (with the customers its pull touched evaluated again) covered the mirror.
  let covered = false;
  // Outcomes applied while the pull still waited (`preApply`), by customer. Only outcomes that write nothing
  // (`keepable`): nothing was pushed or recorded for them, so `unapplyAll` can take them back.
  let preApplied: Map<string, CustomerOutcome> | null = null;
  /** Back to nothing applied (only pre-applied outcomes, which touch none of the changes, plan or ledger, can be). */
  const unapplyAll = (): void => {
    for (const k of Object.keys(summary.stages)) delete summary.stages[k];
    for (const k of Object.keys(summary.flags)) delete summary.flags[k];
    summary.unchanged.contacts = 0;
    summary.unchanged.deals = 0;
    summary.unchanged.tickets = 0;
    members = null;
    tasks.clear();
    seen.deal.clear();
    seen.ticket.clear();
    planned.clear();
    keep = new Map();
    takenBack = 0;
    n = 0;
    preApplied = null;
  };
  /**
   * Whether what was pre-applied stands as if every outcome were applied in id order now: each pre-applied
   * outcome is still the customer's, or an equal one (a batch re-read the customer unchanged: returned, so its
   * kept row follows it), and no outcome left to apply cites a task, deal or ticket that a pre-applied one of a
   * higher id holds (in id order, the lower id would hold it). Null: it does not stand.
   */
  const standing = (outcomes: ReadonlyMap<string, CustomerOutcome>, rest: readonly string[]): CustomerOutcome[] | null => {
    const replaced: CustomerOutcome[] = [];
    for (const [id, applied] of preApplied ?? []) {
      const current = outcomes.get(id);
      if (current === applied) continue;
      if (current === undefined || !sameApplied(current, applied)) return null;
      replaced.push(current);
    }
    for (const id of rest) {
      const r = outcomes.get(id) as CustomerOutcome;
      for (const t of r.tasks) {
        const holder = tasks.get(t.key);
        if (holder !== undefined && compareIds(holder.contactId, id) > 0) return null;
      }
      for (const [kind, ids] of [['deal', r.deals], ['ticket', r.tickets]] as const) {
        for (const rid of ids) {
          const holder = seen[kind].get(rid);
          if (holder !== undefined && compareIds(holder, id) > 0) return null;
        }
      }
    }
    return replaced;
  };

  return {
    evaluate: (customers, planner) => evaluate(customers, planner ?? planCustomer),
    async preApply(outcomes, halted) {
      wanted();
      preApplied = new Map();
      const applied = preApplied;
      let slice = performance.now();
      for (const id of [...outcomes.keys()].sort(compareIds)) {
        const outcome = outcomes.get(id);
        // Touched since (its outcome is gone or new), or it writes: left for `adopt`.
        if (outcome === undefined || !keepable(outcome) || planned.has(id)) continue;
        apply(outcome);
        applied.set(id, outcome);
        if (performance.now() - slice >= PRE_APPLY_SLICE_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          slice = performance.now();
          if (halted() || preApplied !== applied) return;
        }
      }
    },
    dropPreApplied() {
      if (preApplied !== null) unapplyAll();
    },
    async adopt(pre) {
      const engine = run().engine;
      types ??= ownedFieldTypes(engine);
      wanted();
      const outcomes = pre.outcomes;
      for (const id of pre.everTouched) maybeGone.add(id);
      // The customers the pull touched, as the mirror now holds them (gone ones are not found).
      const touched = [...pre.touched];
      if (touched.length > 0) {
        for await (const [customer, current] of withCurrentStages(store, installation, store.iterateCustomers(installation, { contactIds: touched }))) {
          outcomes.set(customer.contact.id, outcomeOf(engine, customer, planCustomer(engine, current, customer, o.now, types), o.now));
        }
      }
      // In the mirror's id order, as a pass over it would have met them (the first customer citing a shared deal wins).
      // When what was pre-applied stands, only the rest is left to apply: sorted alone, it is a few outcomes, not the mirror.
      const inIdOrder = (ids: Iterable<string>): string[] => [...ids].sort(compareIds);
      let order: string[] | null = null;
      let stood = false;
      if (preApplied !== null) {
        const applied: Map<string, CustomerOutcome> = preApplied;
        const rest = inIdOrder([...outcomes.keys()].filter((id) => !applied.has(id)));
        const replaced = standing(outcomes, rest);
        if (replaced === null) unapplyAll();
        else {
          stood = true;
          order = rest;
          // An equal outcome evaluated again: the run's tally of outcomes taken back, and its kept row, follow it.
          for (const r of replaced) {
            if (applied.get(r.contactId)?.kept) takenBack--;
            else keep?.delete(r.contactId);
            if (r.kept) takenBack++;
            else keep?.set(r.contactId, keptRow(r, o.now));
          }
        }
      }
      preApplied = null;
      const tasksBefore = tasks.size;
      for (const id of order ?? inIdOrder(outcomes.keys())) {
        if (o.signal?.aborted) stopIfAborted(o);
        if (planned.has(id)) continue;
        const handing = apply(outcomes.get(id) as CustomerOutcome, outcomes.size);
        if (handing) await handing;
      }
      // Tasks are created in the order they were wanted: as a pass in id order wants them (a stable sort by holder).
      if (stood && tasks.size > tasksBefore) {
        const wantedInOrder = [...tasks.entries()].sort((a, b) => compareIds(a[1].contactId, b[1].contactId));
        tasks.clear();
        for (const [key, t] of wantedInOrder) tasks.set(key, t);
      }
      covered = true;
    },
    async finish(rest) {
      if (rest && !covered) await evaluate(store.iterateCustomers(installation), planCustomer, (await store.countRecords(installation)).contacts);
      summary.customers = n;
      if (takenBack > 0) summary.kept = takenBack;
      if (stageChanges.length) await store.recordStageChanges(installation, stageChanges.splice(0), runId);
      return members ?? new Map();
    },
    keptRows: () => (keep === null ? null : { rows: [...keep.values()], fromKept: takenBack > 0, goneAmong: [...maybeGone] }),
    async flushLast() {
      // The last pushes of every kind go out together (a lone part-filled Collections call costs a call of its own).
      for (const kind of ['contact', 'deal', 'ticket'] as const) await flush(kind, true, true);
      await pushes.drain();
    },
  };
}

async function planSegments(o: SyncOptions, summary: SyncSummary, desired: Map<string, Set<string>>): Promise<void> {
  for (const [segmentId, want] of desired) {
    const have = await o.store.getSegmentMembers(o.installation, segmentId);
    summary.segments[segmentId] = {
      members: want.size,
      added: [...want].filter((id) => !have.has(id)).length,
      removed: [...have].filter((id) => !want.has(id)).length,
    };
  }
}

/**
 * Segment memberships. Incremental runs diff the wanted members against the store's record of what
 * was synced. Full runs read each list / campaign's actual members from the CRM and diff against
 * those, so drift is repaired both ways (a member removed by hand comes back, one added by hand
 * leaves) and a removed record is only taken out where the CRM still holds it. A list / campaign an
 * admin deleted is created again (or, with `writeback.deleted_segment_list: report`, reported and skipped).
 */
/**
 * The members each segment's list / campaign holds, read as the run starts (full runs). A failed read is
 * kept, not thrown, until the run asks for the result (an unhandled rejection must not end the process
 * while the pull is still going).
 */
function readMemberships(o: SyncOptions): { result(): Promise<Map<string, MembershipRead>> } {
  const reads = (async () => {
    const targets: Array<readonly [string, string]> = [];
    for (const s of o.engine.mapping.segments) {
      const targetId = await o.store.getSetting(o.installation, `segment-target:${s.id}`);
      if (targetId) targets.push([s.id, targetId]);
    }
    return new Map(await Promise.all(targets.map(async ([segmentId, targetId]) => [`${segmentId}\u0000${targetId}`, await o.connector.readMembership(targetId)] as const)));
  })();
  reads.catch(() => undefined);
  return { result: () => reads };
}

/** A segment's list / campaign id and the members the store records as synced to it. */
interface StoredSegment {
  targetId: string | undefined;
  have: Set<string>;
}

/** Every segment's stored state, a segment at a time with the event loop handed back in between (a SQLite read is one synchronous step). */
async function readStoredSegments(o: SyncOptions, ahead: { stopped: boolean }): Promise<Map<string, StoredSegment> | undefined> {
  const out = new Map<string, StoredSegment>();
  for (const { id } of o.engine.mapping.segments) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (ahead.stopped) return undefined;
    out.set(id, { targetId: await o.store.getSetting(o.installation, `segment-target:${id}`), have: await o.store.getSegmentMembers(o.installation, id) });
  }
  return out;
}

/** `stored`: the segments' state read ahead while the pull waited (readStoredSegments), by a run in which nothing else changes it. */
async function syncSegments(o: SyncOptions, summary: SyncSummary, desired: Map<string, Set<string>>, prefetched?: Map<string, MembershipRead>, stored?: Map<string, StoredSegment>): Promise<void> {
  const names = new Map(journeyFieldSpec(o.engine.mapping).segments.map((s) => [s.id, s.name]));
  // Every segment at once: the connector writes changes asked for together together (Salesforce packs their
  // Collections calls, or makes one Bulk job of them: connector README).
  for (const [segmentId] of desired) summary.segments[segmentId] = { members: 0, added: 0, removed: 0 };
  await Promise.all([...desired].map(async ([segmentId, want]) => {
    const ahead = stored?.get(segmentId);
    let targetId = ahead ? ahead.targetId : await o.store.getSetting(o.installation, `segment-target:${segmentId}`);
    const have = ahead ? ahead.have : await o.store.getSegmentMembers(o.installation, segmentId);
    const outcome: SegmentOutcome = { members: want.size, added: 0, removed: 0 };
    summary.segments[segmentId] = outcome;
    // The CRM's members: read on full runs; otherwise the store's record stands for them.
    let actual: Set<string> | null = null;
    if (o.mode === 'full' && targetId) {
      const read = prefetched?.get(`${segmentId}\u0000${targetId}`) ?? (await o.connector.readMembership(targetId));
      tallyRead(summary, read);
      if (read.exists) actual = new Set(read.members);
      else {
        targetId = await replaceTarget(o, segmentId, names, outcome);
        if (!targetId) return;
        actual = new Set();
      }
    }
    const current = actual ?? have;
    let add = [...want].filter((id) => !current.has(id));
    let remove = [...current].filter((id) => !want.has(id));
    if (actual) outcome.repaired = add.filter((id) => have.has(id)).length + remove.filter((id) => !have.has(id)).length;
    if (add.length === 0 && remove.length === 0) {
      if (actual) await o.store.applyMembership(o.installation, segmentId, [...want].filter((id) => !have.has(id)), [...have].filter((id) => !want.has(id)), o.now);
      return;
    }
    if (!targetId) {
      throw new ParcoursError('CONFIG_INVALID', `segment "${segmentId}" has no ${o.connector.crm === 'hubspot' ? 'list' : 'campaign'} yet: run "parcours setup --crm ${o.connector.crm}" first`, { crm: o.connector.crm });
    }
    let report: MembershipReport;
    try {
      report = await o.connector.syncMembership({ segmentId, targetId, add, remove });
    } catch (error) {
      if (!(error instanceof ParcoursError && error.code === 'NOT_FOUND')) throw error;
      report = { added: [], removed: [], failed: add.map((contactId) => ({ contactId, code: error.code, message: error.message })) };
    }
    // Every add refused (HubSpot: 404; Salesforce: each member refused): was the list deleted meanwhile?
    if (!actual && add.length > 0 && report.added.length === 0 && report.failed.length > 0) {
      const read = await o.connector.readMembership(targetId);
      tallyRead(summary, read);
      if (!read.exists) {
        targetId = await replaceTarget(o, segmentId, names, outcome);
        if (!targetId) return;
        add = [...want];
        remove = [];
        outcome.repaired = add.filter((id) => have.has(id)).length;
        report = await o.connector.syncMembership({ segmentId, targetId, add, remove });
      }
    }
    const failedIds = new Set(report.failed.map((f) => f.contactId));
    const added = add.filter((id) => !failedIds.has(id));
    const removed = remove.filter((id) => !failedIds.has(id));
    // The store records what the CRM now holds of what we want: entries/exits against its own record.
    const kept = (id: string): boolean => !failedIds.has(id);
    const enter = [...want].filter((id) => !have.has(id) && kept(id));
    const exit = [...have].filter((id) => !want.has(id) && kept(id));
    // Moves this run's own calls made carry its id (a rollback reverts them); what the CRM already held does not.
    const moved = new Set([...added, ...removed]);
    await o.store.applyMembership(o.installation, segmentId, enter.filter((id) => moved.has(id)), exit.filter((id) => moved.has(id)), o.now, summary.runId);
    await o.store.applyMembership(o.installation, segmentId, enter.filter((id) => !moved.has(id)), exit.filter((id) => !moved.has(id)), o.now);
    outcome.added = added.length;
    outcome.removed = removed.length;
    for (const f of report.failed) summary.failed.push({ object: 'contact', id: f.contactId, code: f.code, message: `segment ${segmentId}: ${f.message}` });
    o.onProgress?.({ phase: 'segments', done: added.length + removed.length });
  }));
  summary.repaired = Object.values(summary.segments).reduce((n, s) => n + (s.repaired ?? 0), 0);
}

function tallyRead(summary: SyncSummary, read: MembershipRead): void {
  const r = (summary.membershipReads ??= { calls: 0, members: 0, pageSize: read.pageSize });
  r.calls += read.calls;
  r.members += read.members.length;
}

/** The segment's list / campaign is gone from the CRM: recreate it (the default) or report it. */
async function replaceTarget(o: SyncOptions, segmentId: string, names: Map<string, string>, outcome: SegmentOutcome): Promise<string | undefined> {
  if (o.engine.mapping.writeback.deletedSegmentList === 'report') {
    outcome.target = 'missing';
    return undefined;
  }
  const targetId = await o.connector.ensureSegmentTarget({ id: segmentId, name: names.get(segmentId) ?? segmentId });
  await o.store.setSetting(o.installation, `segment-target:${segmentId}`, targetId);
  outcome.target = 'recreated';
  return targetId;
}

async function recordFailures(store: Store, installation: string, runId: number, failed: RecordFailure[], summary: SyncSummary): Promise<void> {
  if (failed.length === 0) return;
  await store.recordFailures(installation, runId, failed.map((f) => ({ kind: f.ref.kind, id: f.ref.id, code: f.code, message: f.message })));
  for (const f of failed) summary.failed.push({ object: f.ref.kind, id: f.ref.id, code: f.code, message: f.message });
}
