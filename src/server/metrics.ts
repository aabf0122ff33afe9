/**
 * Counters and one histogram, rendered in the Prometheus text exposition format
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). In-process only: they restart at zero
 * with the service, which Prometheus's rate() handles.
 */

type Labels = Record<string, string>;

interface Family {
  help: string;
  type: 'counter' | 'histogram' | 'gauge';
  series: Map<string, { labels: Labels; value: number; buckets?: number[]; sum?: number; count?: number }>;
}

/** Webhook lag buckets, seconds: a CRM change to our write, from sub-second to the 5 s HubSpot retry horizon and beyond. */
export const LAG_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];

export interface Metrics {
  runFinished(crm: string, mode: string, status: string): void;
  recordsWritten(crm: string, n: number): void;
  apiCalls(crm: string, byEndpoint: Record<string, number>, rateLimited: number): void;
  webhookEvents(source: string, outcome: string, n: number): void;
  webhookLag(crm: string, seconds: number): void;
  render(gauges: Record<string, { help: string; value: number }>): string;
}

export function createMetrics(): Metrics {
  const families = new Map<string, Family>();
  const family = (name: string, help: string, type: Family['type']): Family => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { help, type, series: new Map() }));
    return f;
  };
  const add = (name: string, help: string, labels: Labels, n: number): void => {
    const f = family(name, help, 'counter');
    const key = JSON.stringify(labels);
    const s = f.series.get(key) ?? { labels, value: 0 };
    s.value += n;
    f.series.set(key, s);
  };

  return {
    runFinished: (crm, mode, status) => add('parcours_runs_total', 'Runs finished, by CRM, mode and status.', { crm, mode, status }, 1),
    recordsWritten: (crm, n) => add('parcours_records_written_total', 'CRM records written by Parcours.', { crm }, n),
    apiCalls(crm, byEndpoint, rateLimited) {
      for (const [endpoint, n] of Object.entries(byEndpoint)) add('parcours_api_calls_total', 'CRM API calls, by CRM and endpoint.', { crm, endpoint }, n);
      add('parcours_api_rate_limited_total', 'CRM API calls answered 429 (or the CRM\'s equivalent).', { crm }, rateLimited);
    },
    webhookEvents: (source, outcome, n) => add('parcours_webhook_events_total', 'Webhook events received, by source and outcome.', { source, outcome }, n),
    webhookLag(crm, seconds) {
      const f = family('parcours_webhook_lag_seconds', 'Time from the CRM change (event time) to Parcours having written its effect.', 'histogram');
      const key = JSON.stringify({ crm });
      const s = f.series.get(key) ?? { labels: { crm }, value: 0, buckets: LAG_BUCKETS.map(() => 0), sum: 0, count: 0 };
      LAG_BUCKETS.forEach((b, i) => {
        if (seconds <= b) (s.buckets as number[])[i]!++;
      });
      s.sum = (s.sum ?? 0) + seconds;
      s.count = (s.count ?? 0) + 1;
      f.series.set(key, s);
    },
    render(gauges) {
      const lines: string[] = [];
      for (const [name, g] of Object.entries(gauges)) lines.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`, `${name} ${g.value}`);
      for (const [name, f] of families) {
        lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
        for (const s of f.series.values()) {
          if (f.type !== 'histogram') {
            lines.push(`${name}${labelText(s.labels)} ${s.value}`);
            continue;
          }
          LAG_BUCKETS.forEach((b, i) => lines.push(`${name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.buckets?.[i] ?? 0}`));
          lines.push(`${name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count ?? 0}`);
          lines.push(`${name}_sum${labelText(s.labels)} ${s.sum ?? 0}`, `${name}_count${labelText(s.labels)} ${s.count ?? 0}`);
        }
      }
      return `${lines.join('\n')}\n`;
    },
  };
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}
