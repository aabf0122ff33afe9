/**
 * Salesforce Task through sObject Collections with documented bodies at the HTTP boundary (jsforce on top):
 * collections create/update/delete (salesforce.md §3.1; resources_composite_sobjects_collections), Task fields
 * (touchpoints.md §6.1, §8), the org's TaskStatus/TaskPriority values, active Users, ContactHistory.
 */
import nock from 'nock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TaskCreate } from '../../connectors/port.ts';
import { memorySchemaCache } from '../../src/http/kept-schema.ts';
import { V, compositeEndpoint, connector, page, sf, soql, type CompositeLog } from './fixtures.ts';

beforeAll(() => nock.disableNetConnect());
// Requests made together (the picklist and owner queries, a create's 200-record calls) travel packed in
// POST /composite; its subrequests are served by this file's interceptors.
let composites: CompositeLog = [];
beforeEach(() => {
  composites = compositeEndpoint();
});
afterEach(() => {
  nock.cleanAll();
});

/** An org that renamed its values: closed "Done", high "Urgent", default "Normal". */
function picklists(scope: nock.Scope): nock.Scope {
  return scope
    .get(`${V}/query`).query(soql((q) => q === 'SELECT ApiName, MasterLabel, IsClosed, IsDefault, SortOrder FROM TaskStatus ORDER BY SortOrder'))
    .reply(200, page('TaskStatus', [
      { Id: '01J1', ApiName: 'Open', MasterLabel: 'Open', IsClosed: false, IsDefault: false, SortOrder: 1 },
      { Id: '01J2', ApiName: 'Not Started', MasterLabel: 'Not Started', IsClosed: false, IsDefault: true, SortOrder: 2 },
      { Id: '01J3', ApiName: 'Done', MasterLabel: 'Done', IsClosed: true, IsDefault: false, SortOrder: 3 },
    ]))
    .get(`${V}/query`).query(soql((q) => q === 'SELECT ApiName, MasterLabel, IsDefault, IsHighPriority, SortOrder FROM TaskPriority ORDER BY SortOrder'))
    .reply(200, page('TaskPriority', [
      { Id: '01J4', ApiName: 'Urgent', MasterLabel: 'Urgent', IsDefault: false, IsHighPriority: true, SortOrder: 1 },
      { Id: '01J5', ApiName: 'Normal', MasterLabel: 'Normal', IsDefault: true, IsHighPriority: false, SortOrder: 2 },
      { Id: '01J6', ApiName: 'Low', MasterLabel: 'Low', IsDefault: false, IsHighPriority: false, SortOrder: 3 },
    ]));
}

const DUE = Date.UTC(2026, 11, 2, 23, 30);
const task = (key: string, on: TaskCreate['on'], contactId: string | null, priority: TaskCreate['fields']['priority'] = 'high'): TaskCreate => ({
  key, on, contactId, fields: { subject: `Follow up ${key}`, body: 'Deal stalled 40 days', status: 'open', priority, dueAt: DUE, ownerId: '005R1' },
});

