/**
 * The task orchestration (issue 14) through a whole run: the connector is a port double whose
 * `tasks` keeps tasks in memory as a CRM would, and records every id it is asked to read or write, so
 * the tests can show which tasks Parcours touched. (The HTTP shapes are the connectors' own tests.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CrmConnector, CrmTasks, PullBatch, TaskCreate, TaskFields } from '../../connectors/port.ts';
import { compileEngine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { DAY_MS, type ContactRecord, type DealRecord } from '../../src/model.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { rollbackRun } from '../../src/sync/rollback.ts';
import { runSetup } from '../../src/sync/setup.ts';
import { runSync } from '../../src/sync/run.ts';
import { contact, deal } from '../store/fixtures.ts';

const INSTALLATION = 'hubspot:default';
const NOW = Date.parse('2026-11-30T12:00:00Z');
const engine = compileEngine(loadMapping('mappings/hubspot.yaml'));

class FakeTasks implements CrmTasks {
  tasks = new Map<string, TaskFields & { on: string; contactId: string | null }>();
  touched = new Set<string>();
  createCalls: TaskCreate[][] = [];
  failKeys = new Set<string>();
  users = [{ id: 'rep-1', email: 'rep1@example.com', name: 'Rep One', active: true }, { id: 'gone-1', email: 'old@example.com', name: 'Old', active: false }, { id: 'lead-1', email: 'lead@example.com', name: 'Lead', active: true }];
  #seq = 0;
  async create(list: TaskCreate[]) {
    this.createCalls.push(list);
    const created: Array<{ key: string; id: string }> = [];
    const failed = [];
    for (const t of list) {
      if (this.failKeys.has(t.key)) {
        failed.push({ id: t.key, code: 'VALIDATION_ERROR', message: 'owner cannot be assigned', retryable: false });
        continue;
      }
      const id = `task-${++this.#seq}`;
      this.tasks.set(id, { ...t.fields, on: `${t.on.kind}:${t.on.id}`, contactId: t.contactId });
      created.push({ key: t.key, id });
    }
    return { created, failed };
  }
  async read(ids: string[]) {
    ids.forEach((id) => this.touched.add(id));
    const out = new Map<string, TaskFields>();
    for (const id of ids) {
      const t = this.tasks.get(id);
      if (t) out.set(id, { subject: t.subject, body: t.body, status: t.status, priority: t.priority, dueAt: t.dueAt, ownerId: t.ownerId });
    }
    return out;
  }
  async update(updates: Array<{ id: string; fields: Partial<TaskFields> }>) {
    const written: string[] = [];
    for (const u of updates) {
      this.touched.add(u.id);
      const t = this.tasks.get(u.id);
      if (t) {
        Object.assign(t, u.fields);
        written.push(u.id);
      }
    }
    return { written, failed: [] };
  }
  async remove(ids: string[]) {
    ids.forEach((id) => this.touched.add(id));
    ids.forEach((id) => this.tasks.delete(id));
    return { removed: ids, failed: [] };
  }
  ownersCalls = 0;
  prepareCalls = 0;
  async prepare() {
    this.prepareCalls++;
  }
  async owners() {
    this.ownersCalls++;
    return this.users.map((u) => ({ ...u }));
  }
  /** A task a rep made by hand, in the same CRM. */
  handMade(fields: TaskFields): string {
    const id = `hand-${++this.#seq}`;
    this.tasks.set(id, { ...fields, on: 'deal:d1', contactId: 'c1' });
    return id;
  }
}

let store: Store;
afterEach(async () => await store?.close());

