import type { Command } from 'commander';
import { startHubspotSandbox } from '../../../sandbox/hubspot/index.ts';
import { startSalesforceSandbox } from '../../../sandbox/salesforce/index.ts';
import { startLinkedSandboxes } from '../../../sandbox/linked.ts';
import { ParcoursError } from '../../errors.ts';
import type { CliIo } from '../io.ts';

export function registerSandbox(program: Command, io: CliIo): void {
  program
    .command('sandbox')
    .description('run local HubSpot- and Salesforce-compatible API servers with seeded demo data (a LocalStack for CRMs)')
    .option('--port-hubspot <n>', 'HubSpot port (0 = any free port)', '4010')
    .option('--port-salesforce <n>', 'Salesforce port (0 = any free port)', '4020')
    .option('--seed <n>', 'demo data seed', '1')
    .option('--contacts <n>', 'customers seeded in each CRM', '2000')
    .option('--rate-limit <max/interval>', 'HubSpot burst limit, e.g. 100/10s (default: unlimited headers)')
    .option('--salesforce-features <list>', 'Salesforce features the org has beyond a standard org, comma-separated: surveys, chat, messaging (default: none)', '')
    .option('--linked', "one company's two CRMs: an overlapping population, HubSpot's Salesforce integration installed (PARCOURS_LINK=hubspot,salesforce)")
    .action(async (opts: { portHubspot: string; portSalesforce: string; seed: string; contacts: string; rateLimit?: string; salesforceFeatures: string; linked?: boolean }) => {
      const features = opts.salesforceFeatures.split(',').map((f) => f.trim()).filter(Boolean);
      const unknown = features.filter((f) => !['surveys', 'chat', 'messaging'].includes(f));
      if (unknown.length) throw new ParcoursError('INPUT_INVALID', `--salesforce-features: unknown feature "${unknown[0]}"; choose from surveys, chat, messaging`);
      let rateLimit: { max: number; intervalMs: number } | null = null;
      if (opts.rateLimit) {
        const m = /^(\d+)\/(\d+)s$/.exec(opts.rateLimit);
        if (!m) throw new ParcoursError('INPUT_INVALID', `--rate-limit: expected e.g. 100/10s, got "${opts.rateLimit}"`);
        rateLimit = { max: Number(m[1]), intervalMs: Number(m[2]) * 1000 };
      }
      const seed = Number(opts.seed);
      const contacts = Number(opts.contacts);
      const touchpointObjects = { surveys: features.includes('surveys'), liveChat: features.includes('chat'), messaging: features.includes('messaging') };
      const hubspotOptions = { port: Number(opts.portHubspot), rateLimit };
      const salesforceOptions = { port: Number(opts.portSalesforce), touchpointObjects };
      // Before the lines a supervisor waits for, so a SIGTERM sent on reading them finds its handler (see serve.ts).
      const stop = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      const { hs, sf } = opts.linked
        ? await startLinkedSandboxes({ seed, contacts, hubspot: hubspotOptions, salesforce: salesforceOptions }).then((l) => ({ hs: l.hubspot, sf: l.salesforce }))
        : { hs: await startHubspotSandbox({ ...hubspotOptions, seed, contacts }), sf: await startSalesforceSandbox({ ...salesforceOptions, seed, contacts }) };
      io.out(opts.linked
        ? `# Parcours sandbox, linked: ${contacts} people, about 70 % of the HubSpot contacts also in Salesforce (seed ${seed}). Paste these lines into .env or your shell:`
        : `# Parcours sandbox: ${contacts} customers per CRM (seed ${seed}). Paste these lines into .env or your shell:`);
      io.out(`HUBSPOT_BASE_URL=${hs.url}`);
      io.out(`HUBSPOT_ACCESS_TOKEN=${hs.accessToken}`);
      io.out(`HUBSPOT_CLIENT_ID=${hs.oauth.clientId}`);
      io.out(`HUBSPOT_CLIENT_SECRET=${hs.oauth.clientSecret}`);
      io.out(`HUBSPOT_REFRESH_TOKEN=${hs.oauth.refreshToken}`);
      io.out(`SALESFORCE_INSTANCE_URL=${sf.url}`);
      io.out(`SALESFORCE_ACCESS_TOKEN=${sf.accessToken}`);
      io.out(`SALESFORCE_LOGIN_URL=${sf.url}`);
      io.out(`SALESFORCE_CLIENT_ID=${sf.oauth.clientId}`);
      io.out(`SALESFORCE_CLIENT_SECRET=${sf.oauth.clientSecret}`);
      io.out(`SALESFORCE_REFRESH_TOKEN=${sf.oauth.refreshToken}`);
      if (opts.linked) io.out('PARCOURS_LINK=hubspot,salesforce');
      io.out('# (sandbox credentials only: they open nothing but these loopback servers) — Ctrl-C to stop');
      await stop;
      await Promise.all([hs.close(), sf.close()]);
    });
}
