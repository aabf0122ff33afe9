/**
 * A targeted run for webhooks: re-read only the customers a CRM change touched, live, store them in
 * the mirror, re-evaluate them, and write what differs from the CRM's current values. Recorded as a
 * run with mode `webhook`. Segment memberships of those customers are corrected too.
 *
 * The per-customer plan (stage entry time, desired values, field diff) is `planCustomer` in plan.ts,
 * shared with runSync.
 */
import type { CrmConnector } from '../../connectors/port.ts';
import { ParcoursError } from '../errors.ts';
import type { Engine } from '../journey/engine.ts';
import type { CrmName, CrmRecord, Customer, ObjectKind, RecordRef } from '../model.ts';
import type { RunStatus, StageChange, Store } from '../store/index.ts';
import type { DisabledRule } from './field-check.ts';
import { checkFields } from './field-check.ts';
import { fieldNeeds } from './field-spec.ts';
import { assertNotPaused } from './pause.ts';
import { apiCallDelta, ownedFieldTypes, planCustomer, withCurrentStages, type PlannedRecord } from './plan.ts';

export interface RecomputeOptions {
  connector: CrmConnector;
  store: Store;
  engine: Engine;
  installation: string;
  /** Customers (contact or lead ids) known to be affected. */
  contactIds?: string[];
  /** Changed records; deals and tickets lead to their contacts through the mirror. */
  records?: RecordRef[];
  now: number;
  /** Customers read from the CRM at once (default 4). */
  concurrency?: number;
}

export interface RecomputeSummary {
  runId: number;
  crm: CrmName;
  installation: string;
  mode: 'webhook';
  status: Exclude<RunStatus, 'running'>;
  /** Customers re-read and re-evaluated. */
  customers: number;
  /** Customers gone from the CRM (removed from the mirror). */
  removed: number;
  /** Deals/tickets that no mirrored customer links to yet: the next scheduled sync picks them up. */
  unresolved: RecordRef[];
  changed: { contacts: number; deals: number; tickets: number };
  written: number;
  failed: Array<{ object: ObjectKind; id: string; code: string; message: string }>;
  segments: Record<string, { added: number; removed: number }>;
  stages: Record<string, number>;
  apiCalls: { total: number; byEndpoint: Record<string, number>; rateLimited: number; unanswered?: number };
  stoppedReason?: string;
  startedAt: number;
  finishedAt: number;
  /** Rules off because the CRM lacks a field they read (as the last full or incremental run found). */
  disabled: DisabledRule[];
}

const PLURAL = { contact: 'contacts', deal: 'deals', ticket: 'tickets' } as const;

export async function recomputeCustomers(o: RecomputeOptions): Promise<RecomputeSummary> {
  const { connector, store, installation } = o;
  await assertNotPaused(store, installation, connector.crm);
  const startedAt = Date.now();
  const before = connector.stats();
  const runId = await store.startRun({ installation, crm: connector.crm, mode: 'webhook', dryRun: false, startedAt });
  const summary: RecomputeSummary = {
    runId, crm: connector.crm, installation, mode: 'webhook', status: 'succeeded', customers: 0, removed: 0, unresolved: [],
    changed: { contacts: 0, deals: 0, tickets: 0 }, written: 0, failed: [], segments: {}, stages: {},
    apiCalls: { total: 0, byEndpoint: {}, rateLimited: 0 }, startedAt, finishedAt: startedAt, disabled: [],
  };
  try {
    // Which fields the CRM has (the connector keeps its read for a few minutes): rules on missing ones
    // are off, and the live reads below never ask for them.
    const checked = await checkFields(connector, o.engine);
    summary.disabled = checked.disabled;
    o = { ...o, engine: checked.engine };
    const contactIds = await affectedContacts(store, installation, o, summary);
    const live = await refreshMirror(o, contactIds, summary);
    await evaluateAndWrite(o, runId, live, summary);
    summary.status = summary.failed.length > 0 ? 'partial' : 'succeeded';
  } catch (error) {
    const stopped = error instanceof ParcoursError && (error.code === 'DAILY_LIMIT' || error.code === 'QUOTA_RESERVE');
    summary.status = stopped ? 'stopped' : 'failed';
    summary.stoppedReason = error instanceof Error ? error.message : String(error);
    await finish(store, connector, before, summary);
    if (!stopped) throw error;
    return summary;
  }
  await finish(store, connector, before, summary);
  return summary;
}

async function affectedContacts(store: Store, installation: string, o: RecomputeOptions, summary: RecomputeSummary): Promise<string[]> {
  const ids = new Set(o.contactIds ?? []);
  const linked: Array<{ kind: 'deal' | 'ticket'; id: string }> = [];
  for (const ref of o.records ?? []) {
    if (ref.kind === 'contact') ids.add(ref.id);
    else linked.push({ kind: ref.kind, id: ref.id });
  }
  for (const ref of linked) {
    const contacts = await store.contactsLinkedTo(installation, [ref]);
    if (contacts.length === 0) summary.unresolved.push((o.records ?? []).find((r) => r.kind === ref.kind && r.id === ref.id) as RecordRef);
    contacts.forEach((id) => ids.add(id));
  }
  return [...ids].sort();
}

