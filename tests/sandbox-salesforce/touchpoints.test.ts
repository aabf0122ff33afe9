/**
 * The sandbox org's interaction objects against the documented behaviour:
 * - standard org: Task, Event, EmailMessage, EmailMessageRelation, CampaignMember; Surveys, Chat and Messaging only
 *   when turned on (global describe, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_describeGlobal.htm);
 * - archived activities (older than 365 days): hidden from `query`, returned by `queryAll`
 *   (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_queryall.htm);
 * - Task automation: TaskStatus drives IsClosed, CompletedDateTime set on close; TaskSubtype is a restricted picklist
 *   (Object Reference, Task; touchpoints.md §6.1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { NOW, rest } from './helpers.ts';

const V = '/services/data/v66.0';
const q = (soql: string) => `?q=${encodeURIComponent(soql)}`;
const YEAR = 365 * 86_400_000;

describe('standard org', () => {
  let sb: SalesforceSandbox;
  beforeAll(async () => {
    sb = await startSalesforceSandbox({ contacts: 400, seed: 7, now: NOW });
  });
  afterAll(() => sb.close());

  it('has the standard interaction objects and none of the optional ones', async () => {
    const res = await rest(sb, 'GET', `${V}/sobjects`);
    const names = new Set((res.json as { sobjects: Array<{ name: string }> }).sobjects.map((o) => o.name));
    for (const o of ['Task', 'Event', 'EmailMessage', 'EmailMessageRelation', 'CampaignMember']) expect(names.has(o)).toBe(true);
    for (const o of ['SurveyQuestionResponse', 'SurveyResponse', 'LiveChatTranscript', 'MessagingSession']) expect(names.has(o)).toBe(false);
    const chat = await rest(sb, 'GET', `${V}/query${q('SELECT Id FROM MessagingSession')}`);
    expect(chat.status).toBe(400);
    expect(chat.json).toEqual([expect.objectContaining({ errorCode: 'INVALID_TYPE' })]);
  });

  it('query hides archived activities; queryAll returns them', async () => {
    const archived = 'SELECT Id, ActivityDate, IsClosed FROM Task WHERE IsArchived = true';
    const viaQuery = await rest(sb, 'GET', `${V}/query${q(archived)}`);
    const viaAll = await rest(sb, 'GET', `${V}/queryAll${q(archived)}`);
    expect((viaQuery.json as { totalSize: number }).totalSize).toBe(0);
    const rows = (viaAll.json as { totalSize: number; records: Array<{ ActivityDate: string; IsClosed: boolean }> });
    expect(rows.totalSize).toBeGreaterThan(0);
    // Archived = closed and more than 365 days old.
    for (const r of rows.records) {
      expect(r.IsClosed).toBe(true);
      expect(NOW - Date.parse(r.ActivityDate)).toBeGreaterThan(YEAR);
    }
    const events = await rest(sb, 'GET', `${V}/queryAll${q('SELECT Id, StartDateTime FROM Event WHERE IsArchived = true')}`);
    for (const r of (events.json as { records: Array<{ StartDateTime: string }> }).records) expect(NOW - Date.parse(r.StartDateTime)).toBeGreaterThan(YEAR);
    const recentEvents = await rest(sb, 'GET', `${V}/query${q('SELECT Id, StartDateTime FROM Event')}`);
    for (const r of (recentEvents.json as { records: Array<{ StartDateTime: string }> }).records) expect(NOW - Date.parse(r.StartDateTime)).toBeLessThanOrEqual(YEAR);
  });

  it('EmailMessage on a Case reaches the Case contact through Parent.ContactId', async () => {
    const res = await rest(sb, 'GET', `${V}/query${q('SELECT Id, Incoming, ParentId, Parent.ContactId FROM EmailMessage WHERE ParentId != null LIMIT 5')}`);
    const rows = (res.json as { records: Array<{ ParentId: string; Parent: { attributes: { type: string }; ContactId: string } }> }).records;
    expect(rows.length).toBe(5);
    for (const r of rows) {
      expect(r.Parent.attributes.type).toBe('Case');
      expect(r.Parent.ContactId.startsWith('003')).toBe(true);
    }
  });

  it('is seeded like a working org: ~15 interactions a person, channel mixes by stage, no-shows and unanswered mail', () => {
    const people = sb.data.query('SELECT Id FROM Contact').length + sb.data.query('SELECT Id FROM Lead').length;
    const count = (soql: string) => sb.data.query(soql, { all: true }).length;
    const emailTasks = count("SELECT Id FROM Task WHERE TaskSubtype = 'Email'");
    const touchpoints = count('SELECT Id FROM Task') - emailTasks + count('SELECT Id FROM Event') + count('SELECT Id FROM EmailMessage') + count('SELECT Id FROM CampaignMember WHERE HasResponded = true');
    expect(touchpoints / people).toBeGreaterThan(11);
    expect(touchpoints / people).toBeLessThan(20);
    // Every email Task Enhanced Email logs is an EmailMessage's activity.
    expect(count('SELECT Id FROM EmailMessage WHERE ActivityId != null')).toBe(emailTasks);
    expect(count("SELECT Id FROM Event WHERE Type = 'No Show'")).toBeGreaterThan(0);
    // Leads (no deal yet) get marketing list emails and no meetings; Contacts with deals get meetings.
    const leadMeetings = sb.data.query('SELECT Id, WhoId FROM Event', { all: true }).filter((r) => String(r.WhoId).startsWith('00Q'));
    expect(leadMeetings).toEqual([]);
    const listEmails = sb.data.query("SELECT Id, WhoId FROM Task WHERE TaskSubtype = 'ListEmail'", { all: true });
    expect(listEmails.some((r) => String(r.WhoId).startsWith('00Q'))).toBe(true);
    // Some inbound case mail never got an outbound reply on that Case.
    const caseMail = sb.data.query('SELECT ParentId, Incoming FROM EmailMessage WHERE ParentId != null', { all: true });
    const replied = new Set(caseMail.filter((r) => r.Incoming === false).map((r) => r.ParentId));
    expect(caseMail.filter((r) => r.Incoming === true && !replied.has(r.ParentId)).length).toBeGreaterThan(0);
  });

  it('is deterministic for a seed', async () => {
    const again = await startSalesforceSandbox({ contacts: 400, seed: 7, now: NOW });
    try {
      const soql = 'SELECT Id, WhoId, TaskSubtype, CallType, CallDisposition, ActivityDate FROM Task ORDER BY Id';
      expect(again.data.query(soql, { all: true })).toEqual(sb.data.query(soql, { all: true }));
    } finally {
      await again.close();
    }
  });

  it('creates Tasks with Salesforce automation and validation', async () => {
    const who = String(sb.data.query('SELECT Id FROM Contact LIMIT 1')[0]?.Id);
    const made = await rest(sb, 'POST', `${V}/sobjects/Task`, { WhoId: who, Subject: 'Call back', TaskSubtype: 'Call', CallType: 'Outbound', Status: 'Completed' });
    expect(made.status).toBe(201);
    const id = (made.json as { id: string }).id;
    expect(sb.data.get('Task', id)).toMatchObject({ IsClosed: true, Priority: 'Normal', CompletedDateTime: expect.any(String) });
    const bad = await rest(sb, 'POST', `${V}/sobjects/Task`, { WhoId: who, Subject: 'x', TaskSubtype: 'Fax' });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual([expect.objectContaining({ errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST' })]);
    // WhoId is Contact or Lead only.
    const account = String(sb.data.query('SELECT Id FROM Account LIMIT 1')[0]?.Id);
    const wrongWho = await rest(sb, 'POST', `${V}/sobjects/Task`, { WhoId: account, Subject: 'x' });
    expect(wrongWho.status).toBe(400);
    expect(wrongWho.json).toEqual([expect.objectContaining({ errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['WhoId'] })]);
  });
});

describe('org with Surveys, Chat and Messaging turned on', () => {
  let sb: SalesforceSandbox;
  beforeAll(async () => {
    sb = await startSalesforceSandbox({ contacts: 400, seed: 7, now: NOW, touchpointObjects: { surveys: true, liveChat: true, messaging: true } });
  });
  afterAll(() => sb.close());

  it('serves the optional objects, about 0.3 survey answers a person, chats on chat cases', async () => {
    const res = await rest(sb, 'GET', `${V}/sobjects/SurveyQuestionResponse/describe`);
    expect(res.status).toBe(200);
    const people = sb.data.query('SELECT Id FROM Contact').length + sb.data.query('SELECT Id FROM Lead').length;
    const answers = sb.data.query('SELECT Id, NumberValue, QuestionId FROM SurveyQuestionResponse');
    expect(answers.length / people).toBeGreaterThan(0.2);
    expect(answers.length / people).toBeLessThan(0.45);
    const types = new Map(sb.data.query('SELECT Id, QuestionType FROM SurveyQuestion').map((r) => [r.Id, r.QuestionType]));
    for (const a of answers) {
      const max = types.get(a.QuestionId) === 'NPS' ? 10 : 5;
      expect(a.NumberValue as number).toBeLessThanOrEqual(max);
    }
    expect(sb.data.query('SELECT Id FROM LiveChatTranscript').length).toBeGreaterThan(0);
    expect(sb.data.query("SELECT Id FROM LiveChatTranscript WHERE Status = 'Missed'").length).toBeGreaterThan(0);
    expect(sb.data.query('SELECT Id FROM MessagingSession').length).toBeGreaterThan(0);
  });
});
