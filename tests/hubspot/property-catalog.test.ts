import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContactRecord, DealRecord } from '../../src/model.ts';
import { openStore } from '../../src/store/index.ts';
import { storeSchemaCache } from '../../src/sync/schema-cache.ts';
import { DEAL_PIPELINES, api, collect, connector, contact, needs, props } from './helpers.ts';

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/**
 * One property as `GET /crm/v3/properties/{objectType}` lists it (Property model of the properties API:
 * https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide).
 */
function property(name: string, type: string, fieldType: string, options: string[] = []) {
  return {
    name, label: name, type, fieldType, description: '', groupName: 'contactinformation', displayOrder: -1, calculated: false,
    externalOptions: false, hasUniqueValue: false, hidden: false, hubspotDefined: !name.startsWith('parcours_'), formField: true,
    createdAt: '2020-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', archived: false,
    modificationMetadata: { archivable: true, readOnlyDefinition: true, readOnlyValue: false },
    options: options.map((v, i) => ({ label: v, value: v, displayOrder: i, hidden: false })),
  };
}

/** A portal that never ran a CSAT survey (no CSAT rollup) and has no `hs_lead_status` custom use. */
function portal(): nock.Scope {
  return api()
    .get('/crm/v3/properties/contacts').reply(200, { results: [
      property('email', 'string', 'text'), property('firstname', 'string', 'text'), property('lastname', 'string', 'text'),
      property('lifecyclestage', 'enumeration', 'radio', ['lead', 'customer']), property('lastmodifieddate', 'datetime', 'date'),
      property('hs_merged_object_ids', 'enumeration', 'checkbox'), property('hs_feedback_last_nps_rating', 'enumeration', 'select', ['0', '10']),
      property('parcours_stage', 'enumeration', 'select', ['awareness']),
    ] })
    .get('/crm/v3/properties/deals').reply(200, { results: [property('dealname', 'string', 'text'), property('dealstage', 'enumeration', 'radio'), property('pipeline', 'enumeration', 'select'), property('hs_lastmodifieddate', 'datetime', 'date')] })
    .get('/crm/v3/properties/tickets').reply(200, { results: [property('subject', 'string', 'text'), property('hs_pipeline_stage', 'enumeration', 'select'), property('hs_lastmodifieddate', 'datetime', 'date')] });
}

describe('NPS on current and older portals', () => {
  const nps = needs({ normalized: { contact: ['npsScore'] } });
  const portalWith = (names: string[]) =>
    api()
      .get('/crm/v3/properties/contacts').reply(200, { results: [property('lastmodifieddate', 'datetime', 'date'), property('hs_merged_object_ids', 'enumeration', 'checkbox'), ...names.map((n) => property(n, n.endsWith('_number') ? 'number' : 'enumeration', n.endsWith('_number') ? 'number' : 'select'))] })
      .get('/crm/v3/properties/deals').reply(200, { results: [] })
      .get('/crm/v3/properties/tickets').reply(200, { results: [] });
  const readWith = async (names: string[], values: Record<string, string>): Promise<{ asked: string[]; npsScore: number | null }> => {
    portalWith(names);
    const c = connector();
    expect((await c.availableFields(nps)).missing).toEqual([]);
    let asked: string[] = [];
    api()
      .get('/crm/v3/objects/contacts').query((q) => q.archived === 'false' && ((asked = props(q)), true)).reply(200, { results: [contact('1', values)] })
      .get('/crm/v3/objects/contacts').query((q) => q.archived === 'true').reply(200, { results: [] });
    const records = (await collect(c.pull({ objects: ['contact'], fields: nps, mode: 'full', cursors: {} }))).flatMap((b) => b.records) as ContactRecord[];
    return { asked, npsScore: records[0]?.npsScore ?? null };
  };

  it('a current portal: the number rating first', async () => {
    const r = await readWith(['hs_feedback_last_nps_rating_number', 'hs_feedback_last_nps_rating'], { hs_feedback_last_nps_rating_number: '3', hs_feedback_last_nps_rating: '3' });
    expect(r).toEqual({ asked: ['hs_feedback_last_nps_rating', 'hs_feedback_last_nps_rating_number', 'hs_merged_object_ids', 'hubspot_owner_id', 'lastmodifieddate'], npsScore: 3 });
  });

  it('a current portal whose number rating is empty: the enumeration', async () => {
    const r = await readWith(['hs_feedback_last_nps_rating_number', 'hs_feedback_last_nps_rating'], { hs_feedback_last_nps_rating_number: '', hs_feedback_last_nps_rating: '6' });
    expect(r.npsScore).toBe(6);
  });

  it('an older portal with only the enumeration: asks for that one only', async () => {
    const r = await readWith(['hs_feedback_last_nps_rating'], { hs_feedback_last_nps_rating: '9' });
    expect(r).toEqual({ asked: ['hs_feedback_last_nps_rating', 'hs_merged_object_ids', 'hubspot_owner_id', 'lastmodifieddate'], npsScore: 9 });
  });
});

