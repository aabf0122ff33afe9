/**
 * Outcomes kept between runs (src/sync/kept-outcomes.ts): a run takes back what the last one kept instead of
 * evaluating the customer, while the store's seal shows nothing it came from changed and the clock is before its
 * horizon, and applies outcomes that write nothing while its pull still waits. The oracle is the same CRM and the
 * same runs with neither (no pre-evaluation: every customer evaluated after the pull, in id order): each run must
 * decide and write exactly the same, across runs minutes, days and weeks apart and runs that pull changes. The CRM
 * is a port double that echoes Parcours's writes and its tasks, and waits a little before each batch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CrmConnector, PullBatch, RecordChange, TaskFields, TouchpointBatch } from '../../connectors/port.ts';
import { benchCustomers } from '../../bench/customers.ts';
import { compileEngine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { parseMapping } from '../../src/mapping/parse.ts';
import type { ContactRecord, CrmRecord, DealRecord, ObjectKind, TicketRecord, TouchpointRecord } from '../../src/model.ts';
import { mulberry32 } from '../../sandbox/demo-data.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { runSync, type SyncSummary } from '../../src/sync/run.ts';
import { keptRow, revive } from '../../src/sync/kept-outcomes.ts';
import type { CustomerOutcome } from '../../src/sync/outcome.ts';
import { contact, deal, touchpoint } from '../store/fixtures.ts';
import { portDouble } from './port-double.ts';

const INSTALLATION = 'hubspot:default';
const NOW = Date.parse('2026-11-30T12:00:00Z');
const DAY = 86_400_000;
const MINUTE = 60_000;

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

/** A CRM: records by kind, touchpoints, tasks; what changed since the last pull is pulled next (writes echo). */
class Crm {
  records: Record<ObjectKind, Map<string, CrmRecord>> = { contact: new Map(), deal: new Map(), ticket: new Map() };
  touchpoints = new Map<string, TouchpointRecord>();
  tasks = new Map<string, TaskFields>();
  dirty: Record<ObjectKind, Set<string>> = { contact: new Set(), deal: new Set(), ticket: new Set() };
  removed: Array<{ kind: ObjectKind; id: string }> = [];
  dirtyTouchpoints = new Set<string>();
  /** What the run now under way wrote: record values, list adds and removes, tasks created and closed. */
  writes: Record<string, unknown> = {};

  static seeded(): Crm {
    const crm = new Crm();
    const rnd = mulberry32(5);
    for (const c of benchCustomers(90, 13, NOW)) {
      crm.put(c.contact);
      for (const d of c.deals) crm.put(d);
      for (const t of c.tickets) crm.put(t);
      const k = Math.floor(rnd() * 12);
      for (let i = 0; i < k; i++) {
        const survey = rnd() < 0.15 ? { type: 'nps' as const, score: Math.floor(rnd() * 11), scale: { min: 0, max: 10 }, sentiment: null } : null;
        const channel = (['email', 'phone', 'meeting', 'chat'] as const)[Math.floor(rnd() * 4)] as 'email' | 'phone' | 'meeting' | 'chat';
        crm.putTouchpoint(touchpoint(`${c.contact.id}-t${i}`, [c.contact.id], {
          objectType: survey ? 'feedback_submissions' : 'calls', channel: survey ? 'survey' : channel, direction: rnd() < 0.5 ? 'inbound' : 'outbound',
          at: NOW - Math.floor(rnd() * 35 * 24 * 60) * MINUTE, outcome: channel === 'meeting' && rnd() < 0.4 ? 'no_show' : 'connected', survey,
        }));
      }
    }
    // One deal shared by two customers: the lower id holds its task and its tally.
    const shared = [...crm.records.deal.values()][0] as DealRecord;
    crm.sharedBy = [shared.contactIds[0] as string, '1089'];
    crm.put({ ...shared, contactIds: crm.sharedBy });
    return crm;
  }
  /** The two customers of the shared deal, lower id first. */
  sharedBy: [string, string] = ['', ''];
  put(r: CrmRecord): void {
    this.records[r.kind].set(r.id, structuredClone(r));
    this.dirty[r.kind].add(r.id);
  }
  putTouchpoint(t: TouchpointRecord): void {
    this.touchpoints.set(t.id, structuredClone(t));
    this.dirtyTouchpoints.add(t.id);
  }
  remove(kind: ObjectKind, id: string): void {
    this.records[kind].delete(id);
    this.removed.push({ kind, id });
  }
  record<T extends CrmRecord>(kind: ObjectKind, id: string): T {
    return structuredClone(this.records[kind].get(id)) as T;
  }

