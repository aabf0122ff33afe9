import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContactRecord } from '../../src/model.ts';
import { api, collect, connector, contact, needs, props } from './helpers.ts';

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
