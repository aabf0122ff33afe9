import { describe, expect, it } from 'vitest';
import { chooseDurationSource, createCurrentStages } from '../../src/report/analytics/current-stages.ts';
import { createFriction } from '../../src/report/analytics/friction.ts';
import { createKpis, lateStagesOf, meets } from '../../src/report/analytics/kpis.ts';
import { createSegmentMoves } from '../../src/report/analytics/segments.ts';
import { stageFlow } from '../../src/report/analytics/stage-flow.ts';
import { median, percentile, summarize } from '../../src/report/analytics/summary.ts';
import { createTouchpoints } from '../../src/report/analytics/touchpoints.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import type { KpiDef } from '../../src/mapping/ast.ts';
import { DAY_MS, HOUR_MS } from '../../src/model.ts';
import type { StageHistoryRow } from '../../src/store/types.ts';
import { customer, daysAgo, deal, NOW, ticket } from '../journey/builders.ts';

const STAGES = ['a', 'b', 'c'];
const PERIOD = { from: daysAgo(90), to: NOW };
const row = (contactId: string, stage: string, enteredDaysAgo: number, leftDaysAgo: number | null): StageHistoryRow => ({
  contactId, journeyId: 'default', stage, enteredAt: daysAgo(enteredDaysAgo), leftAt: leftDaysAgo === null ? null : daysAgo(leftDaysAgo), backfilled: false,
});

describe('summary statistics', () => {
  it('nearest-rank percentiles are observed values', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 90)).toBe(9); // rank ceil(0.9·10) = 9
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile([15, 20, 35, 40, 50], 90)).toBe(50); // rank ceil(4.5) = 5
    expect(percentile([15, 20, 35, 40, 50], 30)).toBe(20); // rank ceil(1.5) = 2
    expect(percentile([], 90)).toBeNull();
  });

  it('median averages the two middle values for an even count', () => {
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(median([1, 5, 9])).toBe(5);
  });

  it('summarizes avg/median/min/max/p90/n, whatever the input order', () => {
    expect(summarize([10, 2, 4, 8, 6])).toEqual({ avg: 6, median: 6, min: 2, max: 10, p90: 10, n: 5 });
    expect(summarize([7])).toEqual({ avg: 7, median: 7, min: 7, max: 7, p90: 7, n: 1 });
    expect(summarize([])).toEqual({ avg: null, median: null, min: null, max: null, p90: null, n: 0 });
    expect(summarize([1, 2, 2]).avg).toBe(1.67);
  });
});

describe('stage flow: which figures rest on backfilled history', () => {
  const back = (r: StageHistoryRow): StageHistoryRow => ({ ...r, backfilled: true });
  // c1: a (80→70, backfilled) → b (70→40, backfilled) → c (observed)   c2: a (60→50) → b (open), observed
  const r = stageFlow(
    [back(row('c1', 'a', 80, 70)), row('c2', 'a', 60, 50), back(row('c1', 'b', 70, 40)), row('c2', 'b', 50, null), row('c1', 'c', 40, null)],
    STAGES,
    PERIOD,
  );

  it('counts backfilled entries, moves on and stays apart, inside the totals', () => {
    expect(r.enteredInPeriod).toEqual([2, 2, 1]);
    expect(r.backfilled.entered).toEqual([1, 1, 0]);
    expect(r.movedOn).toEqual([2, 1, 0]);
    // c1's move on from a and from b rest on backfilled stays; c2's from a was observed.
    expect(r.backfilled.movedOn).toEqual([1, 1, 0]);
    expect(r.durations.map((d) => d.size)).toEqual([2, 1, 0]);
    expect(r.backfilled.durations).toEqual([1, 1, 0]);
  });
});

