/**
 * The PostgreSQL store against the SQLite store (issue 15): the same calls on both, the same answers.
 * Where the answer is a value, the SQLite backend's answer is the expectation (its own tests pin it);
 * the assertions specific to PostgreSQL (migrations under concurrency, set-based writes, streams that
 * hold no connection, errors without the password) come last.
 *
 * Runs only with PARCOURS_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres); each run
 * creates its own database and drops it.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PullBatch, TaskFields } from '../../connectors/port.ts';
import { ParcoursError } from '../../src/errors.ts';
import type { IdentityConflict, IdentityMatch } from '../../src/model.ts';
import type { Store } from '../../src/store/index.ts';
import { openPostgresStore } from '../../src/store/postgres/index.ts';
import { PG_MIGRATIONS } from '../../src/store/postgres/migrations.ts';
import { POSTGRES_URL, postgresBackend, sqliteBackend } from './backends.ts';
import { contact, deal, INST, ticket, touchpoint } from './fixtures.ts';

const SKIPPED = POSTGRES_URL ? '' : ' — skipped: set PARCOURS_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run';
if (!POSTGRES_URL) console.info(`tests/store/postgres-store.test.ts${SKIPPED}`);

const T0 = 1_700_000_000_000;
const ref = (kind: 'contact' | 'deal' | 'ticket', id: string, objectType = kind === 'contact' ? 'contacts' : `${kind}s`) => ({ kind, objectType, id });

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Code and operation of the ParcoursError a call rejects with (anything else fails the test). */
async function failure(p: Promise<unknown> | (() => Promise<unknown>)): Promise<{ code: string; operation: unknown }> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof ParcoursError) return { code: err.code, operation: err.context.operation };
    throw err;
  }
  throw new Error('expected a ParcoursError');
}