describe('which properties the portal has (properties API)', () => {
  const fields = needs({
    normalized: { contact: ['lifecycle', 'npsScore', 'csat', 'name'], ticket: ['firstResponseAt'] },
    raw: { contact: ['hs_lead_status'] },
    owned: { contact: ['parcours_stage', 'parcours_friction'] },
  });

  it('reports the fields the portal lacks, in one read per object type, once per run', async () => {
    const scope = portal();
    const c = connector();
    const availability = await c.availableFields(fields);
    expect(scope.isDone()).toBe(true);
    expect(availability.missing).toEqual([
      { kind: 'contact', field: 'csat', raw: false, looked: ['hs_feedback_last_csat_survey_rating'] },
      { kind: 'contact', field: 'hs_lead_status', raw: true, looked: ['hs_lead_status'] },
      { kind: 'ticket', field: 'firstResponseAt', raw: false, looked: ['first_agent_reply_date', 'time_to_first_agent_reply'] },
    ]);
    expect(availability.missingOwned).toEqual(['contacts.parcours_friction']);
    await c.availableFields(fields);
    expect(c.stats()).toMatchObject({ total: 3 });
  });

  it('then never requests a property the portal lacks', async () => {
    portal();
    const c = connector();
    await c.availableFields(fields);
    const seen: string[][] = [];
    const scope = api()
      .get('/crm/v3/objects/contacts')
      .query((q) => q.archived === 'false' && (seen.push(props(q)), true))
      .reply(200, { results: [contact('1', { lifecyclestage: 'customer', hs_feedback_last_nps_rating: '4', parcours_stage: 'awareness' })] })
      .get('/crm/v3/objects/contacts')
      .query((q) => q.archived === 'true')
      .reply(200, { results: [] });
    const batches = await collect(c.pull({ objects: ['contact'], fields, mode: 'full', cursors: {} }));
    expect(scope.isDone()).toBe(true);
    expect(seen).toEqual([['firstname', 'hs_feedback_last_nps_rating', 'hs_merged_object_ids', 'hubspot_owner_id', 'lastmodifieddate', 'lastname', 'lifecyclestage', 'parcours_stage']]);
    const record = batches.flatMap((b) => b.records)[0] as ContactRecord;
    expect(record).toMatchObject({ lifecycle: 'customer', npsScore: 4, csat: null, raw: { parcours_stage: 'awareness' } });
    expect(Object.keys(record.raw)).toEqual(['parcours_stage']);
  });
});