describe('stage flow: conversion and durations from the ledger', () => {
  // c1: a (80→70) → b (70→40) → c (open)      c2: a (60→50) → b (open)
  // c3: a (30, open)                           c4: b (20→10) → a (back, open)
  // c5: a (200→100) → b (100→95): entered before the period, so only b's stay (95..100 days ago) is outside too.
  const rows = [
    row('c1', 'a', 80, 70), row('c2', 'a', 60, 50), row('c3', 'a', 30, null), row('c4', 'b', 20, 10), row('c5', 'a', 200, 100),
    row('c1', 'b', 70, 40), row('c2', 'b', 50, null), row('c4', 'a', 10, null), row('c5', 'b', 100, 95),
    row('c1', 'c', 40, null),
  ];
  const r = stageFlow(rows, STAGES, PERIOD);

  it('counts stays entered within the period per stage', () => {
    expect(r.enteredInPeriod).toEqual([4, 3, 1]); // a: c1 c2 c3 c4(back); b: c1 c2 c4; c: c1
  });

  it('conversion = stays left for a later stage ÷ stays entered; moving back is not moving on', () => {
    expect(r.movedOn).toEqual([2, 1, 0]); // a: c1, c2 (c3 open, c4 open); b: c1 → c (c4 went back to a)
    expect(r.conversion[0]).toBeCloseTo(2 / 4);
    expect(r.conversion[1]).toBeCloseTo(1 / 3);
    expect(r.conversion[2]).toBeNull(); // last stage
  });

  it('durations are the closed stays that ended in the period, in days', () => {
    const a = summarize(r.durations[0] as never);
    expect(a).toEqual({ avg: 10, median: 10, min: 10, max: 10, p90: 10, n: 2 }); // c1 10 d, c2 10 d; c5 ended 100 days ago
    const b = summarize(r.durations[1] as never);
    expect(b).toEqual({ avg: 20, median: 20, min: 10, max: 30, p90: 30, n: 2 }); // c1 30 d, c4 10 d
    expect(r.durations[2]?.size).toBe(0);
  });

  it('an empty stage has zero counts, null conversion and an empty summary', () => {
    const e = stageFlow([row('x', 'a', 5, null)], STAGES, PERIOD);
    expect(e.enteredInPeriod).toEqual([1, 0, 0]);
    expect(e.conversion).toEqual([0, null, null]);
    expect(summarize(e.durations[1] as never).n).toBe(0);
  });

  it('a stage with one customer gives that customer’s figures everywhere', () => {
    const one = stageFlow([row('x', 'a', 12, 9), row('x', 'b', 9, null)], STAGES, PERIOD);
    expect(one.conversion[0]).toBe(1);
    expect(summarize(one.durations[0] as never)).toEqual({ avg: 3, median: 3, min: 3, max: 3, p90: 3, n: 1 });
  });

  it('a stay into a stage the mapping no longer has resolves the pending stay as not moved on', () => {
    const gone = stageFlow([row('x', 'a', 12, 9), row('x', 'retired', 9, null)], STAGES, PERIOD);
    expect(gone.movedOn).toEqual([0, 0, 0]);
    expect(gone.enteredInPeriod).toEqual([1, 0, 0]);
  });
});

describe('current stages and the duration source', () => {
  it('counts customers now and their CRM-dated time in stage', () => {
    const cur = createCurrentStages(STAGES, NOW);
    cur.add({ stage: { id: 'b', label: 'B', reason: '', since: daysAgo(4) } });
    cur.add({ stage: { id: 'b', label: 'B', reason: '', since: null } });
    cur.add({ stage: { id: 'a', label: 'A', reason: '', since: daysAgo(1) } });
    const r = cur.result();
    expect(r.customers).toEqual([1, 2, 0]);
    expect(summarize(r.timeInStageDays[1] as never)).toMatchObject({ n: 1, avg: 4 });
  });

  it('prefers the ledger once it has enough closed stays, otherwise the better-covered source', () => {
    expect(chooseDurationSource(5, 100, 5)).toBe('history');
    expect(chooseDurationSource(2, 100, 5)).toBe('crm_dates');
    expect(chooseDurationSource(2, 1, 5)).toBe('history');
    expect(chooseDurationSource(0, 0, 5)).toBe('history');
  });
});