async function setup(records: { contacts: ContactRecord[]; deals: DealRecord[] }) {
  store = openStore(':memory:');
  for (const s of engine.mapping.segments) await store.setSetting(INSTALLATION, `segment-target:${s.id}`, `list-${s.id}`);
  const tasks = new FakeTasks();
  const unused = (name: string) => () => {
    throw new Error(`${name} is not part of this test`);
  };
  const connector: CrmConnector = {
    crm: 'hubspot',
    pushChunk: 100,
    availableFields: async () => ({ missing: [], missingOwned: [] }),
    async *pull(): AsyncIterable<PullBatch> {
      yield { kind: 'contact', records: records.contacts, removed: [] };
      yield { kind: 'deal', records: records.deals, removed: [] };
    },
    push: async (changes) => ({ written: changes.map((c) => c.ref), failed: [] }),
    syncMembership: async (change) => ({ added: change.add, removed: change.remove, failed: [] }),
    readMembership: async () => ({ members: [], exists: true, calls: 1, pageSize: 250 }),
    readCurrent: async (refs) => new Map(refs.map((r) => [r.id, {}])),
    fetchCustomer: unused('fetchCustomer'),
    ensureSchema: async () => ({ created: [], updated: [], unchanged: [], segmentTargets: {} }),
    accountId: unused('accountId'),
    ensureSegmentTarget: unused('ensureSegmentTarget'),
    doctor: unused('doctor'),
    stats: () => ({ total: 0, byEndpoint: {}, rateLimited: 0 }),
    tasks,
    // Activities the CRM holds: after the first run, the task Parcours created is among them.
    async *pullTouchpoints() {
      const at = NOW - DAY_MS;
      const touchpoint = (id: string, channel: 'phone' | 'internal') => ({
        kind: 'touchpoint' as const, id, objectType: 'tasks', raw: {}, updatedAt: at, channel, rawChannel: null, direction: null, at,
        outcome: null, rawOutcome: null, contactIds: ['c1'], dealIds: [], ticketIds: [], survey: null,
      });
      yield { records: [touchpoint('call-1', 'phone'), ...[...tasks.tasks.keys()].map((id) => touchpoint(id, 'internal'))], removed: [] };
    },
  };
  const sync = (now = NOW, dryRun = false) => runSync({ connector, store, engine, installation: INSTALLATION, mode: 'full', dryRun, now });
  return { tasks, connector, sync, records };
}

const stalled = (id: string, over: Partial<DealRecord> = {}) => deal(id, ['c1'], { name: `Deal ${id}`, ownerId: 'rep-1', stageEnteredAt: NOW - 40 * DAY_MS, ...over });
const movedOn = (d: DealRecord) => ({ ...d, stage: 'contractsent', stageEnteredAt: NOW + DAY_MS });

