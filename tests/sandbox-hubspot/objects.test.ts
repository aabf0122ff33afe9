import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { NOW, call, sdk, sdkError } from './helpers.ts';

let sb: HubspotSandbox;
beforeAll(async () => {
  sb = await startHubspotSandbox({ contacts: 250, seed: 5, now: NOW });
});
afterAll(() => sb.close());

describe('GET /crm/v3/objects/{type}', () => {
  it('pages every contact exactly once with the SDK, ids ascending, string property values', async () => {
    const client = sdk(sb);
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await client.crm.contacts.basicApi.getPage(100, after, ['email', 'lifecyclestage', 'hs_feedback_last_csat_survey_rating']);
      for (const r of page.results) {
        seen.push(r.id);
        expect(r.properties['hs_object_id']).toBe(r.id);
        for (const v of Object.values(r.properties)) expect(v === null || typeof v === 'string').toBe(true);
      }
      after = page.paging?.next?.after;
    } while (after);
    expect(seen).toEqual(sb.data.ids('contacts'));
    expect(seen.length).toBe(250);
  });

  it('rejects a page size above 100 with 400 VALIDATION_ERROR', async () => {
    const err = await sdkError(sdk(sb).crm.deals.basicApi.getPage(101));
    expect(err.code).toBe(400);
    expect(err.body.category).toBe('VALIDATION_ERROR');
  });

  it('accepts properties as repeated keys and comma lists, and returns associations', async () => {
    const withDeal = sb.data.ids('contacts').slice(0, 100).find((id) => sb.data.associated('contacts', id, 'deals').length > 0)!;
    const a = await call(sb, 'GET', `/crm/v3/objects/contacts?limit=100&properties=email,country&properties=lifecyclestage&associations=deals`);
    expect(a.status).toBe(200);
    const rec = a.json.results.find((r: any) => r.id === withDeal);
    expect(Object.keys(rec.properties)).toEqual(expect.arrayContaining(['email', 'country', 'lifecyclestage']));
    expect(rec.associations.deals.results[0]).toEqual({ id: sb.data.associated('contacts', withDeal, 'deals')[0], type: 'contact_to_deal' });
  });

  it('archived=true lists only archived records, with archivedAt', async () => {
    const id = sb.data.ids('tickets')[0]!;
    sb.data.archiveRecord('tickets', id);
    const page = await sdk(sb).crm.tickets.basicApi.getPage(100, undefined, undefined, undefined, undefined, true);
    expect(page.results.map((r) => r.id)).toEqual([id]);
    expect(page.results[0]?.archivedAt).toBeInstanceOf(Date);
    const live = await call(sb, 'GET', `/crm/v3/objects/tickets?limit=100`);
    expect(live.json.results.map((r: any) => r.id)).not.toContain(id);
  });
});

describe('batch read', () => {
  it('returns 200 when all ids exist and 207 OBJECT_NOT_FOUND with context.ids for missing ones', async () => {
    const ids = sb.data.ids('deals').slice(0, 3);
    const ok = await sdk(sb).crm.deals.batchApi.read({ inputs: ids.map((id) => ({ id })), properties: ['dealstage', 'hs_v2_date_entered_closedwon'], propertiesWithHistory: [] });
    expect(ok.results.map((r) => r.id).sort()).toEqual([...ids].sort());
    const partial = await call(sb, 'POST', '/crm/v3/objects/deals/batch/read', { inputs: [{ id: ids[0] }, { id: '999999' }], properties: ['dealstage'] });
    expect(partial.status).toBe(207);
    expect(partial.json.numErrors).toBe(1);
    expect(partial.json.errors[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { ids: ['999999'] } });
    expect(partial.json.results).toHaveLength(1);
  });

  it('refuses more than 100 inputs', async () => {
    const r = await call(sb, 'POST', '/crm/v3/objects/contacts/batch/read', { inputs: Array.from({ length: 101 }, (_, i) => ({ id: String(1001 + i) })) });
    expect(r.status).toBe(400);
    expect(r.json.category).toBe('VALIDATION_ERROR');
  });
});