const hubspot = loadMapping('mappings/hubspot.yaml');
const kpi = (metric: KpiDef['metric'], op: KpiDef['target']['op'], value: number, extra: Partial<KpiDef> = {}): KpiDef => ({
  id: metric, label: metric, metric, flag: null, target: { op, value }, unit: metric === 'nps' ? 'score' : 'percent', ...extra,
});
const noFlags = { friction: [] };

describe('KPIs', () => {
  const abandonedFlag = hubspot.friction.find((f) => f.id === 'abandoned_checkout') ?? null;

  it('reads the late stages from the abandoned_checkout flag rule', () => {
    expect(lateStagesOf(abandonedFlag)).toEqual(['presentationscheduled', 'decisionmakerboughtin', 'contractsent']);
    expect(lateStagesOf(null)).toEqual([]);
  });

  it('satisfaction per stage: CSAT ≥ 4 among those with a CSAT, overall and by stage', () => {
    const k = createKpis({ kpis: [kpi('csat_by_stage', 'gte', 85)], stageIds: STAGES, abandonedFlag, period: PERIOD });
    k.add('a', customer({ csat: 5 }), noFlags);
    k.add('a', customer({ csat: 3 }), noFlags);
    k.add('a', customer({ csat: null }), noFlags);
    k.add('b', customer({ csat: 4 }), noFlags);
    const [r] = k.result();
    // 3 answers is below the stated minimum (5): the figure is shown, no target judged.
    expect(r).toMatchObject({ value: 66.7, n: 3, met: null, enough: false, target: 85, op: 'gte', sources: { answers: 0, contact_rollup: 3 } });
    expect(r?.byStage).toEqual({
      a: { value: 50, n: 2, source: 'contact_rollup', enough: false },
      b: { value: 100, n: 1, source: 'contact_rollup', enough: false },
      c: { value: null, n: 0, source: 'none', enough: false },
    });
    k.add('b', customer({ csat: 1 }), noFlags);
    k.add('b', customer({ csat: 5 }), noFlags);
    expect(k.result()[0]).toMatchObject({ value: 60, n: 5, met: false, enough: true });
  });

  it('satisfaction per stage on a 0–2 CSAT: the mapping\'s satisfied band (HubSpot: 2) counts, not 4-of-5', () => {
    const k = createKpis({ kpis: [kpi('csat_by_stage', 'gte', 85, { satisfied: { op: 'gte', value: 2 } })], stageIds: STAGES, abandonedFlag, period: PERIOD });
    for (const csat of [2, 1, 0, 2]) k.add('a', customer({ csat }), noFlags);
    const [r] = k.result();
    expect(r).toMatchObject({ value: 50, n: 4 });
    expect(r?.definition).toContain('at least 2');
  });

  it('NPS: % promoters − % detractors; passives count in the base only', () => {
    const k = createKpis({ kpis: [kpi('nps', 'gte', 30)], stageIds: STAGES, abandonedFlag, period: PERIOD });
    for (const score of [10, 9, 9, 8, 7, 6, 0, 10]) k.add('a', customer({ npsScore: score }), noFlags); // 4 promoters, 2 detractors of 8
    k.add('a', customer({ npsScore: null }), noFlags);
    expect(k.result()[0]).toMatchObject({ value: 25, n: 8, met: false });
  });

  it('a KPI with nothing to measure is null, neither met nor missed', () => {
    const k = createKpis({ kpis: [kpi('nps', 'gte', 30), kpi('first_contact_resolution', 'gte', 90)], stageIds: STAGES, abandonedFlag, period: PERIOD });
    k.add('a', customer(), noFlags);
    expect(k.result().map((r) => [r.value, r.met, r.n])).toEqual([[null, null, 0], [null, null, 0]]);
  });

  it('first-contact resolution: closed in period within 24 h of the first response; no response = left out', () => {
    const k = createKpis({ kpis: [kpi('first_contact_resolution', 'gte', 90)], stageIds: STAGES, abandonedFlag, period: PERIOD });
    const created = daysAgo(10);
    const shared = ticket({ createdAt: created, firstResponseAt: created + HOUR_MS, closedAt: created + 2 * HOUR_MS, contactIds: ['x', 'y'] });
    k.add('a', customer({}, [], [
      ticket({ createdAt: created, firstResponseAt: created + HOUR_MS, closedAt: created + 25 * HOUR_MS }), // exactly 24 h after: resolved
      ticket({ createdAt: created, firstResponseAt: created + HOUR_MS, closedAt: created + 3 * DAY_MS }), // too slow
      ticket({ createdAt: created, firstResponseAt: null, closedAt: created + HOUR_MS }), // unknown: out
      ticket({ isOpen: true, closedAt: null }), // open: out
      ticket({ createdAt: daysAgo(200), firstResponseAt: daysAgo(200), closedAt: daysAgo(199) }), // before the period
      shared,
    ]), noFlags);
    k.add('a', customer({}, [], [shared]), noFlags); // the same ticket through its second contact: once
    expect(k.result()[0]).toMatchObject({ value: 66.7, n: 3, met: false });
  });

  it('checkout abandonment: flagged deals ÷ deals closed in the period after a late stage', () => {
    const k = createKpis({ kpis: [kpi('checkout_abandonment', 'lt', 10)], stageIds: STAGES, abandonedFlag, period: PERIOD });
    const lost = deal({ isClosed: true, isWon: false, closedAt: daysAgo(5), stagesReached: ['appointmentscheduled', 'contractsent'] });
    const wonLate = deal({ isClosed: true, isWon: true, closedAt: daysAgo(5), stagesReached: ['presentationscheduled'] });
    const lostEarly = deal({ isClosed: true, isWon: false, closedAt: daysAgo(5), stagesReached: ['appointmentscheduled'] });
    const openLate = deal({ isClosed: false, stagesReached: ['contractsent'] });
    const flags = { friction: [{ id: 'abandoned_checkout', severity: 'high' as const, on: { kind: 'deal' as const, objectType: 'deals', id: lost.id }, reason: 'lost' }] };
    k.add('a', customer({}, [lost, wonLate, lostEarly, openLate]), flags);
    expect(k.result()[0]).toMatchObject({ value: 50, n: 2, met: false });
  });

  it('flag rate: share of customers carrying the flag', () => {
    const k = createKpis({ kpis: [kpi('flag_rate', 'lte', 40, { flag: 'detractor' })], stageIds: STAGES, abandonedFlag, period: PERIOD });
    const det = { friction: [{ id: 'detractor', severity: 'high' as const, on: { kind: 'contact' as const, objectType: 'contacts', id: 'x' }, reason: 'NPS 2' }] };
    k.add('a', customer(), det);
    k.add('a', customer(), noFlags);
    k.add('a', customer(), noFlags);
    expect(k.result()[0]).toMatchObject({ value: 33.3, n: 3, met: true });
  });

  it('compares against every target operator', () => {
    expect([meets(10, { op: 'lt', value: 10 }), meets(10, { op: 'lte', value: 10 }), meets(10, { op: 'gt', value: 10 }), meets(10, { op: 'gte', value: 10 }), meets(10, { op: 'eq', value: 10 })])
      .toEqual([false, true, false, true, true]);
  });
});

