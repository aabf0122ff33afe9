/**
 * Incremental runs evaluate the mirror while their pull waits (src/sync/pre-evaluation.ts). The pull here
 * waits before its first batch, so every customer is evaluated from the mirror as it was; then it changes
 * six of thirteen customers in each way a batch can (a contact's own record, a deal re-linked from one contact
 * to another, a touchpoint removed, a contact removed, a new contact). The run must write exactly what a run
 * over the mirror as the pull left it writes. The connector is a port double: the sync core is under test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PullBatch, RecordChange, TouchpointBatch } from '../../connectors/port.ts';
import { compileEngine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import type { ContactRecord, DealRecord, TouchpointRecord } from '../../src/model.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { startPreEvaluation } from '../../src/sync/pre-evaluation.ts';
import { runSync, type SyncSummary } from '../../src/sync/run.ts';
import { contact, deal, touchpoint } from '../store/fixtures.ts';
import { portDouble } from './port-double.ts';

const INSTALLATION = 'hubspot:default';
const NOW = Date.parse('2026-11-30T12:00:00Z');
const DAY = 86_400_000;

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

const engine = () => compileEngine(loadMapping('mappings/hubspot.yaml'));

/** A detractor's NPS answer (HubSpot's band: 0–6). */
const nps = (id: string, contactId: string): TouchpointRecord =>
  touchpoint(id, [contactId], { objectType: 'feedback_submissions', channel: 'survey', rawChannel: 'NPS', at: NOW - 3 * DAY, survey: { type: 'nps', score: 3, scale: { min: 0, max: 10 }, sentiment: 'negative' } });
const openDeal = (id: string, contactIds: string[]): DealRecord => deal(id, contactIds, { stageEnteredAt: NOW - 2 * DAY });
const wonDeal = (id: string, contactIds: string[]): DealRecord =>
  deal(id, contactIds, { stage: 'closedwon', isClosed: true, isWon: true, closedAt: NOW - 5 * DAY, stagesReached: ['appointmentscheduled', 'closedwon'] });

interface Mirror {
  contacts: ContactRecord[];
  deals: DealRecord[];
  touchpoints: TouchpointRecord[];
}

