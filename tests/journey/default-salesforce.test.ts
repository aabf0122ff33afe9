import { describe, expect, it } from 'vitest';
import { compileEngine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import type { Customer } from '../../src/model.ts';
import { customer, daysAgo, deal, NOW, ticket, won } from './builders.ts';

const engine = compileEngine(loadMapping('mappings/salesforce.yaml'));
const evaluate = (c: Customer) => engine.evaluate(c, NOW);
const lead = (status: string) => customer({ objectType: 'Lead', lifecycle: status });
const sfContact = (deals: Customer['deals'] = [], p: Partial<Customer['contact']> = {}) => customer({ objectType: 'Contact', lifecycle: null, ...p }, deals);
const opp = (stage: string, p: Partial<Customer['deals'][number]> = {}) => deal({ objectType: 'Opportunity', stage, ...p });

describe('default Salesforce mapping: stages', () => {
  const cases: Array<[string, Customer, string]> = [
    ['untouched lead → awareness', lead('Open - Not Contacted'), 'awareness'],
    ['contacted lead → consideration', lead('Working - Contacted'), 'consideration'],
    ['contact with no opportunity → awareness', sfContact(), 'awareness'],
    ['contact with an open Needs Analysis opportunity → consideration', sfContact([opp('Needs Analysis')]), 'consideration'],
    ['contact with an open Proposal/Price Quote opportunity → decision', sfContact([opp('Proposal/Price Quote')]), 'decision'],
    ['contact with a Closed Lost early opportunity only → default first stage', sfContact([opp('Closed Lost', { isClosed: true, closedAt: daysAgo(3) })]), 'awareness'],
    ['won 90 days ago → purchase', sfContact([won(90, { objectType: 'Opportunity', stage: 'Closed Won' })]), 'purchase'],
    ['won 91 days ago → post_purchase', sfContact([won(91, { objectType: 'Opportunity', stage: 'Closed Won' })]), 'post_purchase'],
  ];
  it.each(cases)('%s', (_n, c, stage) => expect(evaluate(c).stage.id).toBe(stage));

  it('falls back to the first stage with a reason when no rule holds', () => {
    const state = evaluate(sfContact([opp('Closed Lost', { isClosed: true, closedAt: daysAgo(3) })]));
    expect(state.stage.reason).toBe('awareness: no stage rule holds; defaulting to the first stage');
  });
});

describe('default Salesforce mapping: friction', () => {
  const flags = (c: Customer) => [...new Set(evaluate(c).friction.map((f) => f.id))];
  it('abandoned checkout needs a late stage reached before the loss', () => {
    const lost = (reached: string[]) => sfContact([opp('Closed Lost', { isClosed: true, closedAt: daysAgo(10), stagesReached: reached })]);
    expect(flags(lost(['Prospecting', 'Negotiation/Review', 'Closed Lost']))).toContain('abandoned_checkout');
    expect(flags(lost(['Prospecting', 'Qualification', 'Closed Lost']))).not.toContain('abandoned_checkout');
  });
  it('slow first response reads the case first-response field', () => {
    const slow = sfContact([], {});
    slow.tickets = [ticket({ objectType: 'Case', createdAt: daysAgo(5), firstResponseAt: daysAgo(3) })];
    expect(flags(slow)).toContain('slow_first_response');
    const fast = sfContact([], {});
    fast.tickets = [ticket({ objectType: 'Case', createdAt: daysAgo(5), firstResponseAt: daysAgo(5) + 3_600_000 })];
    expect(flags(fast)).not.toContain('slow_first_response');
  });
});
