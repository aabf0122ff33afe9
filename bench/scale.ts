/**
 * `npm run bench scale` (issue 15): many HubSpot portals served by web and worker processes on PostgreSQL.
 * Each portal is a sandbox portal (several behind one host, as api.hubapi.com: sandbox/hubspot/portals.ts)
 * with its own token, data, call log and a private app's burst limit of 100 requests / 10 s. For 1, 2 and 4
 * worker processes, on a fresh database and fresh portals each time:
 *   - every portal is added through `POST /api/installations` (its token checked by one call), which queues
 *     its first full sync; the clock runs from the first add until every job has settled;
 *   - while those full syncs run, portals whose first sync is over receive signed webhook events (a contact's
 *     lifecycle moved to `opportunity`); latency = from the delivery to the sandbox holding the written stage
 *     (`decision`). An event never written is a failure (infinite in the percentiles), not a dropped sample;
 *   - the floor is the issue's: the largest single-installation rate-limit floor (the independent floor's calls
 *     of that portal, bench/floors.ts, plus the token check and the least setup of a new portal, at 100 / 10 s
 *     and search's 5 / s) plus scheduling (one pg-boss polling interval);
 *   - one writer per installation is checked from the sandbox's call log: every call a portal received after
 *     its token check falls inside a job of its installation (setup, sync and recomputes all run in jobs), and no two
 *     jobs of one installation overlap in time;
 *   - CPU-seconds of the Parcours processes (web + workers, from /proc), of the sandbox, and of the whole
 *     machine (/proc/stat), and the most database connections open at once (pg_stat_activity).
 * Options: --installations N (200), --contacts N per portal (2,000), --workers 1,2,4, --concurrency N per worker (25),
 * --urgent N further workers that take only urgent jobs (0; `serve --role worker --jobs urgent`, docs/deploy.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { compileEngine } from '../src/journey/engine.ts';
import { loadMapping } from '../src/mapping/load.ts';
import { signV3 } from '../src/server/webhooks/hubspot-signature.ts';
import { hubspotFullFloor, hubspotRateFloorSeconds, hubspotTouchpointFloor, withTouchpoints, type HubspotState, type HubspotTouchpointState } from './floors.ts';
import { ownedSpec, startHubspotChild, type HubspotChild } from './sandbox-child.ts';
import type { HubspotWrites } from './floors.ts';
import { percentile, WEBHOOK_RATE } from './webhooks.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const ADMIN = `bench-admin-${randomBytes(12).toString('hex')}`;
const CLIENT_SECRET = `bench-app-secret-${randomBytes(12).toString('hex')}`;
/** pg-boss polls for work every second (src/server/pgboss-jobs.ts `pollingIntervalSeconds`). */
const SCHEDULING_SECONDS = 1;
const STAGE = 'parcours_stage';
/** The HubSpot connector's request timeout (connectors/hubspot/config.ts). */
const CLIENT_TIMEOUT_MS = 60_000;
/** `--concurrency` of an urgent-only worker (docs/deploy.md). */
const URGENT_CONCURRENCY = 8;

export interface ScaleOptions {
  installations: number;
  contacts: number;
  workers: number[];
  concurrency: number;
  /** Further worker processes that take only urgent jobs (`serve --role worker --jobs urgent`): webhook recomputes, ticks, rollbacks. */
  urgent: number;
}

export interface ScaleResult {
  workers: number;
  urgent: number;
  concurrency: number;
  installations: number;
  seconds: number;
  floorSeconds: number;
  synced: number;
  failedJobs: number;
  calls: number;
  rateLimited: number;
  cpu: { parcours: number; web: number; workers: number; sandbox: number; machine: number; cores: number };
  webhook: { events: number; written: number; p50Ms: number; p95Ms: number };
  maxConnections: number;
  overlapping: number;
  outsideJobs: number;
  /** Jobs pg-boss ran more than once. */
  retriedJobs: number;
  /** Attempts of the runs that got no HTTP answer (client timeout, dropped connection). */
  unanswered: number;
  /** The calls outside a job, by endpoint, status and side, with their distance to the nearest job. */
  outsideBy: string[];
  /** Calls the sandbox answered after the client's timeout: it was the bottleneck (CPU), not the rate limit. */
  peakRssMiB: { worker: number; sandbox: number };
}

