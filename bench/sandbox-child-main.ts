/**
 * The sandbox CRM as its own process, so a benchmark's peak RSS is Parcours's alone. Started by
 * bench/sandbox-child.ts with an IPC channel; answers one request per message. Exits when the parent
 * disconnects (after `close`) or goes away.
 */
import { startHubspotSandbox, type HubspotSandbox, type HubspotSandboxOptions } from '../sandbox/hubspot/index.ts';
import { startHubspotPortals, type HubspotPortals } from '../sandbox/hubspot/portals.ts';
import type { HubspotPortal } from '../sandbox/hubspot/server.ts';
import type { LinkedSalesforceRecord } from '../sandbox/hubspot/seed.ts';
import { startSalesforceSandbox, type SalesforceSandbox, type SalesforceSandboxOptions } from '../sandbox/salesforce/index.ts';
import {
  hubspotOwned,
  hubspotState,
  hubspotTouchpointState,
  hubspotWritesBetween,
  salesforceOwned,
  salesforceState,
  salesforceTaskWrites,
  salesforceTouchpointState,
  salesforceWritesBetween,
  type OwnedSnapshot,
  type OwnedSpec,
} from './sandbox-state.ts';

export interface ChildRequest {
  id: number;
  op: string;
  args: unknown[];
}

export type ChildReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** The HubSpot sandbox the ops act on: the one started, or the portal `onPortal` selects. */
let hs: Pick<HubspotSandbox, 'data' | 'calls'> | null = null;
let portals: HubspotPortals | null = null;
/** Owned-value snapshots per portal (`mark` and `writes` on a selected portal). */
const portalBefore = new Map<HubspotPortal, OwnedSnapshot>();
let sf: SalesforceSandbox | null = null;
let owned: OwnedSpec | null = null;
let before: OwnedSnapshot | null = null;
let markedAt = 0;
let started: { close(): Promise<void> } | null = null;
let peakRss = process.memoryUsage.rss();
setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 200).unref();

function need<T>(x: T | null, what: string): T {
  if (x === null) throw new Error(`sandbox child: ${what} first`);
  return x;
}

function callStats(calls: Array<{ endpoint: string; status: number }>): { total: number; byEndpoint: Record<string, number>; rateLimited: number } {
  const byEndpoint: Record<string, number> = {};
  let rateLimited = 0;
  for (const c of calls) {
    byEndpoint[c.endpoint] = (byEndpoint[c.endpoint] ?? 0) + 1;
    if (c.status === 429) rateLimited++;
  }
  return { total: calls.length, byEndpoint, rateLimited };
}

const snapshot = (): OwnedSnapshot => (hs ? hubspotOwned(hs, need(owned, 'mark')) : salesforceOwned(need(sf, 'start'), need(owned, 'mark')));

