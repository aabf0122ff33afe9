import type { Command } from 'commander';
import { readEnv, installationId, type Env } from '../../config.ts';
import { ParcoursError } from '../../errors.ts';
import { type LinkRow, type RunRow, type Store } from '../../store/index.ts';
import { openStoreFor } from '../../store/open.ts';
import type { CrmConnector } from '../../../connectors/port.ts';
import type { Engine } from '../../journey/engine.ts';
import { CRMS } from '../../model.ts';
import { checkFields } from '../../sync/field-check.ts';
import { journeyFieldSpec } from '../../sync/field-spec.ts';
import { findEchoes, type OwnedContactFields } from '../../sync/link-echo.ts';
import { crmOrLink, openLink, openLinkSides } from '../link-context.ts';
import { conflictLines } from './links.ts';
import { rollbackRun } from '../../sync/rollback.ts';
import { openContext, parseCrm } from '../context.ts';
import { pausedState, pausedText, resumeInstallation, type PausedState } from '../../sync/pause.ts';
import { EXIT } from '../exit.ts';
import { disabledText, formatDuration } from '../format.ts';
import type { DisabledRule } from '../../sync/field-check.ts';
import type { CliIo } from '../io.ts';

/** Reconciliation and membership figures of a sync run's stored summary (older runs lack them). */
function runSummaryLines(summary: unknown): string[] {
  const s = summary as { removed?: { contacts: number; deals: number; tickets: number; swept: number; cleared?: number }; handedOver?: number; repaired?: number; segments?: Record<string, { repaired?: number; target?: string }> } | null;
  const lines: string[] = [];
  if (s?.removed) lines.push(`removed: ${s.removed.contacts} contacts, ${s.removed.deals} deals, ${s.removed.tickets} tickets (${s.removed.swept} no longer shown by the CRM${s.removed.cleared ? `, ${s.removed.cleared} of them cleared of Parcours values` : ''})${s.handedOver ? `; ${s.handedOver} converted leads handed over` : ''}`);
  if (s?.repaired !== undefined) {
    const per = Object.entries(s.segments ?? {}).filter(([, v]) => v.repaired || v.target).map(([k, v]) => `${k} ${v.repaired ?? 0}${v.target ? ` (list ${v.target})` : ''}`);
    lines.push(`repaired: ${s.repaired} memberships${per.length ? ` — ${per.join(', ')}` : ''}`);
  }
  return lines;
}

