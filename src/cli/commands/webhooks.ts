/**
 * `parcours webhooks url|rotate --crm salesforce [--installation ID]`: the Salesforce outbound-message
 * URL of an installation, with its secret (paste it into the Outbound Message action), and rotating
 * that secret (the old URL stops working at once).
 */
import type { Command } from 'commander';
import { installationId, processEnvironment } from '../../config.ts';
import { ParcoursError } from '../../errors.ts';
import { openStoreFor } from '../../store/open.ts';
import type { Store } from '../../store/types.ts';
import { readServerEnv } from '../../server/config.ts';
import { registerEnvInstallations } from '../../server/env-installations.ts';
import { ensureWebhookSecret, rotateWebhookSecret, salesforceWebhookUrl } from '../../server/webhook-secrets.ts';
import { parseCrm } from '../context.ts';
import type { CliIo } from '../io.ts';

type Opts = { crm?: string; installation?: string };

async function withInstallation(io: CliIo, opts: Opts, act: (store: Store, id: string) => Promise<string>): Promise<void> {
  const crm = parseCrm(opts.crm);
  if (crm !== 'salesforce') throw new ParcoursError('INPUT_INVALID', '--crm hubspot: HubSpot webhooks are signed with the app\'s client secret; their URL is <PARCOURS_PUBLIC_URL>/webhooks/hubspot');
  const { env, server } = readServerEnv(processEnvironment());
  if (!server.PARCOURS_PUBLIC_URL) throw new ParcoursError('CONFIG_INVALID', 'PARCOURS_PUBLIC_URL is not set: the webhook URL is built from it (the public HTTPS URL of the service)');
  const store = await openStoreFor(env);
  try {
    const id = opts.installation ?? installationId(env, crm);
    // The environment installation is registered here too, so the URL can be set up before the first `serve`.
    if (!await store.getInstallation(id) && opts.installation === undefined) await registerEnvInstallations(store, env, server, { warn: (_o, m) => io.err(m), info: () => undefined });
    const row = await store.getInstallation(id);
    if (!row) throw new ParcoursError('NOT_FOUND', `no installation ${id}${opts.installation === undefined ? ' (set the Salesforce credentials in the environment, or pass --installation)' : ''}`, { installation: id });
    if (row.crm !== 'salesforce') throw new ParcoursError('INPUT_INVALID', `installation ${id} is a ${row.crm} installation`, { installation: id });
    io.out(salesforceWebhookUrl(server.PARCOURS_PUBLIC_URL, await act(store, id)));
  } finally {
    await store.close();
  }
}

export function registerWebhooks(program: Command, io: CliIo): void {
  const webhooks = program.command('webhooks').description('the Salesforce outbound-message URL, with its secret');
  webhooks
    .command('url')
    .description('print the outbound-message URL of an installation (created on first use)')
    .requiredOption('--crm <crm>', 'salesforce')
    .option('--installation <id>', 'installation id (default: the environment installation)')
    .action(async (opts: Opts) => await withInstallation(io, opts, (store, id) => ensureWebhookSecret(store, id)));
  webhooks
    .command('rotate')
    .description('replace the secret and print the new URL (update the Outbound Message action with it)')
    .requiredOption('--crm <crm>', 'salesforce')
    .option('--installation <id>', 'installation id (default: the environment installation)')
    .action(async (opts: Opts) => await withInstallation(io, opts, (store, id) => rotateWebhookSecret(store, id)));
}
