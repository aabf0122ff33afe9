/**
 * `parcours rollback --run <id>`: undoes a run.
 * - Field values it overwrote are restored, but only where the CRM still holds what that run wrote
 *   (someone may have changed the record since); everything else is reported.
 * - Segment memberships it changed in lists/campaigns are reverted (members it added leave, members it
 *   removed come back), except where a later run changed that membership again.
 * - Its stage-ledger entries are undone (stays it opened removed, stays it closed reopened), except for
 *   customers a later run moved on.
 * The installation is paused first, so no scheduled run or webhook re-writes what was undone; it stays
 * paused until `parcours resume`.
 */
import type { CrmConnector, RecordChange } from '../../connectors/port.ts';
import { ParcoursError } from '../errors.ts';
import type { ObjectKind, RecordRef } from '../model.ts';
import type { MembershipMove, Store } from '../store/index.ts';
import { sameValue } from './desired.ts';
import { pauseInstallation, type PausedState } from './pause.ts';
import { rollbackTasks, type TaskRollback } from './rollback-tasks.ts';

export interface RollbackReport {
  runId: number;
  rollbackRunId: number;
  restored: number;
  skipped: Array<{ object: ObjectKind; id: string; field: string; reason: string }>;
  failed: Array<{ object: ObjectKind; id: string; code: string; message: string }>;
  /** Membership moves reverted in the CRM and the store; `kept`: moves a later run changed again. */
  memberships: { reverted: number; kept: number };
  /** Stage-ledger stays undone; `kept`: customers a later run moved on. */
  stages: { undone: number; kept: number };
  /** Follow-up tasks: created by the run and untouched → deleted; completed by it and untouched → re-opened. */
  tasks?: TaskRollback;
  /** The installation is paused from now on, until `parcours resume`. */
  paused: PausedState;
}

