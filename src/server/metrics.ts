/**
 * The service's Prometheus metrics, with prom-client: Parcours's own counters, one histogram and two
 * gauges on a registry per service instance, plus prom-client's default process metrics (CPU, memory,
 * event-loop lag, GC, handles), collected once per process. Names are unchanged from the hand-written
 * exposition they replace. In-process only: they restart at zero with the service (rate() copes).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Webhook lag buckets, seconds: a CRM change to our write, from sub-second to the 5 s HubSpot retry horizon and beyond. */
export const LAG_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];

export interface Metrics {
  runFinished(crm: string, mode: string, status: string): void;
  recordsWritten(crm: string, n: number): void;
  apiCalls(crm: string, byEndpoint: Record<string, number>, rateLimited: number): void;
  webhookEvents(source: string, outcome: string, n: number): void;
  webhookLag(crm: string, seconds: number): void;
  /** A gauge read when scraped (prom-client awaits an async collect). */
  gauge(name: string, help: string, read: () => number | Promise<number>): void;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; text: string }>;
}

let processRegistry: Registry | null = null;

/** Default process metrics belong to the process, not to one service instance: registered once. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const runs = new Counter({ name: 'parcours_runs_total', help: 'Runs finished, by CRM, mode and status.', labelNames: ['crm', 'mode', 'status'] as const, registers });
  const written = new Counter({ name: 'parcours_records_written_total', help: 'CRM records written by Parcours.', labelNames: ['crm'] as const, registers });
  const calls = new Counter({ name: 'parcours_api_calls_total', help: 'CRM API calls, by CRM and endpoint.', labelNames: ['crm', 'endpoint'] as const, registers });
  const limited = new Counter({ name: 'parcours_api_rate_limited_total', help: "CRM API calls answered 429 (or the CRM's equivalent).", labelNames: ['crm'] as const, registers });
  const events = new Counter({ name: 'parcours_webhook_events_total', help: 'Webhook events received, by source and outcome.', labelNames: ['source', 'outcome'] as const, registers });
  const lag = new Histogram({ name: 'parcours_webhook_lag_seconds', help: 'Time from the CRM change (event time) to Parcours having written its effect.', labelNames: ['crm'] as const, buckets: LAG_BUCKETS, registers });

  return {
    runFinished: (crm, mode, status) => runs.inc({ crm, mode, status }),
    recordsWritten: (crm, n) => written.inc({ crm }, n),
    apiCalls(crm, byEndpoint, rateLimited) {
      for (const [endpoint, n] of Object.entries(byEndpoint)) calls.inc({ crm, endpoint }, n);
      limited.inc({ crm }, rateLimited);
    },
    webhookEvents: (source, outcome, n) => events.inc({ source, outcome }, n),
    webhookLag: (crm, seconds) => lag.observe({ crm }, seconds),
    gauge(name, help, read) {
      new Gauge({ name, help, registers, async collect() {
        this.set(await read());
      } });
    },
    async render() {
      const merged = Registry.merge([processMetrics(), registry]);
      return { contentType: merged.contentType, text: await merged.metrics() };
    },
  };
}