  async *pullRecords(): AsyncGenerator<PullBatch> {
    for (const kind of ['contact', 'deal', 'ticket'] as const) {
      // The CRM's wait (HubSpot's search pacing): the run's pre-evaluation covers the mirror meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 15));
      const records = [...this.dirty[kind]].flatMap((id) => (this.records[kind].has(id) ? [this.record(kind, id)] : []));
      const removed = this.removed.filter((r) => r.kind === kind).map((r) => ({ kind, objectType: `${kind}s`, id: r.id }));
      this.dirty[kind].clear();
      this.removed = this.removed.filter((r) => r.kind !== kind);
      yield { kind, records, removed, cursor: { at: Date.now() } };
    }
  }
  async *pullTouchpoints(): AsyncGenerator<TouchpointBatch> {
    await new Promise((resolve) => setTimeout(resolve, 15));
    const records = [...this.dirtyTouchpoints].map((id) => structuredClone(this.touchpoints.get(id) as TouchpointRecord));
    this.dirtyTouchpoints.clear();
    yield { records, removed: [], cursor: { t: Date.now() } };
  }

  connector(): CrmConnector {
    let taskIds = 0;
    const note = (key: string, value: unknown) => (this.writes[key] = value);
    return portDouble({
      pull: () => this.pullRecords(),
      pullTouchpoints: () => this.pullTouchpoints(),
      push: async (changes: RecordChange[]) => {
        for (const c of changes) {
          note(`${c.ref.kind}/${c.ref.id}`, c.values);
          const r = this.records[c.ref.kind].get(c.ref.id);
          if (!r) continue;
          Object.assign(r.raw, c.values);
          this.dirty[c.ref.kind].add(c.ref.id);
        }
        return { written: changes.map((c) => c.ref), failed: [] };
      },
      syncMembership: async (change) => {
        note(`list/${change.segmentId}`, { add: [...change.add].sort(), remove: [...change.remove].sort() });
        return { added: change.add, removed: change.remove, failed: [] };
      },
      tasks: {
        create: async (creates) => {
          const created = creates.map((c) => {
            const id = `task-${++taskIds}`;
            this.tasks.set(id, { ...c.fields });
            note(`task/${c.key}`, { subject: c.fields.subject, body: c.fields.body, owner: c.fields.ownerId, dueAt: c.fields.dueAt });
            return { key: c.key, id };
          });
          return { created, failed: [] };
        },
        read: async (ids) => new Map(ids.flatMap((id) => (this.tasks.has(id) ? [[id, { ...(this.tasks.get(id) as TaskFields) }] as const] : []))),
        update: async (updates) => {
          for (const u of updates) {
            Object.assign(this.tasks.get(u.id) ?? {}, u.fields);
            note(`task-update/${u.id}`, u.fields);
          }
          return { written: updates.map((u) => u.id), failed: [] };
        },
        remove: async (ids) => ({ removed: ids, failed: [] }),
        owners: async () => [],
      },
    });
  }
}

/** Two worlds fed the same CRM changes: one store keeps outcomes, the other keeps nothing (the oracle). */
async function world(keeps: boolean, seeded: () => Crm = () => Crm.seeded(), engine = compileEngine(loadMapping('mappings/hubspot.yaml'))) {
  const crm = seeded();
  const store = openStore(':memory:');
  stores.push(store);
  for (const s of engine.mapping.segments) await store.setSetting(INSTALLATION, `segment-target:${s.id}`, `list-${s.id}`);
  if (!keeps) {
    // The oracle: nothing kept, and no pre-evaluation (it starts only over a mirror it can count).
    store.keptOutcomeSeal = async () => null;
    const count = store.countRecords.bind(store);
    store.countRecords = async (installation) => ({ ...(await count(installation)), contacts: 0 });
  }
  let evaluated = 0;
  const iterate = store.iterateCustomers.bind(store);
  store.iterateCustomers = async function* (installation, opts = {}) {
    for await (const c of iterate(installation, opts)) {
      evaluated++;
      yield c;
    }
  };
  const connector = crm.connector();
  return {
    crm,
    store,
    async run(now: number) {
      crm.writes = {};
      evaluated = 0;
      const summary = await runSync({ connector, store, engine, installation: INSTALLATION, mode: 'incremental', dryRun: false, now });
      return { summary, writes: crm.writes, evaluated };
    },
  };
}

