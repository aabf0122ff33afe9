/**
 * Webhook → write-back latency: a burst of 1,000 signed HubSpot deal events (10 deliveries of 100, as
 * HubSpot batches them) against the service, with the sandbox portal in its own process and rate-limited
 * like a Free/Starter private app (100 requests / 10 s). Latency per event = from its delivery to the end
 * of the recompute that wrote its customer. Every event is accounted for: one whose recompute failed, or
 * that no recompute covered by the time the service is idle, is a FAILURE — counted as never written
 * (infinite latency in the percentiles), not dropped from the sample.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_HUB_ID } from '../sandbox/hubspot/auth.ts';
import { startServer } from '../src/server/index.ts';
import { signV3 } from '../src/server/webhooks/hubspot-signature.ts';
import { startHubspotChild } from './sandbox-child.ts';

export interface WebhookBenchResult {
  events: number;
  /** Events whose customer a recompute wrote (or found already right) without failing that record. */
  written: number;
  /** Events never written: their record failed, their recompute threw, or no recompute covered them. */
  failed: number;
  runs: number;
  /** Percentiles over ALL events, failures counted as infinite. */
  p50Ms: number;
  p95Ms: number;
  maxWrittenMs: number;
  recordsWritten: number;
  /** Requests the sandbox answered during the burst, and how many were 429s. */
  calls: number;
  rateLimited: number;
  seconds: number;
  peakRssMiB: number;
}

const ADMIN = 'bench-admin-token-0123456789abcdef';
const STAGES = ['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent'];
export const WEBHOOK_RATE = { max: 100, intervalMs: 10_000 } as const;

/** Nearest-rank percentile; Infinity stands for an event that was never written. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export async function runWebhookBench(events = 1000, contacts = 2000): Promise<WebhookBenchResult> {
  const sb = await startHubspotChild({ port: 0, seed: 21, contacts, rateLimit: WEBHOOK_RATE });
  const sentAt = new Map<string, number>();
  const latency = new Map<string, number>();
  const failedIds = new Set<string>();
  let runs = 0;
  let recordsWritten = 0;
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 200);
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
      recordsWritten += summary.written;
      const failed = new Set(summary.failed.map((f) => `${f.object}:${f.id}`));
      for (const r of batch.records) {
        const t = sentAt.get(r.id);
        if (t === undefined || latency.has(r.id)) continue;
        if (failed.has(`${r.kind}:${r.id}`)) failedIds.add(r.id);
        else latency.set(r.id, done - t);
      }
    },
  });
  try {
    const full = await fetch(`${srv.url}/api/installations/hubspot:default/sync`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: '{"mode":"full"}' });
    if (full.status !== 200) throw new Error(`initial sync failed: ${full.status}`);
    const deals: string[] = [];
    for (const id of await sb.request<string[]>('ids', 'deals')) {
      if (deals.length === events) break;
      const rec = await sb.request<{ properties: Record<string, string> } | null>('getRecord', 'deals', id);
      if (rec?.properties['pipeline'] === 'default') deals.push(id);
    }
    if (deals.length < events) throw new Error(`only ${deals.length} deals in the sandbox; raise contacts`);
    for (const [i, id] of deals.entries()) await sb.request('updateRecord', 'deals', id, { dealstage: STAGES[i % STAGES.length] as string });
    const callsBefore = await sb.stats();
    const t0 = performance.now();
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
    const seconds = (performance.now() - t0) / 1000;
    const calls = await sb.stats();
    // Every event sent and not written is a failure.
    const all = deals.map((id) => latency.get(id) ?? Infinity).sort((a, b) => a - b);
    const written = deals.filter((id) => latency.has(id)).length;
    const writtenMs = all.filter(Number.isFinite);
    return {
      events: deals.length,
      written,
      failed: deals.length - written,
      runs,
      p50Ms: Math.round(percentile(all, 50)),
      p95Ms: Math.round(percentile(all, 95)),
      maxWrittenMs: Math.round(writtenMs.at(-1) ?? 0),
      recordsWritten,
      calls: calls.total - callsBefore.total,
      rateLimited: calls.rateLimited - callsBefore.rateLimited,
      seconds,
      peakRssMiB: Math.max(peak, process.memoryUsage.rss()) / 1024 / 1024,
    };
  } finally {
    clearInterval(sampler);
    await srv.close();
    await sb.close();
  }
}

export function printWebhookBench(r: WebhookBenchResult): void {
  const ms = (x: number): string => (Number.isFinite(x) ? `${x} ms` : '∞ (not written)');
  console.log(`webhooks: ${r.events} HubSpot deal events in ${Math.ceil(r.events / 100)} deliveries, sandbox in its own process at ${WEBHOOK_RATE.max} requests / ${WEBHOOK_RATE.intervalMs / 1000} s`);
  console.log(`  events written ${r.written}, failed ${r.failed} (never written: counted in the percentiles as infinite)`);
  console.log(`  webhook → write-back latency: p50 ${ms(r.p50Ms)}, p95 ${ms(r.p95Ms)}, max written ${r.maxWrittenMs} ms`);
  console.log(`  ${r.runs} recompute run(s), ${r.recordsWritten} records written, ${r.calls} API calls (${r.rateLimited} answered 429) in ${r.seconds.toFixed(1)} s; peak RSS Parcours ${r.peakRssMiB.toFixed(0)} MiB`);
}

if (import.meta.main) printWebhookBench(await runWebhookBench());
