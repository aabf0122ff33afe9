/**
 * `parcours demo` (what `npm start` runs): the whole job with no credentials. Starts both sandbox
 * CRMs in-process on free ports, seeds them, runs setup and a full sync for each into a fresh demo
 * database, changes a few records in the sandboxes like a user would, runs an incremental sync,
 * and prints what happened.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { startHubspotSandbox, type HubspotSandbox } from '../../../sandbox/hubspot/index.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../../sandbox/salesforce/index.ts';
import { readEnv, type Env } from '../../config.ts';
import { compileEngine } from '../../journey/engine.ts';
import { loadMapping } from '../../mapping/load.ts';
import type { CrmName } from '../../model.ts';
import { openStore, type Store } from '../../store/index.ts';
import { connect } from '../../sync/connect.ts';
import { runSync, type SyncProgress, type SyncSummary } from '../../sync/run.ts';
import { runSetup } from '../../sync/setup.ts';
import { collectJourneyMap, JourneyMapSchema, renderHtml, renderJson, storeSource } from '../../report/index.ts';
import { linkedReportSource } from '../../report/linked-source.ts';
import { startLinkedSandboxes } from '../../../sandbox/linked.ts';
import { defaultLinkedMapping } from '../../config.ts';
import { sideMapping } from '../../mapping/linked.ts';
import { runLinkedSync, type LinkedSyncSummary } from '../../sync/linked-run.ts';
import { writeFileSync } from 'node:fs';
import { EXIT } from '../exit.ts';
import { formatDuration, linkedSyncText, syncText } from '../format.ts';
import { withLastMissing } from '../../sync/field-check.ts';
import type { CliIo } from '../io.ts';
import { progressReporter } from '../progress.ts';

export interface DemoOptions {
  contacts: number;
  seed: number;
  db: string;
  quiet?: boolean;
}

export interface DemoResult {
  summaries: Record<CrmName, { full: SyncSummary; incremental: SyncSummary }>;
  db: string;
  /** The journey map of each CRM: HTML and the JSON of the same data. */
  maps: Record<CrmName, { html: string; json: string }>;
  /** The linked run (issue 16): one company's two CRMs as one set of customers, and its map. */
  linked: { summary: LinkedSyncSummary; map: { html: string; json: string } };
}

/** Fewer people in the linked pair than in each CRM above: it shows the same engine twice over, kept quick. */
export function linkedDemoPeople(contacts: number): number {
  return Math.max(100, Math.round(contacts / 3));
}

export async function runDemo(o: DemoOptions, io: CliIo): Promise<DemoResult> {
  const started = Date.now();
  const db = resolve(o.db);
  mkdirSync(dirname(db), { recursive: true });
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
  io.out(`Parcours demo — ${o.contacts} customers in each sandbox CRM (seed ${o.seed}), store ${db}`);
  const hs = await startHubspotSandbox({ port: 0, seed: o.seed, contacts: o.contacts });
  const sf = await startSalesforceSandbox({ port: 0, seed: o.seed, contacts: o.contacts });
  const env: Env = readEnv({
    PARCOURS_DB: db,
    HUBSPOT_BASE_URL: hs.url,
    HUBSPOT_ACCESS_TOKEN: hs.accessToken,
    SALESFORCE_INSTANCE_URL: sf.url,
    SALESFORCE_ACCESS_TOKEN: sf.accessToken,
    SALESFORCE_LOGIN_URL: sf.url,
    SALESFORCE_CLIENT_ID: sf.oauth.clientId,
    SALESFORCE_CLIENT_SECRET: sf.oauth.clientSecret,
    SALESFORCE_REFRESH_TOKEN: sf.oauth.refreshToken,
  });
  const store = openStore(db);
  const summaries = {} as DemoResult['summaries'];
  const maps = {} as DemoResult['maps'];
  try {
    for (const crm of ['hubspot', 'salesforce'] as const) {
      summaries[crm] = await demoOne(crm, env, store, io, o, crm === 'hubspot' ? () => changeHubspot(hs) : () => changeSalesforce(sf));
      maps[crm] = await writeJourneyMap(crm, store, dirname(db));
      io.out(`journey map: ${maps[crm].html}`);
    }
  } finally {
    await Promise.all([hs.close(), sf.close()]);
  }
  let linked: DemoResult['linked'];
  try {
    linked = await demoLinked(store, io, o, dirname(db));
  } finally {
    await store.close();
  }
  io.out('');
  io.out(`Done in ${formatDuration(Date.now() - started)}. Store: ${db}`);
  io.out('Next: "npx parcours runs", "npx parcours sandbox --linked" to keep linked CRMs running, README § Connecting a real CRM and § Linked HubSpot and Salesforce.');
  return { summaries, db, maps, linked };
}