/** What a run decided, in a form two runs can be compared by. */
const decided = (s: SyncSummary) => ({
  status: s.status, customers: s.customers, stages: s.stages, flags: s.flags, segments: s.segments, changed: s.changed, unchanged: s.unchanged,
  written: s.written, stageEntries: s.stageEntries, tasks: s.tasks && { ...s.tasks, failed: s.tasks.failed },
});

describe('outcomes kept between runs', () => {
  it('every run decides and writes what a run that evaluates everyone does: minutes, days and weeks later, and after changes', async () => {
    const keeping = await world(true);
    const oracle = await world(false);
    const both = async (now: number, change?: (crm: Crm) => void) => {
      if (change) {
        change(keeping.crm);
        change(oracle.crm);
      }
      const a = await keeping.run(now);
      const b = await oracle.run(now);
      expect(a.summary.status).toBe('succeeded');
      expect(decided(a.summary)).toEqual(decided(b.summary));
      expect(a.writes).toEqual(b.writes);
      expect(b.summary.kept).toBeUndefined();
      return { a, b };
    };

    // First run: nothing kept yet; every customer is evaluated, written, and its tasks created.
    const first = await both(NOW);
    expect(first.a.summary.kept).toBeUndefined();
    expect(Object.keys(first.a.writes).length).toBeGreaterThan(50);
    // The echo of those writes: the written customers come back and are evaluated again; the others were kept.
    const echo = await both(NOW + 10 * MINUTE);
    expect(echo.a.summary.customers).toBe(90);
    // Unchanged, minutes later: almost everyone is taken back. (A touchpoint the CRM hands over again unchanged:
    // its customer is evaluated again, to the same outcome.)
    const quiet = await both(NOW + 20 * MINUTE, (crm) => crm.dirtyTouchpoints.add([...crm.touchpoints.keys()][3] as string));
    expect(quiet.a.writes).toEqual({});
    expect(quiet.a.summary.kept).toBeGreaterThan(80);
    // Read from the mirror: only customers past their horizon or named by the pull (the oracle reads all 90 and those).
    expect(quiet.a.evaluated).toBeLessThan(10);
    expect(quiet.b.evaluated).toBeGreaterThanOrEqual(90);

    // Days later: time-based rules turn (stalled deals, old tickets, touchpoints leaving their span); the run
    // re-evaluates who turned and writes what changed.
    const later = await both(NOW + 3 * DAY);
    expect(Object.keys(later.b.writes).length).toBeGreaterThan(0);
    expect(later.a.summary.kept).toBeLessThan(90);
    await both(NOW + 3 * DAY + 10 * MINUTE);

    // Changes pulled: a contact edited, a deal moved to another contact, a detractor's answer, a contact deleted.
    const contacts = [...keeping.crm.records.contact.keys()];
    const deal = [...keeping.crm.records.deal.values()][0] as DealRecord;
    const [edited, receiver, answering, deleted] = contacts.filter((id) => !deal.contactIds.includes(id)) as [string, string, string, string];
    const changed = await both(NOW + 3 * DAY + 20 * MINUTE, (crm) => {
      crm.put({ ...crm.record<ContactRecord>('contact', edited), lifecycle: 'customer', country: 'Japan' });
      crm.put({ ...crm.record<DealRecord>('deal', deal.id), contactIds: [receiver] });
      crm.putTouchpoint(touchpoint(`${answering}-nps`, [answering], {
        objectType: 'feedback_submissions', channel: 'survey', at: NOW + 3 * DAY, survey: { type: 'nps', score: 1, scale: { min: 0, max: 10 }, sentiment: 'negative' },
      }));
      crm.remove('contact', deleted);
    });
    expect(changed.a.summary.customers).toBe(89);
    expect(Object.keys(changed.b.writes).length).toBeGreaterThan(0);
    // The customers the pull named were read and evaluated again (the edited one, the deal's old and new contacts, the one who answered).
    expect(changed.a.evaluated).toBeGreaterThanOrEqual(3 + deal.contactIds.length);
    await both(NOW + 3 * DAY + 30 * MINUTE);

    // The lower-id customer of the shared deal has a value to write back (blanked by hand); the other, higher id,
    // is unchanged and applied while the pull waits: the deal's task and tally stay the lower id's.
    const blanked = await both(NOW + 3 * DAY + 40 * MINUTE, (crm) => {
      const c = crm.record<ContactRecord>('contact', crm.sharedBy[0]);
      crm.put({ ...c, raw: { ...c.raw, parcours_stage: '' } });
    });
    expect(Object.keys(blanked.b.writes)).toContain(`contact/${keeping.crm.sharedBy[0]}`);
    await both(NOW + 3 * DAY + 50 * MINUTE);

    // Weeks later, and a ticket closed meanwhile.
    const ticket = [...keeping.crm.records.ticket.values()].find((t) => (t as TicketRecord).isOpen) as TicketRecord;
    await both(NOW + 40 * DAY, (crm) => crm.put({ ...crm.record<TicketRecord>('ticket', ticket.id), isOpen: false, closedAt: NOW + 39 * DAY }));
    await both(NOW + 40 * DAY + 10 * MINUTE);
    const settled = await both(NOW + 40 * DAY + 20 * MINUTE);
    expect(settled.a.summary.kept).toBeGreaterThan(80);
  });

  it('a sealed set without one row per customer is not trusted: everyone is evaluated', async () => {
    const keeping = await world(true);
    await keeping.run(NOW);
    await keeping.run(NOW + 10 * MINUTE);
    const store = stores.at(-1) as Store;
    const fingerprint = (await store.keptOutcomeSeal(INSTALLATION)) as string;
    expect(fingerprint).toEqual(expect.any(String));
    // A row for a customer the mirror does not hold, sealed as it is (no look for gone ones).
    await store.keepOutcomes(INSTALLATION, fingerprint, [{ contactId: 'nobody', validUntil: null, outcome: '{"contactId":"nobody"}' }], { replace: false, goneAmong: [] });
    const untrusted = await keeping.run(NOW + 20 * MINUTE);
    expect(untrusted.summary.kept).toBeUndefined();
    expect(untrusted.evaluated).toBeGreaterThanOrEqual(90);
    expect(untrusted.summary.customers).toBe(90);
    // That run kept everything anew: the next one takes back again.
    expect((await keeping.run(NOW + 30 * MINUTE)).summary.kept).toBeGreaterThan(80);
  });

  it('an outcome applied while the pull waited gives way to a lower id that cites the same deal with a change to write', async () => {
    // A deal flag that reads the contact: each of the deal's two customers may want other values on it.
    const engine = compileEngine(parseMapping(`version: 1
journeys:
  - id: default
    label: J
    stages: [{ id: awareness, label: A, when: { contact.email: { exists: true } } }]
friction:
  - { id: big_account, label: Big account, severity: low, on: deal, when: { contact.employees: { gte: 1000 }, deal.isClosed: false } }
writeback:
  contact: { stage: parcours_stage }
  deal: { friction: parcours_friction }
`, 'inline.yaml'));
    const seeded = () => {
      const crm = new Crm();
      crm.put(contact('1001', { employees: 5000 }));
      crm.put(contact('1002', { employees: 5000 }));
      crm.put(contact('1003'));
      crm.put(deal('d1', ['1001', '1002'], { isClosed: false }));
      return crm;
    };
    const keeping = await world(true, seeded, engine);
    const oracle = await world(false, seeded, engine);
    const both = async (now: number) => {
      const a = await keeping.run(now);
      const b = await oracle.run(now);
      expect(decided(a.summary)).toEqual(decided(b.summary));
      expect(a.writes).toEqual(b.writes);
      return a;
    };
    await both(NOW);
    await both(NOW + 10 * MINUTE);
    expect((await both(NOW + 20 * MINUTE)).summary.kept).toBe(3);
    // 1001 shrinks, stored straight into the mirror (as a webhook's recompute would): its deal loses the flag,
    // which 1001 (the lower id) now wants to write; 1002, unchanged, writes nothing and is applied during the pull.
    for (const w of [keeping, oracle]) {
      const shrunk = { ...w.crm.record<ContactRecord>('contact', '1001'), employees: 50 };
      w.crm.records.contact.set('1001', structuredClone(shrunk));
      await w.store.applyPullBatch(INSTALLATION, { kind: 'contact', records: [shrunk], removed: [] });
    }
    const shrunk = await both(NOW + 30 * MINUTE);
    expect(shrunk.writes['deal/d1']).toEqual({ parcours_friction: null });
  });

  it('a changed mapping keeps nothing of the last run: everyone is evaluated again', async () => {
    const keeping = await world(true);
    await keeping.run(NOW);
    await keeping.run(NOW + 10 * MINUTE);
    expect((await keeping.run(NOW + 20 * MINUTE)).summary.kept).toBeGreaterThan(80);
    // The same store under another mapping (a stage rule edited): nothing is taken back.
    const store = stores.at(-1) as Store;
    const mapping = loadMapping('mappings/hubspot.yaml');
    const edited = compileEngine({ ...mapping, segments: mapping.segments.slice(1) });
    const s = await runSync({ connector: keeping.crm.connector(), store, engine: edited, installation: INSTALLATION, mode: 'incremental', dryRun: false, now: NOW + 30 * MINUTE });
    expect(s.kept).toBeUndefined();
    expect(s.customers).toBe(90);
  });
});

