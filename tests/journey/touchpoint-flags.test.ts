/**
 * The default mappings' touchpoint flags (issue 13), both CRMs: each one raised by a customer that
 * should raise it and not by one that narrowly should not, with its one-line reason citing the record.
 */
import { describe, expect, it } from 'vitest';
import { compileEngine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { HOUR_MS, type Customer, type TouchpointRecord } from '../../src/model.ts';
import { answer, customer, daysAgo, deal, hoursAgo, NOW, ticket, touchpoint, withTouchpoints } from './builders.ts';

const MINUTE = 60_000;

const CRMS = [
  { crm: 'hubspot', file: 'mappings/hubspot.yaml', decisionStage: 'contractsent', ticketWord: 'ticket', objectType: 'contacts' },
  { crm: 'salesforce', file: 'mappings/salesforce.yaml', decisionStage: 'Negotiation/Review', ticketWord: 'case', objectType: 'Contact' },
] as const;

const email = (direction: 'inbound' | 'outbound', at: number, over: Partial<TouchpointRecord> = {}) =>
  touchpoint({ objectType: 'emails', channel: 'email', rawChannel: 'EMAIL', direction, at, outcome: direction === 'outbound' ? 'sent' : null, ...over });
const meeting = (outcome: TouchpointRecord['outcome'], at: number) =>
  touchpoint({ objectType: 'meetings', channel: 'meeting', rawChannel: 'MEETING', direction: 'outbound', at, outcome, rawOutcome: outcome?.toUpperCase() ?? null });
const note = (at: number) => touchpoint({ objectType: 'notes', channel: 'internal', rawChannel: 'NOTE', direction: null, at, outcome: null });

type Row = { name: string; customer: (c: (typeof CRMS)[number]) => Customer; flagged: boolean; reason?: RegExp };

function flagRows(flag: string, rows: Row[]) {
  describe.each(CRMS)(`${flag} ($crm)`, (c) => {
    const engine = compileEngine(loadMapping(c.file));
    it.each(rows)('$name', (row) => {
      const state = engine.evaluate(row.customer(c), NOW);
      const hit = state.friction.find((f) => f.id === flag && f.on.kind === 'contact');
      expect(Boolean(hit)).toBe(row.flagged);
      if (row.reason) expect(hit?.reason).toMatch(row.reason);
    });
  });
}

const inDecision = (c: (typeof CRMS)[number], tps: TouchpointRecord[]): Customer =>
  withTouchpoints(customer({ objectType: c.objectType, lifecycle: null }, [deal({ objectType: c.crm === 'hubspot' ? 'deals' : 'Opportunity', stage: c.decisionStage, stageEnteredAt: daysAgo(3) })]), tps);

flagRows('no_follow_up', [
  { name: 'in decision, last outbound email 14 days and 1 minute ago', customer: (c) => inDecision(c, [email('outbound', daysAgo(14) - MINUTE), email('inbound', daysAgo(2))]), flagged: true, reason: /^no_follow_up: in decision with no outbound touchpoint in 14 days; last one email on \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/ },
  { name: 'in decision, never contacted (only an internal note)', customer: (c) => inDecision(c, [note(daysAgo(1))]), flagged: true, reason: /^no_follow_up: in decision with no outbound touchpoint in 14 days$/ },
  { name: 'narrow miss: last outbound email 13 days 23 hours ago', customer: (c) => inDecision(c, [email('outbound', daysAgo(14) + HOUR_MS)]), flagged: false },
  { name: 'narrow miss: old outbound email but a call yesterday', customer: (c) => inDecision(c, [email('outbound', daysAgo(20)), touchpoint({ direction: 'outbound', at: daysAgo(1) })]), flagged: false },
  { name: 'not in decision: no outbound touchpoint either', customer: (c) => withTouchpoints(customer({ objectType: c.objectType, lifecycle: c.crm === 'hubspot' ? 'lead' : 'Open - Not Contacted' }), []), flagged: false },
]);

flagRows('unanswered_inbound', [
  { name: 'inbound email 3 days ago, first reply 24 h 1 min later', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }), [email('inbound', daysAgo(3)), email('outbound', daysAgo(3) + 24 * HOUR_MS + MINUTE)]), flagged: true, reason: /^unanswered_inbound: inbound email on \d{4}-\d{2}-\d{2} \d{2}:\d{2} with no outbound reply within 24 h$/ },
  { name: 'inbound call 2 days ago answered only by an internal note and a call nobody picked up', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }), [touchpoint({ at: daysAgo(2) }), note(daysAgo(2) + HOUR_MS), touchpoint({ direction: 'outbound', outcome: 'no_answer', at: daysAgo(2) + 2 * HOUR_MS })]), flagged: true, reason: /inbound phone on/ },
  { name: 'narrow miss: reply 23 h 59 min after the inbound email', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }), [email('inbound', daysAgo(3)), email('outbound', daysAgo(3) + 24 * HOUR_MS - MINUTE)]), flagged: false },
  { name: 'narrow miss: the inbound message is 23 h old (its 24 h are not over)', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }), [touchpoint({ channel: 'chat', objectType: 'communications', at: hoursAgo(23) })]), flagged: false },
  { name: 'narrow miss: the unanswered email is 31 days old', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }), [email('inbound', daysAgo(31))]), flagged: false },
]);

flagRows('no_show', [
  { name: 'meeting no-show 29 days ago', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }), [meeting('no_show', daysAgo(29))]), flagged: true, reason: /^no_show: no-show at the meeting of \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/ },
  { name: 'narrow miss: no-show 31 days ago', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }), [meeting('no_show', daysAgo(31))]), flagged: false },
  { name: 'narrow miss: the meeting yesterday was rescheduled', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }), [meeting('rescheduled', daysAgo(1))]), flagged: false },
]);

