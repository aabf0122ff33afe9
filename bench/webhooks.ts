/**
 * Webhook → write-back latency: a burst of 1,000 signed HubSpot deal events (10 deliveries of 100, as
 * HubSpot batches them) against the service and the sandbox portal. Latency per event = from its
 * delivery to the end of the recompute that wrote its customer. Prints p50/p95 and the runs it took.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_HUB_ID } from '../sandbox/hubspot/auth.ts';
import { startHubspotSandbox } from '../sandbox/hubspot/index.ts';
import { startServer } from '../src/server/index.ts';
import { signV3 } from '../src/server/webhooks/hubspot-signature.ts';

export interface WebhookBenchResult {
  events: number;
  runs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  written: number;
}

const ADMIN = 'bench-admin-token-0123456789abcdef';
const STAGES = ['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent'];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export async function runWebhookBench(events = 1000, contacts = 2000): Promise<WebhookBenchResult> {
  const sb = await startHubspotSandbox({ port: 0, seed: 21, contacts });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let runs = 0;
  let written = 0;
  const srv = await startServer({
    port: 0,
    schedule: false,
    env: {
      PARCOURS_DB: join(mkdtempSync(join(tmpdir(), 'parcours-bench-')), 'bench.db'),
      HUBSPOT_BASE_URL: sb.url,
      HUBSPOT_ACCESS_TOKEN: sb.accessToken,
      HUBSPOT_CLIENT_SECRET: sb.oauth.clientSecret,
      HUBSPOT_PORTAL_ID: String(SANDBOX_HUB_ID),
      PARCOURS_ADMIN_TOKEN: ADMIN,
      PARCOURS_LOG_LEVEL: 'error',
    },
    onRecomputed: (summary, batch) => {
      const done = performance.now();
      runs++;
      written += summary.written;
      for (const r of batch.records) {
        const t = sentAt.get(r.id);
        if (t === undefined) continue;
        latencies.push(done - t);
        sentAt.delete(r.id);
      }
    },
  });
  try {
    const full = await fetch(`${srv.url}/api/installations/hubspot:default/sync`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: '{"mode":"full"}' });
    if (full.status !== 200) throw new Error(`initial sync failed: ${full.status}`);
    const deals = sb.data.ids('deals').filter((id) => sb.data.getRecord('deals', id)?.properties.pipeline === 'default').slice(0, events);
    if (deals.length < events) throw new Error(`only ${deals.length} deals in the sandbox; raise contacts`);
    deals.forEach((id, i) => sb.data.updateRecord('deals', id, { dealstage: STAGES[i % STAGES.length] as string }));
    const deliveries: Array<Promise<Response>> = [];
    for (let i = 0; i < deals.length; i += 100) {
      const chunk = deals.slice(i, i + 100);
      const body = JSON.stringify(chunk.map((id, j) => ({ eventId: 10_000 + i + j, portalId: SANDBOX_HUB_ID, occurredAt: Date.now(), subscriptionType: 'deal.propertyChange', objectId: Number(id), propertyName: 'dealstage', attemptNumber: 0 })));
      const ts = String(Date.now());
      const now = performance.now();
      chunk.forEach((id) => sentAt.set(id, now));
      deliveries.push(fetch(`${srv.url}/webhooks/hubspot`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hubspot-request-timestamp': ts, 'x-hubspot-signature-v3': signV3(sb.oauth.clientSecret, 'POST', `${srv.url}/webhooks/hubspot`, Buffer.from(body), ts) },
        body,
      }));
    }
    for (const r of await Promise.all(deliveries)) if (r.status !== 200) throw new Error(`delivery refused: ${r.status}`);
    await srv.idle();
    const sorted = latencies.sort((a, b) => a - b);
    return { events: sorted.length, runs, p50Ms: Math.round(percentile(sorted, 50)), p95Ms: Math.round(percentile(sorted, 95)), maxMs: Math.round(sorted.at(-1) ?? 0), written };
  } finally {
    await srv.close();
    await sb.close();
  }
}

export function printWebhookBench(r: WebhookBenchResult): void {
  console.log(`webhooks: ${r.events} HubSpot events in 10 deliveries → ${r.runs} recompute run(s), ${r.written} records written`);
  console.log(`  webhook → write-back latency: p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms, max ${r.maxMs} ms`);
}

if (import.meta.main) printWebhookBench(await runWebhookBench());
