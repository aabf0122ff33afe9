/** GDPR delete, the 90-day archive window, list deletion and membership paging, as HubSpot documents them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { NOW, call, sdk } from './helpers.ts';

let sb: HubspotSandbox;
beforeAll(async () => {
  sb = await startHubspotSandbox({ contacts: 40, seed: 9, now: NOW });
});
afterAll(() => sb.close());

const archivedIds = async (): Promise<string[]> => {
  const r = await call(sb, 'GET', '/crm/v3/objects/contacts?archived=true&limit=100');
  return r.json.results.map((o: { id: string }) => o.id);
};

describe('permanent deletion', () => {
  it('GDPR delete answers 204 and the contact is in neither the live nor the archived list, nor any list', async () => {
    const [id, other] = sb.data.ids('contacts') as [string, string];
    const list = await call(sb, 'POST', '/crm/v3/lists', { name: 'GDPR test', objectTypeId: '0-1', processingType: 'MANUAL' });
    await call(sb, 'PUT', `/crm/v3/lists/${list.json.list.listId}/memberships/add`, [id, other]);
    const r = await call(sb, 'POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: id });
    expect(r.status).toBe(204);
    expect((await call(sb, 'GET', `/crm/v3/objects/contacts/${id}`)).status).toBe(404);
    expect((await call(sb, 'GET', `/crm/v3/objects/contacts/${id}?archived=true`)).status).toBe(404);
    expect(await archivedIds()).not.toContain(id);
    expect(sb.data.listMembers(list.json.list.listId)).toEqual([other]);
    // A second delete of the same id: nothing left to delete.
    expect((await call(sb, 'POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: id })).status).toBe(404);
  });

  it('an archived record is listed with archived=true for 90 days, then purged', async () => {
    const [recent, old] = sb.data.ids('contacts').slice(3, 5) as [string, string];
    sb.data.archiveRecord('contacts', recent);
    sb.data.archiveRecord('contacts', old, NOW - 91 * 86_400_000);
    const archived = await archivedIds();
    expect(archived).toContain(recent);
    expect(archived).not.toContain(old);
    expect(sb.data.getRecord('contacts', old)).toBeNull();
  });
});

describe('lists', () => {
  it('pages memberships 250 at a time in recordId order; a deleted list answers 404 everywhere', async () => {
    const client = sdk(sb);
    const created = await client.crm.lists.listsApi.create({ name: 'Paging test', objectTypeId: '0-1', processingType: 'MANUAL' });
    const listId = created.list.listId;
    const ids = sb.data.ids('contacts').slice(0, 30);
    await client.crm.lists.membershipsApi.add(listId, ids);
    const first = await call(sb, 'GET', `/crm/v3/lists/${listId}/memberships?limit=20`);
    expect(first.json.results).toHaveLength(20);
    expect(first.json.results[0]).toEqual({ recordId: ids[0], membershipTimestamp: expect.any(String) });
    const second = await call(sb, 'GET', `/crm/v3/lists/${listId}/memberships?limit=20&after=${first.json.paging.next.after}`);
    expect([...first.json.results, ...second.json.results].map((r: { recordId: string }) => r.recordId)).toEqual(ids);
    expect(second.json.paging).toBeUndefined();

    sb.data.editListMembers(listId, { remove: [ids[0] as string] });
    expect(sb.data.listMembers(listId)).not.toContain(ids[0]);
    expect((await call(sb, 'DELETE', `/crm/v3/lists/${listId}`)).status).toBe(204);
    expect((await call(sb, 'GET', `/crm/v3/lists/${listId}`)).status).toBe(404);
    expect((await call(sb, 'GET', `/crm/v3/lists/${listId}/memberships`)).status).toBe(404);
    expect((await call(sb, 'PUT', `/crm/v3/lists/${listId}/memberships/add`, [ids[1]])).status).toBe(404);
    expect((await call(sb, 'GET', `/crm/v3/lists/object-type-id/0-1/name/${encodeURIComponent('Paging test')}`)).status).toBe(404);
  });
});
