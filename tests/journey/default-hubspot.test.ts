import { describe, expect, it } from 'vitest';
import { compileEngine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import type { Customer } from '../../src/model.ts';
import { customer, daysAgo, deal, hoursAgo, NOW, ticket, won } from './builders.ts';

const engine = compileEngine(loadMapping('mappings/hubspot.yaml'));
const evaluate = (c: Customer) => engine.evaluate(c, NOW);
const flagsOf = (c: Customer) => [...new Set(evaluate(c).friction.filter((f) => f.on.kind === 'contact').map((f) => f.id))].sort();
const segmentsOf = (c: Customer) => evaluate(c).segments.map((s) => s.id).sort();

describe('default HubSpot mapping: stages', () => {
  const cases: Array<[string, Customer, string]> = [
    ['subscriber with nothing else → awareness', customer({ lifecycle: 'subscriber' }), 'awareness'],
    ['empty lifecycle → awareness', customer({ lifecycle: null }), 'awareness'],
    ['MQL → consideration', customer({ lifecycle: 'marketingqualifiedlead' }), 'consideration'],
    ['lead with open early deal → consideration', customer({ lifecycle: 'lead' }, [deal({ stage: 'qualifiedtobuy' })]), 'consideration'],
    ['lead with closed-lost early deal stays awareness', customer({ lifecycle: 'lead' }, [deal({ stage: 'closedlost', isClosed: true })]), 'awareness'],
    ['open late deal → decision', customer({ lifecycle: 'lead' }, [deal({ stage: 'contractsent' })]), 'decision'],
    ['lifecycle opportunity → decision', customer({ lifecycle: 'opportunity' }), 'decision'],
    ['won 90 days ago exactly → purchase', customer({}, [won(90)]), 'purchase'],
    ['won 91 days ago → post_purchase', customer({}, [won(91)]), 'post_purchase'],
    ['customer lifecycle with no win → post_purchase', customer({ lifecycle: 'customer' }), 'post_purchase'],
    ['customer lifecycle with a recent win → purchase', customer({ lifecycle: 'customer' }, [won(10)]), 'purchase'],
    ['furthest stage wins: old win + new open late deal → post_purchase', customer({}, [won(200), deal({ stage: 'contractsent' })]), 'post_purchase'],
  ];
  it.each(cases)('%s', (_name, c, stage) => {
    expect(evaluate(c).stage.id).toBe(stage);
  });

  it('cites the deal, its stage and since when in the reason', () => {
    const state = evaluate(customer({ lifecycle: 'lead' }, [deal({ name: 'ACME renewal', stage: 'contractsent', stageEnteredAt: Date.parse('2026-10-02T09:00:00Z') })]));
    expect(state.stage.reason).toBe('decision: deal "ACME renewal" in stage contractsent since 2026-10-02; lifecycle lead');
    expect(state.stage.since).toBe(Date.parse('2026-10-02T09:00:00Z'));
  });
});

describe('default HubSpot mapping: friction flags', () => {
  const cases: Array<[string, Customer, string, boolean]> = [
    ['open deal 31 days in stage', customer({}, [deal({ stageEnteredAt: daysAgo(31) })]), 'stalled_deal', true],
    ['open deal exactly 30 days in stage', customer({}, [deal({ stageEnteredAt: daysAgo(30) })]), 'stalled_deal', false],
    ['closed deal 100 days in stage', customer({}, [won(100)]), 'stalled_deal', false],
    ['lost after contractsent 89 days ago', customer({}, [deal({ isClosed: true, stage: 'closedlost', stagesReached: ['appointmentscheduled', 'contractsent', 'closedlost'], closedAt: daysAgo(89) })]), 'abandoned_checkout', true],
    ['lost after contractsent 91 days ago', customer({}, [deal({ isClosed: true, stage: 'closedlost', stagesReached: ['contractsent', 'closedlost'], closedAt: daysAgo(91) })]), 'abandoned_checkout', false],
    ['lost at an early stage', customer({}, [deal({ isClosed: true, stage: 'closedlost', stagesReached: ['appointmentscheduled', 'qualifiedtobuy', 'closedlost'], closedAt: daysAgo(5) })]), 'abandoned_checkout', false],
    ['first reply after 25 h', customer({}, [], [ticket({ createdAt: daysAgo(3), firstResponseAt: daysAgo(3) + 25 * 3_600_000 })]), 'slow_first_response', true],
    ['first reply after 24 h exactly', customer({}, [], [ticket({ createdAt: daysAgo(3), firstResponseAt: daysAgo(2) })]), 'slow_first_response', false],
    ['no reply, created 25 h ago', customer({}, [], [ticket({ createdAt: hoursAgo(25), firstResponseAt: null, isOpen: true, closedAt: null })]), 'slow_first_response', true],
    ['no reply, created 23 h ago', customer({}, [], [ticket({ createdAt: hoursAgo(23), firstResponseAt: null, isOpen: true, closedAt: null })]), 'slow_first_response', false],
    ['3 tickets in 30 days', customer({}, [], [ticket({ createdAt: daysAgo(1) }), ticket({ createdAt: daysAgo(10) }), ticket({ createdAt: daysAgo(30) })]), 'repeat_contact', true],
    ['2 tickets in 30 days + 1 older', customer({}, [], [ticket({ createdAt: daysAgo(1) }), ticket({ createdAt: daysAgo(10) }), ticket({ createdAt: daysAgo(31) })]), 'repeat_contact', false],
    ['ticket open 8 days', customer({}, [], [ticket({ isOpen: true, closedAt: null, createdAt: daysAgo(8) })]), 'unresolved_ticket', true],
    ['ticket open 7 days exactly', customer({}, [], [ticket({ isOpen: true, closedAt: null, createdAt: daysAgo(7) })]), 'unresolved_ticket', false],
    ['NPS 6', customer({ npsScore: 6 }), 'detractor', true],
    ['NPS 7', customer({ npsScore: 7 }), 'detractor', false],
    ['CSAT 0 of 2', customer({ csat: 0 }), 'detractor', true],
    ['CSAT 1 of 2', customer({ csat: 1 }), 'detractor', false],
  ];
  it.each(cases)('%s → %s: %s', (_name, c, flag, expected) => {
    expect(flagsOf(c).includes(flag)).toBe(expected);
  });

  it('attaches deal flags to the deal and the contact, ticket flags to the ticket and the contact', () => {
    const stalled = deal({ id: 'd-stalled', stageEnteredAt: daysAgo(45), name: 'Big one', stage: 'qualifiedtobuy' });
    const fresh = deal({ id: 'd-fresh', stageEnteredAt: daysAgo(2) });
    const open = ticket({ id: 't-open', isOpen: true, closedAt: null, createdAt: daysAgo(9) });
    const state = evaluate(customer({ id: 'c-1' }, [stalled, fresh], [open]));
    const on = (id: string) => state.friction.filter((f) => f.id === id).map((f) => `${f.on.kind}/${f.on.id}`).sort();
    expect(on('stalled_deal')).toEqual(['contact/c-1', 'deal/d-stalled']);
    expect(on('unresolved_ticket')).toEqual(['contact/c-1', 'ticket/t-open']);
    const reason = state.friction.find((f) => f.id === 'stalled_deal')?.reason;
    expect(reason).toBe(`stalled_deal: deal "Big one" in qualifiedtobuy since ${new Date(daysAgo(45)).toISOString().slice(0, 10)}`);
  });
});

describe('default HubSpot mapping: segments', () => {
  const cases: Array<[string, Customer, string, boolean]> = [
    ['created 30 days ago', customer({ createdAt: daysAgo(30) }), 'new_lead', true],
    ['created 31 days ago', customer({ createdAt: daysAgo(31) }), 'new_lead', false],
    ['2 won deals', customer({}, [won(10), won(200)]), 'repeat_buyer', true],
    ['1 won + 1 lost', customer({}, [won(10), deal({ isClosed: true, closedAt: daysAgo(3) })]), 'repeat_buyer', false],
    ['won 10,000 in total', customer({}, [won(10, { amount: 4000 }), won(300, { amount: 6000 })]), 'high_value', true],
    ['won 9,999.99', customer({}, [won(10, { amount: 9999.99 }), deal({ amount: 50000 })]), 'high_value', false],
    ['1,000 employees', customer({ employees: 1000 }), 'enterprise', true],
    ['999 employees', customer({ employees: 999 }), 'enterprise', false],
    ['country France', customer({ country: 'France' }), 'emea', true],
    ['country Canada', customer({ country: 'Canada' }), 'emea', false],
    ['post-purchase detractor', customer({ npsScore: 3 }, [won(200)]), 'at_risk', true],
    ['purchase-stage detractor', customer({ npsScore: 3 }, [won(20)]), 'at_risk', false],
    ['post-purchase, happy', customer({ npsScore: 9 }, [won(200)]), 'at_risk', false],
  ];
  it.each(cases)('%s → %s: %s', (_name, c, segment, expected) => {
    expect(segmentsOf(c).includes(segment)).toBe(expected);
  });

  it('gives each segment a reason citing the figure', () => {
    const state = evaluate(customer({}, [won(10, { amount: 4000 }), won(300, { amount: 6500 })]));
    expect(state.segments.find((s) => s.id === 'high_value')?.reason).toBe('high_value: won amount 10500');
    expect(state.segments.find((s) => s.id === 'repeat_buyer')?.reason).toBe('repeat_buyer: 2 won deals');
  });
});
