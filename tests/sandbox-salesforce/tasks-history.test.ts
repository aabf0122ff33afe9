/**
 * Contract of the sandbox's Task, TaskStatus/TaskPriority, User, OwnerId, field history (ContactHistory /
 * LeadHistory, Tooling trackHistory, FieldDefinition) against Salesforce's documented behaviour:
 * touchpoints.md §6.1, §8 (Task fields, WhoId Contact/Lead only → FIELD_INTEGRITY_EXCEPTION, ActivityDate a
 * date, Status drives IsClosed); salesforce.md §3.1 (Collections), §11 (trackHistory, 20 fields per object);
 * StandardObjectNameHistory (object reference); FieldDefinition (Tooling reference).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { connect, NOW, rest } from './helpers.ts';

let sb: SalesforceSandbox;
beforeAll(async () => {
  sb = await startSalesforceSandbox({ seed: 4, contacts: 60, now: NOW });
});
afterAll(() => sb.close());

const V = '/services/data/v66.0';
type Result = { id?: string; success: boolean; errors: Array<{ statusCode: string; message: string; fields: string[] }> };

describe('owners', () => {
  it('every Contact, Lead, Opportunity and Case has an OwnerId that is a User; active reps and one inactive', async () => {
    const conn = connect(sb);
    const users = (await conn.query<{ Id: string; IsActive: boolean; Name: string }>('SELECT Id, Name, IsActive FROM User')).records;
    const byId = new Map(users.map((u) => [u.Id, u]));
    expect(users.filter((u) => u.IsActive).length).toBe(5);
    expect(users.filter((u) => !u.IsActive).map((u) => u.Name)).toEqual(['Former Rep']);
    for (const object of ['Contact', 'Lead', 'Opportunity', 'Case']) {
      const rows = (await conn.query<{ OwnerId: string }>(`SELECT OwnerId FROM ${object}`)).records;
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => byId.has(r.OwnerId))).toBe(true);
    }
    const describe = await conn.sobject('Task').describe();
    expect(describe.fields.find((f) => f.name === 'WhoId')?.referenceTo).toEqual(['Contact', 'Lead']);
    expect(describe.fields.find((f) => f.name === 'WhatId')?.referenceTo).toEqual(expect.arrayContaining(['Opportunity', 'Case']));
    expect(describe.createable).toBe(true);
  });
});

describe('Task', () => {
  it('TaskStatus and TaskPriority list the default org values', async () => {
    const conn = connect(sb);
    const statuses = (await conn.query<{ ApiName: string; IsClosed: boolean; IsDefault: boolean }>('SELECT ApiName, IsClosed, IsDefault FROM TaskStatus ORDER BY SortOrder')).records;
    expect(statuses.map((s) => s.ApiName)).toEqual(['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred']);
    expect(statuses.filter((s) => s.IsClosed).map((s) => s.ApiName)).toEqual(['Completed']);
    expect(statuses.filter((s) => s.IsDefault).map((s) => s.ApiName)).toEqual(['Not Started']);
    const priorities = (await conn.query<{ ApiName: string; IsHighPriority: boolean; IsDefault: boolean }>('SELECT ApiName, IsHighPriority, IsDefault FROM TaskPriority ORDER BY SortOrder')).records;
    expect(priorities.map((p) => [p.ApiName, p.IsHighPriority, p.IsDefault])).toEqual([['High', true, false], ['Normal', false, true], ['Low', false, false]]);
  });

  it('creates through Collections with defaults (Not Started, Normal, the creating user as owner), per-record errors in order', async () => {
    const conn = connect(sb);
    const contact = (await conn.query<{ Id: string; AccountId: string | null }>('SELECT Id, AccountId FROM Contact WHERE AccountId != null LIMIT 1')).records[0]!;
    const opp = (await conn.query<{ Id: string; OwnerId: string }>('SELECT Id, OwnerId FROM Opportunity LIMIT 1')).records[0]!;
    const inactive = (await conn.query<{ Id: string }>('SELECT Id FROM User WHERE IsActive = false')).records[0]!;
    const res = await rest(sb, 'POST', `${V}/composite/sobjects`, {
      allOrNone: false,
      records: [
        { attributes: { type: 'Task' }, Subject: 'Call back', WhoId: contact.Id, WhatId: opp.Id, ActivityDate: '2026-05-04' },
        { attributes: { type: 'Task' }, Subject: 'Wrong who', WhoId: contact.AccountId },
        { attributes: { type: 'Task' }, Subject: 'Inactive owner', OwnerId: inactive.Id },
        { attributes: { type: 'Task' }, Subject: 'Bad status', Status: 'Nope', Priority: 'High', OwnerId: opp.OwnerId },
      ],
    });
    expect(res.status).toBe(200);
    const results = res.json as Result[];
    expect(results[0]).toMatchObject({ success: true, errors: [] });
    expect(results[1]).toMatchObject({ success: false, errors: [{ statusCode: 'FIELD_INTEGRITY_EXCEPTION' }] });
    expect(results[2]).toMatchObject({ success: false, errors: [{ statusCode: 'INACTIVE_OWNER_OR_USER' }] });
    // Status is an open picklist in the describe; an unknown value is stored but is not closed.
    expect(results[3]).toMatchObject({ success: true });
    const created = sb.data.get('Task', results[0]!.id!)!;
    expect(created).toMatchObject({ Status: 'Not Started', Priority: 'Normal', IsClosed: false, TaskSubtype: 'Task', ActivityDate: '2026-05-04', WhoId: contact.Id, WhatId: opp.Id });
    expect(created.OwnerId).toBe((await conn.query<{ Id: string }>("SELECT Id FROM User WHERE Username = 'integration@parcours.sandbox'")).records[0]!.Id);
    expect(sb.data.get('Task', results[3]!.id!)).toMatchObject({ IsClosed: false, IsHighPriority: true });
  });

  it('a closed status sets IsClosed and CompletedDateTime; deleted tasks are gone from query; TaskSubtype is create-only', async () => {
    const conn = connect(sb);
    const [made] = (await conn.sobject('Task').create([{ Subject: 'Close me', TaskSubtype: 'Call' }])) as Array<{ id: string; success: boolean }>;
    const id = made!.id;
    await conn.sobject('Task').update([{ Id: id, Status: 'Completed' }]);
    const closed = (await conn.query<{ IsClosed: boolean; CompletedDateTime: string | null }>(`SELECT IsClosed, CompletedDateTime FROM Task WHERE Id = '${id}'`)).records[0]!;
    expect(closed.IsClosed).toBe(true);
    expect(closed.CompletedDateTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    const sub = await rest(sb, 'PATCH', `${V}/composite/sobjects`, { allOrNone: false, records: [{ attributes: { type: 'Task' }, id, TaskSubtype: 'Task' }] });
    expect((sub.json as Result[])[0]).toMatchObject({ success: false, errors: [{ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE' }] });
    const del = await rest(sb, 'DELETE', `${V}/composite/sobjects?ids=${id}&allOrNone=false`);
    expect((del.json as Result[])[0]).toMatchObject({ id, success: true });
    expect((await conn.query(`SELECT Id FROM Task WHERE Id = '${id}'`)).records).toEqual([]);
    const again = await rest(sb, 'DELETE', `${V}/composite/sobjects?ids=${id}&allOrNone=false`);
    expect((again.json as Result[])[0]).toMatchObject({ success: false, errors: [{ statusCode: 'ENTITY_IS_DELETED' }] });
  });

  it('without "Edit Tasks" the user cannot create tasks', async () => {
    const local = await startSalesforceSandbox({ contacts: 2, now: NOW, editTasks: false });
    try {
      expect((await connect(local).sobject('Task').describe()).createable).toBe(false);
      const res = await rest(local, 'POST', `${V}/composite/sobjects`, { allOrNone: false, records: [{ attributes: { type: 'Task' }, Subject: 'x' }] });
      expect((res.json as Result[])[0]).toMatchObject({ success: false, errors: [{ statusCode: 'INSUFFICIENT_ACCESS_OR_READONLY' }] });
    } finally {
      await local.close();
    }
  });
});

describe('field history tracking', () => {
  const field = (object: string) => ({ FullName: `${object}.Journey_Stage__c`, Metadata: { label: 'Journey Stage', type: 'Text', length: 255, trackHistory: true } });

  it('a tracked custom field writes ContactHistory rows on change; FieldDefinition reports it tracked', async () => {
    const created = await rest(sb, 'POST', `${V}/tooling/sobjects/CustomField`, field('Contact'));
    expect(created.status).toBe(201);
    const q = encodeURIComponent("SELECT EntityDefinitionId, QualifiedApiName FROM FieldDefinition WHERE EntityDefinitionId IN ('Contact', 'Lead') AND IsFieldHistoryTracked = true");
    const tracked = await rest(sb, 'GET', `${V}/tooling/query?q=${q}`);
    expect((tracked.json as { records: Array<{ EntityDefinitionId: string; QualifiedApiName: string }> }).records.map((r) => [r.EntityDefinitionId, r.QualifiedApiName])).toEqual([['Contact', 'Journey_Stage__c']]);

    const contact = sb.data.query('SELECT Id FROM Contact LIMIT 1')[0]!.Id as string;
    sb.data.update('Contact', contact, { Journey_Stage__c: 'Onboarding' });
    sb.data.update('Contact', contact, { Journey_Stage__c: 'Retention', Title: 'CTO' });
    sb.data.update('Contact', contact, { Title: 'CEO' });
    const rows = sb.data.query(`SELECT Field, OldValue, NewValue, CreatedDate, CreatedById FROM ContactHistory WHERE ContactId = '${contact}' ORDER BY CreatedDate, Id`);
    expect(rows.map((r) => [r.Field, r.OldValue, r.NewValue])).toEqual([
      ['Journey_Stage__c', null, 'Onboarding'],
      ['Journey_Stage__c', 'Onboarding', 'Retention'],
    ]);
    expect(rows[0]!.CreatedById).toMatch(/^005/);
  });

  it('refuses trackHistory when the object history is off, or when it already tracks 20 fields', async () => {
    const twenty = Array.from({ length: 20 }, (_, i) => `Field${i}`);
    const local = await startSalesforceSandbox({ contacts: 2, now: NOW, historyDisabled: ['Lead'], trackedStandardFields: { Contact: twenty } });
    try {
      const lead = await rest(local, 'POST', `${V}/tooling/sobjects/CustomField`, field('Lead'));
      expect(lead.status).toBe(400);
      expect(lead.json).toEqual([expect.objectContaining({ errorCode: 'FIELD_INTEGRITY_EXCEPTION', message: expect.stringContaining('not enabled for Lead') })]);
      const contact = await rest(local, 'POST', `${V}/tooling/sobjects/CustomField`, field('Contact'));
      expect(contact.status).toBe(400);
      expect(JSON.stringify(contact.json)).toContain('up to 20 fields');
      // Without tracking the field is created as usual.
      const plain = await rest(local, 'POST', `${V}/tooling/sobjects/CustomField`, { FullName: 'Contact.Journey_Stage__c', Metadata: { label: 'Journey Stage', type: 'Text', length: 255 } });
      expect(plain.status).toBe(201);
    } finally {
      await local.close();
    }
  });
});