/**
 * The linked run (issue 16): a HubSpot portal and a Salesforce org of one company (HubSpot's Salesforce
 * integration installed, about 70 % of the contacts in both), synced as one set of customers; then its map.
 */
async function demoLinked(store: Store, io: CliIo, o: DemoOptions, dir: string): Promise<DemoResult['linked']> {
  const people = linkedDemoPeople(o.contacts);
  io.out('');
  io.out(`── Linked: HubSpot + Salesforce of one company (${people} people, HubSpot's Salesforce integration installed) ──`);
  const pair = await startLinkedSandboxes({ seed: o.seed, contacts: people });
  try {
    const env = readEnv({
      HUBSPOT_BASE_URL: pair.hubspot.url,
      HUBSPOT_ACCESS_TOKEN: pair.hubspot.accessToken,
      SALESFORCE_INSTANCE_URL: pair.salesforce.url,
      SALESFORCE_ACCESS_TOKEN: pair.salesforce.accessToken,
      SALESFORCE_LOGIN_URL: pair.salesforce.url,
      SALESFORCE_CLIENT_ID: pair.salesforce.oauth.clientId,
      SALESFORCE_CLIENT_SECRET: pair.salesforce.oauth.clientSecret,
      SALESFORCE_REFRESH_TOKEN: pair.salesforce.oauth.refreshToken,
    });
    const link = await store.saveLink({ id: 'demo', hubspot: 'hubspot:linked-demo', salesforce: 'salesforce:linked-demo', source: 'admin', label: "Demo: one company's two CRMs" });
    const engine = compileEngine(loadMapping(defaultLinkedMapping(env)));
    const connectors = {
      hubspot: await connect('hubspot', { env, store, installation: link.hubspot }),
      salesforce: await connect('salesforce', { env, store, installation: link.salesforce }),
    };
    for (const crm of ['hubspot', 'salesforce'] as const) {
      const setup = await runSetup(connectors[crm], store, link[crm], sideMapping(engine.mapping, crm));
      io.out(`setup ${crm}: ${setup.created.length} created, ${setup.updated.length} updated, ${setup.unchanged.length} already in place`);
    }
    const progress = o.quiet ? undefined : progressReporter(io, 'linked full sync');
    const summary = await runLinkedSync({ store, link, engine, connectors, mode: 'full', dryRun: false, now: Date.now(), ...(progress ? { onProgress: progress.update } : {}) });
    progress?.done();
    for (const line of linkedSyncText(summary)) io.out(line);
    const source = linkedReportSource(store, link);
    const collected = await collectJourneyMap({ crm: 'linked', engine, source: source.source, onCustomer: source.onCustomer, now: Date.now() });
    const map = JourneyMapSchema.parse({ ...collected, link: await source.result() });
    const html = resolve(dir, 'journey-map-linked.html');
    const json = resolve(dir, 'journey-map-linked.json');
    writeFileSync(html, renderHtml(map));
    writeFileSync(json, renderJson(map));
    io.out(`linked journey map: ${html} (${map.link?.customers ?? 0} customers, each person once)`);
    return { summary, map: { html, json } };
  } finally {
    await pair.close();
  }
}

