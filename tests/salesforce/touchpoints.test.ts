/**
 * pullTouchpoints over nock with real jsforce. Bodies follow the documented shapes:
 * global describe https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_describeGlobal.htm,
 * sObject describe …/resources_sobject_describe.htm, query/queryAll …/resources_queryall.htm; fields and values from
 * the Object Reference (Task, Event, EmailMessage, EmailMessageRelation, CampaignMember, Survey*; touchpoints.md §6–7).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TouchpointBatch } from '../../connectors/port.ts';
import type { TouchpointRecord } from '../../src/model.ts';
import { openStore } from '../../src/store/index.ts';
import { storeSchemaCache } from '../../src/sync/schema-cache.ts';
import { V, collect, compositeEndpoint, connector, needs, page, sf, soql } from './fixtures.ts';

beforeAll(() => nock.disableNetConnect());
// Requests made together travel packed in POST /composite (connectors/salesforce/composite.ts); each
// subrequest is answered by this file's interceptors for the same request made alone.
beforeEach(() => {
  compositeEndpoint();
});
afterEach(() => {
  nock.cleanAll();
  vi.useRealTimers();
});

type FieldSpec = string | [name: string, relationshipName: string];

function describeBody(name: string, fields: FieldSpec[]) {
  return {
    name,
    label: name,
    queryable: true,
    fields: ['Id', 'IsDeleted', 'SystemModstamp', 'CreatedDate', ...fields].map((f) => {
      const [n, rel] = typeof f === 'string' ? [f, null] : f;
      return { name: n, type: n.endsWith('Id') ? 'reference' : 'string', relationshipName: rel, referenceTo: [] };
    }),
  };
}

/** Every object the touchpoint catalogue describes (touchpoint-objects.ts): Task, Event, … and their lookups. */
const CANDIDATES = ['EmailMessage', 'Task', 'Event', 'CampaignMember', 'LiveChatTranscript', 'MessagingSession', 'SurveyQuestionResponse', 'EmailMessageRelation', 'SurveyQuestion', 'SurveyResponse'];

