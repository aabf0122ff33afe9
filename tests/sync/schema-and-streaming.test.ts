/**
 * The sync core's side of the schema cache and of full runs that write back while they read. The
 * connector is a port double (the core is the unit under test); the connectors' own side is tested
 * with nock in tests/hubspot/property-catalog.test.ts and tests/salesforce/field-catalog.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CrmConnector, Cursor, PullBatch, PullOptions, PushReport, RecordChange } from '../../connectors/port.ts';
import { SCHEMA_FRESH_MS } from '../../connectors/port.ts';
import { ParcoursError } from '../../src/errors.ts';
import { compileEngine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { runSync } from '../../src/sync/run.ts';
import { runSetup } from '../../src/sync/setup.ts';
import { contact, deal, ticket } from '../store/fixtures.ts';

const INSTALLATION = 'hubspot:default';
const NOW = Date.parse('2026-11-30T12:00:00Z');

let store: Store | undefined;
afterEach(async () => await store?.close());

interface Double {
  connector: CrmConnector;
  asked: Array<{ refresh?: boolean; keptFreshMs?: number } | undefined>;
  pulls: PullOptions[];
  /** What happened, in order: `pull:<kind>:<ids>` when a batch is handed over, `push:<ids>` when a push starts. */
  events: string[];
}

async function double(batches: (attempt: number, cursors: PullOptions['cursors']) => Array<PullBatch | Error>): Promise<Double & { store: Store }> {
  store = openStore(':memory:');
  const engine = compileEngine(loadMapping('mappings/hubspot.yaml'));
  for (const s of engine.mapping.segments) await store.setSetting(INSTALLATION, `segment-target:${s.id}`, `list-${s.id}`);
  const asked: Double['asked'] = [];
  const pulls: PullOptions[] = [];
  const events: string[] = [];
  const unused = (name: string) => () => {
    throw new Error(`${name} is not part of this test`);
  };
  const connector: CrmConnector = {
    crm: 'hubspot',
    pushChunk: 2,
    async availableFields(_needs, options) {
      asked.push(options);
      return { missing: [], missingOwned: [] };
    },
    async *pull(options): AsyncIterable<PullBatch> {
      pulls.push(options);
      for (const b of batches(pulls.length, options.cursors)) {
        if (b instanceof Error) throw b;
        events.push(`pull:${b.kind}:${b.records.map((r) => r.id).join(',')}`);
        yield b;
      }
    },
    async push(changes: RecordChange[]): Promise<PushReport> {
      events.push(`push:${changes.map((c) => `${c.ref.kind}/${c.ref.id}`).join(',')}`);
      return { written: changes.map((c) => c.ref), failed: [] };
    },
    async syncMembership(change) {
      return { added: change.add, removed: change.remove, failed: [] };
    },
    async ensureSchema() {
      return { created: [], updated: [], unchanged: [], segmentTargets: {} };
    },
    fetchCustomer: unused('fetchCustomer'),
    readCurrent: unused('readCurrent'),
    accountId: unused('accountId'),
    async readMembership() {
      return { members: [], exists: true, calls: 1, pageSize: 250 };
    },
    ensureSegmentTarget: unused('ensureSegmentTarget'),
    doctor: unused('doctor'),
    stats: () => ({ total: 0, byEndpoint: {}, rateLimited: 0 }),
  };
  return { connector, asked, pulls, events, store };
}

const engine = () => compileEngine(loadMapping('mappings/hubspot.yaml'));
const pass = (complete = false) => ({ fullPass: { id: 'p1', ...(complete ? { complete: true } : {}) } });
const cursor = (n: number): Cursor => ({ n });