describe.skipIf(!POSTGRES_URL)(`PostgreSQL store, call for call against the SQLite store${SKIPPED}`, () => {
  const sqlite = sqliteBackend();
  const postgres = postgresBackend(POSTGRES_URL ?? 'postgres://unset');
  let clock = T0;
  const now = () => clock;
  let lite: Store;
  let pgs: Store;

  beforeEach(async () => {
    clock = T0;
    lite = await sqlite.open({ now });
    pgs = await postgres.open({ now });
  });
  afterEach(async () => {
    await lite.close();
    await pgs.close();
  });

  /** Runs `fn` on SQLite then on PostgreSQL and expects the same answer; returns it. */
  async function same<T>(fn: (s: Store) => Promise<T>): Promise<T> {
    const expected = await fn(lite);
    const actual = await fn(pgs);
    expect(actual).toEqual(expected);
    return actual;
  }
  const sameStream = <T>(fn: (s: Store) => AsyncIterable<T>) => same((s) => all(fn(s)));
  const sameFailure = (fn: (s: Store) => Promise<unknown>) => same((s) => failure(() => fn(s)));

  describe('mirror', () => {
    it('upserts, links from both sides, removes, streams customers in binary id order, with cursors', async () => {
      // Ids whose order differs between byte order and a linguistic collation.
      const ids = ['b', 'B', '_x', '-y', '10', '9', 'a'];
      await same((s) => s.applyPullBatch(INST, { kind: 'contact', records: ids.map((id) => contact(id)), removed: [], cursor: { after: 'a' } }));
      await same((s) => s.applyPullBatch(INST, { kind: 'deal', records: [deal('d1', ['b', 'B']), deal('d2', ['9']), deal('d1', ['a', '_x'])], removed: [], cursor: { page: 2 } }));
      await same((s) => s.applyPullBatch(INST, { kind: 'ticket', records: [ticket('t1', ['10'])], removed: [], links: [{ contactId: '10', tickets: ['t1', 't9'] }, { contactId: 'a', deals: ['d2'] }] }));
      const customers = await sameStream((s) => s.iterateCustomers(INST, { pageSize: 2 }));
      expect(customers.map((c) => c.contact.id)).toEqual([...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
      await sameStream((s) => s.iterateCustomers(INST, { contactIds: ['a', 'zz', '9', 'a'], pageSize: 1, touchpoints: false }));
      await sameStream((s) => s.iterateContacts(INST, { pageSize: 3 }));
      await same((s) => s.contactsLinkedTo(INST, [{ kind: 'deal', id: 'd2' }, { kind: 'ticket', id: 't9' }, { kind: 'deal', id: 'd1' }]));
      await same((s) => s.getCursors(INST));
      await same((s) => s.countRecords(INST));
      await same((s) => s.existingIds(INST, 'contact', ['a', 'nope', '9']));
      await same(async (s) => s.getRecord(INST, 'deal', 'd1'));

      const gone = await same((s) => s.applyPullBatch(INST, { kind: 'contact', records: [], removed: [ref('contact', 'a'), ref('contact', 'a'), ref('contact', 'zz')] }));
      expect(gone.removed).toEqual([ref('contact', 'a')]);
      await same((s) => s.applyPullBatch(INST, { kind: 'deal', records: [], removed: [ref('deal', 'd2')] }));
      await sameStream((s) => s.iterateCustomers(INST));
      await same(async (s) => {
        await s.resetCursors(INST);
        return s.getCursors(INST);
      });
    });

    it('sweeps what a completed full pass did not see, returning what Parcours had written on it', async () => {
      await same((s) => s.applyPullBatch(INST, { kind: 'contact', records: [contact('1'), contact('2'), contact('3')], removed: [] }));
      await same((s) => s.applyPullBatch(INST, { kind: 'ticket', records: [ticket('t1', ['2']), ticket('t2', ['1'])], removed: [] }));
      await same(async (s) => {
        const run = await s.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 1 });
        await s.recordWrites(INST, run, [{ kind: 'contact', id: '2', before: {}, after: { parcours_stage: 'decision' } }]);
        await s.recordFailures(INST, run, [{ kind: 'contact', id: '2', code: 'X', message: 'x' }]);
      });
      await same((s) => s.applyPullBatch(INST, { kind: 'contact', records: [contact('1')], removed: [], fullPass: { id: 'p1' } }));
      await same((s) => s.applyPullBatch(INST, { kind: 'contact', records: [contact('1', { lifecycle: 'customer' })], removed: [] }));
      const last = await same((s) => s.applyPullBatch(INST, { kind: 'contact', records: [contact('3')], removed: [], fullPass: { id: 'p1', complete: true }, cursor: { done: true } }));
      expect(last.sweptWritten).toEqual([{ ref: ref('contact', '2'), written: { parcours_stage: 'decision' } }]);
      await same((s) => s.getWritten(INST, 'contact', ['2']));
      await same((s) => s.pendingFailures(INST));
      await sameStream((s) => s.iterateCustomers(INST));
      await same((s) => s.getCursors(INST));
    });

    it('hands a converted Lead over: ledger, memberships, events and touchpoints follow; the old id becomes an alias', async () => {
      const lead = { kind: 'contact' as const, objectType: 'Lead', id: '00QL' };
      const to = { kind: 'contact' as const, objectType: 'Contact', id: '003C' };
      await same(async (s) => {
        await s.applyPullBatch(INST, { kind: 'contact', records: [contact('00QL', { objectType: 'Lead' }), contact('00QM', { objectType: 'Lead' })], removed: [] });
        await s.applyTouchpointBatch(INST, { records: [touchpoint('c1', ['00QL']), touchpoint('c2', ['00QL', '003C'], { at: T0 + 5 })], removed: [] });
        await s.recordStageChanges(INST, [
          { contactId: '00QL', journeyId: 'j', stage: 'lead', at: 100 },
          { contactId: '00QL', journeyId: 'k', stage: 'x', at: 100 },
          { contactId: '003C', journeyId: 'k', stage: 'y', at: 150 },
        ]);
        await s.applyMembership(INST, 'seg', ['00QL', '003C'], [], 120);
        await s.applyMembership(INST, 'hot', ['00QL'], [], 130);
      });
      const r = await same((s) =>
        s.applyPullBatch(INST, {
          kind: 'contact',
          records: [contact('003C', { objectType: 'Contact' })],
          removed: [],
          // A chain in one batch (00QM → 00QL after 00QL → 003C), and a hand-over that moves nothing.
          handovers: [{ from: lead, to, at: 300 }, { from: { ...lead, id: '00QM' }, to: lead, at: 301 }, { from: { ...lead, id: 'ghost' }, to: { ...to, id: 'ghost2' }, at: 302 }],
        }),
      );
      expect(r.handedOver.map((h) => h.from.id)).toEqual(['00QL']);
      await sameStream((s) => s.iterateStageHistory(INST));
      await same((s) => s.currentStages(INST, ['003C', '00QL']));
      await same(async (s) => [[...(await s.getSegmentMembers(INST, 'seg'))].sort(), [...(await s.getSegmentMembers(INST, 'hot'))].sort()]);
      await sameStream((s) => s.iterateSegmentEvents(INST));
      await same((s) => s.touchpointsOf(INST, '003C'));
      await same((s) => s.touchpointsOf(INST, '00QL'));
      await same((s) => s.resolveAliases(INST, ['00QM', '00QL', 'ghost', 'other']));
      await same((s) => s.countRecords(INST));
    });

    it('applies several batches in one transaction: a failure in the last stores none of them, cursors included', async () => {
      // SQLite's answer for the same batches applied one by one is the expectation (see the report: the
      // SQLite wrapper's applyPullBatches loses its \`this\` on the async-store branch's WIP index.ts).
      const batches: PullBatch[] = [
        { kind: 'contact', records: [contact('2')], removed: [ref('contact', '1')], cursor: { after: '2' } },
        { kind: 'deal', records: [deal('d1', ['2'])], removed: [], cursor: { page: 1 } },
      ];
      await same((s) => s.applyPullBatch(INST, { kind: 'contact', records: [contact('1')], removed: [], cursor: { after: '1' } }));
      // The cursor cannot be serialized: it fails after the batches' records were written in the transaction.
      const poisonedCursor = { big: 1n } as unknown as PullBatch['cursor'];
      const err = await failure(pgs.applyPullBatches(INST, [batches[0]!, { ...batches[1]!, cursor: poisonedCursor }]));
      expect(err).toEqual({ code: 'STORE_ERROR', operation: 'applyPullBatches' });
      expect(await pgs.countRecords(INST)).toEqual(await lite.countRecords(INST));
      expect(await pgs.getCursors(INST)).toEqual({ contact: { after: '1' } });
      const expected = [];
      for (const b of batches) expected.push(await lite.applyPullBatch(INST, b));
      expect(await pgs.applyPullBatches(INST, batches)).toEqual(expected);
      await same((s) => s.getCursors(INST));
      await sameStream((s) => s.iterateCustomers(INST));
      expect((await failure(pgs.applyPullBatches(INST, [batches[0]!, { kind: 'lead' as never, records: [], removed: [] }]))).code).toBe('INPUT_INVALID');
    });

    it('refuses bad input with the same codes', async () => {
      const wrongKind = await sameFailure((s) => s.applyPullBatch(INST, { kind: 'deal', records: [deal('d1', ['1']), contact('1') as never], removed: [], cursor: { x: 1 } }));
      expect(wrongKind.code).toBe('INPUT_INVALID');
      await sameFailure((s) => s.applyPullBatch('', { kind: 'contact', records: [], removed: [] }));
      await sameFailure((s) => s.applyPullBatch(INST, { kind: 'lead' as never, records: [], removed: [] }));
      await sameFailure((s) => s.applyPullBatch(INST, { kind: 'contact', records: [contact('')], removed: [] }));
      const poisoned = await sameFailure((s) => s.applyPullBatch(INST, { kind: 'contact', records: [contact('4', { raw: { big: 1n as unknown as number } })], removed: [] }));
      expect(poisoned).toEqual({ code: 'STORE_ERROR', operation: 'applyPullBatch' });
      await sameFailure((s) => s.getRecord(INST, 'lead' as never, '1'));
      await sameFailure((s) => all(s.iterateCustomers(INST, { pageSize: 0 })));
      await same((s) => s.countRecords(INST));
      await same((s) => s.getCursors(INST));
    });
  });

  describe('touchpoints', () => {
    it('gives each customer its touchpoints oldest first and round-trips every field', async () => {
      const survey = touchpoint('s1', ['1'], {
        objectType: 'feedback_submissions', channel: 'survey', rawChannel: 'NPS', direction: 'inbound', at: T0 + 3_000,
        outcome: null, rawOutcome: null, survey: { type: 'nps', score: 4, scale: { min: 0, max: 10 }, sentiment: 'negative' },
        raw: { hs_response_group: 'DETRACTOR', zeta: 1, alpha: true }, ownerId: '77', dealIds: ['d1'], ticketIds: ['t1'],
      });
      await same(async (s) => {
        await s.applyPullBatch(INST, { kind: 'contact', records: [contact('1'), contact('2'), contact('3')], removed: [] });
        return s.applyTouchpointBatch(INST, {
          records: [
            touchpoint('c2', ['1'], { at: T0 + 2_000 }),
            survey,
            touchpoint('e1', ['1', '2'], { objectType: 'emails', channel: 'email', direction: 'outbound', at: T0 + 1_000 }),
            touchpoint('e1', ['3'], { at: null }),
          ],
          removed: [],
          cursor: { calls: { after: 'x' } },
        });
      });
      expect((await pgs.touchpointsOf(INST, '1'))[2]).toEqual(survey);
      await same((s) => s.touchpointsOf(INST, '1'));
      await sameStream((s) => s.iterateCustomers(INST, { pageSize: 2 }));
      await sameStream((s) => s.iterateCustomers(INST, { contactIds: ['2', '1'] }));
      await sameStream((s) => s.iterateCustomers(INST, { touchpoints: false }));
    });

    it('stores valid ones, returns the malformed, removes, sweeps a completed pass, saves the cursor last', async () => {
      await same((s) => s.applyPullBatch(INST, { kind: 'contact', records: [contact('1'), contact('2')], removed: [] }));
      const first = await same((s) =>
        s.applyTouchpointBatch(INST, {
          records: [
            touchpoint('c2', ['1'], { at: T0 + 20 }),
            touchpoint('c1', ['1', '2'], { at: T0 + 10, raw: { note: 'a b' } }),
            touchpoint('n1', ['1'], { at: null, objectType: 'notes', channel: 'internal' }),
            { ...touchpoint('bad', ['1']), channel: 'pigeon' } as never,
            touchpoint('c2', ['2'], { at: T0 + 30 }),
          ],
          removed: [],
          cursor: { calls: 'x' },
          fullPass: { id: 'tp1' },
        }),
      );
      expect(first.rejected).toHaveLength(1);
      await same((s) => s.touchpointsOf(INST, '1'));
      await same((s) => s.touchpointsOf(INST, '2'));
      await same((s) => s.countTouchpoints(INST));
      await sameStream((s) => s.iterateCustomers(INST, { pageSize: 1 }));
      const second = await same((s) =>
        s.applyTouchpointBatch(INST, { records: [touchpoint('c3', ['2'])], removed: [{ objectType: 'calls', id: 'c1' }, { objectType: 'calls', id: 'zz' }], cursor: { calls: 'y' }, fullPass: { id: 'tp2', complete: true } }),
      );
      expect(second).toMatchObject({ removed: 1, swept: 2 });
      await same((s) => s.getTouchpointCursor(INST));
      await same((s) => s.touchpointsOf(INST, '2'));
      // A contact leaving the mirror takes its touchpoint links.
      await same((s) => s.applyPullBatch(INST, { kind: 'contact', records: [], removed: [ref('contact', '2')] }));
      await same((s) => s.touchpointsOf(INST, '2'));
      await same((s) => s.countTouchpoints(INST));
      await same(async (s) => {
        await s.resetCursors(INST);
        return s.getTouchpointCursor(INST);
      });
      await sameFailure((s) => s.applyTouchpointBatch(INST, { records: null as never, removed: [] }));
      // What SQLite cannot bind (an object where an id goes) fails the batch on both, storing nothing.
      await same(async (s) => {
        const err = await failure(s.applyTouchpointBatch(INST, { records: [touchpoint('late', ['1'])], removed: [{ objectType: {} as never, id: 'x' }], cursor: { calls: 'z' } }));
        return [err.code !== undefined, await s.touchpointsOf(INST, '1'), await s.getTouchpointCursor(INST)];
      });
    });
  });

  describe('streams past one page', () => {
    it('events tied on time, ledger rows and customers across page boundaries come back as on SQLite', async () => {
      const ids = Array.from({ length: 4_100 }, (_, i) => `c${i}`);
      // Recorded out of time order: the later batch first.
      await same(async (s) => {
        await s.applyMembership(INST, 'vip', ids.slice(2_000), [], 500);
        await s.applyMembership(INST, 'vip', ids.slice(0, 2_000), [], 100);
      });
      expect(await sameStream((s) => s.iterateSegmentEvents(INST))).toHaveLength(4_100);
      await same((s) => s.recordStageChanges(INST, ids.map((id, i) => ({ contactId: id, journeyId: 'j', stage: 'lead', at: i % 7 }))));
      expect(await sameStream((s) => s.iterateStageHistory(INST))).toHaveLength(4_100);
      await same((s) => s.applyPullBatch(INST, { kind: 'contact', records: ids.slice(0, 1_201).map((id) => contact(id)), removed: [] }));
      await same((s) => s.applyPullBatch('hubspot:other', { kind: 'contact', records: [contact('c1'), contact('zzz')], removed: [] }));
      expect(await sameStream((s) => s.iterateCustomers(INST, { pageSize: 400 }))).toHaveLength(1_201);
      await sameStream((s) => s.iterateContacts('hubspot:other', { pageSize: 1 }));
    });
  });

  describe('written snapshot and audit', () => {
    it('merges writes into the snapshot and audits each field, in order', async () => {
      await same(async (s) => {
        const run = await s.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 1 });
        await s.recordWrites(INST, run, [
          { kind: 'contact', id: '1', before: { parcours_stage: null }, after: { parcours_stage: 'lead', parcours_friction: 'x' } },
          { kind: 'deal', id: 'd1', before: {}, after: { parcours_stage: 'won' } },
          { kind: 'contact', id: '1', before: { parcours_stage: 'lead' }, after: { parcours_stage: 'customer' } },
        ], 500);
        await s.recordWrites(INST, run, [{ kind: 'contact', id: '1', before: {}, after: { parcours_friction: null } }]);
      });
      await same((s) => s.getWritten(INST, 'contact', ['1', '2']));
      await same((s) => s.getWritten(INST, 'deal', ['d1']));
      await same((s) => s.auditForRun(1));
      await same((s) => s.auditOfRecords(INST, 'contact', ['1']));
      // A run that does not exist: the foreign key refuses, nothing is written.
      const err = await sameFailure((s) => s.recordWrites(INST, 99, [{ kind: 'contact', id: '9', before: {}, after: { a: 'b' } }]));
      expect(err).toEqual({ code: 'STORE_ERROR', operation: 'recordWrites' });
      await same((s) => s.getWritten(INST, 'contact', ['9']));
      await sameFailure((s) => s.recordWrites(INST, 1, [], Number.NaN));
    });
  });

  describe('stage history', () => {
    it('records stays (backfilled sequences in one call), reads them, and undoes a run unless a later one moved on', async () => {
      await same(async (s) => {
        await s.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 1 });
        await s.recordStageChanges(INST, [
          { contactId: '1', journeyId: 'j', stage: 'lead', at: 100, basis: 'first seen', backfilled: true },
          { contactId: '1', journeyId: 'j', stage: 'mql', at: 200, backfilled: true },
          { contactId: '1', journeyId: 'j', stage: 'mql', at: 250 },
          { contactId: '2', journeyId: 'j', stage: 'lead', at: 100 },
          { contactId: '2', journeyId: 'k', stage: 'new', at: 300 },
        ], 1);
        // Run 2: a change dated before the open stay began is taken as happening when it began.
        await s.recordStageChanges(INST, [
          { contactId: '1', journeyId: 'j', stage: 'sql', at: 150 },
          { contactId: '2', journeyId: 'j', stage: 'customer', at: 400 },
          { contactId: '3', journeyId: 'j', stage: 'lead', at: 400 },
        ], 2);
        // Run 3 moves contact 2 on again.
        await s.recordStageChanges(INST, [{ contactId: '2', journeyId: 'j', stage: 'churned', at: 500 }], 3);
      });
      await same((s) => s.currentStages(INST, ['1', '2', '3', '4']));
      await same((s) => s.currentStages(INST, ['1', '2'], 'j'));
      await same((s) => s.stageStaysOf(INST, ['2', '1']));
      await sameStream((s) => s.iterateStageHistory(INST));
      await sameStream((s) => s.iterateStageHistory(INST, { journeyId: 'k' }));
      const undo = await same((s) => s.undoStageChanges(INST, 2));
      expect(undo.kept.map((k) => k.contactId)).toEqual(['2']);
      await sameStream((s) => s.iterateStageHistory(INST));
      await same((s) => s.undoStageChanges(INST, 1));
      await same((s) => s.currentStages(INST, ['1', '2', '3']));
      await sameFailure((s) => s.recordStageChanges(INST, [{ contactId: '1', journeyId: 'j', stage: 'x', at: Number.POSITIVE_INFINITY }]));
    });
  });

  describe('segments', () => {
    it('logs only real transitions, lists a run\'s last moves, undoes them, streams events from a time', async () => {
      await same(async (s) => {
        await s.applyMembership(INST, 'hot', ['1', '2', '2', '3'], [], 100, 1);
        await s.applyMembership(INST, 'hot', ['1', '4'], ['2', '9'], 200, 2);
        await s.applyMembership(INST, 'cold', ['2'], ['2'], 200, 2);
        await s.applyMembership(INST, 'hot', [], ['4'], 300, 3);
      });
      await same(async (s) => [...(await s.getSegmentMembers(INST, 'hot'))].sort());
      const moves = await same((s) => s.membershipMovesOfRun(INST, 2));
      expect(moves.total).toBe(4);
      await sameStream((s) => s.iterateSegmentEvents(INST));
      await sameStream((s) => s.iterateSegmentEvents(INST, 200));
      await same(async (s) => {
        await s.undoMembershipMoves(INST, (await s.membershipMovesOfRun(INST, 2)).moves);
        return [[...(await s.getSegmentMembers(INST, 'hot'))].sort(), [...(await s.getSegmentMembers(INST, 'cold'))].sort()];
      });
      await sameStream((s) => s.iterateSegmentEvents(INST));
      await sameFailure((s) => s.applyMembership(INST, 'hot', ['1'], [], Number.NaN));
    });
  });

  describe('runs', () => {
    it('starts, finishes, lists newest first and gets runs; summaries keep their shape', async () => {
      await same(async (s) => {
        const a = await s.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 1 });
        const b = await s.startRun({ installation: 'salesforce:default', crm: 'salesforce', mode: 'incremental', dryRun: true, startedAt: 2 });
        await s.finishRun(a, { finishedAt: 5, status: 'succeeded', summary: { zeta: 1, alpha: { b: [1, 2], a: null } } });
        await s.finishRun(b, { finishedAt: 6, status: 'partial', summary: undefined });
        return [a, b];
      });
      await same((s) => s.listRuns());
      await same((s) => s.listRuns({ installation: INST, limit: 1 }));
      await same((s) => s.getRun(1));
      expect(Object.keys(((await pgs.getRun(1))?.summary ?? {}) as object)).toEqual(['zeta', 'alpha']);
      await same((s) => s.getRun(42));
      expect((await sameFailure((s) => s.finishRun(42, { finishedAt: 1, status: 'failed', summary: null }))).code).toBe('NOT_FOUND');
      expect((await sameFailure((s) => s.startRun({ installation: INST, crm: 'pipedrive' as never, mode: 'full', dryRun: false, startedAt: 1 }))).code).toBe('INPUT_INVALID');
    });
  });

  describe('follow-up tasks', () => {
    const fields = (subject: string): TaskFields => ({ subject, body: 'b', status: 'open', priority: 'high', dueAt: 1000, ownerId: 'o1' });
    it('opens one episode per action and record, ends, re-opens and audits each write', async () => {
      await same(async (s) => {
        await s.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 1 });
        await s.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 2 });
        return s.openTaskEpisodes(INST, 1, 100, [
          { action: 'call', kind: 'contact', recordId: '1', contactId: '1', flag: 'stuck', taskId: 'T1', fields: fields('Call 1') },
          { action: 'call', kind: 'deal', recordId: 'd1', contactId: null, flag: null, taskId: 'T2', fields: fields('Deal d1') },
        ]);
      });
      expect((await sameFailure((s) => s.openTaskEpisodes(INST, 2, 200, [{ action: 'call', kind: 'contact', recordId: '1', contactId: '1', flag: null, taskId: 'T3', fields: fields('again') }]))).code).toBe('STORE_ERROR');
      expect(
        (await sameFailure((s) =>
          s.openTaskEpisodes(INST, 2, 200, [
            { action: 'mail', kind: 'contact', recordId: '5', contactId: '5', flag: null, taskId: 'T5', fields: fields('a') },
            { action: 'mail', kind: 'contact', recordId: '5', contactId: '5', flag: null, taskId: 'T6', fields: fields('b') },
          ]),
        )).code,
      ).toBe('STORE_ERROR');
      await same(async (s) => {
        const [e1, e2] = await s.openTaskEpisodesOf(INST);
        await s.endTaskEpisode(e1!, 'completed', 2, 300, null, { op: 'complete', after: { ...e1!.fields, status: 'completed' } });
        await s.endTaskEpisode(e2!, 'gone', 2, 300, 'deleted in the CRM');
        const reopened = await s.reopenTaskEpisode((await s.allTaskEpisodes(INST))[0]!, 2, 400, fields('Call 1 again'));
        return reopened;
      });
      await same((s) => s.allTaskEpisodes(INST));
      await same((s) => s.openTaskEpisodesOf(INST));
      await same((s) => s.taskEpisodesOfRun(INST, 2));
      await same((s) => s.taskAuditForRun(1));
      await same((s) => s.taskAuditForRun(2));
      await same(async (s) => [...(await s.ownTaskIds(INST, ['T1', 'T9', 'T2']))].sort());
      // Another episode open for the same key: no re-open.
      await same(async (s) => {
        await s.openTaskEpisodes(INST, 2, 500, [{ action: 'call', kind: 'deal', recordId: 'd1', contactId: null, flag: null, taskId: 'T7', fields: fields('new') }]);
        const gone = (await s.allTaskEpisodes(INST)).find((e) => e.taskId === 'T2')!;
        return s.reopenTaskEpisode(gone, 2, 600, fields('x'));
      });
    });
  });

  describe('failures and settings', () => {
    it('counts attempts, clears, logs per run; keeps settings; tells when secrets are sealed', async () => {
      await same(async (s) => {
        const run = await s.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 1 });
        await s.recordFailures(INST, run, [
          { kind: 'contact', id: '1', code: 'A', message: 'first' },
          { kind: 'deal', id: 'd1', code: 'B', message: 'b' },
          { kind: 'contact', id: '1', code: 'C', message: 'second' },
        ], 10);
        await s.recordFailures(INST, run, [{ kind: 'contact', id: '1', code: 'D', message: 'third' }], 20);
      });
      await same((s) => s.pendingFailures(INST));
      await same((s) => s.failuresForRun(1));
      await same(async (s) => {
        await s.clearFailures(INST, [{ kind: 'contact', id: '1' }, { kind: 'ticket', id: 'x' }]);
        return s.pendingFailures(INST);
      });
      await same(async (s) => {
        const before = await s.hasSealedSecrets();
        await s.setSetting(INST, 'list:hot', '42');
        await s.setSetting(INST, 'list:hot', '43');
        await s.setSetting(INST, 'token', 'sealed:abc');
        const read = [await s.getSetting(INST, 'list:hot'), await s.getSetting(INST, 'nope'), await s.hasSealedSecrets()];
        await s.deleteSetting(INST, 'token');
        return [before, ...read, await s.getSetting(INST, 'token'), await s.hasSealedSecrets()];
      });
      await sameFailure((s) => s.setSetting('', 'k', 'v'));
      await sameFailure((s) => s.recordFailures(INST, 1, [{ kind: 'lead' as never, id: '1', code: 'x', message: 'x' }]));
    });
  });

  describe('installations, OAuth states, webhook keys and the inbox', () => {
    it('saves and finds installations, refuses clashes, keeps secrets and OAuth states single-use', async () => {
      await same(async (s) => {
        clock = T0;
        await s.saveInstallation({ id: 'hs-1', crm: 'hubspot', externalId: '123', source: 'oauth', label: 'Portal', secrets: 'sealed:x' });
        clock = T0 + 10;
        await s.saveInstallation({ id: 'hs-1', crm: 'hubspot', externalId: '123', source: 'oauth', label: 'Portal renamed', secrets: null });
        await s.saveInstallation({ id: 'sf-1', crm: 'salesforce', externalId: null, source: 'env', label: 'Org', secrets: null });
        await s.setInstallationSecrets('sf-1', 'sealed:y');
        await s.setWebhookSecret('sf-1', 'A'.repeat(22));
      });
      await same((s) => s.listInstallations());
      await same((s) => s.getInstallation('hs-1'));
      await same((s) => s.findInstallation('hubspot', '123'));
      await same((s) => s.installationsWithWebhookSecret('salesforce'));
      await same((s) => s.hasSealedSecrets());
      expect((await sameFailure((s) => s.saveInstallation({ id: 'hs-2', crm: 'hubspot', externalId: '123', source: 'oauth', label: 'Dup', secrets: null }))).code).toBe('INPUT_INVALID');
      expect((await sameFailure((s) => s.saveInstallation({ id: 'parcours:x', crm: 'hubspot', externalId: null, source: 'env', label: 'x', secrets: null }))).code).toBe('INPUT_INVALID');
      expect((await sameFailure((s) => s.setInstallationSecrets('nope', null))).code).toBe('NOT_FOUND');
      expect((await sameFailure((s) => s.setWebhookSecret('sf-1', 'short'))).code).toBe('INPUT_INVALID');
      expect((await sameFailure((s) => s.setWebhookSecret('nope', 'B'.repeat(22)))).code).toBe('NOT_FOUND');
      await same(async (s) => {
        await s.saveOauthState('n1', 'hubspot', '{"v":1}', clock + 1_000);
        await s.saveOauthState('n2', 'salesforce', 'd2', clock - 1);
        return [await s.takeOauthState('n1'), await s.takeOauthState('n1'), await s.takeOauthState('n2'), await s.takeOauthState('n3')];
      });
      await same(async (s) => [
        await s.rememberWebhookEvent('hubspot', 'k1', 100),
        await s.rememberWebhookEvent('hubspot', 'k1', 101),
        await s.rememberWebhookEvent('salesforce', 'k1', 102),
        await s.forgetWebhookEventsBefore(101),
        await s.rememberWebhookEvent('hubspot', 'k1', 103),
      ]);
      await same(async (s) => {
        await s.saveInstallLink('h1', 'hubspot', clock + 1_000);
        await s.saveInstallLink('h2', 'salesforce', clock - 1);
        return [await s.useInstallLink('h1', clock), await s.useInstallLink('h1', clock), await s.useInstallLink('h2', clock), await s.useInstallLink('h3', clock)];
      });
      await sameFailure((s) => s.saveInstallLink('h1', 'hubspot', clock + 5));
    });

    it('accepts events with their keys once, hands them out when due, retries, dead-letters and prunes', async () => {
      const changes = (n: number) => `{"records":[{"kind":"contact","id":"${n}"}],  "oldestEventAt":${n}}`;
      const accepted = await same(async (s) => [
        await s.acceptWebhookEvents('hubspot', [
          { installation: 'hs-1', eventKey: 'e1', changes: changes(1) },
          { installation: 'hs-1', eventKey: 'e1', changes: changes(2) },
          { installation: 'hs-2', eventKey: 'e2', changes: changes(3) },
          { installation: 'hs-1', eventKey: 'e3', changes: changes(4) },
        ], 1_000),
        await s.acceptWebhookEvents('hubspot', [{ installation: 'hs-1', eventKey: 'e3', changes: changes(5) }], 1_001),
        await s.rememberWebhookEvents('hubspot', ['e1', 'e9', 'e9'], 1_002),
      ]);
      expect(accepted[0]).toEqual({ accepted: 3, duplicate: 1 });
      const due = await same((s) => s.dueEvents('hs-1', 1_000, 10));
      // The JSON text comes back exactly as given.
      expect(due[0]?.changes).toBe(changes(1));
      await same((s) => s.countPendingEvents('hs-1'));
      await same((s) => s.pendingInstallations());
      await same(async (s) => {
        const [a, b] = (await s.dueEvents('hs-1', 1_000, 10)).map((e) => e.id);
        const [c] = (await s.dueEvents('hs-2', 1_000, 10)).map((e) => e.id);
        await s.markEventsFailedAttempt([a!, a!], 'boom', 5_000, 2_000);
        await s.markEventsFailedAttempt([c!], 'dead', null, 2_000);
        await s.markEventsDone([b!], 2_001);
        return [await s.dueEvents('hs-1', 4_999, 10), await s.pendingInstallations(), await s.getEvent(a!), await s.getEvent(999)];
      });
      await same((s) => s.listEvents({ limit: 10 }));
      await same((s) => s.listEvents({ state: 'failed', limit: 10 }));
      await same((s) => s.listEvents({ installation: 'hs-1', state: 'pending', limit: 1 }));
      await same(async (s) => {
        const failed = (await s.listEvents({ state: 'failed', limit: 1 }))[0]!;
        return [await s.retryEvent(failed.id, 3_000), await s.retryEvent(failed.id, 3_000), await s.getEvent(failed.id)];
      });
      await same(async (s) => [await s.forgetDoneEventsBefore(2_001), await s.forgetDoneEventsBefore(2_002), await s.listEvents({ limit: 10 })]);
      await sameFailure((s) => s.acceptWebhookEvents('hubspot', [{ installation: '', eventKey: 'x', changes: '{}' }], 1));
    });
  });

  describe('linked installations', () => {
    const HS = 'hubspot:default';
    const SF = 'salesforce:default';
    const match = (hubspot: string, salesforce: string, reason: IdentityMatch['reason'], objectType = 'Contact'): IdentityMatch => ({
      hubspot: { kind: 'contact', objectType: 'contacts', id: hubspot },
      salesforce: { kind: 'contact', objectType, id: salesforce },
      reason,
      email: reason === 'email' ? `${hubspot}@example.com` : null,
    });
    const conflict: IdentityConflict = {
      side: 'salesforce',
      email: 'dup@example.com',
      records: [{ kind: 'contact', objectType: 'Contact', id: '003D' }, { kind: 'contact', objectType: 'Lead', id: '00QD' }],
    };

    it('keeps links and their identity, and streams the linked customers', async () => {
      await same(async (s) => {
        await s.applyPullBatch(HS, { kind: 'contact', records: [contact('1'), contact('2'), contact('3')], removed: [] });
        await s.applyPullBatch(HS, { kind: 'deal', records: [deal('d1', ['1'])], removed: [] });
        await s.applyPullBatch(SF, { kind: 'contact', records: ['003A', '003B', '003D', '00QD'].map((id) => contact(id, { objectType: id.startsWith('00Q') ? 'Lead' : 'Contact' })), removed: [] });
        return s.saveLink({ id: 'default', hubspot: HS, salesforce: SF, source: 'env', label: 'Environment' });
      });
      await same((s) => s.replaceLinkIdentity('default', { matches: [match('2', '003B', 'email'), match('1', '003A', 'integration-id'), match('3', '003Z', 'email')], conflicts: [conflict] }, 50));
      await same((s) => s.linkMatches('default'));
      await same((s) => s.linkConflicts('default'));
      await same((s) => s.linkMatchOf('default', 'salesforce', '003B'));
      await same((s) => s.linkMatchOf('default', 'hubspot', '9'));
      await sameStream((s) => s.iterateLinkedCustomers('default', { pageSize: 2 }));
      await sameStream((s) => s.iterateLinkedCustomers('default', { touchpoints: false }));
      await same((s) => s.listLinks());
      await same((s) => s.linkOf(SF));
      expect((await sameFailure((s) => s.saveLink({ id: 'other', hubspot: HS, salesforce: 'salesforce:x', source: 'admin', label: 'x' }))).code).toBe('INPUT_INVALID');
      expect((await sameFailure((s) => s.replaceLinkIdentity('default', { matches: [match('1', '001X', 'email', 'Account')], conflicts: [] }, 60))).code).toBe('INPUT_INVALID');
      expect((await sameFailure((s) => s.replaceLinkIdentity('nope', { matches: [], conflicts: [] }, 60))).code).toBe('NOT_FOUND');
      expect((await sameFailure((s) => all(s.iterateLinkedCustomers('nope')))).code).toBe('NOT_FOUND');
      // A failed replacement kept the identity; re-pointing the link forgets it.
      await same((s) => s.linkMatches('default'));
      await same(async (s) => {
        clock = T0 + 5;
        const saved = await s.saveLink({ id: 'default', hubspot: HS, salesforce: 'salesforce:other', source: 'admin', label: 'Re-pointed' });
        return [saved, await s.linkMatches('default'), await s.linkConflicts('default')];
      });
      await same(async (s) => {
        await s.saveInstallation({ id: 'sf-oauth', crm: 'salesforce', externalId: '00D1', source: 'oauth', label: 'org', secrets: null });
        return failure(s.saveLink({ id: 'c', hubspot: 'sf-oauth', salesforce: 'salesforce:y', source: 'admin', label: 'C' }));
      });
      await same(async (s) => [await s.removeLink('default'), await s.removeLink('default'), await s.listLinks()]);
    });
  });
});

