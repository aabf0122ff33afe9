import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { NOW, call, sdk, sdkError } from './helpers.ts';

let sb: HubspotSandbox;
beforeAll(async () => {
  sb = await startHubspotSandbox({ contacts: 600, seed: 2, now: NOW });
});
afterAll(() => sb.close());

describe('properties and groups', () => {
  it('creates a group (201) then 409 on repeat; creates a property (201) then 409; patches options (200)', async () => {
    const client = sdk(sb);
    const group = await client.crm.properties.groupsApi.create('contacts', { name: 'journey', label: 'Journey', displayOrder: -1 });
    expect(group.name).toBe('journey');
    expect((await sdkError(client.crm.properties.groupsApi.create('contacts', { name: 'journey', label: 'Journey' }))).code).toBe(409);
    const spec = {
      name: 'parcours_friction',
      label: 'Friction',
      type: 'enumeration',
      fieldType: 'checkbox',
      groupName: 'journey',
      options: [{ label: 'Stalled', value: 'stalled_deal', hidden: false }],
    } as never;
    const created = await client.crm.properties.coreApi.create('contacts', spec);
    expect(created.options.map((o) => o.value)).toEqual(['stalled_deal']);
    const again = await sdkError(client.crm.properties.coreApi.create('contacts', spec));
    expect(again.code).toBe(409);
    expect(again.body.category).toBe('CONFLICT');
    const patched = await client.crm.properties.coreApi.update('contacts', 'parcours_friction', {
      options: [
        { label: 'Stalled', value: 'stalled_deal', hidden: false, displayOrder: 0 },
        { label: 'Detractor', value: 'detractor', hidden: false, displayOrder: 1 },
      ],
    });
    expect(patched.options.map((o) => o.value)).toEqual(['stalled_deal', 'detractor']);
    const one = await client.crm.properties.coreApi.getByName('contacts', 'parcours_friction');
    expect(one.fieldType).toBe('checkbox');
    const all = await client.crm.properties.coreApi.getAll('contacts');
    expect(all.results.map((p) => p.name)).toEqual(expect.arrayContaining(['lifecyclestage', 'hs_feedback_last_csat_survey_rating', 'parcours_friction']));
    // The new property is writable right away, and validates its options.
    const id = sb.data.ids('contacts')[0]!;
    expect((await call(sb, 'POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id, properties: { parcours_friction: 'detractor;stalled_deal' } }] })).status).toBe(200);
    expect((await call(sb, 'POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id, properties: { parcours_friction: 'nope' } }] })).status).toBe(400);
    expect((await call(sb, 'POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id, objectWriteTraceId: 'x', properties: { parcours_friction: 'nope' } }] })).status).toBe(207);
  });

  it('validates type/fieldType pairs, required fields, group existence; 404 for unknown names', async () => {
    const bad = (body: unknown) => call(sb, 'POST', '/crm/v3/properties/deals', body);
    expect((await bad({ name: 'x_one', label: 'X', type: 'number', fieldType: 'checkbox', groupName: 'dealinformation' })).status).toBe(400);
    expect((await bad({ name: 'x_two', label: 'X', type: 'enumeration', fieldType: 'select', groupName: 'dealinformation' })).status).toBe(400);
    expect((await bad({ name: 'x_three', type: 'string', fieldType: 'text', groupName: 'dealinformation' })).status).toBe(400);
    expect((await bad({ name: 'x_four', label: 'X', type: 'string', fieldType: 'text', groupName: 'missing_group' })).status).toBe(400);
    expect((await bad({ name: 'x_five', label: 'X', type: 'datetime', fieldType: 'date', groupName: 'dealinformation' })).status).toBe(201);
    const missing = await sdkError(sdk(sb).crm.properties.coreApi.getByName('deals', 'does_not_exist'));
    expect(missing.code).toBe(404);
  });
});

describe('pipelines', () => {
  it('lists deal pipelines with isClosed/probability and ticket stages with ticketState', async () => {
    const deals = await sdk(sb).crm.pipelines.pipelinesApi.getAll('deals');
    const custom = deals.results.find((p) => p.id !== 'default')!;
    expect(custom.stages.every((s) => /^\d+$/.test(s.id))).toBe(true);
    const won = deals.results[0]!.stages.find((s) => s.id === 'closedwon')!;
    expect(won.metadata).toMatchObject({ isClosed: 'true', probability: '1.0' });
    const tickets = await sdk(sb).crm.pipelines.pipelinesApi.getAll('tickets');
    expect(tickets.results[0]!.stages.map((s) => s.metadata?.['ticketState'])).toEqual(['OPEN', 'OPEN', 'OPEN', 'CLOSED']);
  });
});

describe('lists v3', () => {
  it('creates a MANUAL list (SDK accepts the status), finds it by name, adds/removes members and pages memberships', async () => {
    const client = sdk(sb);
    const created = await client.crm.lists.listsApi.create({ name: 'Journey: at risk', objectTypeId: '0-1', processingType: 'MANUAL' });
    const listId = created.list.listId;
    const byName = await client.crm.lists.listsApi.getByName('journey: AT RISK', '0-1');
    expect(byName.list.listId).toBe(listId);
    const dup = await call(sb, 'POST', '/crm/v3/lists', { name: 'Journey: at risk', objectTypeId: '0-1', processingType: 'MANUAL' });
    expect(dup.status).toBe(400);

    const contacts = sb.data.ids('contacts').slice(0, 520);
    const added = await client.crm.lists.membershipsApi.add(listId, [...contacts, '77777777']);
    expect(added.recordsIdsAdded).toHaveLength(520);
    expect(added.recordIdsMissing).toEqual(['77777777']);
    const again = await client.crm.lists.membershipsApi.add(listId, contacts.slice(0, 2));
    expect(again.recordsIdsAdded).toEqual([]);
    const removed = await client.crm.lists.membershipsApi.remove(listId, contacts.slice(0, 10));
    expect(removed.recordIdsRemoved).toHaveLength(10);
    const both = await client.crm.lists.membershipsApi.addAndRemove(listId, { recordIdsToAdd: [contacts[0]!], recordIdsToRemove: [contacts[10]!] });
    expect(both.recordsIdsAdded).toEqual([contacts[0]]);
    expect(both.recordIdsRemoved).toEqual([contacts[10]]);

    const members: string[] = [];
    let after: string | undefined;
    do {
      const page = await client.crm.lists.membershipsApi.getPage(listId, after, undefined, 250);
      expect(page.results.length).toBeLessThanOrEqual(250);
      members.push(...page.results.map((r) => r.recordId));
      after = page.paging?.next?.after;
    } while (after);
    expect(members).toEqual(sb.data.listMembers(listId));
    expect(members).toHaveLength(510); // 520 added, 10 removed, one re-added, one more removed
    expect((await client.crm.lists.listsApi.getById(listId)).list.size).toBe(510);
    expect((await call(sb, 'GET', `/crm/v3/lists/${listId}/memberships?limit=251`)).status).toBe(400);
    expect((await sdkError(client.crm.lists.listsApi.getById('999'))).code).toBe(404);
  });

  it('refuses membership changes on DYNAMIC lists', async () => {
    const l = await call(sb, 'POST', '/crm/v3/lists', { name: 'dyn', objectTypeId: '0-1', processingType: 'DYNAMIC' });
    const r = await call(sb, 'PUT', `/crm/v3/lists/${l.json.list.listId}/memberships/add`, [sb.data.ids('contacts')[0]]);
    expect(r.status).toBe(400);
  });
});

describe('properties a portal has, and does not have', () => {
  it('serves the feedback-survey rollups with their documented types; CSAT values are on the 0–2 scale', async () => {
    const all = await sdk(sb).crm.properties.coreApi.getAll('contacts');
    const byName = new Map(all.results.map((p) => [p.name, p]));
    // touchpoints.md §3.4 (a portal's properties API: CSAT rating is a number rollup, NPS rating an enumeration).
    expect(byName.get('hs_feedback_last_csat_survey_rating')).toMatchObject({ type: 'number', fieldType: 'calculation_rollup' });
    expect(byName.get('hs_feedback_last_nps_rating')).toMatchObject({ type: 'enumeration' });
    expect(byName.has('parcours_demo_csat')).toBe(false);
    const values = new Set<string>();
    for (const id of sb.data.ids('contacts')) {
      const v = sb.data.getRecord('contacts', id)?.properties['hs_feedback_last_csat_survey_rating'];
      if (v !== undefined) values.add(v);
    }
    expect([...values].sort()).toEqual(['0', '1', '2']);
  });

  it('leaves out a requested property the portal does not define, as HubSpot does (objects guide)', async () => {
    const id = sb.data.ids('contacts')[0]!;
    const res = await call(sb, 'GET', `/crm/v3/objects/contacts/${id}?properties=email,no_such_property`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.json.properties)).toContain('email');
    expect(Object.keys(res.json.properties)).not.toContain('no_such_property');
  });

  it('a portal without a property lists it nowhere: not in the properties API, not on records', async () => {
    const lean = await startHubspotSandbox({ contacts: 30, seed: 2, now: NOW, withoutProperties: { contacts: ['hs_feedback_last_csat_survey_rating'] } });
    try {
      const names = (await call(lean, 'GET', '/crm/v3/properties/contacts')).json.results.map((p: { name: string }) => p.name);
      expect(names).not.toContain('hs_feedback_last_csat_survey_rating');
      expect(names).toContain('hs_feedback_last_nps_rating');
      const page = await call(lean, 'POST', '/crm/v3/objects/contacts/batch/read', { inputs: lean.data.ids('contacts').slice(0, 10).map((id) => ({ id })), properties: ['hs_feedback_last_csat_survey_rating', 'email'] });
      for (const r of page.json.results) expect(Object.keys(r.properties)).not.toContain('hs_feedback_last_csat_survey_rating');
    } finally {
      await lean.close();
    }
  });
});
