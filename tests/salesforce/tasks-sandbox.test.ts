/** The Salesforce connector's owners, tasks, stage-history setup and doctor checks against the local sandbox. */
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyFieldSpec, PullBatch } from '../../connectors/port.ts';
import { createSalesforceConnector } from '../../connectors/salesforce/index.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { needs } from './fixtures.ts';

let sb: SalesforceSandbox;
beforeAll(async () => {
  nock.cleanAll();
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  sb = await startSalesforceSandbox({ port: 0, seed: 3, contacts: 80 });
});
afterAll(async () => {
  await sb?.close();
  nock.enableNetConnect();
});

const connect = (s: SalesforceSandbox = sb) =>
  createSalesforceConnector({ instanceUrl: s.url, accessToken: s.accessToken, apiVersion: '66.0', campaignNamePrefix: '', pollIntervalMs: 5, retry: { retries: 1, minTimeoutMs: 1 } });

const spec: JourneyFieldSpec = {
  group: { name: 'parcours', label: 'Parcours' },
  fields: [{ kind: 'contact', field: 'stage', name: 'Parcours_Stage__c', label: 'Parcours Stage', type: 'enumeration', options: [{ value: 'onboarding', label: 'Onboarding' }, { value: 'retention', label: 'Retention' }] }],
  segments: [],
};