/** Customers no batch touches (the pre-evaluation gives up when the pull touches most of the mirror). */
const QUIET = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6'].map((id) => contact(id));
const BEFORE: Mirror = {
  contacts: [...['1', '2', '3', '4', '5', '6'].map((id) => contact(id)), ...QUIET],
  deals: [openDeal('d2', ['2']), openDeal('d6', ['6'])],
  touchpoints: [nps('s4', '4')],
};
/** What the pull brings: each batch as the connector hands it over. */
const PULLED: PullBatch[] = [
  { kind: 'contact', records: [contact('1', { country: 'United States' }), contact('7')], removed: [{ kind: 'contact', objectType: 'contacts', id: '5' }], cursor: { c: 2 } },
  { kind: 'deal', records: [wonDeal('d2', ['3']), wonDeal('d1', ['1'])], removed: [], cursor: { d: 2 } },
];
/** The last batch touches 1 a third time (a detractor's answer) after it was evaluated again: it must be evaluated once more. */
const PULLED_TOUCHPOINTS: TouchpointBatch[] = [{ records: [nps('s1', '1')], removed: [{ objectType: 'feedback_submissions', id: 's4' }], cursor: { t: 2 } }];
/** The mirror once the pull is stored. */
const AFTER: Mirror = {
  contacts: [contact('1', { country: 'United States' }), contact('2'), contact('3'), contact('4'), contact('6'), contact('7'), ...QUIET],
  deals: [wonDeal('d2', ['3']), openDeal('d6', ['6']), wonDeal('d1', ['1'])],
  touchpoints: [nps('s1', '1')],
};

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `gapMs`: the CRM's wait before each batch (the first one always waits, so the mirror is evaluated as it was). */
async function harness(mirror: Mirror, pulled: PullBatch[], touchpoints: TouchpointBatch[], gapMs = 0) {
  const store = openStore(':memory:');
  stores.push(store);
  const e = engine();
  for (const s of e.mapping.segments) await store.setSetting(INSTALLATION, `segment-target:${s.id}`, `list-${s.id}`);
  await store.applyPullBatch(INSTALLATION, { kind: 'contact', records: mirror.contacts, removed: [], cursor: { c: 1 } });
  await store.applyPullBatch(INSTALLATION, { kind: 'deal', records: mirror.deals, removed: [], cursor: { d: 1 } });
  await store.applyTouchpointBatch(INSTALLATION, { records: mirror.touchpoints, removed: [], cursor: { t: 1 } });
  const events: string[] = [];
  const pushed = new Map<string, RecordChange['values']>();
  const removedFromLists: string[] = [];
  // Which customers the store was asked for, and when: the whole mirror, or named ones.
  const iterate = store.iterateCustomers.bind(store);
  store.iterateCustomers = (installation, opts = {}) => {
    events.push(opts.contactIds ? `read:${[...opts.contactIds].sort().join(',')}` : 'read:all');
    return iterate(installation, opts);
  };
  const connector = portDouble({
    async *pull() {
      // The pull waits on the CRM first (HubSpot's search limit): time for the mirror to be evaluated as it is.
      await wait(30);
      for (const b of pulled) {
        await wait(gapMs);
        events.push(`pull:${b.kind}`);
        yield b;
      }
    },
    async *pullTouchpoints() {
      for (const b of touchpoints) {
        await wait(gapMs);
        events.push('pull:touchpoints');
        yield b;
      }
      // Asked for the next batch: the last one is stored.
      events.push('pull:end');
    },
    async push(changes) {
      for (const c of changes) pushed.set(`${c.ref.kind}/${c.ref.id}`, c.values);
      return { written: changes.map((c) => c.ref), failed: [] };
    },
    async syncMembership(change) {
      removedFromLists.push(...change.remove.map((id) => `${change.segmentId}:${id}`));
      return { added: change.add, removed: change.remove, failed: [] };
    },
  });
  const run = () => runSync({ connector, store, engine: e, installation: INSTALLATION, mode: 'incremental', dryRun: false, now: NOW });
  return { store, events, pushed, removedFromLists, run };
}

/** What a run decided, in a form two runs can be compared by. */
const decided = (s: SyncSummary) => ({ customers: s.customers, stages: s.stages, flags: s.flags, segments: s.segments, changed: s.changed, unchanged: s.unchanged, tasks: s.tasks?.created });