describe.skipIf(!POSTGRES_URL)(`PostgreSQL store on its own${SKIPPED}`, () => {
  const postgres = postgresBackend(POSTGRES_URL ?? 'postgres://unset');

  async function admin<T>(location: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: location });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  }

  it('migrates once when several processes open a new database at the same time, and refuses a newer schema', async () => {
    const location = await postgres.location();
    const stores = await Promise.all([1, 2, 3, 4].map(() => openPostgresStore(location, { poolSize: 2 })));
    await Promise.all(stores.map((s) => s.close()));
    const versions = await admin(location, async (c) => (await c.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => Number(r['version'])));
    expect(versions).toEqual(PG_MIGRATIONS.map((m) => m.version));
    expect(versions.length).toBeGreaterThan(1);
    // Reopening applies nothing and keeps the data.
    const again = await openPostgresStore(location);
    await again.setSetting(INST, 'k', 'v');
    await again.close();
    const reopened = await openPostgresStore(location);
    expect(await reopened.getSetting(INST, 'k')).toBe('v');
    await reopened.close();
    await admin(location, (c) => c.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', 0)"));
    const err = await failure(openPostgresStore(location));
    expect(err).toEqual({ code: 'STORE_ERROR', operation: 'migrate' });
  });

  it('de-duplicates across processes: the same webhook keys and install link taken by two stores at once land once', async () => {
    const location = await postgres.location();
    const [one, two] = await Promise.all([openPostgresStore(location), openPostgresStore(location)]);
    const events = Array.from({ length: 50 }, (_, i) => ({ installation: 'hs-1', eventKey: `e${i}`, changes: '{}' }));
    // Opposite orders at once: rows taken in key order queue behind each other instead of deadlocking.
    let accepted = 0;
    for (let round = 0; round < 10; round++) {
      const batch = events.map((e) => ({ ...e, eventKey: `${round}:${e.eventKey}` }));
      const results = await Promise.all([
        one!.acceptWebhookEvents('hubspot', batch, 1), two!.acceptWebhookEvents('hubspot', [...batch].reverse(), 1),
        one!.acceptWebhookEvents('hubspot', batch.slice(10, 30), 2), two!.acceptWebhookEvents('hubspot', batch.slice(20, 40).reverse(), 2),
      ]);
      expect(results.reduce((n, r) => n + r.accepted + r.duplicate, 0)).toBe(140);
      accepted += results.reduce((n, r) => n + r.accepted, 0);
    }
    expect(accepted).toBe(500);
    expect(await one!.countPendingEvents('hs-1')).toBe(500);
    await one!.saveInstallLink('hash', 'salesforce', 10_000);
    const taken = await Promise.all([one!.useInstallLink('hash', 5), two!.useInstallLink('hash', 5), one!.useInstallLink('hash', 5), two!.useInstallLink('hash', 5)]);
    expect(taken.filter((crm) => crm === 'salesforce')).toHaveLength(1);
    await Promise.all([one!.close(), two!.close()]);
  });

  it('stores a pull batch of 2,000 records in a handful of statements, one transaction', async () => {
    const store = await postgres.open();
    const spy = vi.spyOn(pg.Client.prototype, 'query');
    try {
      const deals = Array.from({ length: 2_000 }, (_, i) => deal(`d${i}`, [`c${i % 300}`, `c${(i + 1) % 300}`]));
      await store.applyPullBatch(INST, {
        kind: 'deal',
        records: deals,
        removed: Array.from({ length: 50 }, (_, i) => ref('deal', `gone${i}`)),
        links: Array.from({ length: 100 }, (_, i) => ({ contactId: `c${i}`, deals: [`d${i}`] })),
        cursor: { after: 'd1999' },
        fullPass: { id: 'p', complete: true },
      });
      const statements = spy.mock.calls.map((c) => String(typeof c[0] === 'string' ? c[0] : (c[0] as { text?: string }).text).trim().split(/\s+/)[0]);
      expect(statements[0]).toBe('BEGIN');
      expect(statements.at(-1)).toBe('COMMIT');
      expect(statements.length).toBeLessThanOrEqual(16);
    } finally {
      spy.mockRestore();
    }
    expect(await store.countRecords(INST)).toEqual({ contacts: 0, deals: 2_000, tickets: 0 });
    await store.close();
  });

  it('holds no connection between the pages of a stream: a one-connection pool can write while iterating', async () => {
    const store = await openPostgresStore(await postgres.location(), { poolSize: 1 });
    await store.applyPullBatch(INST, { kind: 'contact', records: ['1', '2', '3'].map((id) => contact(id)), removed: [] });
    const seen: string[] = [];
    for await (const c of store.iterateCustomers(INST, { pageSize: 1 })) {
      seen.push(c.contact.id);
      await store.setSetting(INST, `seen:${c.contact.id}`, 'yes');
      if (c.contact.id === '1') await store.applyPullBatch(INST, { kind: 'contact', records: [contact('4')], removed: [] });
    }
    expect(seen).toEqual(['1', '2', '3', '4']);
    expect(await store.getSetting(INST, 'seen:4')).toBe('yes');
    await store.close();
  });

  it('stores a NUL inside a CRM text (jsonb refuses it) as U+FFFD instead of failing the batch', async () => {
    const store = await postgres.open();
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1', { name: 'A\u0000B', raw: { 'k\u0000': 'x\\u0000y' } })], removed: [] });
    const back = await store.getRecord(INST, 'contact', '1');
    expect(back && 'name' in back ? back.name : null).toBe('A\uFFFDB');
    // A backslash followed by "u0000" is text, kept as it is.
    expect(back?.raw).toEqual({ 'k\uFFFD': 'x\\u0000y' });
    await store.applyTouchpointBatch(INST, { records: [touchpoint('t1', ['1'], { raw: { body: 'hi\u0000' } })], removed: [] });
    expect((await store.touchpointsOf(INST, '1'))[0]?.raw).toEqual({ body: 'hi\uFFFD' });
    await store.close();
  });

  it('a damaged stored touchpoint stops the stream with a store error naming it', async () => {
    const location = await postgres.location();
    const store = await openPostgresStore(location);
    await store.applyPullBatch(INST, { kind: 'contact', records: [contact('1')], removed: [] });
    await store.applyTouchpointBatch(INST, { records: [touchpoint('ok', ['1'], { at: T0 }), touchpoint('bad', ['1'], { at: T0 + 1 })], removed: [] });
    await admin(location, (c) => c.query(`UPDATE touchpoints SET json = '{"not": "a touchpoint"}' WHERE id = 'bad'`));
    let caught: unknown;
    try {
      await all(store.iterateCustomers(INST));
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'STORE_ERROR', message: expect.stringContaining('calls/bad') });
    await store.close();
  });

  it('reports database failures as STORE_ERROR with the operation, never the password; close is idempotent', async () => {
    const unreachable = 'postgres://parcours:s3cret-pw@127.0.0.1:1/nowhere';
    let caught: unknown;
    try {
      await openPostgresStore(unreachable);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ParcoursError);
    const err = caught as ParcoursError;
    expect(err.code).toBe('STORE_ERROR');
    expect(err.context.operation).toBe('migrate');
    expect(err.context['database']).toBe('postgres://parcours@127.0.0.1:1/nowhere');
    expect(`${err.message} ${JSON.stringify(err.context)}`).not.toContain('s3cret-pw');

    const store = await postgres.open();
    await store.close();
    await store.close();
    expect(await failure(store.getSetting(INST, 'k'))).toEqual({ code: 'STORE_ERROR', operation: 'getSetting' });
  });
});