/** An org without these objects: their describe answers 404 NOT_FOUND (errorcodes.htm), the others are described by the test. */
function absent(scope: nock.Scope, present: string[]): nock.Scope {
  for (const name of CANDIDATES.filter((c) => !present.includes(c))) scope.get(`${V}/sobjects/${name}/describe`).reply(404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  return scope;
}

const STANDARD = ['Account', 'Contact', 'Lead', 'Opportunity', 'Case', 'Campaign', 'CampaignMember', 'Task', 'Event', 'EmailMessage', 'EmailMessageRelation'];

const TASK_FIELDS: FieldSpec[] = [['WhoId', 'Who'], ['WhatId', 'What'], 'TaskSubtype', 'Type', 'CallType', 'Status', 'IsClosed', 'ActivityDate', 'CompletedDateTime', ['OwnerId', 'Owner'], 'IsArchived'];
const EVENT_FIELDS: FieldSpec[] = [['WhoId', 'Who'], ['WhatId', 'What'], 'StartDateTime', 'ActivityDateTime', 'ActivityDate', 'EventSubtype', 'Type', ['OwnerId', 'Owner'], 'IsArchived'];
const EMAIL_FIELDS: FieldSpec[] = ['Incoming', 'MessageDate', 'Status', ['ParentId', 'Parent'], ['RelatedToId', 'RelatedTo'], ['ActivityId', 'Activity'], 'IsBounced'];
const MEMBER_FIELDS: FieldSpec[] = [['ContactId', 'Contact'], ['LeadId', 'Lead'], 'Status', 'HasResponded', 'FirstRespondedDate', ['CampaignId', 'Campaign']];
const RELATION_FIELDS: FieldSpec[] = [['EmailMessageId', 'EmailMessage'], ['RelationId', 'Relation'], 'RelationType', 'RelationObjectType'];

/** One describe per candidate object (404 for those the org lacks): what readTouchpointCatalog asks. */
function standardCatalog(scope: nock.Scope, extra: Record<string, FieldSpec[]> = {}): nock.Scope {
  const objects: Record<string, FieldSpec[]> = { Task: TASK_FIELDS, Event: EVENT_FIELDS, EmailMessage: EMAIL_FIELDS, EmailMessageRelation: RELATION_FIELDS, CampaignMember: MEMBER_FIELDS, ...extra };
  absent(scope, [...STANDARD, ...Object.keys(extra)]);
  for (const [name, fields] of Object.entries(objects)) scope.get(`${V}/sobjects/${name}/describe`).reply(200, describeBody(name, fields));
  return scope;
}

const TS = (s: string) => `2026-03-0${s}T10:00:00.000+0000`;
const all = (batches: TouchpointBatch[]) => batches.flatMap((b) => b.records);
const byId = (batches: TouchpointBatch[]) => new Map<string, TouchpointRecord>(all(batches).map((r) => [r.id, r]));

describe('pullTouchpoints — full pass on a standard org', () => {
  it('reads every object through queryAll (archived activities included), skips the Task an EmailMessage logs, and selects only visible fields', async () => {
    const scope = standardCatalog(sf())
      // Non-case mail: the people come from EmailMessageRelation, read once for the pass.
      .get(`${V}/query`).query(soql((q) => q === "SELECT EmailMessageId, RelationId FROM EmailMessageRelation WHERE RelationObjectType IN ('Contact', 'Lead') AND EmailMessage.ParentId = null"))
      .reply(200, page('EmailMessageRelation', [{ Id: '0EfA', EmailMessageId: '02sB', RelationId: '003P' }]))
      .get(`${V}/queryAll`).query(soql((q) => q === 'SELECT Id, SystemModstamp, IsDeleted, Incoming, MessageDate, Status, ParentId, Parent.ContactId, RelatedToId, ActivityId, IsBounced, CreatedDate FROM EmailMessage WHERE IsDeleted = false ORDER BY SystemModstamp, Id'))
      .reply(200, page('EmailMessage', [
        // Email-to-Case: the customer writes in, Status 0 (New); the Case's contact is on the parent.
        { Id: '02sA', SystemModstamp: TS('1'), IsDeleted: false, Incoming: true, MessageDate: TS('1'), Status: '0', ParentId: '500C', Parent: { attributes: { type: 'Case' }, ContactId: '003P' }, RelatedToId: '500C', ActivityId: null, IsBounced: false, CreatedDate: TS('1') },
        // Sent from Salesforce on a deal: Enhanced Email logged Task 00TE for it.
        { Id: '02sB', SystemModstamp: TS('2'), IsDeleted: false, Incoming: false, MessageDate: TS('2'), Status: '3', ParentId: null, Parent: null, RelatedToId: '006D', ActivityId: '00TE', IsBounced: false, CreatedDate: TS('2') },
        // A draft was never sent.
        { Id: '02sC', SystemModstamp: TS('2'), IsDeleted: false, Incoming: false, MessageDate: null, Status: '5', ParentId: null, Parent: null, RelatedToId: null, ActivityId: null, IsBounced: false, CreatedDate: TS('2') },
      ]))
      // CallDisposition is not in this Task describe (hidden): it is not selected.
      .get(`${V}/queryAll`).query(soql((q) => q === 'SELECT Id, SystemModstamp, IsDeleted, WhoId, WhatId, TaskSubtype, Type, CallType, Status, IsClosed, ActivityDate, CompletedDateTime, CreatedDate, OwnerId, IsArchived FROM Task WHERE IsDeleted = false ORDER BY SystemModstamp, Id'))
      .reply(200, page('Task', [
        // Archived (older than 365 days): only queryAll returns it.
        { Id: '00TA', SystemModstamp: '2024-01-05T09:00:00.000+0000', IsDeleted: false, WhoId: '00QL', WhatId: null, TaskSubtype: 'Call', Type: 'Call', CallType: 'Inbound', Status: 'Completed', IsClosed: true, ActivityDate: '2024-01-05', CompletedDateTime: '2024-01-05T09:00:00.000+0000', CreatedDate: '2024-01-05T09:00:00.000+0000', OwnerId: '005U', IsArchived: true },
        { Id: '00TE', SystemModstamp: TS('2'), IsDeleted: false, WhoId: '003P', WhatId: '006D', TaskSubtype: 'Email', Type: 'Email', CallType: null, Status: 'Completed', IsClosed: true, ActivityDate: '2026-03-02', CompletedDateTime: TS('2'), CreatedDate: TS('2'), OwnerId: '005U', IsArchived: false },
        { Id: '00TT', SystemModstamp: TS('3'), IsDeleted: false, WhoId: '003P', WhatId: '001A', TaskSubtype: 'Task', Type: null, CallType: null, Status: 'Not Started', IsClosed: false, ActivityDate: '2026-03-10', CompletedDateTime: null, CreatedDate: TS('3'), OwnerId: '005U', IsArchived: false },
      ]))
      .get(`${V}/queryAll`).query(soql((q) => q.startsWith('SELECT Id, SystemModstamp, IsDeleted, WhoId, WhatId, StartDateTime,') && q.endsWith('FROM Event WHERE IsDeleted = false ORDER BY SystemModstamp, Id')))
      .reply(200, page('Event', [
        { Id: '00UN', SystemModstamp: TS('4'), IsDeleted: false, WhoId: '003P', WhatId: '006D', StartDateTime: TS('4'), ActivityDateTime: TS('4'), ActivityDate: '2026-03-04', EventSubtype: 'Event', Type: 'No Show', CreatedDate: TS('1'), OwnerId: '005U', IsArchived: false },
      ]))
      .get(`${V}/queryAll`).query(soql((q) => q === 'SELECT Id, SystemModstamp, IsDeleted, HasResponded, ContactId, LeadId, Status, FirstRespondedDate, Campaign.Type, CreatedDate FROM CampaignMember WHERE IsDeleted = false AND HasResponded = true ORDER BY SystemModstamp, Id'))
      .reply(200, page('CampaignMember', [
        { Id: '00vR', SystemModstamp: TS('5'), IsDeleted: false, HasResponded: true, ContactId: null, LeadId: '00QL', Status: 'Responded', FirstRespondedDate: '2026-02-20', Campaign: { attributes: { type: 'Campaign' }, Type: 'Webinar' }, CreatedDate: TS('1') },
      ]));

    const c = connector();
    const batches = await collect(c.pullTouchpoints!({ mode: 'full' }));
    expect(scope.isDone()).toBe(true);
    const tp = byId(batches);
    expect([...tp.keys()].sort()).toEqual(['00TA', '00TT', '00UN', '00vR', '02sA', '02sB']);
    expect(tp.get('02sA')).toMatchObject({ objectType: 'EmailMessage', channel: 'email', direction: 'inbound', outcome: 'delivered', rawOutcome: '0', contactIds: ['003P'], ticketIds: ['500C'], at: Date.parse('2026-03-01T10:00:00Z') });
    expect(tp.get('02sB')).toMatchObject({ direction: 'outbound', outcome: 'sent', contactIds: ['003P'], dealIds: ['006D'], ticketIds: [] });
    expect(tp.get('00TA')).toMatchObject({ channel: 'phone', direction: 'inbound', rawChannel: 'Call', contactIds: ['00QL'], ownerId: '005U', raw: expect.objectContaining({ IsArchived: true }) });
    // No disposition selected (hidden field): the outcome is unknown, not guessed.
    expect(tp.get('00TA')?.outcome).toBeNull();
    // A to-do nobody outside saw is kept as internal; an Account WhatId is neither a deal nor a case.
    expect(tp.get('00TT')).toMatchObject({ channel: 'internal', direction: null, outcome: 'scheduled', dealIds: [], ticketIds: [] });
    expect(tp.get('00UN')).toMatchObject({ channel: 'meeting', outcome: 'no_show', rawOutcome: 'No Show', dealIds: ['006D'] });
    expect(tp.get('00vR')).toMatchObject({ channel: 'web', rawChannel: 'Webinar', direction: 'inbound', outcome: 'responded', contactIds: ['00QL'], at: Date.parse('2026-02-20') });
    // A full read leaves out rows that are not touchpoints instead of reporting them removed.
    expect(batches.flatMap((b) => b.removed)).toEqual([]);
    const pass = batches[0]?.fullPass?.id;
    expect(pass).toEqual(expect.any(String));
    expect(batches.every((b) => b.fullPass?.id === pass)).toBe(true);
    expect(batches.at(-1)).toMatchObject({ fullPass: { id: pass, complete: true }, cursor: { v: 1, touchpoints: { Task: { id: '00TT' }, CampaignMember: { id: '00vR' } } } });
    expect(batches.slice(0, -1).some((b) => b.fullPass?.complete)).toBe(false);
    // The ten describes (the absent objects answer 404) in one Composite call; the relation read and the four
    // object reads, opened together, in one more: 2 calls, no global describe.
    expect(c.stats().byEndpoint).toEqual({ composite: 2 });
  });

  it('skips an object whose required field the user cannot see and reports nothing else for it', async () => {
    const scope = absent(sf(), ['Contact', 'Task'])
      .get(`${V}/sobjects/Task/describe`).reply(200, describeBody('Task', ['TaskSubtype']));
    const batches = await collect(connector().pullTouchpoints!({ mode: 'full' }));
    expect(scope.isDone()).toBe(true);
    expect(all(batches)).toEqual([]);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.fullPass?.complete).toBe(true);
  });
});

