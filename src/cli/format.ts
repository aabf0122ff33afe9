/** Human-readable renderings of run summaries, plans and reports. */
import type { DisabledRule } from '../sync/field-check.ts';
import type { LinkedSyncSummary } from '../sync/linked-run.ts';
import type { SyncSummary } from '../sync/run.ts';
import type { TaskLine, TaskSummary } from '../sync/tasks.ts';

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function syncJson(s: SyncSummary): object {
  return {
    runId: s.runId,
    crm: s.crm,
    dryRun: s.dryRun,
    status: s.status,
    pulled: { contacts: s.pulled.contacts, deals: s.pulled.deals, tickets: s.pulled.tickets },
    touchpoints: s.touchpoints,
    changed: s.changed,
    written: s.written,
    failed: s.failed,
    removed: s.removed,
    handedOver: s.handedOver,
    repaired: s.repaired,
    segments: s.segments,
    ...(s.membershipReads ? { membershipReads: s.membershipReads } : {}),
    apiCalls: { total: s.apiCalls.total, byEndpoint: s.apiCalls.byEndpoint },
    disabled: s.disabled,
    ...(s.tasks ? { tasks: tasksJson(s.tasks) } : {}),
    ...(s.stoppedReason ? { stoppedReason: s.stoppedReason } : {}),
    ...(s.resumeAt ? { resumeAt: new Date(s.resumeAt).toISOString() } : {}),
  };
}

const KIND_TEXT: Record<keyof SyncSummary['stageEntries']['byKind'], string> = {
  deal: 'deal dates', lifecycle: 'lifecycle-stage dates', ticket: 'ticket dates', created: 'creation dates', window: 'time windows after CRM dates',
  kept: 'kept from the CRM field', observed: 'changes observed now', first_observed: 'first observed (no CRM date)',
};

/** `3000 stage entries dated: 1210 by lifecycle-stage dates, …; 5120 earlier stays backfilled from CRM history`. */
function entriesText(e: SyncSummary['stageEntries']): string {
  const parts = Object.entries(e.byKind).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const total = parts.reduce((n, [, v]) => n + v, 0);
  if (total === 0 && e.backfilled === 0) return '';
  const head = `${total} stage entr${total === 1 ? 'y' : 'ies'} dated: ${parts.map(([k, n]) => `${n} by ${KIND_TEXT[k as keyof typeof KIND_TEXT]}`).join(', ') || 'none'}`;
  return e.backfilled > 0 ? `${head}; ${e.backfilled} earlier stays backfilled from CRM history` : head;
}