const OPS: Record<string, (...args: never[]) => unknown> = {
  async start(crm: 'hubspot' | 'salesforce', opts: HubspotSandboxOptions | SalesforceSandboxOptions) {
    if (crm === 'hubspot') {
      // A linked portal (issue 16) gets the Salesforce child's person records as entries: a Map does not cross IPC.
      const { linkedSalesforce, ...rest } = opts as HubspotSandboxOptions & { linkedSalesforce?: Array<[number, LinkedSalesforceRecord]> };
      const one = await startHubspotSandbox(linkedSalesforce ? { ...rest, linked: { salesforce: new Map(linkedSalesforce) } } : rest);
      hs = one;
      started = one;
      return { url: one.url, accessToken: one.accessToken, oauth: one.oauth };
    }
    sf = await startSalesforceSandbox(opts as SalesforceSandboxOptions);
    return { url: sf.url, accessToken: sf.accessToken, oauth: sf.oauth };
  },
  // Several portals behind one host (the scale benchmark): select one with `onPortal` for the other ops.
  async startPortals(options: HubspotSandboxOptions[]) {
    portals = await startHubspotPortals(options);
    started = portals;
    const first = portals.portals[0] as HubspotPortal;
    return { url: portals.url, accessToken: first.accessToken, oauth: first.oauth, portals: portals.portals.map((p) => ({ hubId: p.hubId, accessToken: p.accessToken })) };
  },
  /** Runs a synchronous op on portal `i` (ops that snapshot keep one snapshot per portal). */
  onPortal(i: number, op: string, ...args: unknown[]) {
    const portal = need(portals, 'startPortals').portals[i];
    if (!portal) throw new Error(`no portal ${i}`);
    const fn = OPS[op] as ((...a: unknown[]) => unknown) | undefined;
    if (!fn) throw new Error(`unknown op ${op}`);
    const saved = [hs, before] as const;
    hs = portal;
    before = portalBefore.get(portal) ?? null;
    try {
      const value = fn(...args);
      if (value instanceof Promise) throw new Error(`${op} is asynchronous: not for onPortal`);
      if (op === 'mark' && before) portalBefore.set(portal, before);
      return value;
    } finally {
      [hs, before] = saved;
    }
  },
  /** Every call a portal answered (from index `from` on), with when (the scale benchmark's one-writer check, call logs). */
  callLog: (from = 0) => need(hs, 'start').calls.slice(from).map((c) => ({ receivedAt: c.receivedAt, at: c.at, endpoint: c.endpoint, status: c.status })),
  /** Contacts of the selected portal whose property holds the value, first `limit`. */
  contactsWith(property: string, value: string, limit: number) {
    const data = need(hs, 'start').data;
    const out: string[] = [];
    for (const id of data.ids('contacts')) {
      if (out.length >= limit) break;
      if (data.getRecord('contacts', id)?.properties[property] === value) out.push(id);
    }
    return out;
  },
  /** One property of many contacts across portals: [portal, id] pairs → values. */
  contactValues(pairs: Array<[number, string]>, property: string) {
    const all = need(portals, 'startPortals').portals;
    return pairs.map(([i, id]) => all[i]?.data.getRecord('contacts', id)?.properties[property] ?? null);
  },
  cpuSeconds: () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  },
  // The Contact or Lead each persona became in a linked org, for the linked HubSpot child.
  personRecords: () => [...need(sf, 'start').personRecords],
  stats: () => callStats(hs ? hs.calls : need(sf, 'start').calls),
  state: (since: number | null, stageHistory: boolean) => (hs ? hubspotState(hs, since) : salesforceState(need(sf, 'start'), since, stageHistory)),
  // The touchpoint state of whichever sandbox this child started.
  touchpointState: (since: number | null = null) => (hs ? hubspotTouchpointState(hs, since) : salesforceTouchpointState(need(sf, 'start'), since)),
  mark(spec: OwnedSpec) {
    owned = spec;
    markedAt = Date.now();
    before = snapshot();
  },
  writes() {
    const after = snapshot();
    const b = need(before, 'mark');
    return hs ? hubspotWritesBetween(b, after) : salesforceWritesBetween(b, after, salesforceTaskWrites(need(sf, 'start'), markedAt));
  },
  // Salesforce calls from index `from` on: Composite calls carrying any write vs only reads, and Bulk 2.0 status
  // reads past the first per job (a job still running when read is read again).
  /** Salesforce calls from index `from` on, with their Composite subrequests (`PARCOURS_BENCH_CALL_LOG` traces). */
  salesforceCallLog: (from: number) =>
    need(sf, 'start').calls.slice(from).map((c) => ({ at: c.at, method: c.method, path: c.path, status: c.status, ...(c.subrequests ? { subrequests: c.subrequests.map((r) => `${r.method} ${r.path} ${r.status}`) } : {}) })),
  compositeSplit(from: number) {
    const calls = need(sf, 'start').calls.slice(from);
    let reads = 0;
    let writes = 0;
    const statusReads = new Map<string, number>();
    for (const c of calls) {
      if (c.endpoint === 'POST /services/data/vXX.X/composite') {
        if ((c.subrequests ?? []).some((r) => r.method !== 'GET')) writes++;
        else reads++;
      }
      if (c.method === 'GET' && /\/jobs\/(query|ingest)\/[^/]+$/.test(c.path)) statusReads.set(c.path, (statusReads.get(c.path) ?? 0) + 1);
    }
    const polls = [...statusReads.values()].reduce((n, k) => n + k - 1, 0);
    return { reads, writes, polls };
  },
  peakRssMiB: () => Math.max(peakRss, process.memoryUsage.rss()) / 1024 / 1024,
  /** The garbage the harness's snapshots left, collected now rather than during the next timed run. */
  collectGarbage: () => {
    (globalThis as { gc?: () => void }).gc?.();
    return true;
  },
  // HubSpot data, as a user would change it in the UI.
  ids: (type: string) => need(hs, 'start').data.ids(type),
  getRecord: (type: string, id: string) => need(hs, 'start').data.getRecord(type, id),
  updateRecord: (type: string, id: string, props: Record<string, string>) => need(hs, 'start').data.updateRecord(type, id, props),
  // Salesforce data, as an admin.
  query: (soql: string, all: boolean) => need(sf, 'start').data.query(soql, { all }),
  update: (sobject: string, id: string, fields: Record<string, unknown>) => need(sf, 'start').data.update(sobject, id, fields),
  delete: (id: string) => need(sf, 'start').data.delete(id),
  async close() {
    await started?.close();
    await sf?.close();
  },
};

process.on('message', (msg: ChildRequest) => {
  const op = OPS[msg.op];
  const reply = (r: ChildReply): void => void process.send?.(r);
  if (!op) return reply({ id: msg.id, ok: false, error: `unknown op ${msg.op}` });
  Promise.resolve()
    .then(() => (op as (...a: unknown[]) => unknown)(...msg.args))
    .then(
      (value) => reply({ id: msg.id, ok: true, value: value ?? null }),
      (err: unknown) => reply({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
});
process.on('disconnect', () => process.exit(0));