describe('pullTouchpoints — incremental', () => {
  it('one queryAll per object returns changes and deletions; email Tasks and withdrawn responses are removed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-03-09T10:00:00Z'));
    const mark = { modstamp: Date.parse('2026-03-05T10:00:00Z'), id: '00TZ' };
    const cursor = { v: 1, touchpoints: { EmailMessage: mark, Task: mark, Event: mark, CampaignMember: mark } };
    const since = "(SystemModstamp > 2026-03-05T10:00:00Z OR (SystemModstamp = 2026-03-05T10:00:00Z AND Id > '00TZ'))";
    const scope = standardCatalog(sf())
      .get(`${V}/queryAll`).query(soql((q) => q.endsWith(`FROM EmailMessage WHERE ${since} ORDER BY SystemModstamp, Id`)))
      .reply(200, page('EmailMessage', [
        { Id: '02sN', SystemModstamp: TS('6'), IsDeleted: false, Incoming: true, MessageDate: TS('6'), Status: '2', ParentId: null, Parent: null, RelatedToId: null, ActivityId: null, IsBounced: false, CreatedDate: TS('6') },
        { Id: '02sX', SystemModstamp: TS('6'), IsDeleted: true, Incoming: false, MessageDate: TS('1'), Status: '3', ParentId: null, Parent: null, RelatedToId: null, ActivityId: null, IsBounced: false, CreatedDate: TS('1') },
      ]))
      // Incremental: the people of the changed non-case mail only.
      .get(`${V}/query`).query(soql((q) => q === "SELECT EmailMessageId, RelationId FROM EmailMessageRelation WHERE EmailMessageId IN ('02sN') AND RelationObjectType IN ('Contact', 'Lead')"))
      .reply(200, page('EmailMessageRelation', [{ Id: '0Ef1', EmailMessageId: '02sN', RelationId: '003Q' }, { Id: '0Ef2', EmailMessageId: '02sN', RelationId: '003R' }]))
      .get(`${V}/queryAll`).query(soql((q) => q.endsWith(`FROM Task WHERE ${since} ORDER BY SystemModstamp, Id`)))
      .reply(200, page('Task', [
        { Id: '00TM', SystemModstamp: TS('7'), IsDeleted: false, WhoId: '003Q', WhatId: null, TaskSubtype: 'Email', Type: 'Email', CallType: null, Status: 'Completed', IsClosed: true, ActivityDate: '2026-03-07', CompletedDateTime: TS('7'), CreatedDate: TS('7'), OwnerId: '005U', IsArchived: false },
        { Id: '00TL', SystemModstamp: TS('7'), IsDeleted: false, WhoId: '003Q', WhatId: null, TaskSubtype: 'ListEmail', Type: 'Email', CallType: null, Status: 'Completed', IsClosed: true, ActivityDate: '2026-03-07', CompletedDateTime: TS('7'), CreatedDate: TS('7'), OwnerId: '005U', IsArchived: false },
        { Id: '00TD', SystemModstamp: TS('8'), IsDeleted: true, WhoId: '003Q', WhatId: null, TaskSubtype: 'Call', Type: 'Call', CallType: 'Outbound', Status: 'Completed', IsClosed: true, ActivityDate: '2026-03-01', CompletedDateTime: TS('1'), CreatedDate: TS('1'), OwnerId: '005U', IsArchived: false },
      ]))
      // Email Tasks whose EmailMessage did not change in this run: which of them does an EmailMessage point at?
      .get(`${V}/query`).query(soql((q) => q === "SELECT ActivityId FROM EmailMessage WHERE ActivityId IN ('00TM', '00TL')"))
      .reply(200, page('EmailMessage', [{ ActivityId: '00TM' }]))
      .get(`${V}/queryAll`).query(soql((q) => q.endsWith(`FROM Event WHERE ${since} ORDER BY SystemModstamp, Id`)))
      .reply(200, page('Event', []))
      .get(`${V}/queryAll`).query(soql((q) => q.endsWith(`FROM CampaignMember WHERE ${since} ORDER BY SystemModstamp, Id`)))
      .reply(200, page('CampaignMember', [
        { Id: '00vS', SystemModstamp: TS('8'), IsDeleted: false, HasResponded: false, ContactId: '003Q', LeadId: null, Status: 'Sent', FirstRespondedDate: null, Campaign: { attributes: { type: 'Campaign' }, Type: 'Email' }, CreatedDate: TS('1') },
      ]));

    const batches = await collect(connector().pullTouchpoints!({ mode: 'incremental', cursor }));
    expect(scope.isDone()).toBe(true);
    const tp = byId(batches);
    expect([...tp.keys()].sort()).toEqual(['00TL', '02sN']);
    expect(tp.get('02sN')).toMatchObject({ direction: 'inbound', outcome: 'replied', contactIds: ['003Q', '003R'] });
    expect(tp.get('00TL')).toMatchObject({ channel: 'email', direction: 'outbound', outcome: 'sent', rawChannel: 'ListEmail' });
    expect(batches.flatMap((b) => b.removed).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { objectType: 'Task', id: '00TD' },
      { objectType: 'Task', id: '00TM' },
      { objectType: 'CampaignMember', id: '00vS' },
      { objectType: 'EmailMessage', id: '02sX' },
    ].sort((a, b) => a.id.localeCompare(b.id)));
    expect(batches.some((b) => b.fullPass)).toBe(false);
    // The marks move to the newest row read, deleted rows included; Event keeps its mark.
    expect(batches.filter((b) => b.cursor).at(-1)?.cursor).toEqual({ v: 1, touchpoints: {
      EmailMessage: { modstamp: Date.parse('2026-03-06T10:00:00Z'), id: '02sX' },
      Task: { modstamp: Date.parse('2026-03-08T10:00:00Z'), id: '00TD' },
      Event: mark,
      CampaignMember: { modstamp: Date.parse('2026-03-08T10:00:00Z'), id: '00vS' },
    } });
  });

  it('a recent cursor second is re-read whole (>=), as the record pull does', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-03-09T10:00:30Z'));
    const cursor = { v: 1, touchpoints: { Event: { modstamp: Date.parse('2026-03-09T10:00:00Z'), id: '00UB' } } };
    const scope = absent(sf(), ['Event'])
      .get(`${V}/sobjects/Event/describe`).reply(200, describeBody('Event', EVENT_FIELDS))
      .get(`${V}/queryAll`).query(soql((q) => q.endsWith('FROM Event WHERE SystemModstamp >= 2026-03-09T10:00:00Z ORDER BY SystemModstamp, Id')))
      .reply(200, page('Event', [
        { Id: '00UA', SystemModstamp: '2026-03-09T10:00:00.000+0000', IsDeleted: false, WhoId: '003P', WhatId: null, StartDateTime: '2026-03-20T09:00:00.000+0000', Type: 'Meeting' },
      ]));
    const batches = await collect(connector().pullTouchpoints!({ mode: 'incremental', cursor }));
    expect(scope.isDone()).toBe(true);
    // Sorted below the cursor's Id in the same second, yet delivered: it may have changed again within it.
    expect(all(batches).map((r) => [r.id, r.outcome])).toEqual([['00UA', 'scheduled']]);
  });

  it('rejects a cursor it did not write', async () => {
    absent(sf(), ['Task']);
    sf().get(`${V}/sobjects/Task/describe`).reply(200, describeBody('Task', TASK_FIELDS));
    await expect(collect(connector().pullTouchpoints!({ mode: 'incremental', cursor: { v: 1, objects: {} } }))).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

describe('pullTouchpoints — Salesforce Surveys, where the org has them', () => {
  it('reads numeric answers with their question type and the response submitter; NPS and 1–5 CSAT get their bands', async () => {
    const scope = absent(sf(), ['Contact', 'SurveyQuestion', 'SurveyResponse', 'SurveyQuestionResponse'])
      .get(`${V}/sobjects/SurveyQuestionResponse/describe`).reply(200, describeBody('SurveyQuestionResponse', ['NumberValue', ['QuestionId', 'Question'], ['ResponseId', 'Response'], 'ChoiceValue']))
      .get(`${V}/sobjects/SurveyQuestion/describe`).reply(200, describeBody('SurveyQuestion', ['QuestionType']))
      .get(`${V}/sobjects/SurveyResponse/describe`).reply(200, describeBody('SurveyResponse', [['SubmitterId', 'Submitter'], 'CompletionDateTime', 'Status']))
      .get(`${V}/queryAll`).query(soql((q) => q === 'SELECT Id, SystemModstamp, IsDeleted, NumberValue, QuestionId, ResponseId, CreatedDate FROM SurveyQuestionResponse WHERE IsDeleted = false AND NumberValue != null ORDER BY SystemModstamp, Id'))
      .reply(200, page('SurveyQuestionResponse', [
        { Id: '0KdA', SystemModstamp: TS('1'), IsDeleted: false, NumberValue: 6, QuestionId: '0TqN', ResponseId: '0KcA', CreatedDate: TS('1') },
        { Id: '0KdB', SystemModstamp: TS('2'), IsDeleted: false, NumberValue: 4, QuestionId: '0TqC', ResponseId: '0KcB', CreatedDate: TS('2') },
      ]))
      .get(`${V}/query`).query(soql((q) => q === 'SELECT Id, QuestionType FROM SurveyQuestion'))
      .reply(200, page('SurveyQuestion', [{ Id: '0TqN', QuestionType: 'NPS' }, { Id: '0TqC', QuestionType: 'CSAT' }]))
      .get(`${V}/query`).query(soql((q) => q === "SELECT Id, SubmitterId, CompletionDateTime FROM SurveyResponse WHERE Id IN ('0KcA', '0KcB')"))
      .reply(200, page('SurveyResponse', [{ Id: '0KcA', SubmitterId: '003P', CompletionDateTime: '2026-02-27T08:00:00.000+0000' }, { Id: '0KcB', SubmitterId: '005U', CompletionDateTime: null }]));

    const tp = byId(await collect(connector().pullTouchpoints!({ mode: 'full' })));
    expect(scope.isDone()).toBe(true);
    expect(tp.get('0KdA')).toMatchObject({ channel: 'survey', direction: 'inbound', contactIds: ['003P'], at: Date.parse('2026-02-27T08:00:00Z'), survey: { type: 'nps', score: 6, scale: { min: 0, max: 10 }, sentiment: 'negative' } });
    // Answered by a user (005…), not a customer: no contact. Dated by the answer when the response has no completion time.
    expect(tp.get('0KdB')).toMatchObject({ contactIds: [], at: Date.parse('2026-03-02T10:00:00Z'), survey: { type: 'csat', score: 4, scale: { min: 1, max: 5 }, sentiment: 'positive' } });
  });
});

describe('fetchTouchpoints (explain)', () => {
  it("reads one person's touchpoints: activities by WhoId, mail through the Case's contact or a relation, archived included", async () => {
    const scope = absent(sf(), ['Contact', 'Task', 'EmailMessage', 'EmailMessageRelation'])
      .get(`${V}/sobjects/EmailMessage/describe`).reply(200, describeBody('EmailMessage', EMAIL_FIELDS))
      .get(`${V}/sobjects/EmailMessageRelation/describe`).reply(200, describeBody('EmailMessageRelation', RELATION_FIELDS))
      .get(`${V}/sobjects/Task/describe`).reply(200, describeBody('Task', TASK_FIELDS))
      .get(`${V}/query`).query(soql((q) => q === "SELECT EmailMessageId FROM EmailMessageRelation WHERE RelationId = '003P'"))
      .reply(200, page('EmailMessageRelation', [{ Id: '0Ef1', EmailMessageId: '02sB' }]))
      .get(`${V}/queryAll`).query(soql((q) => q.endsWith("FROM EmailMessage WHERE (Parent.ContactId = '003P' OR Id IN ('02sB')) AND IsDeleted = false ORDER BY SystemModstamp, Id")))
      .reply(200, page('EmailMessage', [
        { Id: '02sA', SystemModstamp: TS('1'), IsDeleted: false, Incoming: true, MessageDate: TS('1'), Status: '1', ParentId: '500C', Parent: { attributes: { type: 'Case' }, ContactId: '003P' }, RelatedToId: '500C', ActivityId: null, IsBounced: false, CreatedDate: TS('1') },
        { Id: '02sB', SystemModstamp: TS('2'), IsDeleted: false, Incoming: false, MessageDate: TS('2'), Status: '3', ParentId: null, Parent: null, RelatedToId: null, ActivityId: '00TE', IsBounced: true, CreatedDate: TS('2') },
      ]))
      .get(`${V}/queryAll`).query(soql((q) => q.endsWith("FROM Task WHERE WhoId = '003P' AND IsDeleted = false ORDER BY SystemModstamp, Id")))
      .reply(200, page('Task', [
        { Id: '00TE', SystemModstamp: TS('2'), IsDeleted: false, WhoId: '003P', WhatId: null, TaskSubtype: 'Email', Type: 'Email', CallType: null, Status: 'Completed', IsClosed: true, ActivityDate: '2026-03-02', CompletedDateTime: TS('2'), CreatedDate: TS('2'), OwnerId: '005U', IsArchived: false },
        { Id: '00TA', SystemModstamp: '2024-01-05T09:00:00.000+0000', IsDeleted: false, WhoId: '003P', WhatId: '500C', TaskSubtype: 'Call', Type: 'Call', CallType: 'Outbound', Status: 'Completed', IsClosed: true, ActivityDate: '2024-01-05', CompletedDateTime: null, CreatedDate: '2024-01-05T09:00:00.000+0000', OwnerId: '005U', IsArchived: true },
      ]));
    const records = await connector().fetchTouchpoints!('003P');
    expect(scope.isDone()).toBe(true);
    expect(records.map((r) => [r.id, r.channel, r.direction, r.outcome])).toEqual([
      ['02sA', 'email', 'inbound', 'opened'],
      ['02sB', 'email', 'outbound', 'bounced'],
      ['00TA', 'phone', 'outbound', null],
    ]);
    expect(records[1]?.contactIds).toEqual(['003P']);
    // A date-only ActivityDate dates the archived call when it has no completion time.
    expect(records[2]).toMatchObject({ at: Date.parse('2024-01-05'), ticketIds: ['500C'] });
  });
});

describe('the touchpoint catalogue kept in the schema cache (the store)', () => {
  it('is described with the field catalogue in one Composite call on a full run, and not at all on the next run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parcours-sf-tp-cache-'));
    // Each "run" opens the store and builds a new connector, as a CLI run does.
    const run = async <T>(body: (c: ReturnType<typeof connector>) => Promise<T>): Promise<T> => {
      const store = openStore(join(dir, 'p.db'));
      try {
        return await body(connector({ schemaCache: storeSchemaCache(store, 'salesforce:test') }));
      } finally {
        await store.close();
      }
    };
    const scope = standardCatalog(sf());
    for (const o of ['Contact', 'Lead', 'Opportunity', 'Case', 'Account']) scope.get(`${V}/sobjects/${o}/describe`).reply(200, describeBody(o, []));
    // A full run asks for the fields with refresh: the five field describes and the ten touchpoint ones, together.
    expect(await run(async (c) => (await c.availableFields(needs(), { refresh: true }), c.stats().total))).toBe(1);
    expect(scope.isDone()).toBe(true);
    // The next run: no describe is mocked (nock would refuse it); the kept catalogue plans the four reads.
    const mark = { modstamp: Date.parse('2026-03-01T10:00:00Z'), id: '000000000000000' };
    const cursor = { v: 1, touchpoints: { EmailMessage: mark, Task: mark, Event: mark, CampaignMember: mark } };
    const reads = sf().get(`${V}/queryAll`).query(soql((q) => q.includes('WHERE (SystemModstamp > 2026-03-01T10:00:00Z'))).times(4).reply(200, (uri: string) => page(new URL(uri, 'http://x').searchParams.get('q')?.split(' FROM ')[1]?.split(' ')[0] ?? 'Task', []));
    const calls = await run(async (c) => (await collect(c.pullTouchpoints!({ mode: 'incremental', cursor })), c.stats()));
    expect(reads.isDone()).toBe(true);
    // Four queryAll reads opened together: one Composite call, no describe.
    expect(calls.byEndpoint).toEqual({ composite: 1 });
  });
});
