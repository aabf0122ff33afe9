import type { Command } from 'commander';
import type { CliIo } from '../io.ts';
import { openContext, openLinkContext } from '../context.ts';
import { linkedSyncJson, linkedSyncText, syncJson, syncText } from '../format.ts';
import { runSync } from '../../sync/run.ts';
import { runLinkedSync } from '../../sync/linked-run.ts';
import { ParcoursError } from '../../errors.ts';
import { runSetup } from '../../sync/setup.ts';
import { EXIT } from '../exit.ts';
import { crmOrLink, setupLines, setupLink } from './setup-link.ts';

interface SyncFlags { crm?: string; mapping?: string; dryRun?: boolean; full?: boolean; json?: boolean }

export function registerSync(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('setup')
    .description("provision Parcours's own fields, options and one list/campaign per segment (idempotent)")
    .option('--crm <crm>', 'hubspot or salesforce')
    .option('--link [id]', 'both CRMs of a link (default: the environment link, PARCOURS_LINK)')
    .option('--mapping <file>', 'mapping file (default mappings/<crm>.yaml or PARCOURS_MAPPING)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: SyncFlags & { link?: string | true }) => {
      if (crmOrLink(opts) === 'link') return setupLink(io, opts);
      const ctx = await openContext(opts.crm, opts);
      try {
        const report = await runSetup(ctx.connector, ctx.store, ctx.installation, ctx.engine.mapping);
        if (opts.json) io.out(JSON.stringify(report, null, 2));
        else {
          for (const line of setupLines(ctx.crm, report)) io.out(line);
        }
      } finally {
        await ctx.close();
      }
    });

  program
    .command('sync')
    .description('pull, evaluate every customer, write back what changed, sync segment memberships')
    .option('--crm <crm>', 'hubspot or salesforce')
    .option('--link [id]', 'a linked HubSpot + Salesforce installation (no id: the environment link, PARCOURS_LINK)')
    .option('--mapping <file>', 'mapping file (default mappings/<crm>.yaml or PARCOURS_MAPPING; with --link mappings/linked.yaml or PARCOURS_LINK_MAPPING)')
    .option('--dry-run', 'print the plan and write nothing to the CRM')
    .option('--full', 'ignore the saved cursors: read everything and reconcile associations and deletions')
    .option('--json', 'print the run summary as JSON')
    .action(async (opts: SyncFlags & { link?: string | true }) => {
      if (opts.link !== undefined) {
        if (opts.crm) throw new ParcoursError('INPUT_INVALID', 'sync takes --crm or --link, not both');
        const lctx = await openLinkContext(opts.link, opts);
        try {
          const hasCursors = (await Promise.all([lctx.link.hubspot, lctx.link.salesforce].map((i) => lctx.store.getCursors(i)))).every((c) => Object.keys(c).length > 0);
          const summary = await runLinkedSync({
            store: lctx.store,
            link: lctx.link,
            engine: lctx.engine,
            connectors: lctx.connectors,
            mode: opts.full || !hasCursors ? 'full' : 'incremental',
            dryRun: Boolean(opts.dryRun),
            now: Date.now(),
          });
          if (opts.json) io.out(JSON.stringify(linkedSyncJson(summary), null, 2));
          else for (const line of linkedSyncText(summary)) io.out(line);
          setExit(summary.status === 'succeeded' ? EXIT.ok : EXIT.partial);
        } finally {
          await lctx.close();
        }
        return;
      }
      const ctx = await openContext(opts.crm, opts);
      try {
        const hasCursor = Object.keys(await ctx.store.getCursors(ctx.installation)).length > 0;
        const summary = await runSync({
          connector: ctx.connector,
          store: ctx.store,
          engine: ctx.engine,
          installation: ctx.installation,
          mode: opts.full || !hasCursor ? 'full' : 'incremental',
          dryRun: Boolean(opts.dryRun),
          now: Date.now(),
        });
        if (opts.json) io.out(JSON.stringify(syncJson(summary), null, 2));
        else for (const line of syncText(summary)) io.out(line);
        setExit(summary.status === 'succeeded' ? EXIT.ok : EXIT.partial);
      } finally {
        await ctx.close();
      }
    });
}