describe('Salesforce connector: owners and tasks against the sandbox', () => {
  it('pulls ownerId (OwnerId) on Contacts, Leads, Opportunities and Cases', async () => {
    const batches: PullBatch[] = [];
    for await (const b of connect().pull({ objects: ['contact', 'deal', 'ticket'], fields: needs({ normalized: { contact: ['email'], deal: [], ticket: [] } }), mode: 'full', cursors: {} })) batches.push(b);
    const users = new Map(sb.data.query('SELECT Id, IsActive FROM User').map((u) => [u.Id as string, u.IsActive as boolean]));
    for (const kind of ['contact', 'deal', 'ticket'] as const) {
      const records = batches.filter((b) => b.kind === kind).flatMap((b) => b.records);
      expect(records.length).toBeGreaterThan(0);
      for (const r of records) expect(r.ownerId).toBe(sb.data.get(r.objectType, r.id)?.OwnerId);
      expect(records.every((r) => users.has(r.ownerId as string))).toBe(true);
    }
    // Records whose rep left are owned by an inactive user (the core falls back for them).
    const contacts = batches.filter((b) => b.kind === 'contact').flatMap((b) => b.records);
    expect(contacts.some((r) => users.get(r.ownerId as string) === false)).toBe(true);
    expect(contacts.some((r) => r.objectType === 'Lead')).toBe(true);
  });

  it('creates many tasks through one Bulk API 2.0 insert job, matching result rows to inputs by their columns; identical inputs go by Collections', async () => {
    const c = createSalesforceConnector({ instanceUrl: sb.url, accessToken: sb.accessToken, apiVersion: '66.0', campaignNamePrefix: '', pollIntervalMs: 5, bulkThreshold: 100, retry: { retries: 1, minTimeoutMs: 1 } });
    // As setup does: the org's task values and its users read side by side, before any create.
    const prepared = c.tasks!.prepare!();
    const [owners] = await Promise.all([c.tasks!.owners(), prepared]);
    const contacts = sb.data.query('SELECT Id FROM Contact').map((r) => String(r.Id));
    const former = sb.data.query('SELECT Id FROM User WHERE IsActive = false')[0]!;
    const fields = (i: number) => ({ subject: `Follow up ${i % 7}`, body: `Reason, "quoted"\nline ${i}`, status: 'open' as const, priority: 'medium' as const, dueAt: Date.UTC(2026, 11, 1 + (i % 20)), ownerId: owners[i % owners.length]!.id });
    // 4,200 creates: 21 Collections calls (5 Composite calls) against one job (ingestPays).
    const creates = Array.from({ length: 4_200 }, (_, i) => ({ key: `k${i}`, on: { kind: 'contact' as const, objectType: 'Contact', id: contacts[i % contacts.length]! }, contactId: contacts[i % contacts.length]!, fields: fields(i) }));
    creates.push({ ...creates[0]!, key: 'twin' }); // the same columns as k0: no result row could tell them apart
    creates.push({ ...creates[1]!, key: 'bad-owner', fields: { ...creates[1]!.fields, ownerId: String(former.Id) } });
    const before = sb.calls.length;
    const made = await c.tasks!.create(creates);
    const calls = sb.calls.slice(before).map((x) => x.endpoint);
    // create, upload, close, status read(s), successfulResults, failedResults (one row failed); k0 and its twin by Collections.
    expect(calls.filter((e) => e === 'POST /services/data/vXX.X/jobs/ingest')).toHaveLength(1);
    expect(calls.filter((e) => e.endsWith('/successfulResults'))).toHaveLength(1);
    expect(calls.filter((e) => e.endsWith('/failedResults'))).toHaveLength(1);
    expect(calls.filter((e) => e === 'POST /services/data/vXX.X/composite/sobjects' || e === 'POST /services/data/vXX.X/composite')).toHaveLength(1);
    expect(made.failed).toEqual([{ id: 'bad-owner', code: 'INACTIVE_OWNER_OR_USER', message: expect.stringContaining('inactive user'), retryable: false }]);
    expect(made.created).toHaveLength(4_201);
    // Every id is the task made from that input.
    const byKey = new Map(creates.map((x) => [x.key, x]));
    const rows = new Map(sb.data.query(`SELECT Id, Subject, Description, WhoId, OwnerId, ActivityDate, TaskSubtype FROM Task WHERE Subject LIKE 'Follow up %'`).map((r) => [String(r.Id), r]));
    for (const { key, id } of made.created) {
      const input = byKey.get(key)!;
      expect(rows.get(id)).toMatchObject({ Subject: input.fields.subject, Description: input.fields.body, WhoId: input.on.id, OwnerId: input.fields.ownerId, ActivityDate: new Date(input.fields.dueAt).toISOString().slice(0, 10), TaskSubtype: 'Task' });
    }
    expect(new Set(made.created.map((x) => x.id)).size).toBe(4_201);
  });

  it('creates tasks through Collections with WhoId/WhatId, reads, completes and deletes them', async () => {
    const c = connect();
    const owners = await c.tasks!.owners();
    expect(owners.length).toBe(5); // 4 reps + the integration user; the rep who left is inactive
    expect(owners.every((o) => o.active)).toBe(true);

    const opp = sb.data.query('SELECT Id, OwnerId FROM Opportunity').find((o) => owners.some((u) => u.id === o.OwnerId))!;
    const role = sb.data.query(`SELECT ContactId FROM OpportunityContactRole WHERE OpportunityId = '${String(opp.Id)}'`)[0]!;
    const lead = sb.data.query('SELECT Id FROM Lead WHERE IsConverted = false')[0]!;
    const former = sb.data.query('SELECT Id FROM User WHERE IsActive = false')[0]!;
    const dueAt = Date.UTC(2026, 11, 3, 15, 30);
    const fields = { subject: 'Follow up: deal stalled', body: 'In stage for 40 days', status: 'open' as const, priority: 'high' as const, dueAt, ownerId: String(opp.OwnerId) };
    const made = await c.tasks!.create([
      { key: 'stalled_deal:deal:1', on: { kind: 'deal', objectType: 'Opportunity', id: String(opp.Id) }, contactId: String(role.ContactId), fields },
      { key: 'detractor:contact:lead', on: { kind: 'contact', objectType: 'Lead', id: String(lead.Id) }, contactId: String(lead.Id), fields: { ...fields, priority: 'low' } },
      { key: 'inactive-owner', on: { kind: 'deal', objectType: 'Opportunity', id: String(opp.Id) }, contactId: null, fields: { ...fields, ownerId: String(former.Id) } },
    ]);
    expect(made.failed).toEqual([{ id: 'inactive-owner', code: 'INACTIVE_OWNER_OR_USER', message: expect.stringContaining('inactive user'), retryable: false }]);
    expect(made.created.map((x) => x.key)).toEqual(['stalled_deal:deal:1', 'detractor:contact:lead']);
    const [dealTask, leadTask] = made.created.map((x) => x.id) as [string, string];

    const row = sb.data.get('Task', dealTask)!;
    expect(row).toMatchObject({ Subject: fields.subject, Description: fields.body, Status: 'Not Started', Priority: 'High', ActivityDate: '2026-12-03', OwnerId: opp.OwnerId, WhoId: role.ContactId, WhatId: opp.Id, IsClosed: false, TaskSubtype: 'Task' });
    expect(sb.data.get('Task', leadTask)).toMatchObject({ WhoId: lead.Id, WhatId: null, Priority: 'Low' });

    const read = await c.tasks!.read([dealTask, leadTask]);
    // ActivityDate is a date: the due time reads back as that day's midnight UTC.
    expect(read.get(dealTask)).toEqual({ ...fields, dueAt: Date.UTC(2026, 11, 3) });
    expect(read.get(leadTask)?.priority).toBe('low');

    // A rep edits the task in Salesforce: the read shows it.
    sb.data.update('Task', dealTask, { Subject: 'Called, waiting' });
    expect((await c.tasks!.read([dealTask])).get(dealTask)?.subject).toBe('Called, waiting');

    expect(await c.tasks!.update([{ id: dealTask, fields: { status: 'completed' } }])).toEqual({ written: [dealTask], failed: [] });
    expect(sb.data.get('Task', dealTask)).toMatchObject({ Status: 'Completed', IsClosed: true });
    expect(sb.data.get('Task', dealTask)?.CompletedDateTime).not.toBeNull();
    expect((await c.tasks!.read([dealTask])).get(dealTask)?.status).toBe('completed');
    await c.tasks!.update([{ id: dealTask, fields: { status: 'open' } }]);
    expect(sb.data.get('Task', dealTask)).toMatchObject({ Status: 'Not Started', IsClosed: false, CompletedDateTime: null });

    expect(await c.tasks!.remove([dealTask, leadTask])).toEqual({ removed: [dealTask, leadTask], failed: [] });
    expect((await c.tasks!.read([dealTask, leadTask])).size).toBe(0);
    // Deleting again is not an error.
    expect(await c.tasks!.remove([dealTask])).toEqual({ removed: [dealTask], failed: [] });
  });

  it('setup turns on Parcours_Stage__c history tracking on Contact and Lead; a second setup writes nothing; fieldHistory reads ContactHistory', async () => {
    const c = connect();
    const first = await c.ensureSchema(spec);
    expect(first.updated).toEqual(expect.arrayContaining(['Contact.Parcours_Stage__c (history tracked)', 'Lead.Parcours_Stage__c (history tracked)']));
    const writesBefore = sb.calls.filter((x) => x.method !== 'GET').length;
    const second = await connect().ensureSchema(spec);
    expect(second.updated).toEqual([]);
    expect(second.created).toEqual([]);
    expect(second.unchanged).toEqual(expect.arrayContaining(['Contact.Parcours_Stage__c (history tracked)', 'Lead.Parcours_Stage__c (history tracked)']));
    expect(sb.calls.filter((x) => x.method !== 'GET').length).toBe(writesBefore);

    const contact = String(sb.data.query('SELECT Id FROM Contact')[0]!.Id);
    const ref = { kind: 'contact' as const, objectType: 'Contact', id: contact };
    await c.push([{ ref, values: { Parcours_Stage__c: 'onboarding' } }]);
    await c.push([{ ref, values: { Parcours_Stage__c: 'retention' } }]);
    const rows = sb.data.query(`SELECT Field, OldValue, NewValue FROM ContactHistory WHERE ContactId = '${contact}'`);
    expect(rows).toEqual([
      expect.objectContaining({ Field: 'Parcours_Stage__c', OldValue: null, NewValue: 'onboarding' }),
      expect.objectContaining({ Field: 'Parcours_Stage__c', OldValue: 'onboarding', NewValue: 'retention' }),
    ]);
    const history = await c.fieldHistory!(ref, 'Parcours_Stage__c');
    expect(history.map((h) => h.value)).toEqual(['onboarding', 'retention']);
    expect(history[0]!.at).toBeLessThanOrEqual(history[1]!.at);

    const checks = await c.doctor(spec);
    expect(checks.filter((x) => x.id.startsWith('salesforce.history-tracking.')).every((x) => x.ok)).toBe(true);
    expect(checks.find((x) => x.id === 'salesforce.tasks')).toMatchObject({ ok: true });
  });
});