interface Serve {
  child: ChildProcess;
  url: string;
  lines: string[];
  peakRss: number;
}

const ticksPerSecond = 100; // USER_HZ on Linux

/** utime + stime of a live process, in seconds (/proc/<pid>/stat fields 14 and 15). */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

function processRssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Busy CPU-seconds of the whole machine so far (/proc/stat: all but idle and iowait). */
function machineBusySeconds(): number {
  const cpu = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  return (total - (cpu[3] ?? 0) - (cpu[4] ?? 0)) / ticksPerSecond;
}

function startServe(role: 'web' | 'worker', env: Record<string, string>, concurrency: number, jobs: 'all' | 'urgent' = 'all'): Promise<Serve> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--role', role, '--concurrency', String(concurrency), ...(jobs === 'urgent' ? ['--jobs', 'urgent'] : [])], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    let partial = '';
    const serve: Serve = { child, url: '', lines, peakRss: 0 };
    const onData = (d: Buffer): void => {
      partial += d.toString();
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
      if (lines.length > 2000) lines.splice(0, lines.length - 2000);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(parts.join('\n'))?.[1];
      if (url && !serve.url) {
        serve.url = url;
        resolve(serve);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      if (!serve.url) reject(new Error(`serve --role ${role} exited (${code}) before listening:\n${lines.join('\n')}`));
    });
  });
}

async function admin(url: string, path: string, init: { method: string; body?: unknown }): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: init.method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Jobs not yet settled (created, retry or active) and failed ones, from pg-boss's table. */
async function jobCounts(c: pg.Client): Promise<{ unsettled: number; failed: number }> {
  try {
    const { rows } = await c.query<{ unsettled: string; failed: string }>(
      `SELECT count(*) FILTER (WHERE state NOT IN ('completed','failed','cancelled')) AS unsettled, count(*) FILTER (WHERE state = 'failed') AS failed FROM pgboss.job WHERE name = 'parcours-work'`,
    );
    return { unsettled: Number(rows[0]?.unsettled ?? 0), failed: Number(rows[0]?.failed ?? 0) };
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return { unsettled: 1, failed: 0 };
    throw error;
  }
}