describe('property catalogues and pipelines kept in the store across runs', () => {
  // Deals need their stage history: the deal pipelines shape what an incremental search asks for.
  const fields = needs({
    normalized: { contact: ['lifecycle', 'csat'], deal: ['stage', 'stagesReached'], ticket: [] },
    owned: { contact: ['parcours_stage'] },
  });
  const T0 = Date.parse('2026-11-01T00:00:00.000Z');
  const cursors = { contact: { watermark: T0 }, deal: { watermark: T0 }, ticket: { watermark: T0 } };
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parcours-hs-cache-'));
  });
  // One store file; each "run" opens it and builds a new connector, as a CLI run does.
  const run = async <T>(body: (c: ReturnType<typeof connector>) => Promise<T>): Promise<T> => {
    const store = openStore(join(dir, 'p.db'));
    try {
      return await body(connector({ schemaCache: storeSchemaCache(store, 'hubspot:test') }));
    } finally {
      await store.close();
    }
  };
  const schemaCalls = (c: ReturnType<typeof connector>): Record<string, number> =>
    Object.fromEntries(Object.entries(c.stats().byEndpoint).filter(([k]) => k.startsWith('properties.') || k.startsWith('pipelines.')));
  /** An incremental run that finds nothing changed: one empty search and one archived page per kind. */
  const nothingChanged = (dealSearch: unknown = { total: 0, results: [] }) =>
    api()
      .post('/crm/v3/objects/contacts/search').reply(200, { total: 0, results: [] })
      .post('/crm/v3/objects/deals/search').reply(200, dealSearch)
      .post('/crm/v3/objects/tickets/search').reply(200, { total: 0, results: [] })
      .get(/\/crm\/v3\/objects\/(contacts|deals|tickets)/).query((q) => q.archived === 'true').times(3).reply(200, { results: [] });
  const incremental = (c: ReturnType<typeof connector>) => collect(c.pull({ objects: ['contact', 'deal', 'ticket'], fields, mode: 'incremental', cursors }));

  it('a second run with a warm store makes no properties or pipelines call', async () => {
    portal();
    api().get('/crm/v3/pipelines/deals').reply(200, DEAL_PIPELINES);
    nothingChanged();
    const first = await run(async (c) => {
      const availability = await c.availableFields(fields, { refresh: true });
      await incremental(c);
      return { availability, schema: schemaCalls(c) };
    });
    expect(first.schema).toEqual({ 'properties.list': 3, 'pipelines.deals': 1 });
    expect(first.availability.missing.map((m) => m.field)).toEqual(['csat']);

    // Only the searches and archived pages are mocked now: a properties or pipelines call would fail the run.
    const scope = nothingChanged();
    const second = await run(async (c) => {
      const availability = await c.availableFields(fields);
      const batches = await incremental(c);
      return { availability, batches: batches.length, total: c.stats().total, schema: schemaCalls(c) };
    });
    expect(scope.isDone()).toBe(true);
    expect(second).toEqual({ availability: first.availability, batches: 3, total: 6, schema: {} });
  });

  it('a full run reads the catalogues and pipelines again', async () => {
    portal();
    api().get('/crm/v3/pipelines/deals').reply(200, DEAL_PIPELINES);
    nothingChanged();
    await run(async (c) => (await c.availableFields(fields, { refresh: true }), await incremental(c)));

    const reread = portal();
    const pipelines = api().get('/crm/v3/pipelines/deals').reply(200, DEAL_PIPELINES);
    api()
      .get(/\/crm\/v3\/objects\/(contacts|deals|tickets)/).query((q) => q.archived === 'false').times(3).reply(200, { results: [] })
      .get(/\/crm\/v3\/objects\/(contacts|deals|tickets)/).query((q) => q.archived === 'true').times(3).reply(200, { results: [] });
    const schema = await run(async (c) => {
      await c.availableFields(fields, { refresh: true });
      await collect(c.pull({ objects: ['contact', 'deal', 'ticket'], fields, mode: 'full', cursors: {} }));
      return schemaCalls(c);
    });
    expect(reread.isDone() && pipelines.isDone()).toBe(true);
    expect(schema).toEqual({ 'properties.list': 3, 'pipelines.deals': 1 });
  });

  it('a property the mapping newly needs and the kept catalogue lacks is read again, once', async () => {
    portal();
    await run((c) => c.availableFields(fields, { refresh: true }));
    const more = needs({ ...fields, raw: { contact: ['hs_lead_status'] } });
    const again = portal();
    const found = await run(async (c) => ({ missing: (await c.availableFields(more)).missing.map((m) => m.field), schema: schemaCalls(c) }));
    expect(again.isDone()).toBe(true);
    expect(found).toEqual({ missing: ['csat', 'hs_lead_status'], schema: { 'properties.list': 3 } });
    // Still lacking on the next run: the kept read settles it, no call.
    expect(await run(async (c) => (await c.availableFields(more), c.stats().total))).toBe(0);
  });

  it('a deal in a stage the kept pipelines do not know reads them again, once per run', async () => {
    portal();
    api().get('/crm/v3/pipelines/deals').reply(200, DEAL_PIPELINES);
    nothingChanged();
    await run(async (c) => (await c.availableFields(fields, { refresh: true }), await incremental(c)));

    // An admin added pipeline 7002 with stage 9101 since: two deals sit in it.
    const added = { results: [...DEAL_PIPELINES.results, { id: '7002', label: 'Partners', stages: [{ id: '9101', label: 'Won', metadata: { isClosed: 'true', probability: '1.0' } }] }] };
    const pipelines = api().get('/crm/v3/pipelines/deals').reply(200, added);
    const deal = (id: string) => ({ id, properties: { hs_object_id: id, pipeline: '7002', dealstage: '9101', hs_lastmodifieddate: '2026-11-01T10:00:00.000Z' }, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-11-01T10:00:00.000Z', archived: false });
    nothingChanged({ total: 2, results: [deal('801'), deal('802')] });
    api().post('/crm/v4/associations/deals/contacts/batch/read').reply(200, { status: 'COMPLETE', results: [] });
    const r = await run(async (c) => {
      await c.availableFields(fields);
      const records = (await incremental(c)).flatMap((b) => b.records);
      return { records, schema: schemaCalls(c) };
    });
    expect(pipelines.isDone()).toBe(true);
    expect(r.schema).toEqual({ 'pipelines.deals': 1 });
    expect(r.records.map((d) => [d.id, (d as DealRecord).isClosed, (d as DealRecord).isWon])).toEqual([['801', true, true], ['802', true, true]]);
  });
});