export function registerRuns(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('runs')
    .description('list recent runs, or show one run with its failures and audit')
    .option('--id <runId>', 'show one run')
    .option('--limit <n>', 'how many runs to list', '20')
    .option('--link [id]', "only the runs of a link's two installations (default: the environment link, PARCOURS_LINK)")
    .option('--json', 'print JSON')
    .action(async (opts: { id?: string; limit: string; link?: string | true; json?: boolean }) => {
      if (opts.link !== undefined && !opts.id) return await listLinkRuns(io, opts.link, Number(opts.limit), Boolean(opts.json));
      const env = readEnv();
      const store = await openStoreFor(env);
      try {
        if (opts.id) {
          const run = await store.getRun(Number(opts.id));
          if (!run) throw new ParcoursError('NOT_FOUND', `run ${opts.id} does not exist`);
          const failures = await store.failuresForRun(run.id);
          const audit = await store.auditForRun(run.id);
          const paused = await pausedState(store, run.installation);
          if (opts.json) io.out(JSON.stringify({ ...run, installationPaused: paused, failures, audit: audit.slice(0, 1000) }, null, 2));
          else {
            if (paused) io.out(`PAUSED: ${pausedText(run.installation, run.crm, paused)}`);
            io.out(`run #${run.id} ${run.installation} ${run.mode}${run.dryRun ? ' (dry run)' : ''}: ${run.status}, started ${new Date(run.startedAt).toISOString()}`);
            io.out(`  ${audit.length} field writes, ${failures.length} failures`);
            for (const line of disabledText((run.summary as { disabled?: DisabledRule[] } | null)?.disabled)) io.out(line);
            for (const line of runSummaryLines(run.summary)) io.out(`  ${line}`);
            for (const a of audit.slice(0, 20)) io.out(`  ${a.kind} ${a.recordId} ${a.field}: ${JSON.stringify(a.before)} → ${JSON.stringify(a.after)}`);
            for (const f of failures.slice(0, 20)) io.out(`  FAILED ${f.kind} ${f.id}: ${f.code} ${f.message}`);
          }
          return;
        }
        const runs = await store.listRuns({ limit: Number(opts.limit) });
        // Paused installations (after a rollback) are said first: nothing is written to them.
        const paused = await pausedInstallations(store, env, runs);
        if (opts.json) io.out(JSON.stringify(runs.map((r) => ({ ...r, installationPaused: paused.get(r.installation)?.state ?? null })), null, 2));
        else {
          for (const p of paused.values()) io.out(`PAUSED: ${p.text}`);
          if (runs.length === 0) io.out('no runs yet');
          for (const r of runs) {
            const s = r.summary as { written?: number; failed?: unknown[]; apiCalls?: { total?: number } } | null;
            const took = r.finishedAt ? formatDuration(r.finishedAt - r.startedAt) : 'running';
            io.out(`#${r.id}  ${new Date(r.startedAt).toISOString()}  ${r.installation}  ${r.mode}${r.dryRun ? ' dry-run' : ''}  ${r.status}  ${took}  written ${s?.written ?? 0}  failed ${s?.failed?.length ?? 0}  calls ${s?.apiCalls?.total ?? 0}`);
          }
        }
      } finally {
        await store.close();
      }
    });

  program
    .command('rollback')
    .description('restore the values a run overwrote, where the CRM still holds what that run wrote')
    .requiredOption('--run <runId>', 'the run to undo')
    .option('--json', 'print JSON')
    .action(async (opts: { run: string; json?: boolean }) => {
      const env = readEnv();
      const peek = await openStoreFor(env);
      const run = await peek.getRun(Number(opts.run));
      await peek.close();
      if (!run) throw new ParcoursError('NOT_FOUND', `run ${opts.run} does not exist (see "parcours runs")`);
      const ctx = await openContext(run.crm);
      try {
        const report = await rollbackRun(ctx.connector, ctx.store, installationId(env, run.crm), run.id, Date.now());
        if (opts.json) io.out(JSON.stringify(report, null, 2));
        else {
          io.out(`rollback of run #${report.runId} (as run #${report.rollbackRunId}): ${report.restored} records restored, ${report.skipped.length} fields skipped, ${report.failed.length} failed`);
          io.out(`  memberships: ${report.memberships.reverted} reverted, ${report.memberships.kept} kept (changed again by a later run)`);
          io.out(`  stage ledger: ${report.stages.undone} stays undone, ${report.stages.kept} kept (moved on by a later run)`);
          if (report.tasks) {
            const t = report.tasks;
            io.out(`  tasks: ${t.removed} deleted, ${t.reopened} re-opened, ${t.skipped.length} left alone (touched since), ${t.failed.length} failed`);
            for (const k of t.skipped.slice(0, 20)) io.out(`  left task ${k.taskId} (${k.key}): ${k.reason}`);
            for (const f of t.failed.slice(0, 20)) io.out(`  failed task ${f.taskId} (${f.key}): ${f.code} ${f.message}`);
          }
          for (const s of report.skipped.slice(0, 20)) io.out(`  skipped ${s.object} ${s.id} ${s.field}: ${s.reason}`);
          for (const f of report.failed.slice(0, 20)) io.out(`  failed ${f.object} ${f.id}: ${f.code} ${f.message}`);
          io.out(`PAUSED: ${pausedText(installationId(env, run.crm), run.crm, report.paused)}`);
        }
        setExit(report.failed.length || report.tasks?.failed.length ? EXIT.partial : EXIT.ok);
      } finally {
        await ctx.close();
      }
    });

  program
    .command('resume')
    .description('resume an installation paused by a rollback: scheduled runs, webhooks and syncs write again')
    .requiredOption('--crm <crm>', 'hubspot or salesforce')
    .option('--json', 'print JSON')
    .action(async (opts: { crm: string; json?: boolean }) => {
      const crm = parseCrm(opts.crm);
      const env = readEnv();
      const store = await openStoreFor(env);
      try {
        const installation = installationId(env, crm);
        const lifted = await resumeInstallation(store, installation);
        if (opts.json) io.out(JSON.stringify({ installation, resumed: lifted !== null, wasPaused: lifted }, null, 2));
        else if (lifted) io.out(`${installation} resumed (paused since ${new Date(lifted.since).toISOString()}, ${lifted.reason}); the next run writes again`);
        else io.out(`${installation} was not paused`);
      } finally {
        await store.close();
      }
    });

  program
    .command('doctor')
    .description('preflight: token, scopes, owned fields and options, lists/campaigns, rate limits — each problem with its fix')
    .option('--crm <crm>', 'hubspot or salesforce')
    .option('--link [id]', 'both CRMs of a link, and the echo check (default: the environment link, PARCOURS_LINK)')
    .option('--mapping <file>', 'mapping file')
    .option('--json', 'print JSON')
    .action(async (opts: { crm?: string; link?: string | true; mapping?: string; json?: boolean }) => {
      let checks: DoctorCheck[];
      let warnings: DoctorWarning[];
      if (crmOrLink(opts) === 'link') {
        const ctx = await openLinkSides(opts.link ?? true, opts.mapping);
        try {
          checks = [];
          warnings = [];
          for (const crm of CRMS) {
            const side = await doctorChecks(ctx.sides[crm].connector, ctx.sides[crm].engine);
            checks.push(...side.checks.map((c) => ({ ...c, id: `${crm}.${c.id}` })));
            warnings.push(...side.warnings.map((w) => ({ ...w, id: `${crm}.${w.id}` })));
          }
          const link = await linkChecks(ctx.store, ctx.link, { hubspot: ctx.sides.hubspot.engine.mapping.writeback.contact, salesforce: ctx.sides.salesforce.engine.mapping.writeback.contact });
          checks.push(...link.checks);
          warnings.push(...link.warnings);
        } finally {
          await ctx.close();
        }
      } else {
        const ctx = await openContext(opts.crm, opts);
        try {
          ({ checks, warnings } = await doctorChecks(ctx.connector, ctx.engine));
        } finally {
          await ctx.close();
        }
      }
      if (opts.json) io.out(JSON.stringify([...checks, ...warnings], null, 2));
      else {
        for (const c of checks) {
          io.out(`${c.ok ? '✔' : '✘'} ${c.id}: ${c.detail}`);
          if (!c.ok && c.fix) io.out(`    fix: ${c.fix}`);
        }
        for (const w of warnings) {
          io.out(`! ${w.id}: ${w.detail}`);
          io.out(`    fix: ${w.fix}`);
          for (const e of w.examples ?? []) io.out(`    ${e}`);
        }
      }
      setExit(checks.every((c) => c.ok) ? EXIT.ok : EXIT.failed);
    });
}