describe('an incremental run evaluates the mirror while its pull waits', () => {
  it('customers the pull touched are evaluated again from what it stored; the run writes what a run over the pulled mirror writes', async () => {
    const t = await harness(BEFORE, PULLED, PULLED_TOUCHPOINTS);
    const summary = await t.run();
    expect(summary.status).toBe('succeeded');
    // The whole mirror was read once, before the pull's first batch; after it only the six customers it touched, each
    // once its batch was stored: 1 (its record, then a deal), 2 and 3 (a deal left one for the other), 4 (its
    // touchpoint went), 5 (removed), 7 (new).
    const reads = t.events.filter((e) => e.startsWith('read:'));
    expect(reads[0]).toBe('read:all');
    expect(t.events.indexOf('read:all')).toBeLessThan(t.events.indexOf('pull:contact'));
    expect(reads.filter((r) => r === 'read:all')).toHaveLength(1);
    expect(new Set(reads.slice(1).flatMap((r) => r.slice('read:'.length).split(',')))).toEqual(new Set(['1', '2', '3', '4', '5', '7']));

    // The oracle: the mirror as the pull left it, evaluated by a run whose pull brings nothing.
    const oracle = await harness(AFTER, [], []);
    const expected = await oracle.run();
    expect(oracle.events.filter((e) => e.startsWith('read:'))).toEqual(['read:all']);
    expect(decided(summary)).toEqual(decided(expected));
    expect(Object.fromEntries(t.pushed)).toEqual(Object.fromEntries(oracle.pushed));

    // And in the CRM's terms: each change shows.
    expect(t.pushed.get('contact/3')?.['parcours_stage']).toBe('purchase');
    expect(t.pushed.get('contact/1')?.['parcours_stage']).toBe('purchase');
    expect(t.pushed.get('contact/2')?.['parcours_stage']).toBe('awareness');
    expect(t.pushed.get('contact/6')?.['parcours_stage']).toBe('consideration');
    expect(String(t.pushed.get('contact/4')?.['parcours_friction'] ?? '')).not.toContain('detractor');
    expect(String(t.pushed.get('contact/1')?.['parcours_friction'] ?? '')).toContain('detractor');
    expect(summary.flags['detractor']).toBe(1);
    expect(t.pushed.has('contact/5')).toBe(false);
    expect(t.pushed.has('contact/7')).toBe(true);
    expect(summary.customers).toBe(12);
  });

  it('while the pull goes on, each touched customer is evaluated again once its batch is stored: only the last batch is left for after it', async () => {
    const t = await harness(BEFORE, PULLED, PULLED_TOUCHPOINTS, 40);
    const summary = await t.run();
    const end = t.events.indexOf('pull:end');
    expect(end).toBeGreaterThan(0);
    // Read again between their batch and the next one (the CRM's 40 ms wait): 1, 5 and 7 after the contacts, then 1
    // (its new deal), 2 and 3 after the deals. The pull ends as soon as the last batch is stored, so 1 (a new answer) and
    // 4 (its answer went) are read after it, and nobody else.
    const next = (batch: string) => t.events.slice(t.events.indexOf(batch) + 1).find((e) => e.startsWith('read:') || e.startsWith('pull:'));
    expect(next('pull:contact')).toBe('read:1,5,7');
    expect(next('pull:deal')).toBe('read:1,2,3');
    expect(t.events.slice(end).filter((e) => e.startsWith('read:'))).toEqual(['read:1,4']);
    const oracle = await harness(AFTER, [], []);
    expect(decided(summary)).toEqual(decided(await oracle.run()));
    expect(Object.fromEntries(t.pushed)).toEqual(Object.fromEntries(oracle.pushed));
  });

  it('the pre-evaluated outcome of a customer the pull did not touch stands: nothing is read twice', async () => {
    const t = await harness(BEFORE, [], []);
    const summary = await t.run();
    expect(t.events.filter((e) => e.startsWith('read:'))).toEqual(['read:all']);
    expect(summary.customers).toBe(12);
    expect(summary.stages).toEqual({ awareness: 10, consideration: 2 });
    expect(summary.flags['detractor']).toBe(1);
  });

  it('a pull that removes every customer empties the segment lists', async () => {
    const pulled: PullBatch[] = [];
    const t = await harness(BEFORE, pulled, []);
    const first = await t.run();
    const members = Object.values(first.segments).reduce((n, s) => n + s.members, 0);
    expect(members).toBeGreaterThan(0);
    pulled.push({ kind: 'contact', records: [], removed: BEFORE.contacts.map((c) => ({ kind: 'contact' as const, objectType: 'contacts', id: c.id })), cursor: { c: 3 } });
    const second = await t.run();
    expect(second.customers).toBe(0);
    expect(t.removedFromLists).toHaveLength(members);
    expect(Object.values(second.segments).every((s) => s.members === 0)).toBe(true);
  });

  it('gives up when the pull completes a full pass (its sweep removes records no batch names): every customer is evaluated after it', async () => {
    const resumed: PullBatch[] = [{ kind: 'contact', records: [contact('1')], removed: [], fullPass: { id: 'p', complete: true }, cursor: { c: 2 } }];
    const t = await harness(BEFORE, resumed, []);
    const summary = await t.run();
    const reads = t.events.filter((e) => e.startsWith('read:'));
    expect(reads).toEqual(['read:all', 'read:all']);
    expect(t.events.lastIndexOf('read:all')).toBeGreaterThan(t.events.indexOf('pull:contact'));
    // The sweep took every contact but 1 (the pass saw only it): one customer left, evaluated as the mirror now is.
    expect(summary.customers).toBe(1);
    expect(summary.removed.swept).toBe(11);
  });
});

