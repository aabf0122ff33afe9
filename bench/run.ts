/**
 * `npm run bench [engine|hubspot|salesforce|hubspot-touchpoints|salesforce-touchpoints|report|report-touchpoints|webhooks|linked|scale|all] [--contacts N] [--store FILE] [--installations N --workers 1,2,4 --concurrency N]`: benchmarks that print
 * (`engine` also runs the touchpoint benchmarks of bench/touchpoints.ts: 30 touchpoints per customer, in
 * memory and streamed through a SQLite store, filled and streamed in two further processes; `--store FILE`
 * keeps that store's file and reuses it when it exists, since a million customers take minutes to write);
 * ratios (API calls vs our own and the independent floor, time vs the rate-limit floor, records/s, latency,
 * peak memory). Each runs in its own process so peak RSS belongs to one benchmark; the sync and webhook
 * benchmarks start the sandbox CRM in a further child process (bench/sandbox-child.ts).
 */
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const contactsArg = args.indexOf('--contacts');
const contacts = contactsArg >= 0 ? Number(args[contactsArg + 1]) : undefined;
const storeArg = args.indexOf('--store');
// engine: keep the touchpoint store benchmark's SQLite file there, and reuse it (no fill) when it exists.
const store = storeArg >= 0 ? args[storeArg + 1] : undefined;
/** scale: --installations N, --workers 1,2,4, --concurrency N (per worker). */
const flag = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const VALUED = new Set(['--contacts', '--store', '--installations', '--workers', '--concurrency', '--urgent']);
const positional = args.filter((a, i) => !a.startsWith('--') && !VALUED.has(args[i - 1] ?? ''));
const scale = {
  installations: Number(flag('--installations') ?? 200),
  contacts: contacts ?? 2000,
  workers: (flag('--workers') ?? '1,2,4').split(',').map(Number),
  concurrency: Number(flag('--concurrency') ?? 25),
  urgent: Number(flag('--urgent') ?? 0),
};

const BENCHES: Record<string, string> = {
  engine: `const { runEngineBench } = await import('./bench/engine.ts'); const r = runEngineBench(${contacts ?? 1_000_000});
    console.log('Journey engine, default HubSpot mapping, ' + r.customers.toLocaleString('en') + ' generated customers, one core');
    console.log('  customers/s ' + Math.round(r.perSecond).toLocaleString('en') + ' (goal >= 250,000: ' + (r.perSecond / 250000).toFixed(2) + 'x)   peak RSS ' + r.peakRssMiB.toFixed(0) + ' MiB (goal < 512: ' + (r.peakRssMiB / 512).toFixed(2) + ')');
    const t = await import('./bench/touchpoints.ts'); t.printTouchpointBenches(${contacts ?? 1_000_000}, 30, ${JSON.stringify(store)});`,
  hubspot: `const { runHubspotSyncBench } = await import('./bench/sync.ts'); await runHubspotSyncBench(${contacts ?? 20_000});`,
  salesforce: `const { runSalesforceSyncBench } = await import('./bench/sync.ts'); await runSalesforceSyncBench(${contacts ?? 20_000}, false); await runSalesforceSyncBench(${contacts ?? 20_000}, true);`,
  'hubspot-touchpoints': `const { runTouchpointBench } = await import('./bench/touchpoint-pull.ts'); await runTouchpointBench(${contacts ?? 20_000});`,
  'salesforce-touchpoints': `const { runSalesforceTouchpointBench } = await import('./bench/salesforce-touchpoints.ts'); await runSalesforceTouchpointBench(${contacts ?? 20_000}, false); await runSalesforceTouchpointBench(${contacts ?? 20_000}, true);`,
  report: `const m = await import('./bench/report.ts'); m.printReportBench(m.runReportBench(${contacts ?? 1_000_000}));`,
  // The same map with 15 touchpoints a customer (issue 13's realistic volume) and 0.3 survey answers a customer.
  'report-touchpoints': `const m = await import('./bench/report.ts'); m.printReportBench(m.runReportBench(${contacts ?? 1_000_000}, 'mappings/hubspot.yaml', 15));`,
  webhooks: `const m = await import('./bench/webhooks.ts'); m.printWebhookBench(await m.runWebhookBench(1000, ${contacts ?? 2000}));`,
  // Issue 16: linked full sync of 20,000 HubSpot contacts and the about 16,000 Salesforce Contacts/Leads of one linked population (--contacts N: N HubSpot), and matching.
  // Issue 15: 200 portals × 2,000 contacts on PostgreSQL with 1, 2 and 4 worker processes (not in `all`: it needs PostgreSQL and about 20 minutes).
  scale: `const m = await import('./bench/scale.ts'); await m.printScaleBench(${JSON.stringify(scale)});`,
  linked: `const m = await import('./bench/linked.ts'); await m.runLinkedBench(${contacts ?? 20_000});`,
};

const which = positional[0] ?? 'all';
const selected = which === 'all' ? Object.keys(BENCHES).filter((b) => b !== 'scale') : [which];
let failed = false;
for (const name of selected) {
  const code = BENCHES[name];
  if (!code) {
    console.error(`unknown benchmark "${name}"; choose ${Object.keys(BENCHES).join(', ')} or all`);
    process.exit(1);
  }
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
  console.log('');
}
process.exit(failed ? 1 : 0);
