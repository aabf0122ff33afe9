/**
 * Contract of the sandbox's tasks v3, owners API and property history against HubSpot's documented shapes,
 * through the official SDK's generated APIs (which also assert the documented status codes):
 * tasks guide https://developers.hubspot.com/docs/api-reference/latest/crm/activities/tasks/guide
 * (touchpoints.md §5), owners guide https://developers.hubspot.com/docs/api-reference/latest/crm/owners/guide,
 * error handling https://developers.hubspot.com/docs/api-reference/error-handling, hubspot.md §3.2, §4, §13.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/tasks/models/AssociationSpec.js';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { NOW, call, sdk, sdkError } from './helpers.ts';

let sb: HubspotSandbox;
beforeAll(async () => {
  sb = await startHubspotSandbox({ contacts: 120, seed: 7, now: NOW });
});
afterAll(() => sb.close());

const DEFINED = AssociationSpecAssociationCategoryEnum.HubspotDefined;

function dealWithContact(): { dealId: string; contactId: string } {
  for (const contactId of sb.data.ids('contacts')) {
    const dealId = sb.data.associated('contacts', contactId, 'deals')[0];
    if (dealId) return { dealId, contactId };
  }
  throw new Error('seed has no deal');
}

describe('owners API', () => {
  it('lists the seeded owners page by page with the SDK; records carry their ids in hubspot_owner_id, a few none', async () => {
    const client = sdk(sb);
    const ids: string[] = [];
    let after: string | undefined;
    do {
      const page = await client.crm.owners.ownersApi.getPage(undefined, after, 2, false);
      expect(page.results.length).toBeLessThanOrEqual(2);
      for (const o of page.results) {
        expect(o).toMatchObject({ type: 'PERSON', archived: false });
        expect(o.email).toMatch(/@/);
        ids.push(o.id);
      }
      after = page.paging?.next?.after;
    } while (after);
    expect(ids).toEqual(sb.data.owners().map((o) => o.id));
    expect(ids.length).toBe(4);

    const owners = new Set(ids);
    const contactOwners = sb.data.ids('contacts').map((id) => sb.data.getRecord('contacts', id)!.properties['hubspot_owner_id']);
    expect(contactOwners.filter((o) => o !== undefined).every((o) => owners.has(o as string))).toBe(true);
    const without = contactOwners.filter((o) => o === undefined).length;
    expect(without).toBeGreaterThan(0);
    expect(without).toBeLessThan(contactOwners.length / 5);
    const dealOwners = sb.data.ids('deals').map((id) => sb.data.getRecord('deals', id)!.properties['hubspot_owner_id']);
    expect(dealOwners.filter((o) => o !== undefined).length).toBeGreaterThan(dealOwners.length / 2);
  });

  it('a deactivated owner moves to archived=true and can no longer be assigned', async () => {
    const local = await startHubspotSandbox({ contacts: 5, seed: 2, now: NOW });
    try {
      const [first] = local.data.owners();
      local.data.deactivateOwner(first!.id);
      const archived = await call(local, 'GET', '/crm/v3/owners?archived=true');
      expect(archived.json.results.map((o: { id: string }) => o.id)).toEqual([first!.id]);
      expect(archived.json.results[0]).not.toHaveProperty('userId');
      const live = await call(local, 'GET', '/crm/v3/owners');
      expect(live.json.results.map((o: { id: string }) => o.id)).not.toContain(first!.id);
      const contact = local.data.ids('contacts')[0]!;
      const r = await call(local, 'POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id: contact, properties: { hubspot_owner_id: first!.id } }] });
      expect(r.status).toBe(400);
      expect(r.json.category).toBe('VALIDATION_ERROR');
    } finally {
      await local.close();
    }
  });

  it('a token without crm.objects.owners.read gets 403 MISSING_SCOPES', async () => {
    const local = await startHubspotSandbox({ contacts: 1, withoutScopes: ['crm.objects.owners.read'] });
    try {
      const err = await sdkError(sdk(local).crm.owners.ownersApi.getPage());
      expect(err.code).toBe(403);
      expect(err.body).toMatchObject({ status: 'error', category: 'MISSING_SCOPES', errors: [{ context: { requiredScopes: ['crm.objects.owners.read'] } }] });
    } finally {
      await local.close();
    }
  });
});

describe('tasks v3', () => {
  it('batch creates with associations on create (201), echoing objectWriteTraceId; associations read back both ways', async () => {
    const client = sdk(sb);
    const { dealId, contactId } = dealWithContact();
    const owner = sb.data.owners()[1]!.id;
    const res = await client.crm.objects.tasks.batchApi.create({
      inputs: [
        {
          properties: { hs_timestamp: '2026-06-03T09:00:00.000Z', hs_task_subject: 'Follow up: stalled', hs_task_body: 'Deal stalled', hubspot_owner_id: owner, hs_task_status: 'NOT_STARTED', hs_task_priority: 'HIGH', hs_task_type: 'TODO' },
          associations: [
            { to: { id: dealId }, types: [{ associationCategory: DEFINED, associationTypeId: 216 }] },
            { to: { id: contactId }, types: [{ associationCategory: DEFINED, associationTypeId: 204 }] },
          ],
          objectWriteTraceId: 't-1',
        },
      ],
    });
    expect(res.results).toHaveLength(1);
    const created = res.results[0]!;
    expect(created.objectWriteTraceId).toBe('t-1');
    expect(created.properties).toMatchObject({ hs_task_subject: 'Follow up: stalled', hs_task_status: 'NOT_STARTED', hubspot_owner_id: owner, hs_timestamp: '2026-06-03T09:00:00.000Z' });
    expect(sb.data.associated('tasks', created.id, 'deals')).toEqual([dealId]);
    expect(sb.data.associated('deals', dealId, 'tasks')).toContain(created.id);

    const v4 = await call(sb, 'POST', '/crm/v4/associations/tasks/contacts/batch/read', { inputs: [{ id: created.id }] });
    expect(v4.json.results[0].to).toEqual([{ toObjectId: Number(contactId), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 204, label: null }] }]);
    const back = await call(sb, 'POST', '/crm/v4/associations/deals/tasks/batch/read', { inputs: [{ id: dealId }] });
    expect(back.json.results[0].to.map((t: { toObjectId: number }) => String(t.toObjectId))).toContain(created.id);

    // Search with the association pseudo-property (hubspot.md §3.3).
    const found = await client.crm.objects.tasks.searchApi.doSearch({ filterGroups: [{ filters: [{ propertyName: 'associations.deal', operator: 'EQ' as never, value: dealId }] }], properties: ['hs_task_subject'], limit: 10, after: '0', sorts: [] });
    expect(found.results.map((r) => r.id)).toContain(created.id);
  });

  it('reads, completes (hs_task_completion_date set) and archives; archived tasks are missing from batch read (207)', async () => {
    const client = sdk(sb);
    const { dealId } = dealWithContact();
    const owner = sb.data.owners()[0]!.id;
    const made = await client.crm.objects.tasks.batchApi.create({
      inputs: [0, 1].map((i) => ({ properties: { hs_timestamp: String(NOW + i * 86_400_000), hs_task_subject: `Task ${i}`, hubspot_owner_id: owner, hs_task_status: 'NOT_STARTED' }, associations: [{ to: { id: dealId }, types: [{ associationCategory: DEFINED, associationTypeId: 216 }] }] })),
    });
    const [a, b] = made.results.map((r) => r.id) as [string, string];
    // Epoch ms input is stored as ISO 8601.
    expect(sb.data.getRecord('tasks', a)!.properties['hs_timestamp']).toBe(new Date(NOW).toISOString());

    const updated = await client.crm.objects.tasks.batchApi.update({ inputs: [{ id: a, properties: { hs_task_status: 'COMPLETED' } }] });
    expect(updated.results[0]!.properties['hs_task_status']).toBe('COMPLETED');
    expect(sb.data.getRecord('tasks', a)!.properties['hs_task_completion_date']).toMatch(/^\d{4}-/);

    const archived = await call(sb, 'POST', '/crm/v3/objects/tasks/batch/archive', { inputs: [{ id: b }, { id: '999999999' }] });
    expect(archived.status).toBe(204);
    const read = await call(sb, 'POST', '/crm/v3/objects/tasks/batch/read', { properties: ['hs_task_status'], inputs: [{ id: a }, { id: b }] });
    expect(read.status).toBe(207);
    expect(read.json.results.map((r: { id: string }) => r.id)).toEqual([a]);
    expect(read.json.errors[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { ids: [b] } });
    expect(read.json.errors[0].message).toContain('TASK');
    expect(sb.data.archivedIds('tasks')).toContain(b);
  });

  it('with trace ids, invalid inputs come back in a 207 by objectWriteTraceId; without, the whole batch fails with 400 and nothing is created', async () => {
    const { dealId } = dealWithContact();
    const owner = sb.data.owners()[0]!.id;
    const good = { properties: { hs_timestamp: '2026-06-03T09:00:00Z', hs_task_subject: 'ok', hubspot_owner_id: owner } };
    const badOwner = { properties: { hs_timestamp: '2026-06-03T09:00:00Z', hs_task_subject: 'bad owner', hubspot_owner_id: '1' } };
    const noDue = { properties: { hs_task_subject: 'no due date' } };
    const badLink = { ...good, associations: [{ to: { id: '424242424' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 216 }] }] };
    const wrongType = { ...good, associations: [{ to: { id: dealId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 4 }] }] };
    const before = sb.data.ids('tasks').length;
    const multi = await call(sb, 'POST', '/crm/v3/objects/tasks/batch/create', { inputs: [good, badOwner, noDue, badLink, wrongType].map((x, i) => ({ ...x, objectWriteTraceId: `w${i}` })) });
    expect(multi.status).toBe(207);
    expect(multi.json.results.map((r: { objectWriteTraceId: string }) => r.objectWriteTraceId)).toEqual(['w0']);
    expect(multi.json.numErrors).toBe(4);
    expect(multi.json.errors.map((e: { category: string; context: { objectWriteTraceId: string[] } }) => [e.category, e.context.objectWriteTraceId[0]])).toEqual([
      ['VALIDATION_ERROR', 'w1'],
      ['VALIDATION_ERROR', 'w2'],
      ['VALIDATION_ERROR', 'w3'],
      ['VALIDATION_ERROR', 'w4'],
    ]);
    expect(multi.json.errors[0].message).toContain('hubspot_owner_id');
    expect(multi.json.errors[1].message).toContain('hs_timestamp');
    expect(sb.data.ids('tasks').length).toBe(before + 1);

    const whole = await call(sb, 'POST', '/crm/v3/objects/tasks/batch/create', { inputs: [good, badOwner] });
    expect(whole.status).toBe(400);
    expect(whole.json).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', correlationId: expect.any(String) });
    expect(sb.data.ids('tasks').length).toBe(before + 1);

    const tooMany = await call(sb, 'POST', '/crm/v3/objects/tasks/batch/create', { inputs: Array.from({ length: 101 }, () => good) });
    expect(tooMany.status).toBe(400);
  });

  it('serves task properties through the properties API (status options read at setup, touchpoints.md pitfall 13)', async () => {
    const status = await sdk(sb).crm.properties.coreApi.getByName('tasks', 'hs_task_status');
    expect(status.options.map((o) => o.value)).toEqual(expect.arrayContaining(['NOT_STARTED', 'COMPLETED']));
  });
});

describe('propertiesWithHistory', () => {
  it('returns every version a write set, newest first, with its source; a seeded value is its first version', async () => {
    const contact = sb.data.ids('contacts').find((id) => sb.data.getRecord('contacts', id)!.properties['lifecyclestage'] !== undefined)!;
    const seeded = sb.data.getRecord('contacts', contact)!.properties['lifecyclestage'];
    const client = sdk(sb);
    await client.crm.contacts.batchApi.update({ inputs: [{ id: contact, properties: { lifecyclestage: 'customer' } }] });
    sb.data.updateRecord('contacts', contact, { lifecyclestage: 'evangelist' });
    const one = await client.crm.contacts.basicApi.getById(contact, ['lifecyclestage'], ['lifecyclestage']);
    const versions = one.propertiesWithHistory!['lifecyclestage']!;
    expect(versions.map((v) => [v.value, v.sourceType])).toEqual([
      ['evangelist', 'CRM_UI'],
      ['customer', 'API'],
      [seeded, 'IMPORT'],
    ]);
    const times = versions.map((v) => v.timestamp.getTime());
    expect([...times].sort((x, y) => y - x)).toEqual(times);

    const batch = await call(sb, 'POST', '/crm/v3/objects/contacts/batch/read', { properties: ['email'], propertiesWithHistory: ['lifecyclestage'], inputs: [{ id: contact }] });
    expect(batch.json.results[0].propertiesWithHistory.lifecyclestage.map((v: { value: string }) => v.value)).toEqual(['evangelist', 'customer', seeded]);
    // Batch reads with history take at most 50 inputs (hubspot.md §3.2).
    const big = await call(sb, 'POST', '/crm/v3/objects/contacts/batch/read', { propertiesWithHistory: ['lifecyclestage'], inputs: sb.data.ids('contacts').slice(0, 51).map((id) => ({ id })) });
    expect(big.status).toBe(400);
  });
});