describe('a kept row', () => {
  const engine = compileEngine(loadMapping('mappings/hubspot.yaml'));
  const task = { key: 'follow_up_stalled_deal:deal:d1', action: 'follow_up_stalled_deal', flag: 'stalled_deal', on: { kind: 'deal' as const, objectType: 'deals', id: 'd1' }, contactId: 'c1', owner: { id: '501', via: 'deal.owner' as const }, fallback: null, subject: 'Follow up', body: 'b', priority: 'high' as const, dueAt: NOW + 2 * DAY, closeWhenCleared: true };
  const outcome: CustomerOutcome = {
    contactId: 'c1', stage: 'decision', flags: ['stalled_deal'], segments: ['smb'], tasks: [task], entryKind: null, backfilled: 0, stageChanges: [],
    contactUnchanged: true, deals: ['d1'], tickets: [], changes: [], validUntil: NOW + 5 * DAY,
  };
  const row = keptRow(outcome, NOW);

  it('comes back as the same outcome before its horizon, its tasks due from the run that takes it back', () => {
    const later = NOW + 3 * DAY;
    expect(revive(engine, row, later)).toEqual({ ...outcome, tasks: [{ ...task, dueAt: later + 2 * DAY }], kept: true });
  });

  it('does not come back at its horizon, under a clock behind the one that kept it, or when it cannot be read', () => {
    expect(revive(engine, row, NOW + 5 * DAY)).toBeNull();
    expect(revive(engine, row, NOW - 1)).toBeNull();
    expect(revive(engine, { ...row, outcome: '{not json' }, NOW)).toBeNull();
    expect(revive(engine, { ...row, contactId: 'c2' }, NOW)).toBeNull();
    expect(revive(engine, { ...row, outcome: (row.outcome as string).replace('follow_up_stalled_deal"', 'gone_action"') }, NOW)).toBeNull();
  });

  it('is "evaluate again" for an outcome that writes something or enters a stage', () => {
    const change = { kind: 'contact' as const, change: { ref: { kind: 'contact' as const, objectType: 'contacts', id: 'c1' }, values: { parcours_stage: 'decision' } }, before: {} };
    expect(keptRow({ ...outcome, changes: [change] }, NOW)).toEqual({ contactId: 'c1', validUntil: null, outcome: null });
    expect(keptRow({ ...outcome, stageChanges: [{ contactId: 'c1', journeyId: 'default', stage: 'decision', at: NOW, basis: null, backfilled: false }] }, NOW).outcome).toBeNull();
    expect(keptRow({ ...outcome, validUntil: Infinity }, NOW).validUntil).toBeNull();
  });
});
