import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DealRecord } from '../../src/model.ts';
import { DEAL_PIPELINES, api, collect, connector, contact, needs } from './helpers.ts';

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const T0 = Date.parse('2026-11-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

interface SearchBody {
  filterGroups: Array<{ filters: Array<{ propertyName: string; operator: string; value: string }> }>;
  sorts: Array<{ propertyName: string; direction: string }>;
  properties: string[];
  limit: number;
  after: string;
}

describe('incremental pull', () => {
  it('re-windows the search from the last seen timestamp before the result cap, without duplicates', async () => {
    // 450 contacts modified one second apart; a cap of 400 forces a second query window.
    const all = Array.from({ length: 450 }, (_, i) => contact(String(1000 + i), {}, iso(T0 + i * 1000)));
    const bodies: SearchBody[] = [];
    api()
      .post('/crm/v3/objects/contacts/search', (b: SearchBody) => (typeof b === 'object' && bodies.push(b), true))
      .times(3)
      .reply(() => {
        // The body matcher above just recorded this request's body.
        const b = bodies.at(-1) as SearchBody;
        const from = Number(b.filterGroups[0]?.filters[0]?.value);
        const matching = all.filter((c) => Date.parse(c.properties.lastmodifieddate) >= from);
        const offset = Number(b.after);
        const page = matching.slice(offset, offset + b.limit);
        const next = offset + b.limit < matching.length ? { paging: { next: { after: String(offset + b.limit) } } } : {};
        return [200, { total: matching.length, results: page, ...next }];
      })
      .get('/crm/v3/objects/contacts')
      .query((q) => q.archived === 'true')
      .reply(200, { results: [] });

    const c = connector({ searchWindowCap: 400, overlapMs: 0 });
    const passStart = Date.now();
    const batches = await collect(c.pull({ objects: ['contact'], fields: needs(), mode: 'incremental', cursors: { contact: { watermark: T0 } } }));

    const ids = batches.flatMap((b) => b.records.map((r) => r.id));
    expect(ids).toHaveLength(450);
    expect(new Set(ids).size).toBe(450);
    // Window 1: offsets 0 and 200; the next offset (400) would reach the cap, so window 2 starts at the
    // last seen record's time (record #399, returned again and dropped as a duplicate).
    expect(bodies.map((b) => [b.filterGroups[0]?.filters[0]?.value, b.after])).toEqual([
      [String(T0), '0'],
      [String(T0), '200'],
      [String(T0 + 399_000), '0'],
    ]);
    expect(c.stats().byEndpoint['objects.contacts.search']).toBe(3);
    expect(bodies[0]).toMatchObject({ sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }], limit: 200 });
    // Mid-pass batches carry the last record's time; the pass, once complete, moves the watermark to
    // its own start (everything modified before it has been seen).
    expect(batches.at(-2)?.cursor).toEqual({ watermark: T0 + 449_000, recent: { '1449': T0 + 449_000 } });
    const last = (batches.at(-1)?.cursor as { watermark: number }).watermark;
    expect(last).toBeGreaterThanOrEqual(passStart);
    expect(last).toBeLessThanOrEqual(Date.now());
    // The cursor only ever moves forward, batch after batch.
    const marks = batches.map((b) => (b.cursor as { watermark: number }).watermark);
    expect([...marks].sort((a, b) => a - b)).toEqual(marks);
  });

  it('re-reads associations of changed contacts (links) and reports archived records since the watermark', async () => {
    const searchBodies: SearchBody[] = [];
    api()
      .post('/crm/v3/objects/contacts/search', (b: SearchBody) => (searchBodies.push(b), true))
      .reply(200, { total: 2, results: [contact('1', {}, iso(T0 + 5000)), contact('2', {}, iso(T0 + 6000))] })
      .post('/crm/v4/associations/contacts/deals/batch/read', { inputs: [{ id: '1' }, { id: '2' }] })
      .reply(207, { status: 'COMPLETE', results: [{ from: { id: '1' }, to: [{ toObjectId: 501, associationTypes: [] }] }], errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'No associations found', context: { ids: ['2'] } }], numErrors: 1 })
      .post('/crm/v4/associations/contacts/tickets/batch/read', { inputs: [{ id: '1' }, { id: '2' }] })
      .reply(200, { status: 'COMPLETE', results: [{ from: { id: '2' }, to: [{ toObjectId: 9001, associationTypes: [] }] }] })
      .get('/crm/v3/objects/contacts')
      .query((q) => q.archived === 'true')
      .reply(200, {
        results: [
          { id: '40', properties: {}, archived: true, archivedAt: iso(T0 - 86_400_000) },
          { id: '41', properties: {}, archived: true, archivedAt: iso(T0 + 1000) },
        ],
      });

    for (const type of ['deals', 'tickets']) {
      api().post(`/crm/v3/objects/${type}/search`).reply(200, { total: 0, results: [] });
      api().get(`/crm/v3/objects/${type}`).query((q) => q.archived === 'true').reply(200, { results: [] });
    }

    const c = connector({ overlapMs: 2000 });
    const cursors = { contact: { watermark: T0 }, deal: { watermark: T0 }, ticket: { watermark: T0 } };
    const passStart = Date.now();
    const batches = await collect(c.pull({ objects: ['contact', 'deal', 'ticket'], fields: needs(), mode: 'incremental', cursors }));

    // Overlap: the search starts 2 s before the watermark (indexing lag).
    expect(searchBodies[0]?.filterGroups[0]?.filters[0]).toEqual({ propertyName: 'lastmodifieddate', operator: 'GTE', value: String(T0 - 2000) });
    const contactBatches = batches.filter((b) => b.kind === 'contact');
    expect(contactBatches[0]?.links).toEqual([
      { contactId: '1', deals: ['501'], tickets: [] },
      { contactId: '2', deals: [], tickets: ['9001'] },
    ]);
    // Only the record archived after (watermark - overlap) is new.
    expect(contactBatches.flatMap((b) => b.removed)).toEqual([{ kind: 'contact', objectType: 'contacts', id: '41' }]);
    // Mid-pass, records inside the next run's overlap window are remembered so a re-run skips them;
    // once the pass is complete the watermark is the pass start and these old records fall out of it.
    expect(contactBatches.at(-2)?.cursor).toEqual({ watermark: T0 + 6000, recent: { '1': T0 + 5000, '2': T0 + 6000 } });
    expect((contactBatches.at(-1)?.cursor as { watermark: number }).watermark).toBeGreaterThanOrEqual(passStart);
    // Unchanged deals/tickets: one empty search and one archived page each, no pipelines read.
    const quiet = batches.filter((b) => b.kind !== 'contact');
    expect(quiet.map((b) => [b.kind, b.records.length])).toEqual([
      ['deal', 0],
      ['ticket', 0],
    ]);
    // Nothing changed, yet the watermark moves to the pass start: the next run's window stays small.
    for (const b of quiet) expect((b.cursor as { watermark: number }).watermark).toBeGreaterThanOrEqual(passStart);
    expect(c.stats().byEndpoint['pipelines.deals']).toBeUndefined();
    expect(nock.isDone()).toBe(true);
  });

  it('reads contact ids of changed deals through v4 (search results carry no associations)', async () => {
    api()
      .get('/crm/v3/pipelines/deals')
      .reply(200, DEAL_PIPELINES)
      .post('/crm/v3/objects/deals/search', (b: SearchBody) => b.filterGroups[0]?.filters[0]?.propertyName === 'hs_lastmodifieddate')
      .reply(200, { total: 1, results: [{ id: '700', properties: { dealstage: '9001', pipeline: '7001', hs_lastmodifieddate: iso(T0 + 10) }, updatedAt: iso(T0 + 10) }] })
      .post('/crm/v4/associations/deals/contacts/batch/read', { inputs: [{ id: '700' }] })
      .reply(200, { status: 'COMPLETE', results: [{ from: { id: '700' }, to: [{ toObjectId: 5, associationTypes: [] }] }] })
      .get('/crm/v3/objects/deals')
      .query((q) => q.archived === 'true')
      .reply(200, { results: [] });
    const batches = await collect(connector().pull({ objects: ['deal'], fields: needs({ normalized: { deal: ['stage'] } }), mode: 'incremental', cursors: { deal: { watermark: T0 } } }));
    expect(batches[0]?.records[0] as DealRecord).toMatchObject({ id: '700', stage: '9001', isClosed: false, contactIds: ['5'] });
    expect(nock.isDone()).toBe(true);
  });

  it('falls back to ids-only search plus batch read when the property list would exceed the 3,000-character body limit', async () => {
    const manyStages = { results: [{ id: 'big', stages: Array.from({ length: 120 }, (_, i) => ({ id: `stage_number_${i}`, metadata: { isClosed: 'false', probability: '0.1' } })) }] };
    let searchProps: string[] = [];
    let readProps: string[] = [];
    api()
      .get('/crm/v3/pipelines/deals')
      .reply(200, manyStages)
      .post('/crm/v3/objects/deals/search', (b: SearchBody) => ((searchProps = b.properties), JSON.stringify(b).length <= 3000))
      .reply(200, { total: 1, results: [{ id: '800', properties: { hs_lastmodifieddate: iso(T0 + 1) } }] })
      .post('/crm/v3/objects/deals/batch/read', (b: { properties: string[]; inputs: unknown }) => ((readProps = b.properties), true))
      .reply(200, { status: 'COMPLETE', results: [{ id: '800', properties: { dealstage: 'stage_number_3', pipeline: 'big', hs_v2_date_entered_stage_number_3: iso(T0) } }] })
      .post('/crm/v4/associations/deals/contacts/batch/read')
      .reply(200, { status: 'COMPLETE', results: [] })
      .get('/crm/v3/objects/deals')
      .query((q) => q.archived === 'true')
      .reply(200, { results: [] });
    const fields = needs({ normalized: { deal: ['stageEnteredAt'] } });
    const batches = await collect(connector().pull({ objects: ['deal'], fields, mode: 'incremental', cursors: { deal: { watermark: T0 } } }));
    expect(searchProps).toEqual(['hs_lastmodifieddate']);
    expect(readProps).toEqual(expect.arrayContaining(['hs_v2_date_entered_stage_number_119', 'hs_date_entered_stage_number_119']));
    expect(batches[0]?.records[0]).toMatchObject({ id: '800', stageEnteredAt: T0 });
    expect(nock.isDone()).toBe(true);
  });
});