async function writeJourneyMap(crm: CrmName, store: Store, dir: string): Promise<{ html: string; json: string }> {
  // The rules the sync found the CRM cannot feed stay off in the map.
  const engine = await withLastMissing(store, `${crm}:demo`, compileEngine(loadMapping(`mappings/${crm}.yaml`)));
  const map = await collectJourneyMap({ crm, engine, source: storeSource(store, `${crm}:demo`), now: Date.now() });
  const html = resolve(dir, `journey-map-${crm}.html`);
  const json = resolve(dir, `journey-map-${crm}.json`);
  writeFileSync(html, renderHtml(map));
  writeFileSync(json, renderJson(map));
  return { html, json };
}

async function demoOne(
  crm: CrmName,
  env: Env,
  store: Store,
  io: CliIo,
  o: DemoOptions,
  change: () => string[],
): Promise<{ full: SyncSummary; incremental: SyncSummary }> {
  const installation = `${crm}:demo`;
  const engine = compileEngine(loadMapping(`mappings/${crm}.yaml`));
  const connector = await connect(crm, { env, store, installation });
  io.out('');
  io.out(`── ${crm === 'hubspot' ? 'HubSpot' : 'Salesforce'} ──`);
  const setup = await runSetup(connector, store, installation, engine.mapping);
  io.out(`setup: ${setup.created.length} created, ${setup.updated.length} updated, ${setup.unchanged.length} already in place`);
  const progress = o.quiet ? undefined : progressReporter(io, `${crm} full sync`);
  const full = await runSync({ connector, store, engine, installation, mode: 'full', dryRun: false, now: Date.now(), ...(progress ? { onProgress: progress.update } : {}) });
  progress?.done();
  for (const line of syncText(full)) io.out(line);
  const changes = change();
  io.out(`changed in the sandbox: ${changes.join('; ')}`);
  const progress2 = o.quiet ? undefined : progressReporter(io, `${crm} incremental sync`);
  const incremental = await runSync({ connector, store, engine, installation, mode: 'incremental', dryRun: false, now: Date.now(), ...(progress2 ? { onProgress: progress2.update } : {}) });
  progress2?.done();
  for (const line of syncText(incremental)) io.out(line);
  return { full, incremental };
}

/** A rep moves two open deals to "contract sent" and a customer opens a ticket. */
function changeHubspot(hs: HubspotSandbox): string[] {
  const out: string[] = [];
  const open = hs.data.ids('deals').map((id) => hs.data.getRecord('deals', id)).filter((d) => d && !['closedwon', 'closedlost', 'contractsent'].includes(String(d.properties.dealstage)) && d.properties.pipeline === 'default');
  for (const d of open.slice(0, 2)) {
    if (!d) continue;
    hs.data.updateRecord('deals', d.id, { dealstage: 'contractsent' });
    out.push(`deal ${d.id} → contractsent`);
  }
  return out;
}

function changeSalesforce(sf: SalesforceSandbox): string[] {
  const out: string[] = [];
  const rows = sf.data.query("SELECT Id, StageName FROM Opportunity WHERE IsClosed = false AND StageName = 'Prospecting' LIMIT 2");
  for (const r of rows) {
    sf.data.update('Opportunity', String(r.Id), { StageName: 'Negotiation/Review' });
    out.push(`opportunity ${String(r.Id)} → Negotiation/Review`);
  }
  return out;
}

export function registerDemo(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('demo')
    .description('run the whole job against the embedded sandbox CRMs, with no credentials (what npm start runs)')
    .option('--contacts <n>', 'customers seeded in each sandbox CRM', '3000')
    .option('--seed <n>', 'demo data seed', '7')
    .option('--db <file>', 'demo store (recreated)', 'data/demo.db')
    .option('--quiet', 'no progress bar')
    .action(async (opts: { contacts: string; seed: string; db: string; quiet?: boolean }) => {
      const result = await runDemo({ contacts: Number(opts.contacts), seed: Number(opts.seed), db: opts.db, quiet: Boolean(opts.quiet) }, io);
      const failed = Object.values(result.summaries).some((s) => s.full.status !== 'succeeded' || s.incremental.status !== 'succeeded') || result.linked.summary.status !== 'succeeded';
      setExit(failed ? EXIT.partial : EXIT.ok);
    });
}

export type { SyncProgress };
