import { describe, expect, it } from 'vitest';
import { MappingError } from '../../src/errors.ts';
import { parseMapping } from '../../src/mapping/parse.ts';

const valid = `version: 1
journeys:
  - id: default
    label: Journey
    stages:
      - id: awareness
        label: Awareness
      - id: decision
        label: Decision
        when:
          any_deal:
            deal.stage: { in: [contractsent] }
segments:
  - id: big
    label: Big
    kind: demographic
    when:
      contact.employees: { gte: 1000 }
writeback:
  contact: { stage: parcours_stage }
`;

function problems(source: string): string[] {
  try {
    parseMapping(source, 'mappings/test.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(MappingError);
    return (e as MappingError).message.split('\n');
  }
  throw new Error('expected the mapping to be rejected');
}

describe('mapping errors name the file, the line and the path', () => {
  it('accepts the valid base document', () => {
    expect(parseMapping(valid, 'x.yaml').journeys[0]?.stages.map((s) => s.id)).toEqual(['awareness', 'decision']);
  });

  it('unknown operator', () => {
    expect(problems(valid.replace('{ in: [contractsent] }', '{ eqq: contractsent }'))).toEqual([
      expect.stringMatching(/^mappings\/test\.yaml:12 journeys\[0\]\.stages\[1\]\.when\.any_deal\.deal\.stage\.eqq: unknown operator "eqq" \(did you mean "eq"\?\)/),
    ]);
  });

  it('unknown stage id in writeback', () => {
    const out = problems(`${valid}  stage_values: { purchase: Bought }\n`);
    expect(out).toEqual(['mappings/test.yaml:21 writeback.stage_values.purchase: unknown stage id "purchase"; stages are awareness, decision']);
  });

  it('satisfied: only on csat_by_stage, parsed as one comparison', () => {
    const kpis = (k: string) => `${valid}kpis:\n  - ${k}\n`;
    const ok = parseMapping(kpis('{ id: sat, label: Sat, metric: csat_by_stage, satisfied: { gte: 2 }, target: { gte: 85 } }'), 'x.yaml');
    expect(ok.kpis[0]?.satisfied).toEqual({ op: 'gte', value: 2 });
    expect(problems(kpis('{ id: n, label: N, metric: nps, satisfied: { gte: 2 }, target: { gte: 30 } }'))).toEqual([
      expect.stringMatching(/^mappings\/test\.yaml:\d+ kpis\[0\]\.satisfied: satisfied applies to metric csat_by_stage only$/),
    ]);
  });

  it('duplicate ids', () => {
    const out = problems(valid.replace('- id: decision', '- id: awareness'));
    expect(out).toEqual(['mappings/test.yaml:8 journeys[0].stages[1].id: duplicate stage id "awareness" (first defined at journeys[0].stages[0])']);
  });

  it('wrong types', () => {
    // A structural problem does not hide the rule problems: both are listed, in file order.
    const out = problems(valid.replace('{ gte: 1000 }', '{ gte: "many" }').replace('label: Big', 'label: 12'));
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^mappings\/test\.yaml:15 segments\[0\]\.label: /);
    expect(out[1]).toBe('mappings/test.yaml:18 segments[0].when.contact.employees.gte: "gte" takes a number, got "many"');
    const rule = problems(valid.replace('{ gte: 1000 }', '{ gte: "many" }'));
    expect(rule).toEqual(['mappings/test.yaml:18 segments[0].when.contact.employees.gte: "gte" takes a number, got "many"']);
  });

  it('YAML syntax error', () => {
    const out = problems(valid.replace('label: Decision', 'label: [Decision'));
    expect(out[0]).toMatch(/^mappings\/test\.yaml:\d+: YAML syntax error: /);
  });

  it('lists every problem at once', () => {
    const out = problems(
      valid.replace('{ in: [contractsent] }', '{ eqq: contractsent }').replace('contact.employees', 'contact.employes'),
    );
    expect(out).toHaveLength(2);
    expect(out[1]).toMatch(/:18 segments\[0\]\.when\.contact\.employes: unknown field "contact\.employes"/);
  });

  it('rejects deal fields outside a deal quantifier, and journey.* in stage rules', () => {
    const out = problems(valid.replace(`any_deal:
            deal.stage: { in: [contractsent] }`, `deal.stage: contractsent
          journey.flags: { contains: x }`));
    expect(out).toEqual([
      expect.stringMatching(/:11 .*when\.deal\.stage: "deal\.stage" needs a deal in scope/),
      expect.stringMatching(/:12 .*when\.journey\.flags: "journey\.flags" cannot be used here/),
    ]);
  });

  it('rejects time operators on numbers and number operators on dates', () => {
    expect(problems(valid.replace('{ gte: 1000 }', '{ within_days: 3 }'))[0]).toMatch(/"within_days" applies to date fields, but this field is a number/);
    expect(problems(valid.replace('contact.employees: { gte: 1000 }', 'contact.createdAt: { gt: 3 }'))[0]).toMatch(/compares numbers, but this field is a time/);
  });

  it('unknown keys and journeys restricted to unknown segments', () => {
    const out = problems(valid.replace('    label: Journey', '    label: Journey\n    colour: blue').replace('version: 1', 'version: 1\ncolour: red'));
    expect(out).toEqual(['mappings/test.yaml:2 colour: unknown key "colour"', 'mappings/test.yaml:6 journeys[0].colour: unknown key "colour"']);
    const seg = problems(valid.replace('journeys:\n', 'journeys:\n  - id: vip\n    label: VIP\n    segment: nobody\n    stages: [{ id: awareness, label: A }]\n'));
    expect(seg).toEqual(['mappings/test.yaml:5 journeys[0].segment: unknown segment "nobody"; defined segments: big']);
  });
});
