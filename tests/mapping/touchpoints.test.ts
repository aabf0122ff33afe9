/**
 * The touchpoint quantifiers of the mapping language: what they mean on a customer's touchpoints, and
 * the line-precise errors when they are written wrong.
 */
import { describe, expect, it } from 'vitest';
import { MappingError } from '../../src/errors.ts';
import { compileEngine } from '../../src/journey/engine.ts';
import { parseMapping } from '../../src/mapping/parse.ts';
import { HOUR_MS, type TouchpointRecord } from '../../src/model.ts';
import { answer, customer, daysAgo, NOW, ticket, touchpoint, withTouchpoints } from '../journey/builders.ts';

/** A mapping with one contact flag `f` whose rule is `when` (YAML, indented under `when:`). */
function withFlag(when: string, reason = "'hit'", on = 'contact'): string {
  return `version: 1
journeys:
  - id: default
    label: J
    stages: [{ id: a, label: A }]
friction:
  - id: f
    label: F
    on: ${on}
    when:
${when.replace(/^/gm, '      ')}
    reason: ${reason}
writeback: { contact: { stage: s } }
`;
}

function problems(source: string): string[] {
  try {
    parseMapping(source, 'm.yaml');
  } catch (e) {
    if (e instanceof MappingError) return e.message.split('\n');
    throw e;
  }
  return [];
}

function holds(when: string, tps: TouchpointRecord[], on = 'contact', tickets = [] as ReturnType<typeof ticket>[]): { hit: boolean; reason: string | undefined } {
  const engine = compileEngine(parseMapping(withFlag(when, "'{touchpoint.channel} {touchpoint.at}[ n={count}]'", on), 'm.yaml'));
  const f = engine.evaluate(withTouchpoints(customer({}, [], tickets), tps), NOW).friction.find((x) => x.id === 'f' && x.on.kind === 'contact');
  return { hit: Boolean(f), reason: f?.reason };
}

