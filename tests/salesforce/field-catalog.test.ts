import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SCHEMA_FRESH_MS } from '../../connectors/port.ts';
import type { ContactRecord } from '../../src/model.ts';
import { openStore } from '../../src/store/index.ts';
import { storeSchemaCache } from '../../src/sync/schema-cache.ts';
import { V, collect, connector, needs, page, sf, soql, compositeEndpoint, type CompositeLog } from './fixtures.ts';

beforeAll(() => nock.disableNetConnect());
// Concurrent reads and writes travel packed in `POST /composite`; its subrequests are served by the interceptors below.
let composites: CompositeLog = [];
beforeEach(() => {
  composites = compositeEndpoint();
});
afterEach(() => {
  nock.cleanAll();
});

type F = { name: string; type: string; custom?: boolean; referenceTo?: string[]; relationshipName?: string | null };

/**
 * A describe result as `GET /sobjects/{object}/describe` returns it (DescribeSObjectResult, abridged to
 * the members a client reads: salesforce.md §5.4;
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm).
 * A field hidden by field-level security is simply not in `fields`.
 */
function describeBody(name: string, fields: F[]) {
  return {
    name,
    label: name,
    custom: false,
    queryable: true,
    fields: fields.map((f) => ({
      name: f.name, label: f.name, type: f.type, custom: f.custom ?? f.name.endsWith('__c'), length: f.type === 'id' || f.type === 'reference' ? 18 : 255,
      nillable: f.type !== 'id', createable: true, updateable: true, calculated: false, picklistValues: [],
      referenceTo: f.referenceTo ?? [], relationshipName: f.relationshipName ?? null, soapType: 'xsd:string',
    })),
    childRelationships: [],
    urls: { sobject: `${V}/sobjects/${name}`, describe: `${V}/sobjects/${name}/describe` },
  };
}

const SYSTEM: F[] = [{ name: 'Id', type: 'id' }, { name: 'SystemModstamp', type: 'datetime' }, { name: 'CreatedDate', type: 'datetime' }];

/** A standard org after `setup`: Parcours's stage field on Contact only (Lead not yet), no survey fields. */
function standardOrg(): nock.Scope {
  return sf()
    .get(`${V}/sobjects/Contact/describe`).reply(200, describeBody('Contact', [
      ...SYSTEM, { name: 'Email', type: 'email' }, { name: 'Name', type: 'string' }, { name: 'MailingCountry', type: 'string' }, { name: 'LeadSource', type: 'picklist' },
      { name: 'AccountId', type: 'reference', referenceTo: ['Account'], relationshipName: 'Account' }, { name: 'Parcours_Stage__c', type: 'picklist' },
    ]))
    .get(`${V}/sobjects/Lead/describe`).reply(200, describeBody('Lead', [
      ...SYSTEM, { name: 'Email', type: 'email' }, { name: 'Status', type: 'picklist' }, { name: 'Country', type: 'string' }, { name: 'Industry', type: 'picklist' },
      { name: 'NumberOfEmployees', type: 'int' }, { name: 'LeadSource', type: 'picklist' }, { name: 'IsConverted', type: 'boolean' },
    ]))
    .get(`${V}/sobjects/Opportunity/describe`).reply(200, describeBody('Opportunity', [
      ...SYSTEM, { name: 'Name', type: 'string' }, { name: 'StageName', type: 'picklist' }, { name: 'Amount', type: 'currency' }, { name: 'CloseDate', type: 'date' },
      { name: 'IsClosed', type: 'boolean' }, { name: 'IsWon', type: 'boolean' }, { name: 'LastStageChangeDate', type: 'datetime' },
      { name: 'AccountId', type: 'reference', referenceTo: ['Account'], relationshipName: 'Account' },
    ]))
    .get(`${V}/sobjects/Case/describe`).reply(200, describeBody('Case', [
      ...SYSTEM, { name: 'Subject', type: 'string' }, { name: 'Status', type: 'picklist' }, { name: 'Origin', type: 'picklist' }, { name: 'ClosedDate', type: 'datetime' },
      { name: 'IsClosed', type: 'boolean' }, { name: 'ContactId', type: 'reference', referenceTo: ['Contact'], relationshipName: 'Contact' },
    ]))
    // NumberOfEmployees hidden from the integration user by field-level security.
    .get(`${V}/sobjects/Account/describe`).reply(200, describeBody('Account', [...SYSTEM, { name: 'Name', type: 'string' }, { name: 'Industry', type: 'picklist' }, { name: 'BillingCountry', type: 'string' }]));
}