describe('the schema read: when the core asks for a fresh one', () => {
  it('setup asks for a fresh read, full runs for one unless the kept read is recent; incremental runs use the kept one', async () => {
    const t = await double(() => []);
    await runSync({ connector: t.connector, store: t.store, engine: engine(), installation: INSTALLATION, mode: 'full', dryRun: false, now: NOW });
    await runSync({ connector: t.connector, store: t.store, engine: engine(), installation: INSTALLATION, mode: 'incremental', dryRun: false, now: NOW });
    await runSetup(t.connector, t.store, INSTALLATION, engine().mapping);
    expect(t.asked).toEqual([{ refresh: true, keptFreshMs: SCHEMA_FRESH_MS }, { refresh: false }, { refresh: true }]);
  });

  it('a pull that meets a field the CRM calls unknown reads the schema again once and goes on from the stored cursors', async () => {
    const stale = new ParcoursError('CRM_VALIDATION', "INVALID_FIELD: No such column 'CSAT__c' on entity 'Contact'", { crm: 'salesforce', schemaStale: true });
    const t = await double((attempt, cursors) =>
      attempt === 1
        ? [{ kind: 'deal', records: [deal('d1', ['1'])], removed: [], cursor: cursor(1) }, stale]
        : [
            // The second attempt starts where the stored batch left the deal cursor.
            { kind: 'deal', records: (cursors.deal as { n?: number } | undefined)?.n === 1 ? [] : [deal('d1', ['1'])], removed: [], cursor: cursor(2) },
            { kind: 'contact', records: [contact('1')], removed: [] },
          ],
    );
    const summary = await runSync({ connector: t.connector, store: t.store, engine: engine(), installation: INSTALLATION, mode: 'incremental', dryRun: false, now: NOW });
    expect(summary.status).toBe('succeeded');
    expect(t.asked).toEqual([{ refresh: false }, { refresh: true }]);
    expect(t.pulls.map((p) => p.cursors.deal)).toEqual([undefined, cursor(1)]);
    expect(summary.pulled).toMatchObject({ contacts: 1, deals: 1 });
    expect(summary.customers).toBe(1);
  });

  it('a field still unknown after the fresh read fails the run: the schema is read again only once', async () => {
    const stale = new ParcoursError('CRM_VALIDATION', 'INVALID_FIELD', { crm: 'salesforce', schemaStale: true });
    const t = await double(() => [stale]);
    await expect(runSync({ connector: t.connector, store: t.store, engine: engine(), installation: INSTALLATION, mode: 'incremental', dryRun: false, now: NOW })).rejects.toBe(stale);
    expect(t.asked).toEqual([{ refresh: false }, { refresh: true }]);
    expect(t.pulls).toHaveLength(2);
  });
});

