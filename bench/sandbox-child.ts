/**
 * Starts a sandbox CRM in a child process (bench/sandbox-child-main.ts) and talks to it over IPC:
 * the benchmark process then holds only Parcours, so the peak RSS it prints is Parcours's alone.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HubspotSandboxOptions } from '../sandbox/hubspot/index.ts';
import type { SalesforceSandboxOptions } from '../sandbox/salesforce/index.ts';
import type { LinkedSalesforceRecord } from '../sandbox/hubspot/seed.ts';
import type { Mapping } from '../src/mapping/ast.ts';
import type { HubspotState, HubspotWrites, SalesforceState, SalesforceWrites } from './floors.ts';
import type { ChildReply, ChildRequest } from './sandbox-child-main.ts';
import type { OwnedSpec } from './sandbox-state.ts';

export interface CallStats {
  total: number;
  byEndpoint: Record<string, number>;
  rateLimited: number;
}

export interface SandboxChild<State, Writes> {
  url: string;
  accessToken: string;
  oauth: { clientId: string; clientSecret: string; refreshToken: string };
  /** Every request the sandbox answered so far, by route pattern (429s included). */
  stats(): Promise<CallStats>;
  /** Counts for the independent floor; `since` (epoch ms) counts records modified from then on. */
  state(since: number | null, opts?: { stageHistory?: boolean }): Promise<State>;
  /** Snapshots the owned fields and lists/campaigns; `writes()` then counts what changed since. */
  mark(owned: OwnedSpec): Promise<void>;
  writes(): Promise<Writes>;
  peakRssMiB(): Promise<number>;
  /** Any other op of the child (`ids`, `getRecord`, `updateRecord`, `query`, `update`, `delete`). */
  request<T>(op: string, ...args: unknown[]): Promise<T>;
  close(): Promise<void>;
}

export type HubspotChild = SandboxChild<HubspotState, HubspotWrites & { added: number; removed: number }>;
export type SalesforceChild = SandboxChild<SalesforceState, SalesforceWrites & { listsChanged: number }>;

/** Options that cross the process boundary (no functions: the child uses its own clock). */
export type HubspotChildOptions = Omit<HubspotSandboxOptions, 'clock' | 'linked'> & {
  /** The linked Salesforce child's `personRecords` (issue 16): the portal is seeded as the HubSpot side of that org. */
  linkedSalesforce?: Array<[number, LinkedSalesforceRecord]>;
};

export function ownedSpec(mapping: Mapping): OwnedSpec {
  const w = mapping.writeback;
  return { contact: Object.values(w.contact), deal: Object.values(w.deal), ticket: Object.values(w.ticket), listPrefix: w.segmentListPrefix };
}

async function startChild<S, W>(crm: 'hubspot' | 'salesforce', opts: object, heapMiB?: number): Promise<SandboxChild<S, W>> {
  // --expose-gc: `collectGarbage` before a timed run (the harness's own snapshots must not pause the CRM's answers).
  const execArgv = ['--expose-gc', ...(heapMiB ? [`--max-old-space-size=${heapMiB}`] : [])];
  const child: ChildProcess = fork(fileURLToPath(new URL('./sandbox-child-main.ts', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const failAll = (why: string): void => {
    for (const p of pending.values()) p.reject(new Error(why));
    pending.clear();
  };
  child.on('message', (r: ChildReply) => {
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    if (r.ok) p.resolve(r.value);
    else p.reject(new Error(`sandbox child: ${r.error}`));
  });
  child.on('exit', (code) => failAll(`sandbox child exited (${code ?? 'signal'})`));
  const request = <T>(op: string, ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, op, args } satisfies ChildRequest);
    });
  const started = await request<{ url: string; accessToken: string; oauth: SandboxChild<S, W>['oauth'] }>('start', crm, opts);
  return {
    ...started,
    stats: () => request('stats'),
    state: (since, o) => request('state', since, o?.stageHistory ?? false),
    mark: (owned) => request('mark', owned),
    writes: () => request('writes'),
    peakRssMiB: () => request('peakRssMiB'),
    request,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      await request('close').catch(() => undefined);
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}

/** `heapMiB`: a larger V8 heap, for many portals in one child (the scale benchmark). */
export function startHubspotChild(opts: HubspotChildOptions, heapMiB?: number): Promise<HubspotChild> {
  return startChild('hubspot', opts, heapMiB);
}

export function startSalesforceChild(opts: SalesforceSandboxOptions): Promise<SalesforceChild> {
  return startChild('salesforce', opts);
}