describe('touchpoint quantifiers', () => {
  const mail = (direction: 'inbound' | 'outbound', at: number) => touchpoint({ objectType: 'emails', channel: 'email', direction, at });

  it('any_ / no_ take a bare condition or where:, and cite the oldest match', () => {
    const tps = [mail('inbound', daysAgo(5)), mail('inbound', daysAgo(2)), touchpoint({ at: daysAgo(1) })];
    expect(holds('any_touchpoint: { touchpoint.channel: email }', tps)).toEqual({ hit: true, reason: expect.stringMatching(/^f: email \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/) });
    expect(holds('any_touchpoint: { touchpoint.channel: email }', tps).reason).toContain(new Date(daysAgo(5)).toISOString().slice(0, 10));
    expect(holds('no_touchpoint: { where: { touchpoint.channel: meeting } }', tps).hit).toBe(true);
    expect(holds('no_touchpoint: { touchpoint.channel: email }', tps).hit).toBe(false);
    expect(holds('any_touchpoint: true', []).hit).toBe(false);
  });

  it('count_touchpoints counts matches (and {count} cites the figure)', () => {
    const tps = [mail('inbound', daysAgo(5)), mail('inbound', daysAgo(2)), mail('outbound', daysAgo(1))];
    expect(holds('count_touchpoints: { where: { touchpoint.direction: inbound }, gte: 2 }', tps)).toMatchObject({ hit: true, reason: expect.stringContaining('n=2') });
    expect(holds('count_touchpoints: { where: { touchpoint.direction: inbound }, gte: 3 }', tps).hit).toBe(false);
    expect(holds('count_touchpoints: { eq: 0 }', []).hit).toBe(true);
  });

  it('first_ / last_ pick the oldest / newest match and test it', () => {
    const tps = [answer('nps', 3, { min: 0, max: 10 }, daysAgo(9)), answer('nps', 9, { min: 0, max: 10 }, daysAgo(1))];
    const test = (mode: string, lte: number) => holds(`${mode}: { where: { touchpoint.survey.type: nps }, matches: { touchpoint.survey.score: { lte: ${lte} } } }`, tps).hit;
    expect(test('first_touchpoint', 6)).toBe(true);
    expect(test('last_touchpoint', 6)).toBe(false);
    expect(test('last_touchpoint', 9)).toBe(true);
    expect(holds('last_touchpoint: { where: { touchpoint.survey.type: csat }, matches: { always: true } }', tps).hit).toBe(false);
  });

  it('windows: after / before another record\'s time, within N hours or days of it (inclusive)', () => {
    const opened = daysAgo(3);
    const t = ticket({ createdAt: opened, isOpen: true, closedAt: null });
    const at = (h: number) => mail('outbound', opened + h * HOUR_MS);
    const rule = (w: string) => `any_touchpoint: { where: { touchpoint.direction: outbound }, ${w} }`;
    expect(holds(rule('after: ticket.createdAt, within_hours: 24'), [at(24)], '[ticket, contact]', [t]).hit).toBe(true);
    expect(holds(rule('after: ticket.createdAt, within_hours: 24'), [at(24.01)], '[ticket, contact]', [t]).hit).toBe(false);
    expect(holds(rule('after: ticket.createdAt'), [at(-1)], '[ticket, contact]', [t]).hit).toBe(false);
    expect(holds(rule('before: ticket.createdAt, within_days: 1'), [at(-23)], '[ticket, contact]', [t]).hit).toBe(true);
    expect(holds(rule('before: ticket.createdAt, within_days: 1'), [at(-25)], '[ticket, contact]', [t]).hit).toBe(false);
    // Nested: after: touchpoint.at names the outer touchpoint.
    const unanswered = `any_touchpoint:
  touchpoint.direction: inbound
  no_touchpoint: { where: { touchpoint.direction: outbound }, after: touchpoint.at, within_hours: 24 }`;
    expect(holds(unanswered, [mail('inbound', daysAgo(4)), mail('outbound', daysAgo(4) + 2 * HOUR_MS), mail('inbound', daysAgo(2))]).hit).toBe(true);
    expect(holds(unanswered, [mail('inbound', daysAgo(4)), mail('outbound', daysAgo(4) + 2 * HOUR_MS)]).hit).toBe(false);
    // last_ with a window: the newest inside it.
    expect(holds('last_touchpoint: { before: ticket.createdAt, matches: { touchpoint.direction: inbound } }', [mail('inbound', opened - HOUR_MS), mail('outbound', opened + HOUR_MS)], '[ticket, contact]', [t]).hit).toBe(true);
  });

  it('reports every mistake with its line', () => {
    const src = withFlag(`all:
  - any_touchpoint: { where: { touchpoint.channel: emial } }
  - no_touchpoint: { where: { touchpoint.direction: outbound }, within_hours: 24 }
  - first_touchpoint: { where: { touchpoint.direction: outbound } }
  - count_touchpoints: { where: { touchpoint.direction: inbound } }
  - any_touchpoint: { after: ticket.createdAt }
  - touchpoint.channel: email
  - any_touchpoint: { after: contact.email }
  - last_touchpoint: { touchpoint.channel: email, matches: { always: true } }`);
    expect(problems(src)).toEqual([
      'm.yaml:12 friction[0].when.all[0].any_touchpoint.where.touchpoint.channel: unknown touchpoint channel "emial"; values are email, phone, meeting, chat, sms, whatsapp, social, form, web, in_person, postal, survey, internal, other (the CRM\'s own value is in touchpoint.rawChannel)',
      'm.yaml:13 friction[0].when.all[1].no_touchpoint: within_hours / within_days in no_touchpoint are measured from a record\'s time: add after: or before: (e.g. after: ticket.createdAt); for "in the last N days" write where: { touchpoint.at: { within_days: N } }',
      'm.yaml:14 friction[0].when.all[2].first_touchpoint: "first_touchpoint" needs matches: (the test on the oldest touchpoint that fits where), e.g. matches: { touchpoint.survey.score: { lte: 6 } }',
      'm.yaml:15 friction[0].when.all[3].count_touchpoints: "count_touchpoints" needs a comparison such as gte: 3',
      'm.yaml:16 friction[0].when.all[4].any_touchpoint.after: "ticket.createdAt" needs a ticket in scope: wrap it in any_ticket, no_ticket, every_ticket or count_tickets',
      'm.yaml:17 friction[0].when.all[5].touchpoint.channel: "touchpoint.channel" needs a touchpoint in scope: use it inside any_touchpoint, no_touchpoint, count_touchpoints, first_touchpoint or last_touchpoint',
      'm.yaml:18 friction[0].when.all[6].any_touchpoint.after: "after" takes a date field, but contact.email is a string',
      'm.yaml:19 friction[0].when.all[7].last_touchpoint.touchpoint.channel: unknown key "touchpoint.channel" in last_touchpoint (put touchpoint conditions under where:); expected where, after, before, within_hours, within_days, matches',
    ]);
  });
});

describe('touchpoints without a time', () => {
  it('never fall in a time window, and do not hide the timed ones behind them', () => {
    const untimed = touchpoint({ at: null, channel: 'meeting', outcome: 'no_show' });
    const recent = touchpoint({ at: daysAgo(2), channel: 'meeting', outcome: 'no_show' });
    const rule = 'any_touchpoint: { touchpoint.channel: meeting, touchpoint.at: { older_than_hours: 1 } }';
    expect(holds(rule, [untimed, recent]).hit).toBe(true);
    expect(holds(rule, [untimed]).hit).toBe(false);
    expect(holds('any_touchpoint: { touchpoint.channel: meeting }', [untimed]).hit).toBe(true);
    expect(holds('last_touchpoint: { where: { touchpoint.at: { older_than_hours: 1 } }, matches: { touchpoint.channel: meeting } }', [untimed, recent]).hit).toBe(true);
  });
});