type DoctorCheck = Awaited<ReturnType<CrmConnector['doctor']>>[number];
interface DoctorWarning { id: string; ok: true; warning: true; detail: string; fix: string; examples?: string[] }

/** One CRM's preflight: the connector's checks, then the rules its fields cannot feed (warnings). */
async function doctorChecks(connector: CrmConnector, engine: Engine): Promise<{ checks: DoctorCheck[]; warnings: DoctorWarning[] }> {
  const checks = await connector.doctor(journeyFieldSpec(engine.mapping));
  // Rules the CRM cannot feed are warnings, not failures: they stay off and the rest runs.
  let warnings: DoctorWarning[] = [];
  try {
    const { disabled } = await checkFields(connector, engine, { refresh: true });
    warnings = disabled.map((d) => ({ id: `rules.disabled.${d.rule}`, ok: true, warning: true, detail: `${d.rule} is off: it needs ${d.needs.join(', ')}, which the CRM lacks`, fix: d.fix }));
  } catch (error) {
    checks.push({ id: 'rules.fields', ok: false, detail: `could not read which fields the CRM has: ${error instanceof Error ? error.message : String(error)}`, fix: 'Fix the checks above (session, scopes), then run doctor again.' });
  }
  return { checks, warnings };
}

const ECHO_FIX = "Parcours's fields must not be mapped in HubSpot's Salesforce integration: in HubSpot, Settings › Integrations › Connected Apps › Salesforce › Contacts › Contact property mappings, set each parcours_* mapping's sync rule to \"Don't sync\" or delete it (README § Linked HubSpot and Salesforce, echo safety)";

