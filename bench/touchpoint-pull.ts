/**
 * `npm run bench hubspot-touchpoints [--contacts N]`: a full touchpoint pull of N contacts' engagements, survey answers
 * and form conversions (≈ 15 records per contact: 20,000 contacts ≈ 300,000 records) from the HubSpot sandbox
 * in its own process, at a Free-tier burst limit (100 / 10 s) and search's 5/s. Prints the calls the sandbox
 * answered against the independent call floor (bench/floors.ts `hubspotTouchpointFloor`: the cheapest documented
 * mix of list / search + v4 per object, from the sandbox's own counts), and the wall time against the rate-limit
 * floor of those calls — and, for reference, against the fastest schedule any client could run.
 */
import { createHubspotConnector } from '../connectors/hubspot/index.ts';
import { hubspotRateFloorSeconds, hubspotTouchpointFloor, type HubspotTouchpointState } from './floors.ts';
import { startHubspotChild, type CallStats } from './sandbox-child.ts';
import { GOALS } from './sync.ts';

export interface TouchpointBenchResult {
  records: number;
  calls: number;
  search: number;
  rateLimited: number;
  seconds: number;
  floorCalls: number;
  floorSeconds: number;
  fastestSeconds: number;
}

const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

export async function runTouchpointBench(contacts = 20_000, rate = { max: 100, intervalMs: 10_000 }): Promise<TouchpointBenchResult> {
  const sb = await startHubspotChild({ port: 0, seed: 3, contacts, rateLimit: rate });
  try {
    const state = await sb.request<HubspotTouchpointState>('touchpointState');
    const total = Object.values(state.live).reduce((n, k) => n + k, 0);
    const connector = createHubspotConnector({ accessToken: sb.accessToken, baseUrl: sb.url });
    const before = await sb.stats();
    const t0 = performance.now();
    let records = 0;
    let peak = process.memoryUsage.rss();
    for await (const batch of connector.pullTouchpoints!({ mode: 'full' })) {
      records += batch.records.length;
      peak = Math.max(peak, process.memoryUsage.rss());
    }
    const seconds = (performance.now() - t0) / 1000;
    const after: CallStats = await sb.stats();
    const calls = after.total - before.total;
    const byEndpoint = Object.fromEntries(Object.entries(after.byEndpoint).map(([k, v]) => [k, v - (before.byEndpoint[k] ?? 0)]).filter(([, v]) => (v as number) > 0));
    const search = Object.entries(byEndpoint).filter(([k]) => k.endsWith('/search')).reduce((n, [, v]) => n + (v as number), 0);
    const floor = hubspotTouchpointFloor(state, rate);
    const floorSeconds = hubspotRateFloorSeconds({ standard: calls - search, search }, rate);
    const rateLimited = after.rateLimited - before.rateLimited;
    console.log(`HubSpot touchpoints, ${contacts.toLocaleString('en')} contacts: ${total.toLocaleString('en')} engagements and survey answers (${Object.entries(state.live).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ')}) + form conversions of ${state.converted.toLocaleString('en')} contacts; rate limit ${rate.max}/${rate.intervalMs / 1000}s, search 5/s`);
    console.log(`  full pass: ${records.toLocaleString('en')} touchpoints in ${seconds.toFixed(1)} s (${Math.round(records / Math.max(seconds, 0.001)).toLocaleString('en')} records/s), 429s ${rateLimited}`);
    console.log(`  calls ${calls} (search ${search}, standard ${calls - search})   independent call floor ${floor.calls} → ${ratio(calls, floor.calls)} (goal ≤ ${GOALS.calls}×)   [${floor.reads.strategy}: search ${floor.reads.search}, standard ${floor.reads.standard}]`);
    console.log(`  time ${seconds.toFixed(1)} s   rate-limit floor of these calls ${floorSeconds} s → ${ratio(seconds, floorSeconds)} (goal ≤ ${GOALS.time}×)`);
    console.log(`  for reference, the fastest schedule any client could run: ${floor.fastestSeconds} s with ${floor.fastest.calls} calls (${floor.fastest.strategy})`);
    console.log(`  calls by endpoint: ${Object.entries(byEndpoint).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(`  peak RSS: Parcours ${(peak / 2 ** 20).toFixed(0)} MiB (the sandbox runs in its own process: ${(await sb.peakRssMiB()).toFixed(0)} MiB)`);
    return { records, calls, search, rateLimited, seconds, floorCalls: floor.calls, floorSeconds, fastestSeconds: floor.fastestSeconds };
  } finally {
    await sb.close();
  }
}
