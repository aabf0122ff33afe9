import { describe, expect, it } from 'vitest';
import { MappingError } from '../../src/errors.ts';
import { linkedMissing, sideMapping } from '../../src/mapping/linked.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { parseMapping } from '../../src/mapping/parse.ts';
import { fieldNeeds, journeyFieldSpec } from '../../src/sync/field-spec.ts';

function problems(text: string): string[] {
  try {
    parseMapping(text, 'mappings/x.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(MappingError);
    return (e as MappingError).message.split('\n');
  }
  throw new Error('expected the mapping to be rejected');
}

const linkedBase = (rule: string, writeback = `writeback:
  hubspot:
    contact: { stage: parcours_stage }
  salesforce:
    contact: { stage: Parcours_Stage__c }
`): string => `version: 1
crm: linked
journeys:
  - id: default
    label: Journey
    stages:
      - id: awareness
        label: Awareness
      - id: decision
        label: Decision
        when:
${rule}
${writeback}`;

describe('linked mappings (crm: linked, issue 16)', () => {
  it('the default mappings/linked.yaml loads: same stages, segments and flags as the two defaults, writeback per side', () => {
    const linked = loadMapping('mappings/linked.yaml');
    const hubspot = loadMapping('mappings/hubspot.yaml');
    const salesforce = loadMapping('mappings/salesforce.yaml');
    expect(linked.crm).toBe('linked');
    for (const other of [hubspot, salesforce]) {
      expect(linked.journeys.map((j) => j.stages.map((s) => s.id))).toEqual(other.journeys.map((j) => j.stages.map((s) => s.id)));
      expect(linked.segments.map((s) => s.id)).toEqual(other.segments.map((s) => s.id));
      expect(linked.friction.map((f) => [f.id, f.on])).toEqual(other.friction.map((f) => [f.id, f.on]));
    }
    expect(linked.sides?.hubspot.writeback).toEqual(hubspot.writeback);
    expect(linked.sides?.salesforce.writeback).toEqual(salesforce.writeback);
  });

  it('gives each side a single-CRM view: its owned names, only its own side fields', () => {
    const linked = loadMapping('mappings/linked.yaml');
    const hs = sideMapping(linked, 'hubspot');
    const sf = sideMapping(linked, 'salesforce');
    expect(hs.crm).toBe('hubspot');
    expect(journeyFieldSpec(hs).fields.find((f) => f.kind === 'contact' && f.field === 'stage')?.name).toBe('parcours_stage');
    expect(journeyFieldSpec(sf).fields.find((f) => f.kind === 'contact' && f.field === 'stage')?.name).toBe('Parcours_Stage__c');
    // The detractor rule reads contact.hubspot.csat and contact.salesforce.csat: each side is asked for its own csat.
    expect(fieldNeeds(hs).normalized.contact).toContain('csat');
    expect(fieldNeeds(sf).normalized.contact).toContain('csat');
    expect(() => sideMapping(loadMapping('mappings/hubspot.yaml'), 'hubspot')).toThrow(/not a linked mapping/);
  });

  it('reads one side raw field for that side only', () => {
    const m = parseMapping(linkedBase('          contact.hubspot.raw.hs_lead_status: OPEN'), 'x.yaml');
    expect(fieldNeeds(sideMapping(m, 'hubspot')).raw.contact).toEqual(['hs_lead_status']);
    expect(fieldNeeds(sideMapping(m, 'salesforce')).raw.contact).toEqual([]);
  });

  it('reports unsided contact raw fields, side fields outside linked mappings and single writebacks, by line', () => {
    expect(problems(linkedBase('          contact.raw.hs_lead_status: OPEN'))).toEqual([
      expect.stringMatching(/^mappings\/x\.yaml:12 .*contact\.raw\.hs_lead_status.*write contact\.hubspot\.raw\.hs_lead_status or contact\.salesforce\.raw\.hs_lead_status/),
    ]);
    expect(problems(linkedBase('          contact.hubspot.nope: 1'))).toEqual([expect.stringMatching(/^mappings\/x\.yaml:12 .*unknown field "contact\.hubspot\.nope"; contact\.hubspot fields are/)]);
    const single = linkedBase('          contact.lifecycle: lead').replace('crm: linked', 'crm: hubspot').replace('          contact.lifecycle: lead', '          contact.salesforce.lifecycle: lead');
    expect(problems(single.replace(/writeback:[\s\S]*$/, 'writeback:\n  contact: { stage: parcours_stage }\n'))).toEqual([
      expect.stringMatching(/^mappings\/x\.yaml:12 .*only a linked mapping \(crm: linked\) can/),
    ]);
    expect(problems(linkedBase('          contact.lifecycle: lead', 'writeback:\n  contact: { stage: parcours_stage }\n')).join('\n')).toMatch(/mappings\/x\.yaml:14 .*writeback\.contact.*unknown key "contact"/);
  });

  it('refuses actions in a linked mapping (a linked run does not run tasks), by line', () => {
    const text = `${linkedBase('          contact.lifecycle: lead')}actions:
  - id: follow_up
    on_stage: decision
    owner: contact.owner
    subject: 'Follow up'
`;
    expect(problems(text)).toEqual([expect.stringMatching(/^mappings\/x\.yaml:18 actions: follow-up tasks \(actions:\) are not run on a linked installation/)]);
  });

  it('a merged field is missing only when neither side feeds it; a side field when its side lacks it', () => {
    const missing = linkedMissing({ hubspot: new Set(['ticket.firstResponseAt', 'contact.raw.X']), salesforce: new Set(['ticket.firstResponseAt', 'contact.csat']) });
    expect([...missing].sort()).toEqual(['contact.hubspot.raw.X', 'contact.salesforce.csat', 'ticket.firstResponseAt']);
  });
});
