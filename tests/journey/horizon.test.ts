/**
 * The engine's horizon (`JourneyState.validUntil`, src/journey/predicates.ts `Clock`): the instant before which
 * evaluating the same records again gives the same state. A run keeps outcomes until then instead of evaluating
 * every customer each time (src/sync/kept-outcomes.ts), so a horizon set too late leaves a CRM value stale.
 * Oracle: evaluate again at instants before the horizon and compare; the default HubSpot mapping (every time
 * test it has: within/older than on typed fields, touchpoint spans, anchored windows, last_touchpoint) on
 * seeded customers with touchpoints.
 */
import { describe, expect, it } from 'vitest';
import { benchCustomers } from '../../bench/customers.ts';
import { compileEngine, type Engine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { parseMapping } from '../../src/mapping/parse.ts';
import { DAY_MS, HOUR_MS, type Customer, type JourneyState, type TouchpointRecord } from '../../src/model.ts';
import { mulberry32 } from '../../sandbox/demo-data.ts';
import { customer, daysAgo, deal, hoursAgo, NOW, touchpoint, withTouchpoints } from './builders.ts';

const CHANNELS = ['email', 'phone', 'chat', 'meeting', 'internal'] as const;

/** Seeded customers, each with up to 30 touchpoints over the last 40 days (some survey answers, some no-shows). */
function population(n: number, seed: number): Customer[] {
  const rnd = mulberry32(seed);
  const out: Customer[] = [];
  for (const c of benchCustomers(n, seed, NOW)) {
    const tps: TouchpointRecord[] = [];
    const k = Math.floor(rnd() * 30);
    for (let i = 0; i < k; i++) {
      const at = NOW - Math.floor(rnd() * 40 * 24 * 60) * 60_000;
      const channel = CHANNELS[Math.floor(rnd() * CHANNELS.length)] as (typeof CHANNELS)[number];
      const survey = rnd() < 0.1 ? { type: 'csat' as const, score: Math.floor(rnd() * 3), scale: { min: 0, max: 2 }, sentiment: null } : null;
      tps.push(touchpoint({
        id: `${c.contact.id}-tp${i}`, at, channel: survey ? 'survey' : channel, direction: rnd() < 0.5 ? 'inbound' : 'outbound',
        outcome: channel === 'meeting' && rnd() < 0.3 ? 'no_show' : 'connected', contactIds: [c.contact.id], survey,
      }));
    }
    out.push(withTouchpoints(c, tps));
  }
  return out;
}

/** What a run keeps of a state and its tasks, without the horizon and the due times (those follow the clock). */
function shown(engine: Engine, c: Customer, now: number): { state: Omit<JourneyState, 'validUntil'>; tasks: unknown[]; horizon: number } {
  const { validUntil, ...state } = engine.evaluate(c, now);
  const clock = { horizon: validUntil ?? -Infinity };
  const tasks = engine.actions(c, { ...state, validUntil }, now, clock).map(({ dueAt: _due, ...t }) => t);
  return { state, tasks, horizon: clock.horizon };
}

describe('the evaluation horizon', () => {
  const engine = compileEngine(loadMapping('mappings/hubspot.yaml'));

  it('holds: the default HubSpot mapping gives the same state and tasks at any instant before it', () => {
    const customers = population(400, 7);
    let finite = 0;
    let turnedAtHorizon = 0;
    for (const c of customers) {
      const first = shown(engine, c, NOW);
      expect(first.horizon, `customer ${c.contact.id}`).toBeGreaterThan(NOW);
      const h = first.horizon;
      const span = Number.isFinite(h) ? h - NOW : 400 * DAY_MS;
      for (const at of [NOW + Math.min(1, span - 1), NOW + Math.floor(span / 3), NOW + Math.floor(span / 2), NOW + span - 1]) {
        const again = shown(engine, c, at);
        expect(again.state, `customer ${c.contact.id} at ${at} (horizon ${h})`).toEqual(first.state);
        expect(again.tasks, `customer ${c.contact.id} tasks`).toEqual(first.tasks);
      }
      if (Number.isFinite(h)) {
        finite++;
        const at = shown(engine, c, h);
        if (JSON.stringify(at.state) !== JSON.stringify(first.state) || JSON.stringify(at.tasks) !== JSON.stringify(first.tasks)) turnedAtHorizon++;
      }
    }
    // Not vacuous: most customers have a time test that turns, and for many the state does change right at the horizon.
    expect(finite).toBeGreaterThan(customers.length / 2);
    expect(turnedAtHorizon).toBeGreaterThan(customers.length / 20);
  });

  it('is the turn of each kind of time test', () => {
    // A deal in a stage for 29 days: "stalled" (older than 30 days) turns just after day 30.
    const entered = daysAgo(29);
    const stalling = customer({ id: 'c1' }, [deal({ id: 'd1', stageEnteredAt: entered })]);
    expect(engine.evaluate(stalling, NOW).validUntil).toBeLessThanOrEqual(entered + 30 * DAY_MS + 1);
    expect(engine.evaluate(stalling, NOW).friction.map((f) => f.id)).not.toContain('stalled_deal');
    expect(engine.evaluate(stalling, entered + 30 * DAY_MS + 1).friction.map((f) => f.id)).toContain('stalled_deal');
    // A no-show 29 days ago (within 30 days) leaves the span just after day 30.
    const noShowAt = daysAgo(29);
    const noShow = withTouchpoints(customer({ id: 'c2' }), [touchpoint({ channel: 'meeting', outcome: 'no_show', at: noShowAt, contactIds: ['c2'] })]);
    expect(engine.evaluate(noShow, NOW).friction.map((f) => f.id)).toContain('no_show');
    expect(engine.evaluate(noShow, NOW).validUntil).toBeLessThanOrEqual(noShowAt + 30 * DAY_MS + 1);
    expect(engine.evaluate(noShow, noShowAt + 30 * DAY_MS + 1).friction.map((f) => f.id)).not.toContain('no_show');
    // An inbound call 20 hours ago, unanswered: it becomes "at least 24 h old" just after hour 24.
    const callAt = hoursAgo(20);
    const inbound = withTouchpoints(customer({ id: 'c3' }), [touchpoint({ channel: 'phone', direction: 'inbound', at: callAt, contactIds: ['c3'] })]);
    expect(engine.evaluate(inbound, NOW).friction.map((f) => f.id)).not.toContain('unanswered_inbound');
    expect(engine.evaluate(inbound, NOW).validUntil).toBeLessThanOrEqual(callAt + 24 * HOUR_MS + 1);
    expect(engine.evaluate(inbound, callAt + 24 * HOUR_MS + 1).friction.map((f) => f.id)).toContain('unanswered_inbound');
  });

  it('is the next midnight (UTC) when a reason or a task shows {now}', () => {
    const mapping = parseMapping(`version: 1
journeys:
  - id: default
    label: J
    stages:
      - { id: awareness, label: A, when: { contact.email: { exists: true } }, reason: 'seen on {now}' }
friction:
  - { id: vip, label: VIP, severity: low, on: contact, when: { contact.employees: { gte: 1000 } } }
writeback:
  contact: { stage: parcours_stage }
actions:
  - { id: greet, on_flag: vip, owner: contact.owner, due_in_days: 1, subject: 'Greet (noted {now})', body: 'hello' }
`, 'inline.yaml');
    const e = compileEngine(mapping);
    const midnight = (Math.floor(NOW / DAY_MS) + 1) * DAY_MS;
    const plain = customer({ id: 'c4', employees: 50 });
    expect(e.evaluate(plain, NOW).validUntil).toBe(midnight);
    expect(e.evaluate(plain, midnight - 1).stage.reason).toBe(e.evaluate(plain, NOW).stage.reason);
    expect(e.evaluate(plain, midnight).stage.reason).not.toBe(e.evaluate(plain, NOW).stage.reason);
    const vip = customer({ id: 'c5', employees: 5000, ownerId: '9' });
    const state = e.evaluate(vip, NOW);
    const clock = { horizon: Infinity };
    expect(e.actions(vip, state, NOW, clock).map((t) => t.subject)).toEqual([`Greet (noted ${new Date(NOW).toISOString().slice(0, 10)})`]);
    expect(clock.horizon).toBe(midnight);
  });
});