export async function runScaleBench(o: ScaleOptions, workers: number): Promise<ScaleResult> {
  const server = process.env.PARCOURS_BENCH_DATABASE_URL ?? process.env.PARCOURS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = `parcours_bench_scale_${process.pid}_${workers}`;
  await withClient(server, (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`));
  const u = new URL(server);
  u.pathname = `/${database}`;
  const url = u.toString();
  const portals = Array.from({ length: o.installations }, (_, i) => ({
    seed: 1000 + i,
    contacts: o.contacts,
    hubId: 7_000_000 + i,
    accessToken: `bench-portal-${i}-${randomBytes(8).toString('hex')}`,
    rateLimit: WEBHOOK_RATE,
  }));
  // About 45 MiB a 2,000-contact portal with its touchpoints.
  const sb: HubspotChild = await startHubspotChild({ port: 0, contacts: 1 }, Math.max(4096, Math.ceil((o.installations * o.contacts * 0.025) + 2048)));
  const procs: Serve[] = [];
  const monitor = await (async () => {
    const c = new pg.Client({ connectionString: server });
    await c.connect();
    return c;
  })();
  try {
    const started = await sb.request<{ url: string; portals: Array<{ hubId: number; accessToken: string }> }>('startPortals', portals);
    // The independent floor of each portal's first sync needs its state before, and its writes after.
    const mapping = compileEngine(loadMapping('mappings/hubspot.yaml')).mapping;
    const owned = ownedSpec(mapping);
    // A new portal lacks Parcours's properties and lists. At the least, per object type with owned properties:
    // read its properties, create the group, create the properties in one batch (POST
    // /crm/v3/properties/{objectType}/batch/create); and one list per segment (lists have no batch create).
    const setupFloor = 3 * [owned.contact, owned.deal, owned.ticket].filter((f) => f.length > 0).length + mapping.segments.length;
    const before: Array<{ state: HubspotState; tp: HubspotTouchpointState }> = [];
    for (let i = 0; i < o.installations; i++) {
      before.push({ state: await sb.request('onPortal', i, 'state', null, false), tp: await sb.request('onPortal', i, 'touchpointState', null) });
      await sb.request('onPortal', i, 'mark', owned);
    }
    const env = {
      PARCOURS_DATABASE_URL: url,
      PARCOURS_SECRET_KEY: randomBytes(32).toString('base64'),
      PARCOURS_ADMIN_TOKEN: ADMIN,
      HUBSPOT_BASE_URL: started.url,
      HUBSPOT_CLIENT_SECRET: CLIENT_SECRET,
      PARCOURS_LOG_LEVEL: 'warn',
      // No scheduled run inside the measurement: the adds queue the work.
      PARCOURS_SYNC_EVERY: '24h',
      // Dozens of syncs at once in one worker hold more than V8's default heap.
      NODE_OPTIONS: '--max-old-space-size=8192',
    };
    const web = await startServe('web', env, o.concurrency);
    procs.push(web, ...await Promise.all([
      ...Array.from({ length: workers }, () => startServe('worker', env, o.concurrency)),
      // Urgent-only workers run few jobs at once, each small: a webhook's recompute never shares an event loop with full syncs.
      ...Array.from({ length: o.urgent }, () => startServe('worker', env, URGENT_CONCURRENCY, 'urgent')),
    ]));
    const cpu0 = { procs: procs.map((p) => processCpuSeconds(p.child.pid as number)), sandbox: await sb.request<number>('cpuSeconds'), machine: machineBusySeconds() };
    let maxConnections = 0;
    const sampler = setInterval(() => {
      for (const p of procs) if (p.child.exitCode === null) p.peakRss = Math.max(p.peakRss, processRssMiB(p.child.pid as number));
      monitor.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [database])
        .then((r) => (maxConnections = Math.max(maxConnections, Number(r.rows[0]?.n ?? 0) - 1))) // less this benchmark's own connection (the monitor is on another database)
        .catch(() => undefined);
    }, 500);

    const t0 = performance.now();
    // Adds in parallel, 10 at a time, as an onboarding script would.
    const ids: string[] = [];
    for (let i = 0; i < portals.length; i += 10) {
      const answers = await Promise.all(portals.slice(i, i + 10).map((p) => admin(web.url, '/api/installations', { method: 'POST', body: { crm: 'hubspot', accessToken: p.accessToken } })));
      for (const r of answers) {
        const body = (await r.json()) as { id?: string };
        if (r.status !== 201 || !body.id) throw new Error(`adding a portal answered ${r.status}: ${JSON.stringify(body)}`);
        ids.push(body.id);
      }
    }

    // Webhooks during the full syncs: to portals whose first sync is over, while others' still run.
    const events: Array<{ portal: number; contact: string; sentAt: number; writtenMs: number | null }> = [];
    const done = new Set<number>();
    const pending = new Set<number>();
    let eventId = 1;
    const candidates = new Map<number, string[]>();
    const status = await withClient(url, async (c) => {
      let allSynced = false;
      for (let tick = 0; ; tick++) {
        // The store and queue are read once a second (the benchmark's own load stays small); written stages every 100 ms.
        const everySecond = tick % 10 === 0;
        if (everySecond) {
          const { rows } = await c.query<{ installation: string }>(`SELECT DISTINCT installation FROM runs WHERE status = 'succeeded'`);
          for (const r of rows) done.add(ids.indexOf(r.installation));
          done.delete(-1);
          allSynced = done.size === ids.length;
        }
        if (everySecond && !allSynced) {
          // Up to two new events a second, each to a portal with none outstanding.
          for (const i of [...done].filter((d) => !pending.has(d)).sort(() => Math.random() - 0.5).slice(0, 2)) {
            const list = candidates.get(i) ?? await sb.request<string[]>('onPortal', i, 'contactsWith', STAGE, 'awareness', 20);
            const contact = list.shift();
            candidates.set(i, list);
            if (!contact) continue;
            await sb.request('onPortal', i, 'updateRecord', 'contacts', contact, { lifecyclestage: 'opportunity' });
            const body = JSON.stringify([{ eventId: eventId++, portalId: portals[i]?.hubId, occurredAt: Date.now(), subscriptionType: 'contact.propertyChange', objectId: Number(contact), propertyName: 'lifecyclestage', propertyValue: 'opportunity', attemptNumber: 0 }]);
            const ts = String(Date.now());
            const sentAt = performance.now();
            const r = await fetch(`${web.url}/webhooks/hubspot`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-hubspot-request-timestamp': ts, 'x-hubspot-signature-v3': signV3(CLIENT_SECRET, 'POST', `${web.url}/webhooks/hubspot`, Buffer.from(body), ts) },
              body,
            });
            if (r.status !== 200) throw new Error(`webhook delivery refused: ${r.status} ${await r.text()}`);
            events.push({ portal: i, contact, sentAt, writtenMs: null });
            pending.add(i);
          }
        }
        const open = events.filter((e) => e.writtenMs === null);
        if (open.length > 0) {
          const values = await sb.request<Array<string | null>>('contactValues', open.map((e) => [e.portal, e.contact]), STAGE);
          const now = performance.now();
          open.forEach((e, k) => {
            if (values[k] === 'decision') {
              e.writtenMs = now - e.sentAt;
              pending.delete(e.portal);
            }
          });
        }
        if (everySecond && allSynced) {
          // Settled: events still unwritten get a last look below (their recompute may have just ended), then count as failures.
          const jobs = await jobCounts(c);
          if (jobs.unsettled === 0) return jobs;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    const cpuProcs = procs.map((p, k) => processCpuSeconds(p.child.pid as number) - (cpu0.procs[k] ?? 0));
    const cpu = {
      web: cpuProcs[0] ?? 0,
      workers: cpuProcs.slice(1).reduce((a, b) => a + b, 0),
      parcours: cpuProcs.reduce((a, b) => a + b, 0),
      sandbox: (await sb.request<number>('cpuSeconds')) - cpu0.sandbox,
      machine: machineBusySeconds() - cpu0.machine,
      cores: (await import('node:os')).availableParallelism(),
    };
    const open = events.filter((e) => e.writtenMs === null);
    if (open.length > 0) {
      const values = await sb.request<Array<string | null>>('contactValues', open.map((e) => [e.portal, e.contact]), STAGE);
      open.forEach((e, k) => {
        if (values[k] === 'decision') e.writtenMs = performance.now() - e.sentAt;
      });
    }

    // The floor, and one writer per installation, from each portal's own state and call log.
    let floorSeconds = 0;
    let calls = 0;
    let rateLimited = 0;
    let overlapping = 0;
    let outsideJobs = 0;
    const outside = new Map<string, { n: number; gaps: number[] }>();
    // When each job of an installation held it (setup, sync and recomputes all run inside a job).
    const jobs = new Map<string, Array<{ from: number; to: number; job?: true }>>();
    // Jobs pg-boss ran more than once (a lost heartbeat claim, a stop past its grace): its table keeps only the last
    // attempt's times, so each run's own times (the store's runs table) are counted as held too.
    let retriedJobs = 0;
    // Attempts the runs' clients got no answer to (their timeout, a dropped connection): such a call may still arrive later.
    let unanswered = 0;
    await withClient(url, async (c) => {
      const retried = await c.query<{ n: string }>(`SELECT count(*) AS n FROM pgboss.job WHERE name = 'parcours-work' AND retry_count > 0`);
      retriedJobs = Number(retried.rows[0]?.n ?? 0);
      const runs = await c.query<{ installation: string; started_at: string; finished_at: string | null; unanswered: number | null }>(
        `SELECT installation, started_at, finished_at, (summary::jsonb->'apiCalls'->>'unanswered')::int AS unanswered FROM runs`,
      );
      unanswered = runs.rows.reduce((n, r) => n + (r.unanswered ?? 0), 0);
      for (const r of runs.rows) {
        const list = jobs.get(r.installation) ?? [];
        list.push({ from: Number(r.started_at), to: r.finished_at === null ? Infinity : Number(r.finished_at) });
        jobs.set(r.installation, list);
      }
      const { rows } = await c.query<{ installation: string; started_on: Date; completed_on: Date | null }>(
        `SELECT data->>'installation' AS installation, started_on, completed_on FROM pgboss.job WHERE name = 'parcours-work' AND started_on IS NOT NULL AND data ? 'installation'`,
      );
      for (const r of rows) {
        const list = jobs.get(r.installation) ?? [];
        list.push({ from: r.started_on.getTime(), to: r.completed_on?.getTime() ?? Infinity, job: true });
        jobs.set(r.installation, list);
      }
    });
    for (let i = 0; i < o.installations; i++) {
      const b = before[i] as (typeof before)[number];
      const writes = await sb.request<HubspotWrites>('onPortal', i, 'writes');
      const f = withTouchpoints(hubspotFullFloor(b.state, writes), hubspotTouchpointFloor(b.tp, WEBHOOK_RATE).reads);
      // +1: the token check before the first sync.
      floorSeconds = Math.max(floorSeconds, hubspotRateFloorSeconds({ standard: f.reads.standard + f.writes.calls + setupFloor + 1, search: f.reads.search }, WEBHOOK_RATE));
      const log = await sb.request<Array<{ receivedAt: number; at: number; endpoint: string; status: number }>>('onPortal', i, 'callLog');
      calls += log.length;
      rateLimited += log.filter((c) => c.status === 429).length;
      const check = log.findIndex((c) => c.endpoint === 'GET /account-info/v3/details');
      const held = jobs.get(ids[i] as string) ?? [];
      const sorted = held.filter((j) => j.job).sort((a, b) => a.from - b.from);
      for (let k = 1; k < sorted.length; k++) if ((sorted[k] as (typeof sorted)[number]).from < (sorted[k - 1] as (typeof sorted)[number]).to) overlapping++;
      // Job times are PostgreSQL's clock, call times the sandbox's: both this machine's.
      // By arrival, the only time the sandbox knows. A request waits in the socket before the sandbox's handler stamps
      // it; on an overloaded sandbox past the client's timeout, the client gives up (counted as unanswered), retries,
      // and its job may end before the sandbox handles the abandoned request: such a call lands outside every job.
      for (const c of log.slice(check + 1)) {
        if (!held.some((j) => c.receivedAt >= j.from - 5 && c.receivedAt <= j.to + 5)) {
          outsideJobs++;
          // How far from the nearest job of its installation (before its start: negative; after its end: positive).
          const gaps = held.filter((j) => j.job).map((j) => (c.receivedAt < j.from ? c.receivedAt - j.from : c.receivedAt - j.to));
          const gap = gaps.length ? gaps.reduce((a, b) => (Math.abs(a) <= Math.abs(b) ? a : b)) : NaN;
          const key = `${c.endpoint.replace(/\/\d+/g, '/:id')} ${c.status} ${Number.isNaN(gap) ? 'no job' : gap < 0 ? 'before a job' : 'after a job'}`;
          const entry = outside.get(key) ?? { n: 0, gaps: [] };
          entry.n++;
          entry.gaps.push(gap);
          outside.set(key, entry);
        }
      }
    }
    const latencies = events.map((e) => e.writtenMs ?? Infinity).sort((a, b) => a - b);
    return {
      workers,
      urgent: o.urgent,
      concurrency: o.concurrency,
      installations: o.installations,
      seconds,
      floorSeconds: floorSeconds + SCHEDULING_SECONDS,
      synced: done.size,
      failedJobs: status.failed,
      calls,
      rateLimited,
      cpu,
      webhook: { events: events.length, written: events.filter((e) => e.writtenMs !== null).length, p50Ms: Math.round(percentile(latencies, 50)), p95Ms: Math.round(percentile(latencies, 95)) },
      maxConnections,
      overlapping,
      outsideJobs,
      retriedJobs,
      unanswered,
      outsideBy: [...outside].sort((a, b) => b[1].n - a[1].n).slice(0, 8).map(([k, v]) => {
        const g = [...v.gaps].sort((a, b) => a - b);
        return `${v.n}× ${k} (gap ms min ${g[0]?.toFixed(0)}, median ${g[Math.floor(g.length / 2)]?.toFixed(0)}, max ${g.at(-1)?.toFixed(0)})`;
      }),
      peakRssMiB: { worker: Math.max(...procs.slice(1).map((p) => p.peakRss)), sandbox: await sb.peakRssMiB() },
    };
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => (p.child.exitCode === null ? new Promise((r) => p.child.once('exit', r)) : undefined)));
    await monitor.end().catch(() => undefined);
    await sb.close();
    await withClient(server, (c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`));
  }
}

