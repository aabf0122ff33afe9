import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { defaultLinkedMapping, defaultMapping, installationId, readEnv } from '../../config.ts';
import { ParcoursError } from '../../errors.ts';
import { compileEngine } from '../../journey/engine.ts';
import { loadMapping } from '../../mapping/load.ts';
import { collectJourneyMap, JourneyMapSchema, renderHtml, renderJson, storeSource, writeCsvTables, type JourneyMap } from '../../report/index.ts';
import { linkedReportSource } from '../../report/linked-source.ts';
import { crmOrLink, openLink } from '../link-context.ts';
import { openStoreFor } from '../../store/open.ts';
import { withLastMissing } from '../../sync/field-check.ts';
import { parseCrm } from '../context.ts';
import type { CliIo } from '../io.ts';

interface ReportFlags { crm?: string; link?: string | true; mapping?: string; journey?: string; segment?: string; since?: string; format: string; out: string }



export function registerReport(program: Command, io: CliIo): void {
  program
    .command('report')
    .description('draw the journey map (funnel, durations, touchpoints, friction, KPIs, segment movement) from the store')
    .option('--crm <crm>', 'hubspot or salesforce')
    .option('--link [id]', 'one map across the two CRMs of a link (default: the environment link, PARCOURS_LINK)')
    .option('--mapping <file>', 'mapping file (default mappings/<crm>.yaml or PARCOURS_MAPPING; with --link mappings/linked.yaml or PARCOURS_LINK_MAPPING)')
    .option('--journey <id>', 'only this journey')
    .option('--segment <id>', "only this segment's current members")
    .option('--since <date>', 'period start, YYYY-MM-DD (default: 90 days ago)')
    .option('--format <format>', 'html, json or csv', 'html')
    .requiredOption('--out <path>', 'output file (html, json) or directory (csv)')
    .action(async (opts: ReportFlags) => {
      if (!['html', 'json', 'csv'].includes(opts.format)) throw new ParcoursError('INPUT_INVALID', `--format: "${opts.format}" is not html, json or csv`);
      if (crmOrLink(opts) === 'link') return void writeMap(io, opts, await linkedMap(opts));
      const crm = parseCrm(opts.crm);
      const env = readEnv();
      // The map reads the store only: no CRM credentials needed.
      const mapped = compileEngine(loadMapping(opts.mapping ?? defaultMapping(env, crm)));
      const store = await openStoreFor(env);
      try {
        // Rules the last run found the CRM cannot feed stay off in the map too.
        const engine = await withLastMissing(store, installationId(env, crm), mapped);
        const map = await collectJourneyMap({
          crm,
          engine,
          source: storeSource(store, installationId(env, crm)),
          now: Date.now(),
          ...(opts.since ? { since: opts.since } : {}),
          ...(opts.journey ? { journey: opts.journey } : {}),
          ...(opts.segment ? { segment: opts.segment } : {}),
        });
        writeMap(io, opts, map);
      } finally {
        await store.close();
      }
    });
}

function writeMap(io: CliIo, opts: ReportFlags, map: JourneyMap): void {
  if (opts.format === 'csv') {
    for (const f of writeCsvTables(map, opts.out)) io.out(f);
    return;
  }
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, opts.format === 'json' ? renderJson(map) : renderHtml(map));
  io.out(opts.out);
}

/** `report --link`: one map across both CRMs from the two mirrors and the identity the last linked run kept. */
async function linkedMap(opts: ReportFlags): Promise<JourneyMap> {
  const ctx = await openLink(opts.link ?? true);
  try {
    const engine = compileEngine(loadMapping(opts.mapping ?? defaultLinkedMapping(ctx.env)));
    const linked = linkedReportSource(ctx.store, ctx.link);
    const map = await collectJourneyMap({
      crm: 'linked',
      engine,
      source: linked.source,
      onCustomer: linked.onCustomer,
      now: Date.now(),
      ...(opts.since ? { since: opts.since } : {}),
      ...(opts.journey ? { journey: opts.journey } : {}),
      ...(opts.segment ? { segment: opts.segment } : {}),
    });
    return JourneyMapSchema.parse({ ...map, link: await linked.result() });
  } finally {
    await ctx.close();
  }
}
