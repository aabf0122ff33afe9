import { startSalesforceSandbox } from '../sandbox/salesforce/index.ts';
import { readEnv } from '../src/config.ts';
import { compileEngine } from '../src/journey/engine.ts';
import { loadMapping } from '../src/mapping/load.ts';
import { openStore } from '../src/store/index.ts';
import { connect } from '../src/sync/connect.ts';
import { runSync } from '../src/sync/run.ts';
import { runSetup } from '../src/sync/setup.ts';
import { mkdtempSync } from 'node:fs'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
const n = Number(process.argv[2] ?? 200);
const bulk = process.argv[3] === 'bulk';
const sb = await startSalesforceSandbox({ seed: 3, contacts: n, dailyApiLimit: 10_000_000 });
const db = join(mkdtempSync(join(tmpdir(), 'zz-')), 'b.db');
const env = readEnv({ PARCOURS_DB: db, SALESFORCE_INSTANCE_URL: sb.url, SALESFORCE_ACCESS_TOKEN: sb.accessToken, SALESFORCE_LOGIN_URL: sb.url, SALESFORCE_BULK_THRESHOLD: String(bulk ? 2000 : 10_000_000) });
const store = openStore(db); const installation = 'salesforce:x';
const engine = compileEngine(loadMapping('mappings/salesforce.yaml'));
await runSetup(connect('salesforce', { env, store, installation }), store, installation, engine.mapping);
for (const mode of ['full', 'incremental'] as const) {
  const before = sb.stats();
  const t0 = Date.now();
  const s = await runSync({ connector: connect('salesforce', { env, store, installation }), store, engine, installation, mode, dryRun: false, now: Date.now() });
  const after = sb.stats();
  const by: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.byEndpoint)) { const d = v - (before.byEndpoint[k] ?? 0); if (d) by[k] = d; }
  console.log(mode, s.status, s.stoppedReason ?? '', 'calls', after.total - before.total, (Date.now()-t0)/1000, 's', JSON.stringify(s.pulled), JSON.stringify(s.changed), 'failed', s.failed.length, JSON.stringify(s.failed.slice(0,2)));
  console.log('  ', JSON.stringify(by));
}
await sb.close(); store.close();
