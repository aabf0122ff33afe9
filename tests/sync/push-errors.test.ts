/**
 * A push that fails with a stopping error (AUTH_FAILED, DAILY_LIMIT) must end the run failed or
 * stopped, however the run's awaited steps interleave with the pushes in flight. The connector here
 * is a port double: the sync core is the unit under test, and a push that rejects before any I/O is
 * what both real connectors do when their quota reserve or session check fails locally.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CrmConnector, PullBatch, PushReport, RecordChange } from '../../connectors/port.ts';
import { ParcoursError } from '../../src/errors.ts';
import { compileEngine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { runSync } from '../../src/sync/run.ts';
import { contact } from '../store/fixtures.ts';

const INSTALLATION = 'hubspot:default';
const NOW = Date.parse('2026-11-30T12:00:00Z');

let store: Store | undefined;
afterEach(async () => await store?.close());

/** 40 contacts, pushed 10 per call; the `failOn`-th push rejects at once with `error`, the others after a timer. */
async function setup(failOn: number, error: ParcoursError) {
  store = openStore(':memory:');
  const engine = compileEngine(loadMapping('mappings/hubspot.yaml'));
  for (const s of engine.mapping.segments) await store.setSetting(INSTALLATION, `segment-target:${s.id}`, `list-${s.id}`);
  const pushed: string[][] = [];
  const memberships: string[] = [];
  let calls = 0;
  const unused = (name: string) => () => {
    throw new Error(`${name} is not part of this test`);
  };
  const connector: CrmConnector = {
    crm: 'hubspot',
    pushChunk: 10,
    // A portal with every field the mapping reads, Parcours's own included.
    availableFields: async () => ({ missing: [], missingOwned: [] }),
    async *pull(): AsyncIterable<PullBatch> {
      yield { kind: 'contact', records: Array.from({ length: 40 }, (_, i) => contact(String(i + 1))), removed: [] };
    },
    push(changes: RecordChange[]): Promise<PushReport> {
      calls++;
      if (calls === failOn) return Promise.reject(error);
      return new Promise((resolve) =>
        setTimeout(() => {
          pushed.push(changes.map((c) => c.ref.id));
          resolve({ written: changes.map((c) => c.ref), failed: [] });
        }, 5),
      );
    },
    async syncMembership(change) {
      memberships.push(change.segmentId);
      return { added: change.add, removed: change.remove, failed: [] };
    },
    fetchCustomer: unused('fetchCustomer'),
    ensureSchema: unused('ensureSchema'),
    readCurrent: unused('readCurrent'),
    accountId: unused('accountId'),
    // The lists start empty (a first full run reads them before diffing).
    async readMembership() {
      return { members: [], exists: true, calls: 1, pageSize: 250 };
    },
    ensureSegmentTarget: unused('ensureSegmentTarget'),
    doctor: unused('doctor'),
    stats: () => ({ total: 0, byEndpoint: {}, rateLimited: 0 }),
  };
  return { engine, connector, pushed, memberships, store };
}

describe('runSync: a push error is never lost', () => {
  it('DAILY_LIMIT from a push between awaited steps stops the run, with cursors and writes so far kept', async () => {
    const daily = new ParcoursError('DAILY_LIMIT', 'HubSpot daily API limit reached', { crm: 'hubspot', resumeAt: NOW + 3_600_000 });
    const t = await setup(2, daily);
    const summary = await runSync({ connector: t.connector, store: t.store, engine: t.engine, installation: INSTALLATION, mode: 'full', dryRun: false, now: NOW });
    expect(summary.status).toBe('stopped');
    expect(summary.stoppedReason).toContain('daily API limit');
    expect(summary.resumeAt).toBe(NOW + 3_600_000);
    // No membership change is made by a run that stopped on its quota.
    expect(t.memberships).toEqual([]);
    // Every write that did happen is in the run's audit, and the run record says stopped.
    const audited = new Set((await t.store.auditForRun(summary.runId)).map((r) => r.recordId));
    expect(audited).toEqual(new Set(t.pushed.flat()));
    expect(summary.written).toBe(t.pushed.flat().length);
    expect((await t.store.getRun(summary.runId))?.status).toBe('stopped');
  });

  it('AUTH_FAILED from a push fails the run and reaches the caller', async () => {
    const auth = new ParcoursError('AUTH_FAILED', 'HubSpot rejected the access token', { crm: 'hubspot', status: 401 });
    const t = await setup(3, auth);
    await expect(runSync({ connector: t.connector, store: t.store, engine: t.engine, installation: INSTALLATION, mode: 'full', dryRun: false, now: NOW })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    const [run] = await t.store.listRuns({ limit: 1 });
    expect(run?.status).toBe('failed');
    expect(t.memberships).toEqual([]);
  });
});