/** Reads each customer live and stores it; returns the ids still present in the CRM. */
async function refreshMirror(o: RecomputeOptions, contactIds: string[], summary: RecomputeSummary): Promise<string[]> {
  const needs = fieldNeeds(o.engine.mapping);
  const present: string[] = [];
  const queue = [...contactIds];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const records = await fetchOrGone(o.connector, id, needs);
      const contact = records.find((r) => r.kind === 'contact' && r.id === id);
      if (!contact) {
        const known = await o.store.getRecord(o.installation, 'contact', id);
        await o.store.applyPullBatch(o.installation, { kind: 'contact', records: [], removed: [{ kind: 'contact', objectType: known?.objectType ?? 'contact', id }] });
        summary.removed++;
        continue;
      }
      await storeCustomer(o.store, o.installation, contact, records);
      present.push(id);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 4) }, worker));
  return present;
}

async function fetchOrGone(connector: CrmConnector, id: string, needs: ReturnType<typeof fieldNeeds>): Promise<CrmRecord[]> {
  try {
    return await connector.fetchCustomer(id, needs);
  } catch (error) {
    if (error instanceof ParcoursError && error.code === 'NOT_FOUND') return [];
    throw error;
  }
}

/** One transaction per customer: the contact with its full link set (from its side), then its deals and tickets. */
async function storeCustomer(store: Store, installation: string, contact: CrmRecord, records: CrmRecord[]): Promise<void> {
  const deals = records.filter((r) => r.kind === 'deal');
  const tickets = records.filter((r) => r.kind === 'ticket');
  await store.applyPullBatches(installation, [
    { kind: 'contact', records: [contact], removed: [], links: [{ contactId: contact.id, deals: deals.map((d) => d.id), tickets: tickets.map((t) => t.id) }] },
    ...(deals.length ? [{ kind: 'deal' as const, records: deals, removed: [] }] : []),
    ...(tickets.length ? [{ kind: 'ticket' as const, records: tickets, removed: [] }] : []),
  ]);
}

async function evaluateAndWrite(o: RecomputeOptions, runId: number, contactIds: string[], summary: RecomputeSummary): Promise<void> {
  const { store, engine, installation, connector, now } = o;
  if (contactIds.length === 0) return;
  const types = ownedFieldTypes(engine);
  const planned = new Map<string, PlannedRecord>();
  const stageChanges: StageChange[] = [];
  const members = new Map<string, Set<string>>(engine.mapping.segments.map((s) => [s.id, new Set()]));
  for await (const [customer, current] of withCurrentStages(store, installation, store.iterateCustomers(installation, { contactIds }))) {
    summary.customers++;
    const plan = planCustomer(engine, current, customer, now, types);
    summary.stages[plan.state.stage.id] = (summary.stages[plan.state.stage.id] ?? 0) + 1;
    for (const s of plan.state.segments) members.get(s.id)?.add(customer.contact.id);
    stageChanges.push(...plan.stageChanges);
    // A deal shared by two affected contacts is planned once.
    for (const p of plan.changes) if (!planned.has(`${p.kind}:${p.change.ref.id}`)) planned.set(`${p.kind}:${p.change.ref.id}`, p);
  }
  const queue = [...planned.values()];
  for (const p of queue) summary.changed[PLURAL[p.kind]]++;
  if (queue.length) {
    const report = await connector.push(queue.map((p) => p.change));
    const byKey = new Map(queue.map((p) => [`${p.kind}:${p.change.ref.id}`, p]));
    const writes = report.written.map((ref) => {
      const p = byKey.get(`${ref.kind}:${ref.id}`);
      return { kind: ref.kind, id: ref.id, before: p?.before ?? {}, after: p?.change.values ?? {} };
    });
    await store.recordWrites(installation, runId, writes);
    if (writes.length) await store.clearFailures(installation, writes.map((w) => ({ kind: w.kind, id: w.id })));
    if (report.failed.length) {
      await store.recordFailures(installation, runId, report.failed.map((f) => ({ kind: f.ref.kind, id: f.ref.id, code: f.code, message: f.message })));
      for (const f of report.failed) summary.failed.push({ object: f.ref.kind, id: f.ref.id, code: f.code, message: f.message });
    }
    summary.written = writes.length;
  }
  if (stageChanges.length) await store.recordStageChanges(installation, stageChanges, runId);
  await correctMemberships(o, contactIds, members, summary);
}

/** Membership of the affected customers only; segments without a list/campaign yet are left to `setup`. */
async function correctMemberships(o: RecomputeOptions, contactIds: string[], desired: Map<string, Set<string>>, summary: RecomputeSummary): Promise<void> {
  const { store, installation, connector } = o;
  for (const [segmentId, want] of desired) {
    const have = await store.getSegmentMembers(installation, segmentId);
    const add = contactIds.filter((id) => want.has(id) && !have.has(id));
    const remove = contactIds.filter((id) => !want.has(id) && have.has(id));
    const targetId = await store.getSetting(installation, `segment-target:${segmentId}`);
    if ((add.length === 0 && remove.length === 0) || !targetId) continue;
    const report = await connector.syncMembership({ segmentId, targetId, add, remove });
    const failed = new Set(report.failed.map((f) => f.contactId));
    const added = add.filter((id) => !failed.has(id));
    const removed = remove.filter((id) => !failed.has(id));
    await store.applyMembership(installation, segmentId, added, removed, o.now, summary.runId);
    summary.segments[segmentId] = { added: added.length, removed: removed.length };
    for (const f of report.failed) summary.failed.push({ object: 'contact', id: f.contactId, code: f.code, message: `segment ${segmentId}: ${f.message}` });
  }
}

async function finish(store: Store, connector: CrmConnector, before: RecomputeSummary['apiCalls'], summary: RecomputeSummary): Promise<void> {
  summary.apiCalls = apiCallDelta(before, connector.stats());
  summary.finishedAt = Date.now();
  await store.finishRun(summary.runId, { finishedAt: summary.finishedAt, status: summary.status, summary });
}