describe('which fields the org has (sObject describe)', () => {
  const fields = needs({
    normalized: { contact: ['email', 'country', 'employees', 'npsScore', 'csat'], deal: ['stage'], ticket: ['channel', 'firstResponseAt'] },
    overrides: { contact: { csat: 'Contact:CSAT__c' }, deal: {}, ticket: { firstResponseAt: 'First_Response_At__c' } },
    owned: { contact: ['Parcours_Stage__c'], deal: [], ticket: [] },
  });

  it('reports fields no object has, with the names looked for, in one describe per object', async () => {
    const scope = standardOrg();
    const c = connector();
    const availability = await c.availableFields(fields);
    expect(scope.isDone()).toBe(true);
    expect(availability.missing).toEqual([
      { kind: 'contact', field: 'npsScore', raw: false, looked: [] },
      { kind: 'contact', field: 'csat', raw: false, looked: ['Contact.CSAT__c'] },
      { kind: 'ticket', field: 'firstResponseAt', raw: false, looked: ['Case.First_Response_At__c'] },
    ]);
    // Contacts get employees through Account (hidden here), Leads have their own: not missing.
    expect(availability.missing.some((m) => m.field === 'employees')).toBe(false);
    expect(availability.missingOwned).toEqual(['Lead.Parcours_Stage__c']);
    // Read once per run: a second ask reuses it.
    await c.availableFields(fields);
    // The five describes travel as subrequests of one Composite call (not query operations: no 5-limit).
    expect(c.stats().byEndpoint).toEqual({ composite: 1 });
    expect(composites[0]?.map((s) => s.url)).toEqual(['Contact', 'Lead', 'Opportunity', 'Case', 'Account'].map((o) => `${V}/sobjects/${o}/describe`));
  });

  it('never selects a field the org lacks: not the custom override, not a hidden relationship field', async () => {
    standardOrg();
    const c = connector();
    await c.availableFields(fields);
    const selects: string[] = [];
    const scope = sf()
      .get(`${V}/queryAll`).query(soql((q) => q.endsWith('FROM Contact ORDER BY SystemModstamp, Id') && (selects.push(q), true)))
      .reply(200, page('Contact', [{ Id: '003A', SystemModstamp: '2026-03-01T10:00:00.000+0000', Email: 'a@x.io', MailingCountry: 'Spain', Account: null, Parcours_Stage__c: null }]))
      .get(`${V}/queryAll`).query(soql((q) => q.endsWith('FROM Lead WHERE IsConverted = false ORDER BY SystemModstamp, Id') && (selects.push(q), true)))
      .reply(200, page('Lead', []))
      // The full pull's converted-lead list (hand-overs): standard fields only.
      .get(`${V}/query`).query(soql((q) => q === 'SELECT Id, IsConverted, ConvertedContactId, ConvertedDate FROM Lead WHERE IsConverted = true')).reply(200, page('Lead', []));
    const batches = await collect(c.pull({ objects: ['contact'], fields, mode: 'full', cursors: {} }));
    expect(scope.isDone()).toBe(true);
    // Parcours_Stage__c is not on Lead yet (reported in missingOwned, so a writing run stops for setup): read from neither.
    expect(selects).toEqual([
      'SELECT Id, SystemModstamp, Email, MailingCountry, Account.BillingCountry, OwnerId, MasterRecordId, IsDeleted FROM Contact ORDER BY SystemModstamp, Id',
      'SELECT Id, SystemModstamp, Email, Country, NumberOfEmployees, OwnerId, MasterRecordId, IsDeleted FROM Lead WHERE IsConverted = false ORDER BY SystemModstamp, Id',
    ]);
    const contact = batches.flatMap((b) => b.records)[0] as ContactRecord;
    expect(contact).toMatchObject({ id: '003A', email: 'a@x.io', country: 'Spain', csat: null, npsScore: null, employees: null });
  });

  it('keeps a mapped custom field the org has, on the objects that have it', async () => {
    sf()
      .get(`${V}/sobjects/Contact/describe`).reply(200, describeBody('Contact', [...SYSTEM, { name: 'CSAT__c', type: 'double' }]))
      .get(`${V}/sobjects/Lead/describe`).reply(200, describeBody('Lead', SYSTEM))
      .get(`${V}/sobjects/Opportunity/describe`).reply(200, describeBody('Opportunity', SYSTEM))
      .get(`${V}/sobjects/Case/describe`).reply(200, describeBody('Case', SYSTEM))
      .get(`${V}/sobjects/Account/describe`).reply(200, describeBody('Account', SYSTEM));
    const c = connector();
    const mine = needs({ normalized: { contact: ['csat'], deal: [], ticket: [] }, overrides: { contact: { csat: 'CSAT__c' }, deal: {}, ticket: {} } });
    expect((await c.availableFields(mine)).missing).toEqual([]);
    const selects: string[] = [];
    sf()
      .get(`${V}/queryAll`).query(soql((q) => q.endsWith('FROM Contact ORDER BY SystemModstamp, Id') && (selects.push(q), true))).reply(200, page('Contact', [{ Id: '003A', SystemModstamp: '2026-03-01T10:00:00.000+0000', CSAT__c: 4 }]))
      .get(`${V}/queryAll`).query(soql((q) => q.endsWith('FROM Lead WHERE IsConverted = false ORDER BY SystemModstamp, Id') && (selects.push(q), true))).reply(200, page('Lead', []))
      .get(`${V}/query`).query(soql((q) => q === 'SELECT Id, IsConverted, ConvertedContactId, ConvertedDate FROM Lead WHERE IsConverted = true')).reply(200, page('Lead', []));
    const records = (await collect(c.pull({ objects: ['contact'], fields: mine, mode: 'full', cursors: {} }))).flatMap((b) => b.records) as ContactRecord[];
    expect(selects).toEqual([
      'SELECT Id, SystemModstamp, CSAT__c, OwnerId, MasterRecordId, IsDeleted FROM Contact ORDER BY SystemModstamp, Id',
      'SELECT Id, SystemModstamp, OwnerId, MasterRecordId, IsDeleted FROM Lead WHERE IsConverted = false ORDER BY SystemModstamp, Id',
    ]);
    expect(records[0]?.csat).toBe(4);
  });
});