describe('full runs write back while they read', () => {
  it('contacts that arrive after the deal and ticket passes are complete are evaluated and pushed before the pull ends', async () => {
    const t = await double(() => [
      // A contact stored before the deal pass completes: its customer may still lack deals, so it waits for the end.
      { kind: 'contact', records: [contact('0')], removed: [], ...pass() },
      { kind: 'deal', records: [deal('d1', ['1']), deal('d2', ['2'])], removed: [], ...pass() },
      { kind: 'deal', records: [], removed: [], ...pass(true) },
      { kind: 'ticket', records: [ticket('t1', ['3'])], removed: [], ...pass() },
      { kind: 'ticket', records: [], removed: [], ...pass(true) },
      { kind: 'contact', records: [contact('1'), contact('2')], removed: [], ...pass() },
      { kind: 'contact', records: [contact('3'), contact('4')], removed: [], ...pass() },
      { kind: 'contact', records: [], removed: [], ...pass(true) },
    ]);
    const summary = await runSync({ connector: t.connector, store: t.store, engine: engine(), installation: INSTALLATION, mode: 'full', dryRun: false, now: NOW });
    expect(summary.status).toBe('succeeded');
    const lastPull = t.events.lastIndexOf('pull:contact:');
    const pushes = t.events.map((e, i) => [e, i] as const).filter(([e]) => e.startsWith('push:'));
    // The first full chunk of contacts (2 per push here) went out before the contact pass ended.
    expect(pushes.some(([e, i]) => e === 'push:contact/1,contact/2' && i < lastPull)).toBe(true);
    // Every customer evaluated exactly once, the early one included, and every record written once.
    expect(summary.customers).toBe(5);
    const written = pushes.flatMap(([e]) => e.slice('push:'.length).split(','));
    expect(written.filter((w) => w.startsWith('contact/')).sort()).toEqual(['contact/0', 'contact/1', 'contact/2', 'contact/3', 'contact/4']);
    expect(new Set(written).size).toBe(written.length);
    expect(summary.written).toBe(written.length);
    expect(summary.changed.contacts).toBe(5);
    expect(summary.changed.contacts + summary.changed.deals + summary.changed.tickets).toBe(written.length);
  });

  it('a connector that pulls touchpoints first (HubSpot) has its contacts written while the pull goes on; without it, after', async () => {
    const records = (): Array<PullBatch | Error> => [
      { kind: 'deal', records: [deal('d1', ['1'])], removed: [], ...pass(true) },
      { kind: 'ticket', records: [], removed: [], ...pass(true) },
      { kind: 'contact', records: [contact('1'), contact('2')], removed: [], ...pass() },
      { kind: 'contact', records: [contact('3')], removed: [], ...pass(true) },
    ];
    const at = NOW - 86_400_000;
    const call = (id: string) => ({
      kind: 'touchpoint' as const, id, objectType: 'calls', raw: {}, updatedAt: at, channel: 'phone' as const, rawChannel: null, direction: 'outbound' as const, at,
      outcome: null, rawOutcome: null, contactIds: ['1'], dealIds: [], ticketIds: [], survey: null,
    });
    const run = async (first: boolean) => {
      const t = await double(records);
      Object.assign(t.connector, {
        touchpointsFirst: first,
        async *pullTouchpoints() {
          t.events.push('touchpoints');
          yield { records: [call('c1')], removed: [], cursor: { tp: 1 }, fullPass: { id: 'tp', complete: true } };
        },
      });
      const summary = await runSync({ connector: t.connector, store: t.store, engine: engine(), installation: INSTALLATION, mode: 'full', dryRun: false, now: NOW });
      expect(summary.status).toBe('succeeded');
      expect(summary.touchpoints.pulled).toBe(1);
      // The touchpoint cursor the pass saved is kept (the cursors are reset once, before both pulls).
      expect(await t.store.getTouchpointCursor(INSTALLATION)).toEqual({ tp: 1 });
      expect(summary.customers).toBe(3);
      return { events: t.events, touchpoints: await t.store.touchpointsOf(INSTALLATION, '1') };
    };
    const first = await run(true);
    expect(first.events[0]).toBe('touchpoints');
    expect(first.touchpoints.map((x) => x.id)).toEqual(['c1']);
    const lastPull = first.events.indexOf('pull:contact:3');
    expect(first.events.findIndex((e) => e.startsWith('push:contact/'))).toBeLessThan(lastPull);
    const after = await run(false);
    expect(after.events.indexOf('touchpoints')).toBeGreaterThan(after.events.indexOf('pull:contact:3'));
    expect(after.events.findIndex((e) => e.startsWith('push:'))).toBeGreaterThan(after.events.indexOf('touchpoints'));
  });

  it('incremental runs evaluate after the pull, as before', async () => {
    const t = await double(() => [
      { kind: 'deal', records: [deal('d1', ['1'])], removed: [], ...pass(true) },
      { kind: 'ticket', records: [], removed: [], ...pass(true) },
      { kind: 'contact', records: [contact('1'), contact('2')], removed: [] },
      { kind: 'contact', records: [contact('3')], removed: [] },
    ]);
    await runSync({ connector: t.connector, store: t.store, engine: engine(), installation: INSTALLATION, mode: 'incremental', dryRun: false, now: NOW });
    const firstPush = t.events.findIndex((e) => e.startsWith('push:'));
    expect(firstPush).toBeGreaterThan(t.events.lastIndexOf('pull:contact:3'));
  });
});