describe('touchpoints, friction and segment movement', () => {
  it('counts distinct customers per stage, source and support channel (tickets in the period)', () => {
    const t = createTouchpoints(PERIOD);
    t.add('a', customer({ source: 'ORGANIC_SEARCH' }, [], [ticket({ channel: 'EMAIL', createdAt: daysAgo(3) }), ticket({ channel: 'EMAIL', createdAt: daysAgo(2) }), ticket({ channel: 'CHAT', createdAt: daysAgo(200) })]));
    t.add('a', customer({ source: null }, [], [ticket({ channel: 'EMAIL', createdAt: daysAgo(3) })]));
    t.add('b', customer({ source: 'ORGANIC_SEARCH' }));
    expect(t.result(STAGES)).toEqual([
      { stage: 'a', kind: 'source', channel: '(none)', customers: 1 },
      { stage: 'a', kind: 'source', channel: 'ORGANIC_SEARCH', customers: 1 },
      { stage: 'a', kind: 'support', channel: 'EMAIL', customers: 2 },
      { stage: 'b', kind: 'source', channel: 'ORGANIC_SEARCH', customers: 1 },
    ]);
  });

  it('friction: ticket flags take the ticket channel, others the source; contact copies do not double count', () => {
    const f = createFriction([{ id: 'slow', label: 'Slow', severity: 'medium' }, { id: 'det', label: 'Det', severity: 'high' }], 2);
    const t1 = ticket({ channel: 'CHAT' });
    const t2 = ticket({ channel: 'EMAIL' });
    const c = customer({ source: 'PAID_SEARCH' }, [], [t1, t2]);
    const on = (kind: 'contact' | 'ticket', id: string) => ({ kind, objectType: kind === 'contact' ? 'contacts' : 'tickets', id });
    f.add('b', c, { friction: [
      { id: 'slow', severity: 'medium', on: on('ticket', t1.id), reason: 'slow 1' },
      { id: 'slow', severity: 'medium', on: on('ticket', t2.id), reason: 'slow 2' },
      { id: 'slow', severity: 'medium', on: on('contact', c.contact.id), reason: 'slow 1' },
      { id: 'det', severity: 'high', on: on('contact', c.contact.id), reason: 'NPS 1' },
    ] });
    const c2 = customer({ source: null });
    f.add('a', c2, { friction: [{ id: 'det', severity: 'high', on: on('contact', c2.contact.id), reason: 'NPS 0' }] });
    const r = f.result();
    expect(r.flags.map((x) => x.id)).toEqual(['det', 'slow']); // 2 customers before 1
    const slow = r.flags[1];
    expect(slow).toMatchObject({ customers: 1, byStage: { b: 1 }, byChannel: { CHAT: 1, EMAIL: 1 }, sampleReasons: ['slow 1', 'slow 2'] });
    expect(r.flags[0]).toMatchObject({ customers: 2, byStage: { a: 1, b: 1 }, byChannel: { PAID_SEARCH: 1, '(none)': 1 } });
    expect(r.flags[0]?.cells).toEqual([{ stage: 'b', channel: 'PAID_SEARCH', customers: 1 }, { stage: 'a', channel: '(none)', customers: 1 }]);
    // Most affected, top 2: the first contact (slow + det = 2 + 3) then the higher of the rest (det on c2 = 3).
    expect(r.mostAffected.map((m) => [m.kind, m.id, m.score])).toEqual([['contact', c.contact.id, 5], ['contact', c2.contact.id, 3]]);
  });

  it('segment movement counts members now and events in the period only', () => {
    const s = createSegmentMoves([{ id: 'vip', label: 'VIP' }, { id: 'new', label: 'New' }], PERIOD);
    s.addMember('vip');
    s.addMember('ghost');
    s.addEvent({ segmentId: 'vip', contactId: 'x', type: 'entered', at: daysAgo(3) });
    s.addEvent({ segmentId: 'vip', contactId: 'y', type: 'exited', at: daysAgo(4) });
    s.addEvent({ segmentId: 'vip', contactId: 'z', type: 'entered', at: daysAgo(120) });
    expect(s.result()).toEqual([{ id: 'vip', label: 'VIP', customers: 1, entered: 1, exited: 1 }, { id: 'new', label: 'New', customers: 0, entered: 0, exited: 0 }]);
  });
});