describe('describe results kept in the store across runs', () => {
  const fields = needs({
    normalized: { contact: ['email', 'country', 'csat'], deal: ['stage'], ticket: ['channel'] },
    overrides: { contact: { csat: 'Contact:CSAT__c' }, deal: {}, ticket: {} },
    owned: { contact: ['Parcours_Stage__c'], deal: [], ticket: [] },
  });
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parcours-sf-cache-'));
  });
  // One store file; each "run" opens it and builds a new connector, as a CLI run does.
  const run = async <T>(body: (c: ReturnType<typeof connector>) => Promise<T>): Promise<T> => {
    const store = openStore(join(dir, 'p.db'));
    try {
      return await body(connector({ schemaCache: storeSchemaCache(store, 'salesforce:test') }));
    } finally {
      await store.close();
    }
  };
  // availableFields makes describe calls only: the five describes travel in one Composite call (its subrequests are
  // served by the describe interceptors, so `isDone()` shows all five were read).
  const describeCalls = (c: ReturnType<typeof connector>): number => c.stats().total;

  it('a second run with the kept describe makes no describe call and finds the same fields missing', async () => {
    const scope = standardOrg();
    const first = await run(async (c) => ({ availability: await c.availableFields(fields, { refresh: true }), calls: c.stats().total }));
    expect(scope.isDone()).toBe(true);
    expect(first.calls).toBe(1);
    // No describe mocked any more: a call would fail the run (nock refuses it).
    const second = await run(async (c) => ({ availability: await c.availableFields(fields), calls: c.stats().total }));
    expect(second).toEqual({ availability: first.availability, calls: 0 });
    expect(second.availability.missing.map((m) => m.field)).toEqual(['csat']);
  });

  it('reads again on a full run (refresh), and when the mapping needs a field the kept read lacks', async () => {
    standardOrg();
    await run((c) => c.availableFields(fields, { refresh: true }));
    // A full run, setup and doctor ask with refresh: the five describes again (one Composite call).
    const full = standardOrg();
    expect(await run(async (c) => (await c.availableFields(fields, { refresh: true }), describeCalls(c)))).toBe(1);
    expect(full.isDone()).toBe(true);
    // The admin maps a new field the kept describe lacks: it may exist now, so describe again — once.
    const more = needs({ ...fields, normalized: { ...fields.normalized, contact: [...fields.normalized.contact, 'npsScore'] }, overrides: { contact: { csat: 'Contact:CSAT__c', npsScore: 'Contact:NPS__c' }, deal: {}, ticket: {} } });
    const fresh = standardOrg();
    const after = await run(async (c) => ({ missing: (await c.availableFields(more)).missing.map((m) => m.field), calls: describeCalls(c) }));
    expect(fresh.isDone()).toBe(true);
    expect(after).toEqual({ missing: ['csat', 'npsScore'], calls: 1 });
    // Still missing on the next run: settled by the kept read, no describe.
    expect(await run(async (c) => (await c.availableFields(more), describeCalls(c)))).toBe(0);
  });

  it('a full run takes a describe read less than SCHEMA_FRESH_MS ago (setup\'s, just before the first sync) as current', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.parse('2026-12-01T08:00:00Z'));
      standardOrg();
      // setup: a forced read.
      await run((c) => c.availableFields(fields, { refresh: true }));
      // The first full sync a minute later: no describe (nock has none left to answer one).
      vi.setSystemTime(Date.parse('2026-12-01T08:01:00Z'));
      const firstFull = await run(async (c) => ({ missing: (await c.availableFields(fields, { refresh: true, keptFreshMs: SCHEMA_FRESH_MS })).missing.map((m) => m.field), calls: describeCalls(c) }));
      expect(firstFull).toEqual({ missing: ['csat'], calls: 0 });
      // A full run once the read is SCHEMA_FRESH_MS old describes again.
      vi.setSystemTime(Date.parse('2026-12-01T08:00:00Z') + SCHEMA_FRESH_MS);
      const later = standardOrg();
      expect(await run(async (c) => (await c.availableFields(fields, { refresh: true, keptFreshMs: SCHEMA_FRESH_MS }), describeCalls(c)))).toBe(1);
      expect(later.isDone()).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