describe('startPreEvaluation', () => {
  it('an outcome evaluated again after a batch is never replaced by the pass over the mirror still holding the earlier read', async () => {
    // 100 customers (one page) read by the pass as they were (in EMEA); before the pass evaluates them, a batch moves
    // every one of them to the United States and is stored, so the pass evaluates them again first (a full page is queued).
    const ids = Array.from({ length: 100 }, (_, i) => `c${String(i).padStart(3, '0')}`);
    const before = new Map(ids.map((id) => [id, contact(id, { country: 'France' })]));
    const after = new Map(ids.map((id) => [id, contact(id, { country: 'United States' })]));
    let mirror = before;
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let stageReads = 0;
    const store = {
      countRecords: async () => ({ contacts: ids.length, deals: 0, tickets: 0 }),
      async *iterateCustomers(_installation: string, opts: { contactIds?: string[] } = {}) {
        for (const id of opts.contactIds ?? ids) {
          const c = mirror.get(id);
          if (c) yield { contact: c, deals: [], tickets: [], touchpoints: [] };
        }
      },
      // The pass's first page is read; its stages are looked up after the batch is stored.
      async currentStages() {
        if (stageReads++ === 0) await gate;
        return new Map();
      },
    } as unknown as Store;
    const pre = await startPreEvaluation({ store, installation: INSTALLATION, engine: engine(), now: NOW });
    expect(pre).not.toBeNull();
    await wait(10);
    pre?.touch(ids);
    mirror = after;
    pre?.stored(ids);
    openGate();
    await wait(10);
    // The last batch touches one of them again (back to Europe) as the pull ends: whether the pass gets to read it
    // again before it ends (load decides), it is either left to the run or evaluated from that last state.
    const last = ids[0] as string;
    mirror = new Map([...after, [last, contact(last, { country: 'Spain' })]]);
    pre?.touch([last]);
    pre?.stored([last]);
    const result = await pre?.settle();
    const lastOutcome = result?.outcomes.get(last);
    expect(result?.touched.has(last) ? lastOutcome : lastOutcome?.segments.includes('emea')).toBe(result?.touched.has(last) ? undefined : true);
    // The other 99 were read again from the batch's state before the pass got to them: none is left, none in EMEA.
    const others = ids.slice(1);
    expect(others.filter((id) => result?.touched.has(id))).toEqual([]);
    expect(others.filter((id) => !result?.outcomes.has(id) || result?.outcomes.get(id)?.segments.includes('emea'))).toEqual([]);
  });

  it('says the mirror is covered only after the pass and onCovered are done, or once it stops', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `c${String(i).padStart(3, '0')}`);
    const store = {
      countRecords: async () => ({ contacts: ids.length, deals: 0, tickets: 0 }),
      async *iterateCustomers(_installation: string, opts: { contactIds?: string[] } = {}) {
        for (const id of opts.contactIds ?? ids) yield { contact: contact(id, { country: 'France' }), deals: [], tickets: [], touchpoints: [] };
      },
      currentStages: async () => new Map(),
    } as unknown as Store;
    const events: string[] = [];
    let finishOnCovered: () => void = () => undefined;
    const pre = await startPreEvaluation({
      store, installation: INSTALLATION, engine: engine(), now: NOW,
      onCovered: async (outcomes) => {
        events.push(`onCovered:${outcomes.size}`);
        await new Promise<void>((resolve) => (finishOnCovered = resolve));
        events.push('onCovered:done');
      },
    });
    void pre?.covered().then(() => events.push('covered'));
    await wait(50);
    expect(events).toEqual(['onCovered:300']);
    finishOnCovered();
    await wait(10);
    expect(events).toEqual(['onCovered:300', 'onCovered:done', 'covered']);
    await pre?.settle();

    // A pass that stops before it covers anything still says so: what waits on it must not wait forever.
    const stopped = await startPreEvaluation({ store, installation: INSTALLATION, engine: engine(), now: NOW });
    stopped?.stop();
    await expect(stopped?.covered()).resolves.toBeUndefined();
    expect(await stopped?.settle()).toBeNull();
  });
});