describe('batch update', () => {
  it('updates with 200 and bumps lastmodifieddate', async () => {
    const [a, b] = sb.data.ids('contacts');
    const before = sb.data.getRecord('contacts', a!)!.updatedAt;
    const res = await sdk(sb).crm.contacts.batchApi.update({ inputs: [{ id: a!, properties: { lifecyclestage: 'customer' } }, { id: b!, properties: { firstname: 'Zed' } }] });
    expect(res.results).toHaveLength(2);
    const after = sb.data.getRecord('contacts', a!)!;
    expect(after.properties['lifecyclestage']).toBe('customer');
    expect(after.updatedAt).toBeGreaterThan(before);
    expect(Date.parse(after.properties['lastmodifieddate']!)).toBe(after.updatedAt);
  });

  // https://developers.hubspot.com/docs/api-reference/error-handling "Multi-status errors": per-input
  // errors (a 207) only when each input carries an `objectWriteTraceId`; otherwise one invalid input fails
  // the batch (hubspot.md §13). Missing ids stay a 207 with `context.ids` (hubspot.md §4, batch 200/207 changelog).
  it('without objectWriteTraceId one invalid input fails the whole batch with 400 and nothing is written', async () => {
    const [a, b, c] = sb.data.ids('contacts').slice(10);
    const before = sb.data.getRecord('contacts', c!)!.properties['firstname'];
    const r = await call(sb, 'POST', '/crm/v3/objects/contacts/batch/update', {
      inputs: [
        { id: a, properties: { firstname: 'Fine' } },
        { id: b, properties: { lifecyclestage: 'Customer' } },
        { id: c, properties: { firstname: 'Ok' } },
      ],
    });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', message: expect.stringContaining('Property values were not valid'), correlationId: expect.any(String) });
    expect(r.json.errors.map((d: any) => d.code)).toEqual(['INVALID_OPTION']);
    expect(sb.data.getRecord('contacts', c!)!.properties['firstname']).toBe(before);
    const ghost = await call(sb, 'POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id: c, properties: { firstname: 'Ok' } }, { id: '987654', properties: { firstname: 'Ghost' } }] });
    expect(ghost.status).toBe(207);
    expect(ghost.json.errors).toEqual([expect.objectContaining({ category: 'OBJECT_NOT_FOUND', context: { ids: ['987654'] } })]);
    expect(sb.data.getRecord('contacts', c!)!.properties['firstname']).toBe('Ok');
  });

  it('with an objectWriteTraceId per input answers 207: each invalid input fails alone, by its trace id', async () => {
    const [a, b, c] = sb.data.ids('contacts');
    const r = await call(sb, 'POST', '/crm/v3/objects/contacts/batch/update', {
      inputs: [
        { id: a, objectWriteTraceId: 't-a', properties: { no_such_prop: 'x' } },
        { id: b, objectWriteTraceId: 't-b', properties: { lifecyclestage: 'Customer' } },
        { id: c, objectWriteTraceId: 't-c', properties: { firstname: 'Ok' } },
        { id: '987654', objectWriteTraceId: 't-ghost', properties: { firstname: 'Ghost' } },
      ],
    });
    expect(r.status).toBe(207);
    expect(r.json.numErrors).toBe(3);
    const byTrace = (t: string) => r.json.errors.find((e: any) => e.context.objectWriteTraceId?.[0] === t);
    // The documented element: status, category, message, context.objectWriteTraceId — nothing else.
    expect(byTrace('t-a')).toEqual({ status: 'error', category: 'VALIDATION_ERROR', message: expect.stringContaining('PROPERTY_DOESNT_EXIST'), context: { objectWriteTraceId: ['t-a'] } });
    expect(byTrace('t-b').message).toContain('INVALID_OPTION');
    expect(r.json.errors.find((e: any) => e.category === 'OBJECT_NOT_FOUND').context.ids).toEqual(['987654']);
    expect(r.json.results.map((x: any) => x.id)).toEqual([c]);
    expect(sb.data.getRecord('contacts', b!)!.properties['lifecyclestage']).not.toBe('Customer');
    expect(sb.data.getRecord('contacts', c!)!.properties['firstname']).toBe('Ok');
  });

  it('a portal set to ignore trace ids (multiStatus: false) still fails the whole batch with 400', async () => {
    const strict = await startHubspotSandbox({ contacts: 5, seed: 5, now: NOW, multiStatus: false });
    try {
      const [a, b] = strict.data.ids('contacts');
      const r = await call(strict, 'POST', '/crm/v3/objects/contacts/batch/update', {
        inputs: [{ id: a, objectWriteTraceId: '1', properties: { firstname: 'x' } }, { id: b, objectWriteTraceId: '2', properties: { lifecyclestage: 'Customer' } }],
      });
      expect(r.status).toBe(400);
      expect(strict.data.getRecord('contacts', a!)!.properties['firstname']).not.toBe('x');
    } finally {
      await strict.close();
    }
  });

  it('handles multi-select checkbox values: replace, leading ; appends, empty clears', async () => {
    const id = sb.data.ids('tickets')[0]!;
    const put = (v: string) => call(sb, 'POST', '/crm/v3/objects/tickets/batch/update', { inputs: [{ id, properties: { hs_ticket_category: v } }] });
    expect((await put('PRODUCT_ISSUE')).status).toBe(200);
    await put(';BILLING_ISSUE');
    expect(sb.data.getRecord('tickets', id)!.properties['hs_ticket_category']).toBe('PRODUCT_ISSUE;BILLING_ISSUE');
    await put('FEATURE_REQUEST');
    expect(sb.data.getRecord('tickets', id)!.properties['hs_ticket_category']).toBe('FEATURE_REQUEST');
    await put('');
    expect(sb.data.getRecord('tickets', id)!.properties['hs_ticket_category']).toBeUndefined();
  });
});

describe('seeded data', () => {
  it('carries HubSpot-style deal and ticket properties', async () => {
    const deals = sb.data.ids('deals').map((id) => sb.data.getRecord('deals', id)!);
    const won = deals.find((d) => d.properties['dealstage'] === 'closedwon')!;
    expect(won.properties['hs_is_closed_won']).toBe('true');
    expect(won.properties['hs_v2_date_entered_closedwon']).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(deals.some((d) => d.properties['pipeline'] === '75043822' && /^\d+$/.test(d.properties['dealstage']!))).toBe(true);
    const tickets = sb.data.ids('tickets').map((id) => sb.data.getRecord('tickets', id)!);
    const replied = tickets.find((t) => t.properties['first_agent_reply_date'])!;
    expect(Number(replied.properties['time_to_first_agent_reply'])).toBe(Date.parse(replied.properties['first_agent_reply_date']!) - replied.createdAt);
    expect(tickets.every((t) => t.properties['hs_pipeline'] === '0' && ['1', '2', '3', '4'].includes(t.properties['hs_pipeline_stage']!))).toBe(true);
    expect(tickets.every((t) => ['EMAIL', 'CHAT', 'PHONE', 'FORM'].includes(t.properties['source_type']!))).toBe(true);
  });
});

// Stage calculated properties: knowledge.hubspot.com/properties/stage-calculated-properties ("Date entered
// [stage ID]", "Date exited [stage ID]"); internal names hs_v2_date_entered_<stageId> on current portals,
// hs_date_entered_<stageId> on older ones (/work/shared/crm-facts/hubspot.md §8, §13). HubSpot leaves out a
// requested property the portal does not have, without an error (hubspot.md §13).
describe('stage-calculated deal properties', () => {
  const wonDeal = (s: HubspotSandbox) => s.data.ids('deals').find((id) => s.data.getRecord('deals', id)!.properties['dealstage'] === 'closedwon')!;

  it('a current portal serves hs_v2_date_entered/exited_* and leaves out the legacy names it lacks', async () => {
    const id = wonDeal(sb);
    const r = await call(sb, 'GET', `/crm/v3/objects/deals/${id}?properties=dealstage,hs_v2_date_entered_closedwon,hs_date_entered_closedwon,hs_v2_date_exited_appointmentscheduled,no_such_property`);
    expect(r.status).toBe(200);
    expect(r.json.properties.hs_v2_date_entered_closedwon).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(r.json.properties.hs_v2_date_exited_appointmentscheduled).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(r.json.properties).not.toHaveProperty('hs_date_entered_closedwon');
    expect(r.json.properties).not.toHaveProperty('no_such_property');
    const defs = await call(sb, 'GET', '/crm/v3/properties/deals');
    const names = defs.json.results.map((p: { name: string }) => p.name);
    expect(names).toContain('hs_v2_date_entered_151728301');
    expect(names.some((n: string) => n.startsWith('hs_date_entered_'))).toBe(false);
  });

  it('an older portal (stageDates: legacy) serves hs_date_entered_* only; `both` serves both with the same values', async () => {
    const legacy = await startHubspotSandbox({ contacts: 20, seed: 5, now: NOW, stageDates: 'legacy' });
    const both = await startHubspotSandbox({ contacts: 20, seed: 5, now: NOW, stageDates: 'both' });
    try {
      const q = '?properties=hs_v2_date_entered_closedwon,hs_date_entered_closedwon';
      const a = await call(legacy, 'GET', `/crm/v3/objects/deals/${wonDeal(legacy)}${q}`);
      expect(a.json.properties.hs_date_entered_closedwon).toMatch(/^\d{4}-/);
      expect(a.json.properties).not.toHaveProperty('hs_v2_date_entered_closedwon');
      const b = await call(both, 'GET', `/crm/v3/objects/deals/${wonDeal(both)}${q}`);
      expect(b.json.properties.hs_v2_date_entered_closedwon).toMatch(/^\d{4}-/);
      expect(b.json.properties.hs_date_entered_closedwon).toBe(b.json.properties.hs_v2_date_entered_closedwon);
    } finally {
      await legacy.close();
      await both.close();
    }
  });

  it('a stage change sets the new stage’s "date entered" and the old one’s "date exited"', async () => {
    const id = sb.data.ids('deals').find((d) => sb.data.getRecord('deals', d)!.properties['dealstage'] === 'appointmentscheduled')!;
    const r = await call(sb, 'POST', '/crm/v3/objects/deals/batch/update', { inputs: [{ id, properties: { dealstage: 'qualifiedtobuy' } }] });
    expect(r.status).toBe(200);
    const after = sb.data.getRecord('deals', id)!.properties;
    expect(after['hs_v2_date_entered_qualifiedtobuy']).toBe(after['hs_lastmodifieddate']);
    expect(after['hs_v2_date_exited_appointmentscheduled']).toBe(after['hs_lastmodifieddate']);
    expect(after['hs_date_entered_qualifiedtobuy']).toBeUndefined();
  });
});