/** A link's own checks, from the store: the identity its last linked run kept, and echoes of our writes. */
async function linkChecks(store: Store, link: LinkRow, owned: OwnedContactFields): Promise<{ checks: DoctorCheck[]; warnings: DoctorWarning[] }> {
  const checks: DoctorCheck[] = [];
  const warnings: DoctorWarning[] = [];
  const matches = (await store.linkMatches(link.id)).length;
  const conflicts = await store.linkConflicts(link.id);
  checks.push({ id: 'link.identity', ok: true, detail: matches === 0 && conflicts.length === 0 ? `link ${link.id} (${link.hubspot} + ${link.salesforce}): no linked run yet` : `link ${link.id}: ${matches} linked customers, ${conflicts.length} conflicts at the last linked run` });
  if (conflicts.length > 0) {
    warnings.push({ id: 'link.conflicts', ok: true, warning: true, detail: `${conflicts.length} e-mail${conflicts.length === 1 ? ' is' : 's are'} on several records of one side: those customers are evaluated per side, not merged`, fix: `parcours links conflicts --link ${link.id} lists them; merge the duplicates in the CRM`, examples: conflictLines(conflicts.slice(0, 5)).map((l) => l.trim()) });
  }
  const echo = await findEchoes(store, link, owned);
  if (echo.findings.length > 0) {
    warnings.push({
      id: 'link.echo', ok: true, warning: true,
      detail: `${echo.findings.length} owned field value${echo.findings.length === 1 ? '' : 's'} arrived on one side that Parcours did not write there but wrote on the other side (of ${echo.pairs} linked customers): HubSpot's Salesforce integration copies Parcours's fields`,
      fix: ECHO_FIX,
      examples: echo.findings.slice(0, 5).map((f) => `${f.side} ${f.record.objectType} ${f.record.id} ${f.field} = ${JSON.stringify(f.value)} (Parcours wrote ${f.wroteHere === null ? 'nothing' : JSON.stringify(f.wroteHere)} there; it wrote this on ${f.from.side} ${f.from.record.objectType} ${f.from.record.id} ${f.from.field} at ${new Date(f.from.at).toISOString()})`),
    });
  } else {
    checks.push({ id: 'link.echo', ok: true, detail: `no echo: on ${echo.pairs} linked customers no owned field (${echo.fields.join(', ') || 'none on both sides'}) holds a value Parcours wrote only on the other side` });
  }
  return { checks, warnings };
}

/** `runs --link`: both installations' runs, newest first. */
async function listLinkRuns(io: CliIo, option: string | true, limit: number, json: boolean): Promise<void> {
  const ctx = await openLink(option);
  try {
    const runs = [...await ctx.store.listRuns({ installation: ctx.link.hubspot, limit }), ...await ctx.store.listRuns({ installation: ctx.link.salesforce, limit })]
      .sort((a, b) => b.startedAt - a.startedAt || b.id - a.id)
      .slice(0, limit);
    if (json) return void io.out(JSON.stringify({ link: ctx.link.id, runs }, null, 2));
    io.out(`link ${ctx.link.id}: ${ctx.link.hubspot} + ${ctx.link.salesforce}`);
    if (runs.length === 0) io.out('no runs yet');
    for (const r of runs) {
      const s = r.summary as { written?: number; failed?: unknown[]; apiCalls?: { total?: number } } | null;
      const took = r.finishedAt ? formatDuration(r.finishedAt - r.startedAt) : 'running';
      io.out(`#${r.id}  ${new Date(r.startedAt).toISOString()}  ${r.installation}  ${r.mode}${r.dryRun ? ' dry-run' : ''}  ${r.status}  ${took}  written ${s?.written ?? 0}  failed ${s?.failed?.length ?? 0}  calls ${s?.apiCalls?.total ?? 0}`);
    }
  } finally {
    await ctx.close();
  }
}

/** The paused installations among those the listed runs belong to (and this environment's own). */
async function pausedInstallations(store: Store, env: Env, runs: RunRow[]): Promise<Map<string, { state: PausedState; text: string }>> {
  const out = new Map<string, { state: PausedState; text: string }>();
  const seen = new Map<string, RunRow['crm']>(runs.map((r) => [r.installation, r.crm]));
  for (const crm of ['hubspot', 'salesforce'] as const) if (!seen.has(installationId(env, crm))) seen.set(installationId(env, crm), crm);
  for (const [installation, crm] of seen) {
    const state = await pausedState(store, installation);
    if (state) out.set(installation, { state, text: pausedText(installation, crm, state) });
  }
  return out;
}
