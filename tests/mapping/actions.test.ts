import { describe, expect, it } from 'vitest';
import { MappingError } from '../../src/errors.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { parseMapping } from '../../src/mapping/parse.ts';

const base = `version: 1
journeys:
  - id: default
    label: Journey
    stages:
      - id: awareness
        label: Awareness
      - id: post_purchase
        label: Post-purchase
        when:
          any_deal: { deal.isWon: true }
friction:
  - id: stalled_deal
    label: Stalled deal
    severity: high
    on: [deal, contact]
    when:
      deal.isClosed: false
  - id: detractor
    label: Detractor
    severity: low
    on: contact
    when:
      contact.npsScore: { lte: 6 }
writeback:
  contact: { stage: parcours_stage }
actions:
`;

function problems(actions: string): string[] {
  try {
    parseMapping(base + actions, 'mappings/test.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(MappingError);
    return (e as MappingError).message.split('\n');
  }
  throw new Error('expected the mapping to be rejected');
}

// Line 28 is the first line after `actions:`.
describe('the actions section', () => {
  it('parses an action with its defaults: body {reason}, due in 1 day, calendar days, closed when cleared', () => {
    const m = parseMapping(`${base}  - id: follow_up
    on_flag: stalled_deal
    owner: deal.owner
    subject: 'Follow up "{deal.name}"'
`, 'x.yaml');
    expect(m.actions).toEqual([{
      id: 'follow_up', label: 'follow_up', onFlag: 'stalled_deal', onStage: null, subject: 'Follow up "{deal.name}"', body: '{reason}',
      owner: 'deal.owner', fallbackOwner: null, priority: null, dueInDays: 1, businessDays: false, closeWhenCleared: true,
    }]);
  });

  it('accepts a flag within a stage, every option set', () => {
    const m = parseMapping(`${base}  - id: call_back
    label: Call back
    on_flag: detractor
    on_stage: post_purchase
    owner: contact.owner
    fallback_owner: lead@example.com
    priority: high
    due_in_days: 3
    business_days: true
    close_when_cleared: false
    subject: 'Call {contact.name} ({flag})'
    body: '{reason} in {stage}'
`, 'x.yaml');
    expect(m.actions[0]).toMatchObject({ onFlag: 'detractor', onStage: 'post_purchase', fallbackOwner: 'lead@example.com', priority: 'high', dueInDays: 3, businessDays: true, closeWhenCleared: false });
  });

  it('unknown flag, stage and owner path name the file and the line', () => {
    expect(problems(`  - id: a
    on_flag: stalled_dael
    on_stage: postpurchase
    owner: deal.ownr
    subject: x
`)).toEqual([
      'mappings/test.yaml:29 actions[0].on_flag: unknown flag "stalled_dael"; flags are stalled_deal, detractor',
      'mappings/test.yaml:30 actions[0].on_stage: unknown stage "postpurchase"; stages are awareness, post_purchase',
      'mappings/test.yaml:31 actions[0].owner: unknown owner "deal.ownr"; owner is one of deal.owner, contact.owner, ticket.owner',
    ]);
  });

  it('an owner the task has no record for: a ticket owner on a deal flag, a deal owner on a contact flag or a stage', () => {
    expect(problems(`  - id: a
    on_flag: stalled_deal
    owner: ticket.owner
    subject: x
  - id: b
    on_flag: detractor
    owner: deal.owner
    subject: x
  - id: c
    on_stage: awareness
    owner: deal.owner
    subject: x
`)).toEqual([
      'mappings/test.yaml:30 actions[0].owner: owner ticket.owner names no ticket here (flag "stalled_deal" attaches to deal and contact); use deal.owner or contact.owner',
      'mappings/test.yaml:34 actions[1].owner: owner deal.owner names no deal here (flag "detractor" attaches to contact); use contact.owner',
      'mappings/test.yaml:38 actions[2].owner: owner deal.owner names no deal here (a stage-only action is about the contact); use contact.owner',
    ]);
  });

  it('template variables are checked: unknown root, unknown field, a record the task is not about', () => {
    expect(problems(`  - id: a
    on_flag: stalled_deal
    owner: deal.owner
    subject: '{deal.nmae} for {ticket.subject}'
    body: '{owner} {contact}'
`)).toEqual([
      expect.stringMatching(/^mappings\/test\.yaml:31 actions\[0\]\.subject: unknown field deal\.nmae in \{deal\.nmae\}; deal fields are id, objectType, name/),
      'mappings/test.yaml:31 actions[0].subject: template variable {ticket.subject}: the task is about a deal, so it has no ticket to cite',
      'mappings/test.yaml:32 actions[0].body: unknown template variable {owner}; variables start with contact, deal, ticket, stage, now, flag, reason',
      'mappings/test.yaml:32 actions[0].body: template variable {contact} needs a field, e.g. {contact.name}',
    ]);
  });

  it('an action needs a trigger; ids are unique; unknown keys and bad values are located', () => {
    expect(problems(`  - id: a
    owner: contact.owner
    subject: x
  - id: a
    on_flag: detractor
    owner: contact.owner
    subject: x
`)).toEqual([
      'mappings/test.yaml:28 actions[0]: an action needs on_flag, on_stage, or both',
      'mappings/test.yaml:31 actions[1].id: duplicate action id "a" (first defined at actions[0])',
    ]);
    expect(problems(`  - id: a
    on_flag: detractor
    owner: contact.owner
    subject: x
    due_in_days: -1
    colour: red
`)).toEqual([
      expect.stringMatching(/^mappings\/test\.yaml:32 actions\[0\]\.due_in_days: /),
      'mappings/test.yaml:33 actions[0].colour: unknown key "colour"',
    ]);
  });

  it('both default mappings ship the four actions on flags they define', () => {
    for (const file of ['mappings/hubspot.yaml', 'mappings/salesforce.yaml']) {
      const m = loadMapping(file);
      expect(m.actions.map((a) => [a.id, a.onFlag, a.onStage, a.owner, a.priority, a.dueInDays])).toEqual([
        ['follow_up_stalled_deal', 'stalled_deal', null, 'deal.owner', null, 2],
        ['resolve_unresolved_ticket', 'unresolved_ticket', null, 'ticket.owner', null, 1],
        ['call_back_detractor', 'detractor', 'post_purchase', 'contact.owner', 'high', 2],
        ['win_back_abandoned_checkout', 'abandoned_checkout', null, 'deal.owner', null, 2],
      ]);
    }
  });
});