describe('follow-up tasks through a run', () => {
  it('a stalled deal yields exactly one task for its owner, about the deal and the customer; a re-run yields none', async () => {
    const t = await setup({ contacts: [contact('c1')], deals: [stalled('d1')] });
    const first = await t.sync();
    expect(first.tasks).toMatchObject({ created: 1, completed: 0, held: 0, leftOpen: [], unassignable: [], failed: [] });
    expect([...t.tasks.tasks.values()]).toEqual([{
      subject: 'Follow up: deal "Deal d1" stalled since 2026-10-21', body: expect.stringContaining('stalled_deal: deal "Deal d1"'),
      status: 'open', priority: 'high', dueAt: NOW + 2 * DAY_MS, ownerId: 'rep-1', on: 'deal:d1', contactId: 'c1',
    }]);
    const [episode] = await store.openTaskEpisodesOf(INSTALLATION);
    expect(episode).toMatchObject({ action: 'follow_up_stalled_deal', kind: 'deal', recordId: 'd1', flag: 'stalled_deal', openedRun: first.runId, state: 'open' });
    expect((await store.taskAuditForRun(first.runId)).map((a) => [a.op, a.taskId])).toEqual([['create', episode?.taskId]]);

    const again = await t.sync(NOW + 3_600_000);
    expect(again.tasks).toMatchObject({ created: 0, held: 1 });
    expect(t.tasks.tasks.size).toBe(1);
    expect(t.tasks.createCalls).toHaveLength(1);
    // While the flag holds, the task is not even read.
    expect(t.tasks.touched.size).toBe(0);
  });

  it('the deal moves on: the next run completes the untouched task; an edited one is left open and said so', async () => {
    const t = await setup({ contacts: [contact('c1')], deals: [stalled('d1'), stalled('d2')] });
    await t.sync();
    const ids = new Map((await store.openTaskEpisodesOf(INSTALLATION)).map((e) => [e.recordId, e.taskId]));
    const edited = ids.get('d2') as string;
    const e2 = t.tasks.tasks.get(edited);
    if (e2) e2.dueAt += 3 * DAY_MS; // the rep pushed the due date
    t.records.deals = t.records.deals.map(movedOn);
    const run = await t.sync(NOW + DAY_MS);
    expect(run.tasks).toMatchObject({ created: 0, completed: 1, leftOpen: [{ key: 'follow_up_stalled_deal:deal:d2', taskId: edited, why: 'edited in the CRM (dueAt): left open for its owner' }] });
    expect(t.tasks.tasks.get(ids.get('d1') as string)?.status).toBe('completed');
    expect(t.tasks.tasks.get(edited)?.status).toBe('open');
    expect(await store.openTaskEpisodesOf(INSTALLATION)).toEqual([]);
    expect((await store.allTaskEpisodes(INSTALLATION)).map((e) => [e.recordId, e.state, e.closedRun])).toEqual([['d1', 'completed', run.runId], ['d2', 'left_open', run.runId]]);
    expect((await store.taskAuditForRun(run.runId)).map((a) => [a.op, a.before?.status, a.after?.status])).toEqual([['complete', 'open', 'completed']]);
  });

  it('the tasks Parcours created are not taken for customer touchpoints', async () => {
    const t = await setup({ contacts: [contact('c1')], deals: [stalled('d1')] });
    const first = await t.sync();
    expect(first.touchpoints.pulled).toBe(1);
    const second = await t.sync(NOW + 3_600_000);
    expect(t.tasks.tasks.size).toBe(1);
    expect(second.touchpoints).toMatchObject({ pulled: 1, byChannel: { phone: 1 } });
  });

  it('a task the rep made by hand is never read, edited or closed', async () => {
    const t = await setup({ contacts: [contact('c1')], deals: [stalled('d1')] });
    const hand = t.tasks.handMade({ subject: 'Call about Deal d1', body: '', status: 'open', priority: 'medium', dueAt: NOW, ownerId: 'rep-1' });
    await t.sync();
    t.records.deals = t.records.deals.map(movedOn);
    await t.sync(NOW + DAY_MS);
    expect(t.tasks.touched.has(hand)).toBe(false);
    expect(t.tasks.tasks.get(hand)?.status).toBe('open');
    expect(t.tasks.touched.size).toBe(1);
  });

  it('a task deleted in the CRM ends its episode; one completed by the rep is not written again', async () => {
    const t = await setup({ contacts: [contact('c1')], deals: [stalled('d1'), stalled('d2')] });
    await t.sync();
    const ids = new Map((await store.openTaskEpisodesOf(INSTALLATION)).map((e) => [e.recordId, e.taskId]));
    t.tasks.tasks.delete(ids.get('d1') as string);
    const done = t.tasks.tasks.get(ids.get('d2') as string);
    if (done) done.status = 'completed';
    t.records.deals = t.records.deals.map(movedOn);
    const run = await t.sync(NOW + DAY_MS);
    expect(run.tasks).toMatchObject({ completed: 0, gone: 1, doneByOwner: 1, leftOpen: [] });
    expect(await store.taskAuditForRun(run.runId)).toEqual([]);
  });

  it('unassignable tasks are reported, not created; an inactive owner falls back to fallback_owner only when set', async () => {
    const t = await setup({ contacts: [contact('c1')], deals: [stalled('d1', { ownerId: null }), stalled('d2', { ownerId: 'gone-1' })] });
    const run = await t.sync();
    expect(run.tasks?.created).toBe(0);
    expect(run.tasks?.unassignable).toEqual([
      { key: 'follow_up_stalled_deal:deal:d1', why: 'deal d1 has no owner, and the action has no fallback_owner' },
      { key: 'follow_up_stalled_deal:deal:d2', why: 'owner gone-1 (deal.owner) is inactive, and the action has no fallback_owner' },
    ]);
    expect(t.tasks.tasks.size).toBe(0);
    expect(run.status).toBe('succeeded');
  });

  it('a failed create is reported, makes the run partial, and is tried again by the next run', async () => {
    const t = await setup({ contacts: [contact('c1')], deals: [stalled('d1'), stalled('d2')] });
    t.tasks.failKeys.add('follow_up_stalled_deal:deal:d2');
    const first = await t.sync();
    expect(first.status).toBe('partial');
    expect(first.tasks).toMatchObject({ created: 1, failed: [{ key: 'follow_up_stalled_deal:deal:d2', object: 'deal', id: 'd2', code: 'VALIDATION_ERROR' }] });
    expect((await store.failuresForRun(first.runId)).map((f) => [f.kind, f.id, f.message])).toEqual([['deal', 'd2', 'task follow_up_stalled_deal: owner cannot be assigned']]);
    t.tasks.failKeys.clear();
    const second = await t.sync(NOW + 3_600_000);
    expect(second.tasks).toMatchObject({ created: 1, held: 1, failed: [] });
    expect(t.tasks.createCalls.map((c) => c.map((x) => x.key))).toEqual([
      ['follow_up_stalled_deal:deal:d1', 'follow_up_stalled_deal:deal:d2'],
      ['follow_up_stalled_deal:deal:d2'],
    ]);
  });

  it('--dry-run lists what it would create and close, with owner and due date, and writes nothing', async () => {
    const t = await setup({ contacts: [contact('c1')], deals: [stalled('d1')] });
    const dry = await t.sync(NOW, true);
    expect(dry.tasks?.toCreate).toEqual([{ key: 'follow_up_stalled_deal:deal:d1', action: 'follow_up_stalled_deal', on: { kind: 'deal', id: 'd1' }, ownerId: 'rep-1', dueAt: NOW + 2 * DAY_MS, subject: 'Follow up: deal "Deal d1" stalled since 2026-10-21' }]);
    expect(t.tasks.tasks.size).toBe(0);
    expect(await store.allTaskEpisodes(INSTALLATION)).toEqual([]);
    await t.sync();
    t.records.deals = t.records.deals.map(movedOn);
    const close = await t.sync(NOW + DAY_MS, true);
    const [episode] = await store.openTaskEpisodesOf(INSTALLATION);
    expect(close.tasks?.toClose).toEqual([{ key: 'follow_up_stalled_deal:deal:d1', action: 'follow_up_stalled_deal', on: { kind: 'deal', id: 'd1' }, ownerId: 'rep-1', dueAt: NOW + 2 * DAY_MS, subject: 'Follow up: deal "Deal d1" stalled since 2026-10-21', taskId: episode?.taskId }]);
    expect(t.tasks.tasks.get(episode?.taskId as string)?.status).toBe('open');
  });

  it('rollback --run N deletes the untouched tasks N created, keeps the edited ones, and re-opens what a run completed', async () => {
    const t = await setup({ contacts: [contact('c1')], deals: [stalled('d1'), stalled('d2')] });
    const first = await t.sync();
    const ids = new Map((await store.openTaskEpisodesOf(INSTALLATION)).map((e) => [e.recordId, e.taskId]));
    const edited = t.tasks.tasks.get(ids.get('d2') as string);
    if (edited) edited.subject = 'Call Bob first';
    const undo = await rollbackRun(t.connector, store, INSTALLATION, first.runId, NOW + 1000);
    expect(undo.tasks).toEqual({ removed: 1, reopened: 0, skipped: [{ taskId: ids.get('d2'), key: 'follow_up_stalled_deal:deal:d2', reason: `changed in the CRM since run ${first.runId}` }], failed: [] });
    expect([...t.tasks.tasks.keys()]).toEqual([ids.get('d2')]);
    expect((await store.allTaskEpisodes(INSTALLATION)).map((e) => [e.recordId, e.state])).toEqual([['d1', 'deleted'], ['d2', 'open']]);
    expect((await store.taskAuditForRun(undo.rollbackRunId)).map((a) => [a.op, a.taskId, a.after])).toEqual([['delete', ids.get('d1'), null]]);
  });

  it('rollback of the run that completed a task re-opens it when it is still as that run left it', async () => {
    const t = await setup({ contacts: [contact('c1')], deals: [stalled('d1')] });
    await t.sync();
    t.records.deals = t.records.deals.map(movedOn);
    const closing = await t.sync(NOW + DAY_MS);
    expect(closing.tasks?.completed).toBe(1);
    const undo = await rollbackRun(t.connector, store, INSTALLATION, closing.runId, NOW + 2 * DAY_MS);
    expect(undo.tasks).toMatchObject({ removed: 0, reopened: 1, skipped: [] });
    const [episode] = await store.openTaskEpisodesOf(INSTALLATION);
    expect(episode?.recordId).toBe('d1');
    expect(t.tasks.tasks.get(episode?.taskId as string)?.status).toBe('open');
  });
});

