import { describe, expect, it } from 'vitest';
import { findDisabled } from '../../src/journey/disabled.ts';
import { compileEngine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { parseMapping } from '../../src/mapping/parse.ts';
import { HOUR_MS, type TouchpointRecord } from '../../src/model.ts';
import { answer, customer, daysAgo, NOW, ticket, touchpoint, withTouchpoints, won } from './builders.ts';

/** What a standard Salesforce org lacks for the default mapping (no CSAT, NPS or first-response field). */
const STANDARD_ORG_MISSING = ['contact.csat', 'contact.npsScore', 'ticket.firstResponseAt'];

describe('rules whose source field the CRM lacks', () => {
  const mapping = loadMapping('mappings/salesforce.yaml');

  it('lists each disabled rule and KPI with the fields it needs and how to map them', () => {
    // A standard org through a connector that cannot read touchpoints: the touchpoint rules are off too.
    const disabled = findDisabled(mapping, new Set([...STANDARD_ORG_MISSING, 'touchpoints']));
    expect(disabled.map((d) => d.rule)).toEqual([
      'friction.slow_first_response',
      'friction.detractor',
      'friction.no_follow_up',
      'friction.unanswered_inbound',
      'friction.no_show',
      'kpis.satisfaction_per_stage',
      'kpis.nps',
      'kpis.first_contact_resolution',
    ]);
    const detractor = disabled.find((d) => d.rule === 'friction.detractor');
    expect(detractor?.needs).toEqual(['contact.csat', 'contact.npsScore', 'touchpoints']);
    expect(detractor?.fix).toContain('map contact.csat to your survey field in mappings/salesforce.yaml');
    expect(detractor?.fix).toContain('this CRM connector does not read touchpoints');
    // firstResponseHours is derived from firstResponseAt: the rule needs the field behind it.
    expect(disabled.find((d) => d.rule === 'friction.slow_first_response')?.needs).toEqual(['ticket.firstResponseAt', 'touchpoints']);
    // With touchpoints, a standard org gets first responses and detractors from them: only KPIs stay off.
    expect(findDisabled(mapping, new Set(STANDARD_ORG_MISSING)).map((d) => d.rule)).toEqual(['kpis.satisfaction_per_stage', 'kpis.nps', 'kpis.first_contact_resolution']);
    expect(findDisabled(mapping, new Set())).toEqual([]);
  });

  it('compiles a disabled rule as never holding, even where its test alone would hold on a null', () => {
    const engine = compileEngine(mapping, { missing: [...STANDARD_ORG_MISSING, 'touchpoints'] });
    // An unanswered case older than 24 h: with firstResponseAt missing everywhere and no touchpoints,
    // "exists: false" would flag every case; disabled, it flags none.
    const c = customer({ objectType: 'Contact', lifecycle: null, npsScore: 2 }, [], [ticket({ objectType: 'Case', isOpen: true, createdAt: daysAgo(9), closedAt: null, firstResponseAt: null })]);
    const flags = new Set(engine.evaluate(c, NOW).friction.map((f) => f.id));
    expect(flags.has('slow_first_response')).toBe(false);
    expect(flags.has('detractor')).toBe(false);
    // Rules on fields the org has keep working.
    expect(flags.has('unresolved_ticket')).toBe(true);
    expect(engine.disabled.map((d) => d.rule)).toContain('friction.detractor');

    const full = compileEngine(mapping);
    const fullFlags = new Set(full.evaluate(c, NOW).friction.map((f) => f.id));
    expect(fullFlags.has('slow_first_response')).toBe(true);
    expect(fullFlags.has('detractor')).toBe(true);
    expect(full.disabled).toEqual([]);
  });

  it('a standard org with touchpoints: the first outbound touchpoint is the first response, the answers give the detractor', () => {
    const engine = compileEngine(mapping, { missing: STANDARD_ORG_MISSING });
    const opened = daysAgo(9);
    const kase = ticket({ objectType: 'Case', isOpen: true, createdAt: opened, closedAt: null, firstResponseAt: null });
    const base = customer({ objectType: 'Contact', lifecycle: null, npsScore: 2 }, [], [kase]);
    const flags = (tps: TouchpointRecord[]) => new Set(engine.evaluate(withTouchpoints(base, tps), NOW).friction.map((f) => f.id));
    // The NPS field is missing, so the contact's npsScore of 2 is not read; no answer: no detractor.
    expect(flags([]).has('detractor')).toBe(false);
    expect(flags([]).has('slow_first_response')).toBe(true);
    const reply = (hours: number) => touchpoint({ objectType: 'EmailMessage', channel: 'email', direction: 'outbound', at: opened + hours * HOUR_MS, outcome: 'sent' });
    expect(flags([reply(23)]).has('slow_first_response')).toBe(false);
    expect(flags([reply(25)]).has('slow_first_response')).toBe(true);
    expect(flags([answer('nps', 4, { min: 0, max: 10 }, daysAgo(3))]).has('detractor')).toBe(true);
    expect(flags([answer('nps', 7, { min: 0, max: 10 }, daysAgo(3))]).has('detractor')).toBe(false);
  });

  it('a disabled stage rule falls through to the next one that holds', () => {
    const m = parseMapping(`
version: 1
crm: any
journeys:
  - id: default
    label: J
    stages:
      - { id: a, label: A }
      - { id: b, label: B, when: { contact.csat: { gte: 0 } } }
writeback: { contact: { stage: s } }
`, 'inline.yaml');
    const c = customer({ csat: 2 });
    expect(compileEngine(m).evaluate(c, NOW).stage.id).toBe('b');
    const off = compileEngine(m, { missing: ['contact.csat'] });
    expect(off.evaluate(c, NOW).stage.id).toBe('a');
    expect(off.disabled).toEqual([{ rule: 'journeys.default.stages.b', needs: ['contact.csat'], fix: 'map contact.csat to your survey field in inline.yaml' }]);
  });

  it('says in the rule trace why a rule is off', () => {
    const engine = compileEngine(mapping, { missing: [...STANDARD_ORG_MISSING, 'touchpoints'] });
    const lines = engine.explain(customer({ objectType: 'Contact', lifecycle: null }, [won(200, { objectType: 'Opportunity' })]), NOW).lines;
    expect(lines.some((l) => l.includes('detractor: disabled — the CRM lacks contact.csat, contact.npsScore, touchpoints'))).toBe(true);
  });

  it('names the mapped field when an override points at a field the CRM lacks; raw fields too; a flag rate KPI follows its flag', () => {
    const m = parseMapping(`
version: 1
crm: salesforce
journeys:
  - id: default
    label: J
    stages: [{ id: a, label: A }]
segments:
  - { id: vip, label: VIP, kind: demographic, when: { contact.raw.Tier__c: gold } }
friction:
  - { id: unhappy, label: Unhappy, on: contact, when: { contact.csat: { lte: 2 } } }
kpis:
  - { id: unhappy_rate, label: Unhappy rate, metric: flag_rate, flag: unhappy, target: { lte: 10 } }
writeback: { contact: { stage: S__c } }
fields:
  contact.csat: 'Contact:CSAT__c'
`, 'mine.yaml');
    const disabled = findDisabled(m, new Set(['contact.csat', 'contact.raw.Tier__c']));
    expect(disabled).toEqual([
      { rule: 'segments.vip', needs: ['contact.raw.Tier__c'], fix: expect.stringContaining('no contact field "Tier__c"') },
      { rule: 'friction.unhappy', needs: ['contact.csat'], fix: expect.stringContaining('no field "Contact:CSAT__c" (mapped to contact.csat)') },
      { rule: 'kpis.unhappy_rate', needs: ['contact.csat'], fix: expect.stringContaining('map contact.csat to another field in mine.yaml') },
    ]);
    const engine = compileEngine(m, { missing: ['contact.raw.Tier__c'] });
    const state = engine.evaluate(customer({ raw: { Tier__c: 'gold' }, csat: 1 }), NOW);
    expect(state.segments).toEqual([]);
    expect(state.friction.map((f) => f.id)).toEqual(['unhappy']);
  });
});
