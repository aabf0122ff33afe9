/** `setup --link` (issue 16): both sides of a link, each from its own mapping, with its own credentials. */
import { CRMS, type CrmName } from '../../model.ts';
import { runSetup } from '../../sync/setup.ts';
import { disabledText } from '../format.ts';
import type { CliIo } from '../io.ts';
import { crmOrLink, openLinkSides } from '../link-context.ts';

export { crmOrLink };

export function setupLines(crm: string, report: Awaited<ReturnType<typeof runSetup>>): string[] {
  const lines = [`setup ${crm}: ${report.created.length} created, ${report.updated.length} updated, ${report.unchanged.length} already in place`];
  for (const c of report.created) lines.push(`  + ${c}`);
  for (const u of report.updated) lines.push(`  ~ ${u}`);
  for (const u of report.unchanged) lines.push(`  = ${u}`);
  for (const n of report.notes ?? []) lines.push(`  ! ${n}`);
  if (report.tasks) lines.push(`  = follow-up tasks: ${report.tasks.activeOwners} active user(s) to assign them to`);
  lines.push(...disabledText(report.disabled));
  return lines;
}

/** `setup --link`: each side's own fields, options and lists / campaigns, with its own credentials. */
export async function setupLink(io: CliIo, opts: { link?: string | true; mapping?: string; json?: boolean }): Promise<void> {
  const ctx = await openLinkSides(opts.link ?? true, opts.mapping);
  try {
    const reports = {} as Record<CrmName, Awaited<ReturnType<typeof runSetup>>>;
    for (const crm of CRMS) {
      const side = ctx.sides[crm];
      reports[crm] = await runSetup(side.connector, ctx.store, side.installation, side.engine.mapping);
    }
    if (opts.json) io.out(JSON.stringify({ link: ctx.link.id, ...reports }, null, 2));
    else {
      io.out(`link ${ctx.link.id}: ${ctx.link.hubspot} + ${ctx.link.salesforce}`);
      for (const crm of CRMS) for (const line of setupLines(crm, reports[crm])) io.out(line);
    }
  } finally {
    await ctx.close();
  }
}