describe('identity properties for linked installations (issue 16)', () => {
  const identity = needs({ normalized: { contact: ['email', 'additionalEmails', 'integrationIds'] } });
  const portalWith = (names: string[]) =>
    api()
      .get('/crm/v3/properties/contacts').reply(200, { results: [property('lastmodifieddate', 'datetime', 'date'), property('hs_merged_object_ids', 'enumeration', 'checkbox'), property('email', 'string', 'text'), ...names.map((n) => property(n, 'string', 'text'))] })
      .get('/crm/v3/properties/deals').reply(200, { results: [] })
      .get('/crm/v3/properties/tickets').reply(200, { results: [] });
  const readWith = async (names: string[], values: Record<string, string>) => {
    portalWith(names);
    const c = connector();
    const availability = await c.availableFields(identity);
    let asked: string[] = [];
    api()
      .get('/crm/v3/objects/contacts').query((q) => q.archived === 'false' && ((asked = props(q)), true)).reply(200, { results: [contact('1', values)] })
      .get('/crm/v3/objects/contacts').query((q) => q.archived === 'true').reply(200, { results: [] });
    const records = (await collect(c.pull({ objects: ['contact'], fields: identity, mode: 'full', cursors: {} }))).flatMap((b) => b.records) as ContactRecord[];
    return { missing: availability.missing.map((m) => m.field), asked, record: records[0] as ContactRecord };
  };

  it('a portal with the Salesforce integration: both ids and the secondary addresses, typed on the record', async () => {
    const r = await readWith(['hs_additional_emails', 'salesforcecontactid', 'salesforceleadid'], {
      email: 'ada@x.io', hs_additional_emails: 'ada@home.io; ADA@work.io;', salesforcecontactid: '0035g00000ABCDEAAA', salesforceleadid: '',
    });
    expect(r.missing).toEqual([]);
    expect(r.asked).toEqual(expect.arrayContaining(['email', 'hs_additional_emails', 'salesforcecontactid', 'salesforceleadid']));
    expect(r.record.additionalEmails).toEqual(['ada@home.io', 'ADA@work.io']);
    expect(r.record.integrationIds).toEqual({ salesforceContactId: '0035g00000ABCDEAAA', salesforceLeadId: null });
  });

  it('a standard portal without the integration: the ids are reported missing and never requested', async () => {
    const r = await readWith(['hs_additional_emails'], { email: 'ada@x.io', hs_additional_emails: '' });
    expect(r.missing).toEqual(['integrationIds']);
    expect(r.asked).not.toContain('salesforcecontactid');
    expect(r.asked).not.toContain('salesforceleadid');
    expect(r.record.integrationIds).toBeUndefined();
    expect(r.record.additionalEmails).toEqual([]);
  });
});