export function printScaleResult(r: ScaleResult): void {
  const ms = (x: number): string => (Number.isFinite(x) ? `${x} ms` : '∞ (not written)');
  const perMinute = r.installations / (r.seconds / 60);
  console.log(`  ${r.workers} worker(s) × concurrency ${r.concurrency}${r.urgent ? ` + ${r.urgent} urgent-only worker(s) × ${URGENT_CONCURRENCY}` : ''}: ${r.synced}/${r.installations} installations synced in ${r.seconds.toFixed(1)} s / floor ${r.floorSeconds.toFixed(1)} s = ${(r.seconds / r.floorSeconds).toFixed(2)}× (goal with 4 workers ≤ 1.25×)   ${perMinute.toFixed(1)} installations/min   failed jobs ${r.failedJobs}`);
  console.log(`      CPU-seconds: Parcours ${r.cpu.parcours.toFixed(0)} (web ${r.cpu.web.toFixed(0)}, workers ${r.cpu.workers.toFixed(0)}) = ${(r.cpu.parcours / r.installations).toFixed(2)} per installation; sandbox ${r.cpu.sandbox.toFixed(0)}; whole machine ${r.cpu.machine.toFixed(0)} of ${(r.cpu.cores * r.seconds).toFixed(0)} available (${r.cpu.cores} cores, ${((100 * r.cpu.machine) / (r.cpu.cores * r.seconds)).toFixed(0)} % busy)`);
  console.log(`      webhook → write-back during the full syncs: ${r.webhook.events} events, ${r.webhook.written} written, p50 ${ms(r.webhook.p50Ms)}, p95 ${ms(r.webhook.p95Ms)} (goal ≤ 5,000 ms)`);
  console.log(`      ${r.calls.toLocaleString('en')} API calls (${r.rateLimited} answered 429; the runs gave up on ${r.unanswered} attempts after the client's ${CLIENT_TIMEOUT_MS / 1000} s timeout or a dropped connection, each of which the sandbox may still handle after its job ended); database connections at most ${r.maxConnections}; peak RSS: a worker ${r.peakRssMiB.worker.toFixed(0)} MiB, sandbox ${r.peakRssMiB.sandbox.toFixed(0)} MiB`);
  console.log(`      one writer per installation: ${r.overlapping} overlapping jobs, ${r.outsideJobs} calls outside a job or run of their installation (goal 0 and 0); ${r.retriedJobs} jobs ran more than once`);
  for (const line of r.outsideBy) console.log(`        ${line}`);
}

export async function printScaleBench(o: ScaleOptions): Promise<void> {
  console.log(`Scale: ${o.installations} HubSpot portals × ${o.contacts.toLocaleString('en')} contacts (each ${WEBHOOK_RATE.max} requests / ${WEBHOOK_RATE.intervalMs / 1000} s), web + workers on PostgreSQL`);
  for (const w of o.workers) printScaleResult(await runScaleBench(o, w));
}
