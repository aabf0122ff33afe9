/**
 * `parcours link --hubspot ID --salesforce ID` and `parcours links list|conflicts|remove` (issue 16): linked
 * installations and the identity conflicts their last linked run found.
 */
import type { Command } from 'commander';
import { readEnv } from '../../config.ts';
import { ParcoursError } from '../../errors.ts';
import type { IdentityConflict } from '../../model.ts';
import { type LinkRow, type Store } from '../../store/index.ts';
import { openStoreFor } from '../../store/open.ts';
import { createLink, resolveLink } from '../../sync/link-admin.ts';
import type { CliIo } from '../io.ts';

export async function linkJson(store: Store, link: LinkRow): Promise<object> {
  return { ...link, matches: (await store.linkMatches(link.id)).length, conflicts: (await store.linkConflicts(link.id)).length };
}

export function conflictLines(conflicts: readonly IdentityConflict[]): string[] {
  return conflicts.map((c) => `  ${c.side} ${c.email}: ${c.records.map((r) => `${r.objectType} ${r.id}`).join(', ')} — evaluated per record, not merged`);
}

export function registerLinks(program: Command, io: CliIo): void {
  program
    .command('link')
    .description('link a HubSpot and a Salesforce installation: their customers become one journey')
    .requiredOption('--hubspot <installation>', 'HubSpot installation id (e.g. hubspot:default)')
    .requiredOption('--salesforce <installation>', 'Salesforce installation id (e.g. salesforce:default)')
    .option('--id <id>', 'link id (default: from the two installation ids)')
    .option('--label <text>', 'label shown in lists')
    .option('--json', 'print JSON')
    .action(async (opts: { hubspot: string; salesforce: string; id?: string; label?: string; json?: boolean }) => {
      const env = readEnv();
      const store = await openStoreFor(env);
      try {
        const link = await createLink(store, env, { hubspot: opts.hubspot, salesforce: opts.salesforce, id: opts.id, label: opts.label });
        if (opts.json) io.out(JSON.stringify(await linkJson(store, link), null, 2));
        else {
          io.out(`link ${link.id}: ${link.hubspot} + ${link.salesforce}`);
          io.out(`next: parcours sync --link ${link.id}   (then report --link ${link.id}, links conflicts --link ${link.id})`);
        }
      } finally {
        await store.close();
      }
    });

  const links = program.command('links').description('linked installations: list them, their identity conflicts, remove one');
  links
    .command('list')
    .description('every link, with the pairs and conflicts its last linked run found')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const env = readEnv();
      const store = await openStoreFor(env);
      try {
        const rows = await store.listLinks();
        if (opts.json) return void io.out(JSON.stringify(await Promise.all(rows.map((l) => linkJson(store, l))), null, 2));
        if (rows.length === 0) io.out('no links yet (parcours link --hubspot ID --salesforce ID, or PARCOURS_LINK=hubspot,salesforce)');
        for (const l of rows) {
          const j = (await linkJson(store, l)) as { matches: number; conflicts: number };
          io.out(`${l.id}  ${l.hubspot} + ${l.salesforce}  (${l.source}${l.label ? `, ${l.label}` : ''})  ${j.matches} linked customers, ${j.conflicts} conflicts`);
        }
      } finally {
        await store.close();
      }
    });
  links
    .command('conflicts')
    .description('e-mails on several records of one side, as the last linked run found them (never merged)')
    .option('--link [id]', 'the link (default: the environment link, PARCOURS_LINK)')
    .option('--json', 'print JSON')
    .action(async (opts: { link?: string | true; json?: boolean }) => {
      const env = readEnv();
      const store = await openStoreFor(env);
      try {
        const link = await resolveLink(store, env, opts.link ?? true);
        const conflicts = await store.linkConflicts(link.id);
        if (opts.json) return void io.out(JSON.stringify({ link: link.id, conflicts }, null, 2));
        io.out(`link ${link.id}: ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'} (one e-mail on several records of one side)`);
        for (const line of conflictLines(conflicts)) io.out(line);
        if (conflicts.length) io.out('fix: merge the duplicates in the CRM (or give one record another e-mail); the next linked sync matches them');
      } finally {
        await store.close();
      }
    });
  links
    .command('remove')
    .description('remove a link and its identity; both installations, their mirrors and runs stay')
    .argument('<id>', 'the link id')
    .action(async (id: string) => {
      const env = readEnv();
      const store = await openStoreFor(env);
      try {
        if (!await store.removeLink(id)) throw new ParcoursError('NOT_FOUND', `no link "${id}" (parcours links list)`, { link: id });
        io.out(`link ${id} removed; its two installations keep their data`);
      } finally {
        await store.close();
      }
    });
}