export function syncText(s: SyncSummary): string[] {
  const lines: string[] = [];
  const kinds = ['contacts', 'deals', 'tickets'] as const;
  lines.push(`${s.dryRun ? 'DRY RUN — nothing written. ' : ''}run #${s.runId} ${s.crm} ${s.mode}: ${s.status} in ${formatDuration(s.finishedAt - s.startedAt)}`);
  lines.push(`  pulled:    ${kinds.map((k) => `${s.pulled[k]} ${k}`).join(', ')}${s.pulled.removed ? `, ${s.pulled.removed} removed` : ''}`);
  lines.push(...touchpointsText(s.touchpoints));
  const removed = kinds.map((k) => s.removed[k]).reduce((a, b) => a + b, 0);
  if (removed || s.handedOver) {
    lines.push(`  removed:   ${kinds.map((k) => `${s.removed[k]} ${k}`).join(', ')} (${s.removed.swept} no longer shown by the CRM${s.removed.cleared ? `, ${s.removed.cleared} of them ${s.dryRun ? 'to be ' : ''}cleared of Parcours values` : ''})${s.handedOver ? `; ${s.handedOver} converted leads handed over to their contacts` : ''}`);
  }
  lines.push(`  customers: ${s.customers}${s.kept ? ` (${s.kept} as the last run left them: nothing they depend on changed)` : ''}`);
  lines.push(`  stages:    ${Object.entries(s.stages).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  const entered = entriesText(s.stageEntries);
  if (entered) lines.push(`  entered:   ${entered}`);
  lines.push(`  flags:     ${Object.entries(s.flags).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  lines.push(`  plan:      ${kinds.map((k) => `${k} ${s.changed[k]} to update / ${s.unchanged[k]} unchanged`).join('; ')}`);
  for (const [field, p] of Object.entries(s.plan)) {
    lines.push(`    ${field}: ${p.changes} change${p.changes === 1 ? '' : 's'}`);
    for (const e of p.examples) lines.push(`      #${e.id}: ${show(e.before)} → ${show(e.after)}`);
  }
  const segs = Object.entries(s.segments);
  if (segs.length) lines.push(`  segments:  ${segs.map(([k, v]) => `${k} ${v.members} (+${v.added} −${v.removed}${v.repaired ? `, ${v.repaired} repaired` : ''}${v.target === 'recreated' ? ', list recreated' : v.target === 'missing' ? ', LIST DELETED in the CRM (not recreated)' : ''})`).join(', ')}`);
  if (s.membershipReads) lines.push(`  memberships read: ${s.membershipReads.members} members in ${s.membershipReads.calls} calls (page size ${s.membershipReads.pageSize}); ${s.repaired} repaired`);
  if (!s.dryRun) lines.push(`  written:   ${s.written} records`);
  if (s.tasks) lines.push(...tasksText(s.tasks, s.dryRun));
  lines.push(`  API calls: ${s.apiCalls.total}${s.apiCalls.rateLimited ? ` (${s.apiCalls.rateLimited} rate-limited)` : ''} — ${Object.entries(s.apiCalls.byEndpoint).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (s.failed.length) {
    lines.push(`  failed:    ${s.failed.length} records (kept for the next run)`);
    for (const f of s.failed.slice(0, 10)) lines.push(`    ${f.object} ${f.id}: ${f.code} ${f.message}`);
    if (s.failed.length > 10) lines.push(`    … ${s.failed.length - 10} more (parcours runs --id ${s.runId})`);
  }
  lines.push(...disabledText(s.disabled));
  if (s.stoppedReason) lines.push(`  stopped:   ${s.stoppedReason}${s.resumeAt ? ` — resume after ${new Date(s.resumeAt).toISOString()}` : ''}`);
  return lines;
}

/** `312 pulled (email 140, phone 90, meeting 52, survey 30); 3 removed` — nothing when the connector has none. */
function touchpointsText(t: SyncSummary['touchpoints'] | undefined): string[] {
  if (!t || !t.supported) return [];
  const channels = Object.entries(t.byChannel).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`);
  let head = `  touchpoints: ${t.pulled} pulled${channels.length ? ` (${channels.join(', ')})` : ''}`;
  if (t.removed || t.swept) head += `; ${t.removed + t.swept} removed${t.swept ? ` (${t.swept} no longer shown by the CRM)` : ''}`;
  if (t.rejected) head += `; ${t.rejected} malformed, skipped`;
  return [head, ...t.rejectedExamples.slice(0, 3).map((r) => `    touchpoint ${r.objectType ?? '?'}/${r.id ?? '?'}: ${r.message}`)];
}

/** The tasks block of `sync --json`: counts first, then the lists that need a person's attention. */
export function tasksJson(t: TaskSummary): object {
  return {
    created: t.created,
    completed: t.completed,
    held: t.held,
    leftOpen: t.leftOpen.length,
    doneByOwner: t.doneByOwner,
    gone: t.gone,
    unassignable: t.unassignable.length,
    failed: t.failed.length,
    leftOpenTasks: t.leftOpen,
    unassignableTasks: t.unassignable,
    failedTasks: t.failed,
    ...(t.toCreate ? { toCreate: t.toCreate.map(lineJson) } : {}),
    ...(t.toClose ? { toClose: t.toClose.map(lineJson) } : {}),
    ...(t.unsupported ? { unsupported: t.unsupported } : {}),
  };
}

function lineJson(l: TaskLine): object {
  return { ...l, dueAt: new Date(l.dueAt).toISOString() };
}

const UNASSIGNABLE_SHOWN = 5;

/** `tasks: 3 created, 1 completed, 1 left open (edited), 2 unassignable, 0 failed` and the details. */
export function tasksText(t: TaskSummary, dryRun: boolean): string[] {
  if (t.unsupported) return [`  tasks:     ${t.unsupported}`];
  const lines: string[] = [];
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  const line = (l: TaskLine): string => `${l.action} on ${l.on.kind} ${l.on.id}${l.taskId ? ` (task ${l.taskId})` : ''} → owner ${l.ownerId ?? '?'}, due ${day(l.dueAt)}: ${show(l.subject)}`;
  if (dryRun) {
    lines.push(`  tasks:     ${t.toCreate?.length ?? 0} to create, ${t.toClose?.length ?? 0} to close if still open and unedited, ${t.held} kept open, ${t.unassignable.length} unassignable`);
    for (const l of (t.toCreate ?? []).slice(0, 50)) lines.push(`    + create ${line(l)}`);
    for (const l of (t.toClose ?? []).slice(0, 50)) lines.push(`    - close ${line(l)}`);
  } else {
    lines.push(`  tasks:     ${t.created} created, ${t.completed} completed, ${t.leftOpen.length} left open (edited), ${t.unassignable.length} unassignable, ${t.failed.length} failed; ${t.held} kept open${t.doneByOwner ? `, ${t.doneByOwner} already done by their owner` : ''}${t.gone ? `, ${t.gone} deleted in the CRM` : ''}`);
    for (const l of t.leftOpen.slice(0, 20)) lines.push(`    left open: task ${l.taskId} (${l.key}): ${l.why}`);
    for (const f of t.failed.slice(0, 20)) lines.push(`    failed: ${f.key}: ${f.code} ${f.message}`);
  }
  // A few examples, not hundreds of lines: the full list is in `--json` and `parcours runs --id`.
  for (const u of t.unassignable.slice(0, UNASSIGNABLE_SHOWN)) lines.push(`    unassignable: ${u.key}: ${u.why}`);
  if (t.unassignable.length > UNASSIGNABLE_SHOWN) lines.push(`    … and ${t.unassignable.length - UNASSIGNABLE_SHOWN} more unassignable (all of them in --json); set fallback_owner on the action to assign them`);
  return lines;
}

/** Rules off because the CRM lacks a field: one line each, with what it needs and the fix. */
export function disabledText(disabled: readonly DisabledRule[] | undefined, indent = '  '): string[] {
  if (!disabled || disabled.length === 0) return [];
  const lines = [`${indent}disabled:  ${disabled.length} rule${disabled.length === 1 ? '' : 's'} off (the CRM lacks a field they read; they count as not holding)`];
  for (const d of disabled) lines.push(`${indent}  ${d.rule} needs ${d.needs.join(', ')} — fix: ${d.fix}`);
  return lines;
}

function show(v: string | null): string {
  if (v === null) return '(empty)';
  return JSON.stringify(v.length > 70 ? `${v.slice(0, 67)}…` : v);
}

/** `sync --link --json`: one summary, a `hubspot` and a `salesforce` part plus the identity counts. */
export function linkedSyncJson(s: LinkedSyncSummary): object {
  return {
    link: s.link,
    mode: s.mode,
    dryRun: s.dryRun,
    status: s.status,
    customers: s.customers,
    linked: s.linked,
    matchedBy: s.matchedBy,
    unlinked: s.unlinked,
    unlinkedBySide: s.unlinkedBySide,
    conflicts: s.conflicts,
    stages: s.stages,
    hubspot: syncJson(s.hubspot),
    salesforce: syncJson(s.salesforce),
  };
}

export function linkedSyncText(s: LinkedSyncSummary): string[] {
  const lines = [
    `${s.dryRun ? 'DRY RUN — nothing written. ' : ''}linked run ${s.link} ${s.mode}: ${s.status} in ${formatDuration(s.finishedAt - s.startedAt)}`,
    `  customers: ${s.customers} — ${s.linked} linked (${s.matchedBy['integration-id']} by integration id, ${s.matchedBy.email} by e-mail), ${s.unlinked} on one side only (${s.unlinkedBySide.hubspot} HubSpot, ${s.unlinkedBySide.salesforce} Salesforce), ${s.conflicts} conflict${s.conflicts === 1 ? '' : 's'}${s.conflicts ? ` (parcours links conflicts --link ${s.link})` : ''}`,
    `  stages:    ${Object.entries(s.stages).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
    'HubSpot side:',
    ...syncText(s.hubspot).map((l) => `  ${l}`),
    'Salesforce side:',
    ...syncText(s.salesforce).map((l) => `  ${l}`),
  ];
  return lines;
}