describe('what blocks tasks and history tracking, with the fix', () => {
  it('an org where Contact history is off and Lead tracks 20 fields: setup notes both, doctor fails both with the fix', async () => {
    const standard = ['Email', 'Phone', 'FirstName', 'LastName', 'Company', 'Country', 'Industry', 'Status', 'LeadSource', 'NumberOfEmployees', 'OwnerId', 'Name', 'ConvertedDate', 'IsConverted', 'ConvertedContactId', 'ConvertedAccountId', 'ConvertedOpportunityId', 'CreatedById', 'LastModifiedById', 'IsDeleted'];
    const local = await startSalesforceSandbox({ port: 0, contacts: 5, historyDisabled: ['Contact'], trackedStandardFields: { Lead: standard } });
    try {
      const c = connect(local);
      const report = await c.ensureSchema(spec);
      expect(report.created).toEqual(expect.arrayContaining(['Contact.Parcours_Stage__c', 'Lead.Parcours_Stage__c']));
      expect(report.updated.filter((u) => u.includes('history'))).toEqual([]);
      expect(report.notes?.find((n) => n.startsWith('Contact.Parcours_Stage__c'))).toContain('Enable Contact History');
      expect(report.notes?.find((n) => n.startsWith('Lead.Parcours_Stage__c'))).toContain('20 of 20');
      const checks = await c.doctor(spec);
      expect(checks.find((x) => x.id === 'salesforce.history-tracking.Contact')).toMatchObject({ ok: false, fix: expect.stringContaining('Enable Contact History') });
      expect(checks.find((x) => x.id === 'salesforce.history-tracking.Lead')).toMatchObject({ ok: false, detail: expect.stringContaining('20 of 20'), fix: expect.stringContaining('Set History Tracking') });
    } finally {
      await local.close();
    }
  });

  it('an integration user without "Edit Tasks": describe says Task is not createable, creates fail, doctor says how to fix it', async () => {
    const local = await startSalesforceSandbox({ port: 0, contacts: 5, editTasks: false });
    try {
      const c = connect(local);
      const checks = await c.doctor(spec);
      expect(checks.find((x) => x.id === 'salesforce.tasks')).toMatchObject({ ok: false, fix: expect.stringContaining('Edit Tasks') });
      const opp = local.data.query('SELECT Id, OwnerId FROM Opportunity')[0]!;
      const r = await c.tasks!.create([{ key: 'k', on: { kind: 'deal', objectType: 'Opportunity', id: String(opp.Id) }, contactId: null, fields: { subject: 's', body: 'b', status: 'open', priority: 'medium', dueAt: Date.UTC(2026, 11, 1), ownerId: String(opp.OwnerId) } }]);
      expect(r.created).toEqual([]);
      expect(r.failed).toEqual([{ id: 'k', code: 'INSUFFICIENT_ACCESS_OR_READONLY', message: expect.any(String), retryable: false }]);
    } finally {
      await local.close();
    }
  });
});