export async function rollbackRun(connector: CrmConnector, store: Store, installation: string, runId: number, now: number): Promise<RollbackReport> {
  const run = await store.getRun(runId);
  if (!run) throw new ParcoursError('NOT_FOUND', `run ${runId} does not exist (see "parcours runs")`);
  if (run.installation !== installation) throw new ParcoursError('INPUT_INVALID', `run ${runId} belongs to ${run.installation}, not ${installation}`);
  const audit = await store.auditForRun(runId);
  const byRecord = new Map<string, { kind: ObjectKind; id: string; fields: Map<string, { before: string | null; after: string | null }> }>();
  for (const row of audit) {
    const key = `${row.kind}:${row.recordId}`;
    let entry = byRecord.get(key);
    if (!entry) byRecord.set(key, (entry = { kind: row.kind, id: row.recordId, fields: new Map() }));
    entry.fields.set(row.field, { before: row.before, after: row.after });
  }
  const rollbackRunId = await store.startRun({ installation, crm: connector.crm, mode: 'rollback', dryRun: false, startedAt: now });
  // Paused before the first write: a scheduled run or webhook must not re-apply what is being undone.
  const paused: PausedState = { since: now, reason: `rollback of run ${runId}`, runId, rollbackRunId };
  await pauseInstallation(store, installation, paused);
  const report: RollbackReport = { runId, rollbackRunId, restored: 0, skipped: [], failed: [], memberships: { reverted: 0, kept: 0 }, stages: { undone: 0, kept: 0 }, paused };
  // readCurrent takes one object type at a time (field names differ between Contact and Opportunity).
  const groups = new Map<string, Array<{ ref: RecordRef; fields: Map<string, { before: string | null; after: string | null }> }>>();
  for (const e of byRecord.values()) {
    const objectType = (await store.getRecord(installation, e.kind, e.id))?.objectType ?? e.kind;
    const key = `${e.kind}:${objectType}`;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push({ ref: { kind: e.kind, objectType, id: e.id }, fields: e.fields });
  }
  const changes: Array<{ change: RecordChange; before: Record<string, string | null> }> = [];
  for (const entries of groups.values()) {
    for (let i = 0; i < entries.length; i += 100) {
      const chunk = entries.slice(i, i + 100);
      const fields = [...new Set(chunk.flatMap((e) => [...e.fields.keys()]))];
      const current = await connector.readCurrent(chunk.map((e) => e.ref), fields);
      for (const e of chunk) {
        const live = current.get(e.ref.id);
        if (!live) {
          report.skipped.push({ object: e.ref.kind, id: e.ref.id, field: '*', reason: 'record no longer exists in the CRM' });
          continue;
        }
        const values: Record<string, string | null> = {};
        const before: Record<string, string | null> = {};
        for (const [field, v] of e.fields) {
          const cur = live[field] ?? null;
          // Datetimes and multi-selects come back reformatted; compare leniently.
          if (sameValue('datetime', cur, v.after) || sameValue('multi', cur, v.after)) {
            values[field] = v.before;
            before[field] = cur;
          } else report.skipped.push({ object: e.ref.kind, id: e.ref.id, field, reason: `changed since run ${runId} (now ${JSON.stringify(cur)}, run wrote ${JSON.stringify(v.after)})` });
        }
        if (Object.keys(values).length) changes.push({ change: { ref: e.ref, values }, before });
      }
    }
  }
  if (changes.length) {
    const result = await connector.push(changes.map((c) => c.change));
    const byId = new Map(changes.map((c) => [c.change.ref.id, c]));
    await store.recordWrites(
      installation,
      rollbackRunId,
      result.written.map((ref) => ({ kind: ref.kind, id: ref.id, before: byId.get(ref.id)?.before ?? {}, after: byId.get(ref.id)?.change.values ?? {} })),
    );
    report.restored = result.written.length;
    report.failed = result.failed.map((f) => ({ object: f.ref.kind, id: f.ref.id, code: f.code, message: f.message }));
  }
  await revertMemberships(connector, store, installation, runId, report);
  const stages = await store.undoStageChanges(installation, runId);
  report.stages = { undone: stages.undone, kept: stages.kept.length };
  const tasks = await rollbackTasks(connector, store, installation, runId, rollbackRunId, now);
  if (tasks) report.tasks = tasks;
  const failed = report.failed.length > 0 || (tasks?.failed.length ?? 0) > 0;
  await store.finishRun(rollbackRunId, { finishedAt: Date.now(), status: failed ? 'partial' : 'succeeded', summary: report });
  return report;
}

/** Members the run added leave and members it removed come back, in the CRM first, then in the store. */
async function revertMemberships(connector: CrmConnector, store: Store, installation: string, runId: number, report: RollbackReport): Promise<void> {
  const { moves, total } = await store.membershipMovesOfRun(installation, runId);
  report.memberships.kept = total - moves.length;
  const bySegment = new Map<string, MembershipMove[]>();
  for (const m of moves) bySegment.set(m.segmentId, [...(bySegment.get(m.segmentId) ?? []), m]);
  for (const [segmentId, list] of bySegment) {
    const targetId = await store.getSetting(installation, `segment-target:${segmentId}`);
    if (!targetId) {
      for (const m of list) report.failed.push({ object: 'contact', id: m.contactId, code: 'CONFIG_INVALID', message: `segment ${segmentId} has no list/campaign any more: membership not reverted` });
      continue;
    }
    const change = {
      segmentId,
      targetId,
      add: list.filter((m) => m.type === 'exited').map((m) => m.contactId),
      remove: list.filter((m) => m.type === 'entered').map((m) => m.contactId),
    };
    const result = await connector.syncMembership(change);
    const failed = new Set(result.failed.map((f) => f.contactId));
    for (const f of result.failed) report.failed.push({ object: 'contact', id: f.contactId, code: f.code, message: `segment ${segmentId}: ${f.message}` });
    const reverted = list.filter((m) => !failed.has(m.contactId));
    await store.undoMembershipMoves(installation, reverted);
    report.memberships.reverted += reverted.length;
  }
}
