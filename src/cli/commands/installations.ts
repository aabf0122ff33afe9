/**
 * `parcours installations add|list|remove` (issue 15): portals and orgs added with a token, on the store
 * directly (SQLite, or PostgreSQL with PARCOURS_DATABASE_URL) — the same path as `POST|DELETE /api/installations` (src/sync/installation-admin.ts). Secrets are
 * read from the environment variables named on the command line, never from argv (which `ps` shows).
 */
import type { Command } from 'commander';
import { processEnvironment } from '../../config.ts';
import { ParcoursError } from '../../errors.ts';
import { createSecretBox } from '../../secret-box.ts';
import type { InstallationRow } from '../../store/index.ts';
import { openStoreFor } from '../../store/open.ts';
import { readServerEnv } from '../../server/config.ts';
import { addTokenInstallation, removeInstallation } from '../../sync/installation-admin.ts';
import { parseCrm } from '../context.ts';
import type { CliIo } from '../io.ts';

type AddOpts = { crm?: string; tokenEnv?: string; loginUrl?: string; clientId?: string; clientSecretEnv?: string; refreshTokenEnv?: string; label?: string; json?: boolean };

/** The value of the environment variable an option names; the option is named in the error, never a value. */
function fromEnv(option: string, name: string | undefined): string {
  if (!name) throw new ParcoursError('INPUT_INVALID', `${option} is required: the name of the environment variable that holds the secret`);
  // Not echoed: what was given in place of a name may well be the secret itself.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ParcoursError('INPUT_INVALID', `${option}: the value given is not an environment variable name (give the variable's name, e.g. ${option} ACME_TOKEN, not the secret)`);
  const value = processEnvironment()[name];
  if (!value) throw new ParcoursError('INPUT_INVALID', `${option} ${name}: that environment variable is not set or empty`);
  return value;
}

function reject(crm: string, opts: AddOpts, options: Array<[keyof AddOpts, string]>): void {
  const given = options.filter(([k]) => opts[k] !== undefined).map(([, flag]) => flag);
  if (given.length) throw new ParcoursError('INPUT_INVALID', `${given.join(', ')}: not for --crm ${crm}`);
}

export function installationLine(row: InstallationRow): string {
  return `${row.id}  ${row.crm}  ${row.externalId ?? '-'}  ${row.source}  ${new Date(row.createdAt).toISOString()}  ${row.label}`;
}

export function installationJson(row: InstallationRow): object {
  return { id: row.id, crm: row.crm, externalId: row.externalId, label: row.label, source: row.source, credentialsStored: row.secrets !== null, createdAt: new Date(row.createdAt).toISOString(), updatedAt: new Date(row.updatedAt).toISOString() };
}

export function registerInstallations(program: Command, io: CliIo): void {
  const installations = program.command('installations').description('portals and orgs the service syncs: add one with a token, list them, remove one');
  installations
    .command('add')
    .description('check the credentials with one call, then store them encrypted (the same portal/org again: credentials replaced)')
    .requiredOption('--crm <crm>', 'hubspot or salesforce')
    .option('--token-env <var>', 'HubSpot: environment variable holding the private-app token or service key')
    .option('--login-url <url>', 'Salesforce: https://login.salesforce.com, https://test.salesforce.com or the org\'s My Domain')
    .option('--client-id <id>', 'Salesforce: the connected app\'s consumer key')
    .option('--client-secret-env <var>', 'Salesforce: environment variable holding the consumer secret')
    .option('--refresh-token-env <var>', 'Salesforce: environment variable holding the refresh token')
    .option('--label <text>', 'label shown in lists (default: "HubSpot portal <id>" / "Salesforce org <id>")')
    .option('--json', 'print JSON')
    .action(async (opts: AddOpts) => {
      const crm = parseCrm(opts.crm);
      let input: object;
      if (crm === 'hubspot') {
        reject(crm, opts, [['loginUrl', '--login-url'], ['clientId', '--client-id'], ['clientSecretEnv', '--client-secret-env'], ['refreshTokenEnv', '--refresh-token-env']]);
        input = { crm, accessToken: fromEnv('--token-env', opts.tokenEnv) };
      } else {
        reject(crm, opts, [['tokenEnv', '--token-env']]);
        if (!opts.loginUrl) throw new ParcoursError('INPUT_INVALID', '--login-url is required for --crm salesforce (e.g. https://login.salesforce.com)');
        if (!opts.clientId) throw new ParcoursError('INPUT_INVALID', '--client-id is required for --crm salesforce (the connected app\'s consumer key)');
        input = { crm, loginUrl: opts.loginUrl, clientId: opts.clientId, clientSecret: fromEnv('--client-secret-env', opts.clientSecretEnv), refreshToken: fromEnv('--refresh-token-env', opts.refreshTokenEnv) };
      }
      if (opts.label !== undefined) input = { ...input, label: opts.label };
      const { env, server } = readServerEnv(processEnvironment());
      const store = await openStoreFor(env);
      try {
        const box = server.PARCOURS_SECRET_KEY ? createSecretBox(server.PARCOURS_SECRET_KEY) : null;
        const added = await addTokenInstallation({ store, box, hubspotBaseUrl: env.HUBSPOT_BASE_URL, configuredLoginUrls: [env.SALESFORCE_LOGIN_URL, server.SALESFORCE_SANDBOX_LOGIN_URL] }, input);
        if (opts.json) return void io.out(JSON.stringify(added, null, 2));
        io.out(`${added.created ? 'added' : 'credentials replaced for'} installation ${added.id} (${added.label})`);
        if (added.created) io.out(`next: the running service syncs it on its schedule, or now: POST /api/installations/${encodeURIComponent(added.id)}/sync`);
      } finally {
        await store.close();
      }
    });
  installations
    .command('list')
    .description('every installation: id, CRM, portal/org id, source (env, oauth, token), created, label')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { env } = readServerEnv(processEnvironment());
      const store = await openStoreFor(env);
      try {
        const rows = await store.listInstallations();
        if (opts.json) return void io.out(JSON.stringify(rows.map(installationJson), null, 2));
        if (rows.length === 0) return void io.out('no installations yet (parcours installations add --crm hubspot --token-env VAR, or start the service with credentials in the environment)');
        io.out('id  crm  portal/org  source  created  label');
        for (const row of rows) io.out(installationLine(row));
      } finally {
        await store.close();
      }
    });
  installations
    .command('remove')
    .description('remove an installation and its stored credentials (its mirror, runs and ledgers are kept)')
    .argument('<id>', 'installation id, e.g. hubspot:12345678')
    .action(async (id: string) => {
      const { env } = readServerEnv(processEnvironment());
      const store = await openStoreFor(env);
      try {
        const row = await removeInstallation(store, id);
        io.out(`removed installation ${row.id} (${row.label}); its mirror, runs and ledgers are kept`);
      } finally {
        await store.close();
      }
    });
}