describe('the owner roster, kept across runs (owner-roster.ts)', () => {
  it('setup reads and keeps what tasks need, so the first sync reads no roster; owners that cannot be read are a setup note', async () => {
    const t = await setup({ contacts: [contact('c1')], deals: [stalled('d1')] });
    const report = await runSetup(t.connector, store, INSTALLATION, engine.mapping);
    expect(report.tasks).toEqual({ activeOwners: 2 });
    expect([t.tasks.ownersCalls, t.tasks.prepareCalls]).toEqual([1, 1]);
    const run = await t.sync();
    expect(run.tasks).toMatchObject({ created: 1 });
    expect(t.tasks.ownersCalls).toBe(1);

    t.tasks.owners = async () => {
      throw new Error('403 MISSING_SCOPES crm.objects.owners.read');
    };
    const denied = await runSetup(t.connector, store, INSTALLATION, engine.mapping);
    expect(denied.tasks).toBeUndefined();
    expect(denied.notes).toEqual([expect.stringContaining('follow-up tasks: could not read the users to assign them to (403 MISSING_SCOPES crm.objects.owners.read)')]);
  });

  it('the task creates start while the last record pushes are still out (a Salesforce Composite call can carry both)', async () => {
    const t = await setup({ contacts: [contact('c1')], deals: [stalled('d1')] });
    const events: string[] = [];
    t.connector.push = async (changes) => {
      events.push('push');
      await new Promise((r) => setTimeout(r, 20));
      events.push('pushed');
      return { written: changes.map((c) => c.ref), failed: [] };
    };
    const create = t.tasks.create.bind(t.tasks);
    t.tasks.create = async (list) => {
      events.push('create');
      return create(list);
    };
    const run = await t.sync();
    expect(run.tasks).toMatchObject({ created: 1 });
    expect(events.indexOf('create')).toBeGreaterThan(-1);
    expect(events.indexOf('create')).toBeLessThan(events.lastIndexOf('pushed'));
  });

  it('a later run opening a task for a listed owner reads no roster; an owner it does not list makes it read again', async () => {
    const t = await setup({ contacts: [contact('c1')], deals: [stalled('d1')] });
    await t.sync();
    expect(t.tasks.ownersCalls).toBe(1);
    t.records.deals.push(stalled('d2'));
    const second = await t.sync(NOW + 3_600_000);
    expect(second.tasks).toMatchObject({ created: 1, held: 1 });
    expect(t.tasks.ownersCalls).toBe(1);
    // Someone joined since: the kept roster does not name them, so it is read again and the task is theirs.
    t.tasks.users.push({ id: 'rep-2', email: 'rep2@example.com', name: 'Rep Two', active: true });
    t.records.deals.push(stalled('d3', { ownerId: 'rep-2' }));
    const third = await t.sync(NOW + 7_200_000);
    expect(third.tasks).toMatchObject({ created: 1, unassignable: [] });
    expect(t.tasks.ownersCalls).toBe(2);
    expect([...t.tasks.tasks.values()].find((x) => x.on === 'deal:d3')?.ownerId).toBe('rep-2');
  });

  it('a create refused for an owner who left since the roster was kept: read again in the same run, the task reported unassignable, not failed', async () => {
    const t = await setup({ contacts: [contact('c1')], deals: [stalled('d1')] });
    await t.sync();
    // lead-1 is active in the kept roster, then deactivated: the CRM refuses a task assigned to them.
    (t.tasks.users.find((u) => u.id === 'lead-1') as { active: boolean }).active = false;
    t.tasks.failKeys.add('follow_up_stalled_deal:deal:d2');
    t.records.deals.push(stalled('d2', { ownerId: 'lead-1' }));
    const run = await t.sync(NOW + 3_600_000);
    expect(t.tasks.ownersCalls).toBe(2);
    expect(run.tasks).toMatchObject({ created: 0, failed: [], unassignable: [{ key: 'follow_up_stalled_deal:deal:d2', why: 'owner lead-1 (deal.owner) is inactive, and the action has no fallback_owner' }] });
    expect(run.status).toBe('succeeded');
  });
});