const openTicket = (c: (typeof CRMS)[number], createdAt: number) =>
  ticket({ objectType: c.crm === 'hubspot' ? 'tickets' : 'Case', isOpen: true, createdAt, closedAt: null, firstResponseAt: null, subject: 'Login broken' });

flagRows('slow_first_response', [
  { name: 'no first-response time; first outbound touchpoint 25 h after the ticket opened', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }, [], [openTicket(c, daysAgo(3))]), [email('outbound', daysAgo(3) + 25 * HOUR_MS)]), flagged: true, reason: /^slow_first_response: (ticket|case) "Login broken" opened \d{4}-\d{2}-\d{2}; first outbound touchpoint email on \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/ },
  { name: 'no first-response time and no outbound touchpoint, opened 25 h ago', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }, [], [openTicket(c, hoursAgo(25))]), [email('outbound', hoursAgo(30))]), flagged: true },
  { name: 'narrow miss: first outbound touchpoint 23 h after it opened', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }, [], [openTicket(c, daysAgo(3))]), [email('outbound', daysAgo(3) + 23 * HOUR_MS), email('outbound', daysAgo(3) + 30 * HOUR_MS)]), flagged: false },
  { name: 'narrow miss: opened 23 h ago, no reply yet', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }, [], [openTicket(c, hoursAgo(23))]), []), flagged: false },
  { name: 'a first-response time on the ticket wins over touchpoints (answered in 2 h)', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }, [], [{ ...openTicket(c, daysAgo(3)), firstResponseAt: daysAgo(3) + 2 * HOUR_MS }]), []), flagged: false },
]);

flagRows('detractor', [
  { name: 'no NPS rollup; latest NPS answer 6', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }), [answer('nps', 9, { min: 0, max: 10 }, daysAgo(40)), answer('nps', 6, { min: 0, max: 10 }, daysAgo(2))]), flagged: true, reason: /^detractor: latest nps answer 6 on \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/ },
  { name: 'narrow miss: latest NPS answer 7 (an older 2 does not count)', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }), [answer('nps', 2, { min: 0, max: 10 }, daysAgo(40)), answer('nps', 7, { min: 0, max: 10 }, daysAgo(2))]), flagged: false },
  { name: 'no CSAT rollup; latest HubSpot CSAT answer 0 of 0–2', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }), [answer('csat', 0, { min: 0, max: 2 }, daysAgo(2))]), flagged: true, reason: /latest csat answer 0 on/ },
  { name: 'narrow miss: latest HubSpot CSAT answer 1 of 0–2', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }), [answer('csat', 1, { min: 0, max: 2 }, daysAgo(2))]), flagged: false },
  { name: 'no CSAT rollup; latest CSAT 2 of 1–5', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }), [answer('csat', 2, { min: 1, max: 5 }, daysAgo(2))]), flagged: true },
  { name: 'narrow miss: latest CSAT 3 of 1–5', customer: (c) => withTouchpoints(customer({ objectType: c.objectType }), [answer('csat', 3, { min: 1, max: 5 }, daysAgo(2))]), flagged: false },
  { name: 'the contact\'s NPS rollup (9) wins over an older answer of 3', customer: (c) => withTouchpoints(customer({ objectType: c.objectType, npsScore: 9 }), [answer('nps', 3, { min: 0, max: 10 }, daysAgo(2))]), flagged: false },
]);

describe('explain shows the touchpoints and which ones each rule used', () => {
  it('numbers them oldest first and names the ones behind each flag', () => {
    const engine = compileEngine(loadMapping('mappings/hubspot.yaml'));
    const inbound = email('inbound', daysAgo(3));
    const late = email('outbound', daysAgo(3) + 30 * HOUR_MS);
    const noShow = meeting('no_show', daysAgo(5));
    const c = withTouchpoints(customer(), [late, inbound, noShow, note(daysAgo(4))]);
    const x = engine.explain(c, NOW);
    expect(x.lines).toContain('touchpoints (4, oldest first):');
    expect(x.lines.some((l) => /^ {2}#1 meeting outbound \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(no_show\) — meetings\//.test(l))).toBe(true);
    expect(x.touchpointsUsed).toEqual({
      unanswered_inbound: [`emails/${inbound.id}`],
      no_show: [`meetings/${noShow.id}`],
    });
    expect(x.lines).toContain(`  unanswered_inbound: #3 emails/${inbound.id}`);
    // The trace lists the touchpoint that made the rule hold, and the window the inner quantifier read.
    expect(x.lines.some((l) => l.includes('✔ unanswered_inbound: any touchpoint (4 touchpoints)'))).toBe(true);
    expect(x.lines.some((l) => l.includes('no touchpoint within 24 hours after touchpoint.at'))).toBe(true);
  });

  it('the trace agrees with the compiled rules on every touchpoint flag', () => {
    const engine = compileEngine(loadMapping('mappings/salesforce.yaml'));
    for (const c of CRMS) {
      const samples = [
        inDecision(c, [email('outbound', daysAgo(15))]),
        inDecision(c, [email('outbound', daysAgo(2)), email('inbound', daysAgo(3)), meeting('no_show', daysAgo(3))]),
        withTouchpoints(customer({}, [], [openTicket(c, daysAgo(3))]), [email('outbound', daysAgo(3) + 25 * HOUR_MS), answer('nps', 3, { min: 0, max: 10 }, daysAgo(1))]),
      ];
      for (const s of samples) {
        const fast = engine.evaluate(s, NOW);
        const slow = engine.explain(s, NOW).state;
        expect(slow).toEqual(fast);
      }
    }
  });
});
