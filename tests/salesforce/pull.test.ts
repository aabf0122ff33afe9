import nock from 'nock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ContactRecord, DealRecord, TicketRecord } from '../../src/model.ts';
import { V, collect, connector, needs, page, sf, soql, usage, compositeEndpoint, type CompositeLog } from './fixtures.ts';

beforeAll(() => nock.disableNetConnect());
// Concurrent reads and writes travel packed in `POST /composite`; its subrequests are served by the interceptors below.
let composites: CompositeLog = [];
beforeEach(() => {
  composites = compositeEndpoint();
});
afterEach(() => {
  nock.cleanAll();
});

const M1 = '2026-03-01T10:00:00.000+0000';
const M2 = '2026-03-02T10:00:00.000+0000';

describe('pull contacts', () => {
  it('pages through nextRecordsUrl with batchSize=2000, reads Account fields, and reports deletions from queryAll', async () => {
    const fields = needs({ normalized: { contact: ['email', 'country', 'industry', 'employees', 'lifecycle', 'source'], deal: [], ticket: [] }, owned: { contact: ['Parcours_Stage__c'], deal: [], ticket: [] } });
    const scope = sf()
      // One queryAll returns the rows and the recycle bin (IsDeleted) together: no deletions query of its own.
      .get(`${V}/queryAll`).matchHeader('sforce-query-options', 'batchSize=2000')
      .query(soql((q) => q.startsWith('SELECT Id, SystemModstamp, Email, MailingCountry, Account.BillingCountry') && q.includes('Parcours_Stage__c') && q.endsWith(', MasterRecordId, IsDeleted FROM Contact ORDER BY SystemModstamp, Id')))
      .reply(200, page('Contact', [
        { Id: '003A', SystemModstamp: M1, IsDeleted: false, Email: 'a@x.io', MailingCountry: null, Account: { attributes: { type: 'Account' }, BillingCountry: 'France', Industry: 'Technology', NumberOfEmployees: 5000 }, LeadSource: 'Web', Parcours_Stage__c: 'Onboarding' },
        { Id: '003D', SystemModstamp: M1, IsDeleted: true, Email: 'd@x.io', MailingCountry: null, Account: null, LeadSource: null, Parcours_Stage__c: null },
      ], `${V}/query/01gXX-2000`, 3), usage(2))
      .get(`${V}/query/01gXX-2000`).matchHeader('sforce-query-options', 'batchSize=2000')
      .reply(200, page('Contact', [{ Id: '003B', SystemModstamp: M2, IsDeleted: false, Email: 'b@x.io', MailingCountry: 'Spain', Account: null, LeadSource: null, Parcours_Stage__c: null }], undefined, 3), usage(3))
      .get(`${V}/queryAll`).query(soql((q) => q.includes('Status') && q.endsWith(', MasterRecordId, IsDeleted FROM Lead WHERE IsConverted = false ORDER BY SystemModstamp, Id')))
      .reply(200, page('Lead', [{ Id: '00QL', SystemModstamp: M1, Email: 'l@x.io', Country: 'Italy', Industry: 'Retail', NumberOfEmployees: 12, Status: 'Working - Contacted', LeadSource: 'Partner Referral', Parcours_Stage__c: null }]))
      // The full read leaves converted Leads out; a slim query lists them for the hand-over.
      .get(`${V}/query`).query(soql((q) => q === 'SELECT Id, IsConverted, ConvertedContactId, ConvertedDate FROM Lead WHERE IsConverted = true'))
      .reply(200, page('Lead', [{ Id: '00QC', IsConverted: true, ConvertedContactId: '003A', ConvertedDate: '2026-02-20' }]));

    const c = connector();
    const batches = await collect(c.pull({ objects: ['contact'], fields, mode: 'full', cursors: {} }));
    expect(scope.isDone()).toBe(true);

    expect(batches[0]?.removed).toEqual([{ kind: 'contact', objectType: 'Contact', id: '003D' }]);
    // The deleted row is reported in the batch whose cursor passes it.
    expect(batches[0]?.cursor).toEqual({ v: 1, objects: { Contact: { modstamp: Date.parse('2026-03-01T10:00:00Z'), id: '003D' } } });
    const contacts = batches.flatMap((b) => b.records) as ContactRecord[];
    expect(contacts.map((r) => r.id)).toEqual(['003A', '003B', '00QL']);
    expect(contacts[0]).toMatchObject({ objectType: 'Contact', email: 'a@x.io', country: 'France', industry: 'Technology', employees: 5000, source: 'Web', lifecycle: null, raw: { Parcours_Stage__c: 'Onboarding' }, updatedAt: Date.parse('2026-03-01T10:00:00Z') });
    expect(contacts[1]).toMatchObject({ country: 'Spain', industry: null, employees: null });
    expect(contacts[2]).toMatchObject({ objectType: 'Lead', lifecycle: 'Working - Contacted', source: 'Partner Referral', country: 'Italy', industry: 'Retail', employees: 12 });
    // Fields the mapping did not ask for are not requested, so stay null.
    expect(contacts[0]?.name).toBeNull();
    // The cursor after the last Contact page points at its newest row; the Lead cursor follows.
    expect(batches[1]?.cursor).toEqual({ v: 1, objects: { Contact: { modstamp: Date.parse('2026-03-02T10:00:00Z'), id: '003B' } } });
    expect(batches.filter((b) => b.cursor).at(-1)?.cursor).toMatchObject({ objects: { Lead: { id: '00QL' } } });
    expect(batches.flatMap((b) => b.handovers ?? [])).toEqual([
      { from: { kind: 'contact', objectType: 'Lead', id: '00QC' }, to: { kind: 'contact', objectType: 'Contact', id: '003A' }, at: Date.parse('2026-02-20') },
    ]);
    // One full pass over the kind: every batch carries its id, and only the last says it is complete.
    const pass = batches[0]?.fullPass?.id;
    expect(pass).toEqual(expect.any(String));
    expect(batches.every((b) => b.fullPass?.id === pass)).toBe(true);
    expect(batches.map((b) => b.fullPass?.complete === true)).toEqual([...batches.slice(1).map(() => false), true]);
    // The three first pages (Contact and Lead rows with their recycle bins, converted Leads) share one Composite
    // call; Contact's second page is alone, so it goes plain.
    expect(composites.map((c) => c.length)).toEqual([3]);
    expect(c.stats().byEndpoint).toEqual({ composite: 1, 'soql.query': 1 });
  });

  it('incremental: re-reads the cursor second whole, removes deleted and converted leads, hands merge losers over to their survivor', async () => {
    // The cursor second is recent (in-flight window): it is re-read whole, and every row in it is delivered —
    // 003A sorts before the cursor's Id but changed again within that second (same stamp). Only Date is faked.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-03-02T10:01:00Z'));
    const cursor = { v: 1, objects: { Contact: { modstamp: Date.parse('2026-03-02T10:00:00Z'), id: '003B' }, Lead: { modstamp: Date.parse('2026-03-02T10:00:00Z'), id: '00QL' } } };
    const scope = sf()
      // One queryAll per object returns the changed rows and the deleted ones (a delete moves SystemModstamp).
      .get(`${V}/queryAll`).query(soql((q) => q.includes(', IsDeleted FROM') && q.endsWith('FROM Contact WHERE SystemModstamp >= 2026-03-02T10:00:00Z ORDER BY SystemModstamp, Id')))
      .reply(200, page('Contact', [
        { Id: '003A', SystemModstamp: '2026-03-02T10:00:00.000+0000', IsDeleted: false },
        { Id: '003B', SystemModstamp: '2026-03-02T10:00:00.000+0000', IsDeleted: false },
        { Id: '003C', SystemModstamp: '2026-03-02T10:00:00.000+0000', IsDeleted: false },
        { Id: '003Y', SystemModstamp: '2026-03-02T10:00:00.000+0000', IsDeleted: true, MasterRecordId: '003A' },
        { Id: '003Z', SystemModstamp: '2026-03-02T10:00:00.000+0000', IsDeleted: true, MasterRecordId: null },
      ]))
      .get(`${V}/queryAll`).query(soql((q) => q.includes('IsConverted') && q.includes('IsDeleted') && q.endsWith('FROM Lead WHERE SystemModstamp >= 2026-03-02T10:00:00Z ORDER BY SystemModstamp, Id')))
      .reply(200, page('Lead', [
        { Id: '00QM', SystemModstamp: M2.replace('10:00', '11:00'), IsConverted: true, ConvertedContactId: null, ConvertedDate: '2026-03-02' },
        { Id: '00QN', SystemModstamp: M2.replace('10:00', '11:00'), IsConverted: true, ConvertedContactId: '003C', ConvertedDate: '2026-03-02' },
        { Id: '00QO', SystemModstamp: M2.replace('10:00', '11:00'), IsDeleted: true, IsConverted: false, MasterRecordId: '00QP' },
      ]));

    const batches = await collect(connector().pull({ objects: ['contact'], fields: needs(), mode: 'incremental', cursors: { contact: cursor } }));
    expect(scope.isDone()).toBe(true);
    expect(batches.flatMap((b) => b.records).map((r) => r.id)).toEqual(['003A', '003B', '003C']);
    // Converted into a Contact: handed over; converted without one (e.g. a person account): removed. Deleted by a
    // merge (MasterRecordId set, merge(): https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_merge.htm):
    // handed over to the survivor, a record of the same object; deleted otherwise: removed.
    expect(batches.flatMap((b) => b.removed)).toEqual([
      { kind: 'contact', objectType: 'Contact', id: '003Z' },
      { kind: 'contact', objectType: 'Lead', id: '00QM' },
    ]);
    expect(batches.flatMap((b) => b.handovers ?? [])).toEqual([
      { from: { kind: 'contact', objectType: 'Contact', id: '003Y' }, to: { kind: 'contact', objectType: 'Contact', id: '003A' }, at: Date.parse('2026-03-02T10:00:00Z') },
      { from: { kind: 'contact', objectType: 'Lead', id: '00QO' }, to: { kind: 'contact', objectType: 'Lead', id: '00QP' }, at: Date.parse('2026-03-02T11:00:00Z') },
      { from: { kind: 'contact', objectType: 'Lead', id: '00QN' }, to: { kind: 'contact', objectType: 'Contact', id: '003C' }, at: Date.parse('2026-03-02') },
    ]);
    // An incremental pull is no full pass: nothing may be swept after it.
    expect(batches.some((b) => b.fullPass)).toBe(false);
    vi.useRealTimers();
    // The deleted row is reported in the same batch as the rows around it: the cursor passes it.
    expect(batches.at(-1)?.cursor).toEqual({ v: 1, objects: { Contact: { modstamp: Date.parse('2026-03-02T10:00:00Z'), id: '003Z' }, Lead: { modstamp: Date.parse('2026-03-02T11:00:00Z'), id: '00QO' } } });
  });

  it('rejects a cursor it did not write', async () => {
    await expect(collect(connector().pull({ objects: ['contact'], fields: needs(), mode: 'incremental', cursors: { contact: { after: 'x' } } }))).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

describe('pull deals and tickets', () => {
  it('links deals through contact roles (primary first), falls back to the account primary contact, and collects stage history', async () => {
    const fields = needs({ normalized: { contact: [], deal: ['stage', 'amount', 'closedAt', 'stageEnteredAt', 'stagesReached', 'stageHistory'], ticket: [] } });
    const scope = sf()
      .get(`${V}/query`).query(soql((q) => q === 'SELECT OpportunityId, ContactId, IsPrimary, SystemModstamp FROM OpportunityContactRole'))
      .reply(200, page('OpportunityContactRole', [
        { Id: '00K1', OpportunityId: '006A', ContactId: '003X', IsPrimary: false, SystemModstamp: M1 },
        { Id: '00K2', OpportunityId: '006A', ContactId: '003Y', IsPrimary: true, SystemModstamp: M2 },
      ]))
      .get(`${V}/query`).query(soql((q) => q === 'SELECT OpportunityId, StageName, CreatedDate FROM OpportunityHistory ORDER BY CreatedDate, Id'))
      .reply(200, page('OpportunityHistory', [
        { Id: '008a', OpportunityId: '006A', StageName: 'Prospecting', CreatedDate: M1 },
        { Id: '008b', OpportunityId: '006A', StageName: 'Closed Won', CreatedDate: M2 },
        { Id: '008c', OpportunityId: '006A', StageName: 'Closed Won', CreatedDate: M2 },
      ]))
      .get(`${V}/queryAll`).query(soql((q) => q === 'SELECT Id, SystemModstamp, IsClosed, IsWon, AccountId, StageName, Amount, CloseDate, LastStageChangeDate, OwnerId, IsDeleted FROM Opportunity ORDER BY SystemModstamp, Id'))
      .reply(200, page('Opportunity', [
        { Id: '006A', SystemModstamp: M1, IsClosed: true, IsWon: true, AccountId: '001A', StageName: 'Closed Won', Amount: 1200.5, CloseDate: '2026-02-27', LastStageChangeDate: M2 },
        { Id: '006B', SystemModstamp: M2, IsClosed: false, IsWon: false, AccountId: '001B', StageName: 'Qualification', Amount: null, CloseDate: '2026-06-30', LastStageChangeDate: null },
      ]))
      .get(`${V}/query`).query(soql((q) => q === "SELECT Id, AccountId, CreatedDate FROM Contact WHERE AccountId IN ('001B') ORDER BY CreatedDate, Id"))
      .reply(200, page('Contact', [{ Id: '003OLD', AccountId: '001B', CreatedDate: M1 }, { Id: '003NEW', AccountId: '001B', CreatedDate: M2 }]));

    const batches = await collect(connector().pull({ objects: ['deal'], fields, mode: 'full', cursors: {} }));
    expect(scope.isDone()).toBe(true);
    const deals = batches.flatMap((b) => b.records) as DealRecord[];
    expect(deals[0]).toMatchObject({ id: '006A', contactIds: ['003Y', '003X'], stagesReached: ['Prospecting', 'Closed Won'], isClosed: true, isWon: true, amount: 1200.5, closedAt: Date.parse('2026-02-27'), stageEnteredAt: Date.parse('2026-03-02T10:00:00Z') });
    // Dated entries: a row repeating the stage (amount or close date changed) is not a new entry.
    expect(deals[0]?.stageHistory).toEqual([{ stage: 'Prospecting', at: Date.parse(M1) }, { stage: 'Closed Won', at: Date.parse(M2) }]);
    // Open deal: CloseDate is only a forecast, so no closedAt.
    expect(deals[1]).toMatchObject({ id: '006B', contactIds: ['003OLD'], closedAt: null, stagesReached: [] });
    expect(batches.filter((b) => b.cursor).at(-1)?.cursor).toMatchObject({ objects: { Opportunity: { id: '006B' }, OpportunityContactRole: { id: '00K2' } } });
    expect(batches.at(-1)).toMatchObject({ records: [], removed: [], fullPass: { complete: true } });
  });

  // A role deleted directly is a hard delete: queryAll never returns it (object reference, OpportunityContactRole).
  // The role-change query cannot see it; the deal's roles are re-read whenever the Opportunity itself changes.
  it('incremental: a directly deleted role is noticed when its opportunity changes (roles re-read by OpportunityId)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-03-09T10:00:00Z'));
    const cursor = { v: 1, objects: { Opportunity: { modstamp: Date.parse('2026-03-01T10:00:00Z'), id: '006A' }, OpportunityContactRole: { modstamp: Date.parse('2026-03-01T10:00:00Z'), id: '00K2' } } };
    const keyset = (id: string) => `(SystemModstamp > 2026-03-01T10:00:00Z OR (SystemModstamp = 2026-03-01T10:00:00Z AND Id > '${id}'))`;
    const scope = sf()
      .get(`${V}/queryAll`).query(soql((q) => q === `SELECT Id, SystemModstamp, IsClosed, IsWon, AccountId, StageName, OwnerId, IsDeleted FROM Opportunity WHERE ${keyset('006A')} ORDER BY SystemModstamp, Id`))
      .reply(200, page('Opportunity', [{ Id: '006B', SystemModstamp: M2, IsClosed: false, IsWon: false, AccountId: null, StageName: 'Qualification', IsDeleted: false }]))
      // The role 00K1 (006B ↔ 003X) was deleted directly: only 003Y is left.
      .get(`${V}/query`).query(soql((q) => q === "SELECT OpportunityId, ContactId, IsPrimary FROM OpportunityContactRole WHERE OpportunityId IN ('006B')"))
      .reply(200, page('OpportunityContactRole', [{ Id: '00K3', OpportunityId: '006B', ContactId: '003Y', IsPrimary: true }]))
      // ...and the role-change query does not show the hard delete.
      .get(`${V}/queryAll`).query(soql((q) => q === 'SELECT Id, OpportunityId, SystemModstamp FROM OpportunityContactRole WHERE SystemModstamp >= 2026-03-01T10:00:00Z ORDER BY SystemModstamp, Id'))
      .reply(200, page('OpportunityContactRole', []));
    const batches = await collect(connector().pull({ objects: ['deal'], fields: needs({ normalized: { contact: [], deal: ['stage'], ticket: [] } }), mode: 'incremental', cursors: { deal: cursor } }));
    vi.useRealTimers();
    expect(scope.isDone()).toBe(true);
    expect(batches.flatMap((b) => b.records)).toMatchObject([{ id: '006B', contactIds: ['003Y'] }]);
  });

  it('reads cases with a contact, Origin as channel and the first-response override', async () => {
    const fields = needs({ normalized: { contact: [], deal: [], ticket: ['status', 'channel', 'closedAt'] }, overrides: { contact: {}, deal: {}, ticket: { firstResponseAt: 'First_Response_At__c' } } });
    const scope = sf()
      .get(`${V}/queryAll`).query(soql((q) => q === 'SELECT Id, SystemModstamp, IsClosed, ContactId, Status, Origin, ClosedDate, First_Response_At__c, OwnerId, IsDeleted FROM Case WHERE ContactId != null ORDER BY SystemModstamp, Id'))
      .reply(200, page('Case', [{ Id: '500A', SystemModstamp: M1, IsClosed: false, ContactId: '003A', Status: 'Escalated', Origin: 'Email', ClosedDate: null, First_Response_At__c: M2 }]));
    const batches = await collect(connector().pull({ objects: ['ticket'], fields, mode: 'full', cursors: {} }));
    expect(scope.isDone()).toBe(true);
    expect(batches.flatMap((b) => b.records)[0] as TicketRecord).toMatchObject({ isOpen: true, status: 'Escalated', channel: 'Email', contactIds: ['003A'], firstResponseAt: Date.parse('2026-03-02T10:00:00Z'), closedAt: null });
  });
});

describe('pull above the bulk threshold', () => {
  it('switches to a Bulk API 2.0 query job and follows Sforce-Locator', async () => {
    const scope = sf()
      .get(`${V}/queryAll`).query(soql((q) => q.endsWith('FROM Contact ORDER BY SystemModstamp, Id')))
      // The first page is the size probe: 30,000 rows left would take 6,000 calls at this page size, a Bulk job 3.
      // (The job finds 3: the rest were deleted meanwhile.)
      .reply(200, page('Contact', [{ Id: '003A', SystemModstamp: M1 }], `${V}/query/01gYY-2000`, 30_000))
      // queryAll: the recycle bin comes with the rows (IsDeleted), as in the REST read.
      .post(`${V}/jobs/query`, (body) => body.operation === 'queryAll' && body.query === 'SELECT Id, SystemModstamp, Email, OwnerId, MasterRecordId, IsDeleted FROM Contact')
      .reply(200, { id: '750Q', operation: 'query', object: 'Contact', state: 'UploadComplete' })
      .get(`${V}/jobs/query/750Q`).reply(200, { id: '750Q', state: 'InProgress' })
      .get(`${V}/jobs/query/750Q`).reply(200, { id: '750Q', state: 'JobComplete' })
      // One results read sized from the probe's totalSize (30,000 + 1 % + 100 ≥ 50,000? no: the 50,000 floor);
      // a job larger than asked follows Sforce-Locator.
      .get(`${V}/jobs/query/750Q/results`).query({ maxRecords: '50000' })
      .reply(200, 'Id,SystemModstamp,Email,IsDeleted\n003A,2026-03-01T10:00:00.000Z,"a,1@x.io",false\n003B,2026-03-02T10:00:00.000Z,,false\n', { 'Content-Type': 'text/csv', 'Sforce-Locator': 'MjAwMA', 'Sforce-NumberOfRecords': '2' })
      .get(`${V}/jobs/query/750Q/results`).query({ maxRecords: '50000', locator: 'MjAwMA' })
      .reply(200, 'Id,SystemModstamp,Email,IsDeleted\n003C,2026-03-01T12:00:00.000Z,"say ""hi""\n@x.io",false\n003X,2026-03-01T12:00:00.000Z,,true\n', { 'Content-Type': 'text/csv', 'Sforce-Locator': 'null', 'Sforce-NumberOfRecords': '2' });
    // Lead side stays tiny (REST).
    sf().get(`${V}/queryAll`).query(soql((q) => q.includes('FROM Lead'))).reply(200, page('Lead', []))
      .get(`${V}/query`).query(soql((q) => q.includes('FROM Lead WHERE IsConverted = true'))).reply(200, page('Lead', []));

    const c = connector({ bulkThreshold: 2 });
    const batches = await collect(c.pull({ objects: ['contact'], fields: needs({ normalized: { contact: ['email'], deal: [], ticket: [] } }), mode: 'full', cursors: {} }));
    expect(scope.isDone()).toBe(true);
    const records = batches.flatMap((b) => b.records) as ContactRecord[];
    expect(records.map((r) => [r.id, r.email])).toEqual([['003A', 'a,1@x.io'], ['003B', null], ['003C', 'say "hi"\n@x.io']]);
    // A row of the recycle bin is a removal.
    expect(batches.flatMap((b) => b.removed)).toEqual([{ kind: 'contact', objectType: 'Contact', id: '003X' }]);
    // Unordered bulk rows: no cursor until every page is stored, then the newest (SystemModstamp, Id).
    const contactBatches = batches.filter((b) => b.records.some((r) => r.objectType === 'Contact'));
    expect(contactBatches.every((b) => b.cursor === undefined)).toBe(true);
    expect(batches.find((b) => b.cursor)?.cursor).toEqual({ v: 1, objects: { Contact: { modstamp: Date.parse('2026-03-02T10:00:00Z'), id: '003B' } } });
    expect(c.stats().byEndpoint['bulk2.query']).toBe(5);
  });
});

describe('incremental start clause', () => {
  it('re-reads the cursor second while it is recent, and uses the (second, Id) keyset once it is old', async () => {
    const { sinceClause, IN_FLIGHT_MS } = await import('../../connectors/salesforce/pull.ts');
    const mark = { modstamp: Date.parse('2026-11-23T10:00:00Z'), id: "003000000000001AAA" };
    expect(sinceClause(mark, mark.modstamp + 1_000)).toBe('SystemModstamp >= 2026-11-23T10:00:00Z');
    expect(sinceClause(mark, mark.modstamp + IN_FLIGHT_MS + 1)).toBe(
      "(SystemModstamp > 2026-11-23T10:00:00Z OR (SystemModstamp = 2026-11-23T10:00:00Z AND Id > '003000000000001AAA'))",
    );
  });
});

describe('a burst of writes in one second (SystemModstamp has whole seconds)', () => {
  // Real SystemModstamp values end in .000 (salesforce.md §11): thousands of rows can share one second,
  // and only Id orders them. The pages of one query are a snapshot; the cursor after each page is (second, last Id).
  const T = '2026-11-23T10:00:00.000+0000';
  const id = (n: number) => `003${String(n).padStart(12, '0')}AAA`;
  const rows = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ Id: id(from + i), SystemModstamp: T }));
  const keyset = (after: string) => `(SystemModstamp > 2026-11-23T10:00:00Z OR (SystemModstamp = 2026-11-23T10:00:00Z AND Id > '${after}'))`;

  const noLeads = () =>
    sf()
      // No Lead cursor yet: the Lead read starts from scratch (every unconverted Lead and the recycle bin, one queryAll).
      .get(`${V}/queryAll`).query(soql((q) => q.includes('FROM Lead WHERE IsConverted = false'))).reply(200, page('Lead', []));

  it('pages through one second by Id, saves (second, Id) after each page, and resumes after the last stored row', async () => {
    const cursor = { v: 1, objects: { Contact: { modstamp: Date.parse('2026-11-23T10:00:00Z'), id: id(0) } } };
    sf()
      .get(`${V}/queryAll`).query(soql((q) => q === `SELECT Id, SystemModstamp, OwnerId, MasterRecordId, IsDeleted FROM Contact WHERE ${keyset(id(0))} ORDER BY SystemModstamp, Id`))
      .reply(200, page('Contact', rows(1, 3), `${V}/query/0r8xx0000000001-3`, 5))
      .get(`${V}/query/0r8xx0000000001-3`).reply(200, page('Contact', rows(4, 5), undefined, 5));
    noLeads();
    const batches = await collect(connector().pull({ objects: ['contact'], fields: needs(), mode: 'incremental', cursors: { contact: cursor } }));
    const contactBatches = batches.filter((b) => b.records.length > 0 && b.records[0]!.objectType === 'Contact');
    expect(contactBatches.map((b) => b.records.map((r) => r.id))).toEqual([[id(1), id(2), id(3)], [id(4), id(5)]]);
    expect(contactBatches.map((b) => (b.cursor as { objects: { Contact: unknown } }).objects.Contact)).toEqual([
      { modstamp: Date.parse('2026-11-23T10:00:00Z'), id: id(3) },
      { modstamp: Date.parse('2026-11-23T10:00:00Z'), id: id(5) },
    ]);

    // A run that stopped after the first page resumes after (second, id 3): the rest once, nothing twice.
    nock.cleanAll();
    compositeEndpoint();
    sf()
      .get(`${V}/queryAll`).query(soql((q) => q === `SELECT Id, SystemModstamp, OwnerId, MasterRecordId, IsDeleted FROM Contact WHERE ${keyset(id(3))} ORDER BY SystemModstamp, Id`))
      .reply(200, page('Contact', rows(4, 5)));
    noLeads();
    const resumed = await collect(connector().pull({ objects: ['contact'], fields: needs(), mode: 'incremental', cursors: { contact: contactBatches[0]!.cursor! } }));
    expect(resumed.flatMap((b) => b.records.map((r) => r.id))).toEqual([id(4), id(5)]);
    expect(nock.isDone()).toBe(true);
  });
});
