import { describe, expect, it } from 'vitest';
import { dueAt } from '../../src/journey/actions.ts';
import { compileEngine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { parseMapping } from '../../src/mapping/parse.ts';
import { DAY_MS, type Customer } from '../../src/model.ts';
import { customer, daysAgo, deal, NOW, ticket, won } from './builders.ts';

const engine = compileEngine(loadMapping('mappings/hubspot.yaml'));
const tasksOf = (c: Customer, now = NOW) => engine.actions(c, engine.evaluate(c, now), now);

describe('desired tasks from the default HubSpot actions', () => {
  it('a stalled deal wants one task for the deal owner, high priority from the flag, due in 2 days', () => {
    const d = deal({ id: 'd1', name: 'ACME renewal', ownerId: '501', stageEnteredAt: Date.parse('2026-10-02T09:00:00Z') });
    const c = customer({ id: 'c1', ownerId: '777' }, [d]);
    expect(tasksOf(c)).toEqual([{
      key: 'follow_up_stalled_deal:deal:d1',
      action: 'follow_up_stalled_deal',
      flag: 'stalled_deal',
      on: { kind: 'deal', objectType: 'deals', id: 'd1' },
      contactId: 'c1',
      owner: { id: '501', via: 'deal.owner' },
      fallback: null,
      subject: 'Follow up: deal "ACME renewal" stalled since 2026-10-02',
      body: 'stalled_deal: deal "ACME renewal" in appointmentscheduled since 2026-10-02. Parcours completes this task when the deal moves on, unless you edit it.',
      priority: 'high',
      dueAt: NOW + 2 * DAY_MS,
      closeWhenCleared: true,
    }]);
  });

  const cases: Array<[string, Customer, Array<[string, string | null, string]>]> = [
    ['no flag, no task', customer({}, [deal({ stageEnteredAt: daysAgo(3) })]), []],
    ['two stalled deals: one task each, each for its own owner', customer({}, [deal({ id: 'd2', ownerId: 'a', stageEnteredAt: daysAgo(40) }), deal({ id: 'd3', ownerId: 'b', stageEnteredAt: daysAgo(40) })]),
      [['follow_up_stalled_deal:deal:d2', 'a', 'high'], ['follow_up_stalled_deal:deal:d3', 'b', 'high']]],
    ['an old open ticket: the ticket owner, medium from the flag', customer({}, [], [ticket({ id: 't1', ownerId: 't-owner', isOpen: true, createdAt: daysAgo(8), firstResponseAt: daysAgo(8) + 1000 })]),
      [['resolve_unresolved_ticket:ticket:t1', 't-owner', 'medium']]],
    ['a detractor in post-purchase: the contact owner, high as set', customer({ id: 'c9', ownerId: 'cs-1', npsScore: 3 }, [won(200)]),
      [['call_back_detractor:contact:c9', 'cs-1', 'high']]],
    ['a detractor before the purchase: no task (on_stage)', customer({ ownerId: 'cs-1', npsScore: 3, lifecycle: 'lead' }), []],
    ['an abandoned checkout: the deal owner', customer({}, [deal({ id: 'd7', ownerId: 'rep', isClosed: true, isWon: false, stage: 'closedlost', stagesReached: ['contractsent'], closedAt: daysAgo(5) })]),
      [['win_back_abandoned_checkout:deal:d7', 'rep', 'high']]],
  ];
  it.each(cases)('%s', (_name, c, want) => {
    expect(tasksOf(c).map((t) => [t.key, t.owner.id, t.priority])).toEqual(want);
  });

  it('a record without an owner is unassignable, and says whether the owner was unknown or absent', () => {
    const none = tasksOf(customer({}, [deal({ id: 'd4', ownerId: null, stageEnteredAt: daysAgo(40) })]));
    expect(none.map((t) => t.owner)).toEqual([{ id: null, why: 'deal d4 has no owner, and the action has no fallback_owner' }]);
    const unread = tasksOf(customer({}, [deal({ id: 'd5', stageEnteredAt: daysAgo(40) })]));
    expect(unread.map((t) => t.owner)).toEqual([{ id: null, why: 'the owner of deal d5 was not read from the CRM, and the action has no fallback_owner' }]);
  });
});

describe('action options', () => {
  const mapping = (action: string) =>
    compileEngine(parseMapping(`version: 1
journeys:
  - id: default
    label: J
    stages: [{ id: awareness, label: A }]
friction:
  - id: stalled_deal
    label: Stalled
    severity: low
    on: [deal, contact]
    when: { deal.isClosed: false }
writeback:
  contact: { stage: parcours_stage }
actions:
  - id: act
    on_flag: stalled_deal
${action}`, 'x.yaml'));

  it('fallback_owner stands in for a record with no owner; contact.owner reads the customer', () => {
    const e = mapping('    owner: deal.owner\n    fallback_owner: lead@example.com\n    subject: "x {flag}"\n');
    const c = customer({ ownerId: 'c-own' }, [deal({ id: 'd1', ownerId: null })]);
    const [t] = e.actions(c, e.evaluate(c, NOW), NOW);
    expect(t?.owner).toEqual({ id: 'lead@example.com', via: 'fallback_owner' });
    expect(t?.subject).toBe('x stalled_deal');
    const e2 = mapping('    owner: contact.owner\n    subject: x\n');
    const [t2] = e2.actions(c, e2.evaluate(c, NOW), NOW);
    expect(t2?.owner).toEqual({ id: 'c-own', via: 'contact.owner' });
    expect(t2?.key).toBe(`act:deal:d1`);
  });

  it('priority defaults to the flag severity; a subject longer than 255 characters is cut', () => {
    const e = mapping(`    owner: deal.owner\n    subject: '${'y'.repeat(300)} {deal.name}'\n`);
    const c = customer({}, [deal({ ownerId: 'o' })]);
    const [t] = e.actions(c, e.evaluate(c, NOW), NOW);
    expect(t?.priority).toBe('low');
    expect(t?.subject).toHaveLength(255);
    expect(t?.subject.endsWith('…')).toBe(true);
  });

  it('business days skip Saturdays and Sundays (UTC)', () => {
    const friday = Date.parse('2026-11-27T15:00:00Z');
    expect(new Date(dueAt(friday, 2, true)).toISOString()).toBe('2026-12-01T15:00:00.000Z');
    expect(new Date(dueAt(friday, 2, false)).toISOString()).toBe('2026-11-29T15:00:00.000Z');
    expect(dueAt(friday, 0, true)).toBe(friday);
    const e = mapping('    owner: deal.owner\n    subject: x\n    due_in_days: 1\n    business_days: true\n');
    const c = customer({}, [deal({ ownerId: 'o' })]);
    expect(e.actions(c, e.evaluate(c, friday), friday)[0]?.dueAt).toBe(Date.parse('2026-11-30T15:00:00Z'));
  });
});