describe('Salesforce tasks through sObject Collections', () => {
  it('creates ≤ 200 per call with allOrNone false, WhoId/WhatId, the org\'s status and priority values, and a date-only ActivityDate', async () => {
    const bodies: Array<{ allOrNone: boolean; records: Array<Record<string, unknown>> }> = [];
    const scope = picklists(sf())
      .post(`${V}/composite/sobjects`, (b) => (bodies.push(b), true))
      .reply(200, () => bodies[0]!.records.map((_, i) => ({ id: `00T${String(i).padStart(15, '0')}`, success: true, errors: [] })))
      .post(`${V}/composite/sobjects`, (b) => (bodies.push(b), true))
      .reply(200, [
        { id: '00TX1', success: true, errors: [] },
        { success: false, errors: [{ statusCode: 'INACTIVE_OWNER_OR_USER', message: 'operation performed with inactive user [005R9] as owner of task', fields: [] }] },
        { success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record', fields: [] }] },
      ]);
    const tasks = [
      task('stalled_deal:deal:006A', { kind: 'deal', objectType: 'Opportunity', id: '006A' }, '003A'),
      task('unresolved_ticket:ticket:500A', { kind: 'ticket', objectType: 'Case', id: '500A' }, '00QL', 'medium'),
      task('detractor:contact:003B', { kind: 'contact', objectType: 'Contact', id: '003B' }, '003B', 'low'),
      ...Array.from({ length: 200 }, (_, i) => task(`stalled_deal:deal:006${i}`, { kind: 'deal', objectType: 'Opportunity', id: `006${i}` }, null)),
    ];
    const result = await connector().tasks!.create(tasks);
    expect(scope.isDone()).toBe(true);
    expect(bodies.map((b) => [b.allOrNone, b.records.length])).toEqual([[false, 200], [false, 3]]);
    expect(bodies[0]!.records[0]).toEqual({
      attributes: { type: 'Task' },
      Subject: 'Follow up stalled_deal:deal:006A',
      Description: 'Deal stalled 40 days',
      Status: 'Not Started',
      Priority: 'Urgent',
      ActivityDate: '2026-12-02',
      OwnerId: '005R1',
      WhoId: '003A',
      WhatId: '006A',
      TaskSubtype: 'Task',
    });
    // A Lead customer: only the case is related (WhatId); a task on a contact: WhoId only.
    expect(bodies[0]!.records[1]).toMatchObject({ WhatId: '500A', Priority: 'Normal' });
    expect(bodies[0]!.records[1]).not.toHaveProperty('WhoId');
    expect(bodies[0]!.records[2]).toMatchObject({ WhoId: '003B', Priority: 'Low' });
    expect(bodies[0]!.records[2]).not.toHaveProperty('WhatId');
    expect(result.created).toHaveLength(201);
    expect(result.created[0]).toEqual({ key: 'stalled_deal:deal:006A', id: '00T000000000000000' });
    expect(result.failed).toEqual([
      { id: 'stalled_deal:deal:006198', code: 'INACTIVE_OWNER_OR_USER', message: expect.stringContaining('inactive user'), retryable: false },
      { id: 'stalled_deal:deal:006199', code: 'UNABLE_TO_LOCK_ROW', message: expect.any(String), retryable: true },
    ]);
  });

  it('reads tasks by id (a deleted one is missing), closes and re-opens with the org\'s values, deletes with allOrNone=false', async () => {
    let patched: { allOrNone: boolean; records: Array<Record<string, unknown>> } | undefined;
    const scope = picklists(sf())
      .get(`${V}/query`).query(soql((q) => q === "SELECT Id, Subject, Description, Status, Priority, ActivityDate, OwnerId, IsClosed, IsHighPriority FROM Task WHERE Id IN ('00TA', '00TB', '00TC')"))
      .reply(200, page('Task', [
        { Id: '00TA', Subject: 'Follow up', Description: null, Status: 'Done', Priority: 'Urgent', ActivityDate: '2026-12-02', OwnerId: '005R1', IsClosed: true, IsHighPriority: true },
        { Id: '00TB', Subject: 'Call', Description: 'notes', Status: 'Open', Priority: 'Low', ActivityDate: null, OwnerId: '005R2', IsClosed: false, IsHighPriority: false },
      ]))
      .patch(`${V}/composite/sobjects`, (b) => ((patched = b), true))
      .reply(200, [
        { id: '00TA', success: true, errors: [] },
        { success: false, errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }] },
      ])
      .delete(`${V}/composite/sobjects`).query({ ids: '00TA,00TB,00TC', allOrNone: 'false' })
      .reply(200, [
        { id: '00TA', success: true, errors: [] },
        { id: '00TB', success: false, errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }] },
        { id: '00TC', success: false, errors: [{ statusCode: 'INSUFFICIENT_ACCESS_OR_READONLY', message: 'insufficient access rights on object id', fields: [] }] },
      ]);
    const c = connector();
    const read = await c.tasks!.read(['00TA', '00TB', '00TC']);
    expect(read.get('00TA')).toEqual({ subject: 'Follow up', body: '', status: 'completed', priority: 'high', dueAt: Date.UTC(2026, 11, 2), ownerId: '005R1' });
    expect(read.get('00TB')).toMatchObject({ status: 'open', priority: 'low', dueAt: 0 });
    expect(read.has('00TC')).toBe(false);

    const u = await c.tasks!.update([{ id: '00TA', fields: { status: 'completed' } }, { id: '00TC', fields: { status: 'open' } }]);
    expect(patched).toEqual({ allOrNone: false, records: [{ attributes: { type: 'Task' }, id: '00TA', Status: 'Done' }, { attributes: { type: 'Task' }, id: '00TC', Status: 'Not Started' }] });
    expect(u).toEqual({ written: ['00TA'], failed: [{ id: '00TC', code: 'ENTITY_IS_DELETED', message: 'entity is deleted', retryable: false }] });

    const r = await c.tasks!.remove(['00TA', '00TB', '00TC']);
    // Already deleted is not an error; a refusal is.
    expect(r).toEqual({ removed: ['00TA', '00TB'], failed: [{ id: '00TC', code: 'INSUFFICIENT_ACCESS_OR_READONLY', message: expect.any(String), retryable: false }] });
    expect(scope.isDone()).toBe(true);
    // The org's values were read once for the connector, their two queries in one Composite call.
    expect(composites.filter((call) => call.some((r) => r.url.includes('TaskStatus')) && call.some((r) => r.url.includes('TaskPriority')))).toHaveLength(1);
    expect(composites.flat().filter((r) => r.url.includes('TaskStatus'))).toHaveLength(1);
  });

  it('the org\'s task values are kept across runs (the schema cache); a refused picklist value makes the next write read them again', async () => {
    const cache = memorySchemaCache();
    const on = { kind: 'deal' as const, objectType: 'Opportunity', id: '006A' };
    const statusReads = (): number => composites.flat().filter((r) => r.url.includes('TaskStatus')).length;
    const scope = picklists(sf())
      .post(`${V}/composite/sobjects`).reply(200, [{ id: '00TX1', success: true, errors: [] }])
      .post(`${V}/composite/sobjects`).reply(200, [{ success: false, errors: [{ statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: 'Status: bad value for restricted picklist field: Not Started', fields: ['Status'] }] }]);
    expect((await connector({ schemaCache: cache }).tasks!.create([task('a', on, '003A')])).created).toHaveLength(1);
    // The next run (a new connector on the same installation's cache) creates without reading the values.
    const refused = await connector({ schemaCache: cache }).tasks!.create([task('b', on, '003A')]);
    expect(refused.failed).toEqual([{ id: 'b', code: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: expect.stringContaining('bad value'), retryable: false }]);
    expect(scope.isDone()).toBe(true);
    expect(statusReads()).toBe(1);
    // The org changed its values: the write after the refusal reads them again.
    const again = picklists(sf()).post(`${V}/composite/sobjects`).reply(200, [{ id: '00TX2', success: true, errors: [] }]);
    expect((await connector({ schemaCache: cache }).tasks!.create([task('c', on, '003A')])).created).toEqual([{ key: 'c', id: '00TX2' }]);
    expect(again.isDone()).toBe(true);
    expect(statusReads()).toBe(2);
  });

  it('owners are the active Users; fieldHistory reads ContactHistory oldest first', async () => {
    const scope = sf()
      .get(`${V}/query`).query(soql((q) => q === 'SELECT Id, Email, Name, IsActive FROM User WHERE IsActive = true ORDER BY Id'))
      .reply(200, page('User', [{ Id: '005R1', Email: 'rep@acme.example', Name: 'Rep One', IsActive: true }]))
      .get(`${V}/query`).query(soql((q) => q === "SELECT NewValue, CreatedDate, CreatedById FROM ContactHistory WHERE ContactId = '003A' AND Field = 'Parcours_Stage__c' ORDER BY CreatedDate, Id"))
      .reply(200, page('ContactHistory', [
        { Id: '017A', NewValue: 'onboarding', CreatedDate: '2026-06-01T00:00:00.000+0000', CreatedById: '005INT' },
        { Id: '017B', NewValue: null, CreatedDate: '2026-07-01T00:00:00.000+0000', CreatedById: '005R1' },
      ]));
    const c = connector();
    expect(await c.tasks!.owners()).toEqual([{ id: '005R1', email: 'rep@acme.example', name: 'Rep One', active: true }]);
    expect(await c.fieldHistory!({ kind: 'contact', objectType: 'Contact', id: '003A' }, 'Parcours_Stage__c')).toEqual([
      { value: 'onboarding', at: Date.UTC(2026, 5, 1), source: '005INT' },
      { value: null, at: Date.UTC(2026, 6, 1), source: '005R1' },
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('a transport failure fails every task of the call, retryable when transient', async () => {
    picklists(sf()).post(`${V}/composite/sobjects`).times(4).reply(503, [{ message: 'Server unavailable', errorCode: 'SERVER_UNAVAILABLE' }]);
    const r = await connector().tasks!.create([task('a', { kind: 'deal', objectType: 'Opportunity', id: '006A' }, null)]);
    expect(r.created).toEqual([]);
    expect(r.failed).toEqual([{ id: 'a', code: expect.any(String), message: expect.any(String), retryable: true }]);
  });
});
