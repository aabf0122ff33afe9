import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DealRecord, TicketRecord } from '../../src/model.ts';
import { DEAL_PIPELINES, TICKET_PIPELINES, api, collect, connector, contact, needs, props } from './helpers.ts';

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('full pull', () => {
  it('pages contacts with `after`, requests only the needed properties, then lists archived records', async () => {
    const seen: string[][] = [];
    api()
      .get('/crm/v3/objects/contacts')
      .query((q) => q.after === undefined && q.archived === 'false' && q.limit === '100' && (seen.push(props(q)), true))
      .reply(200, { results: [contact('1', { lifecyclestage: 'lead', hs_lead_status: 'NEW', parcours_stage: 'onboarding' })], paging: { next: { after: '2', link: 'x' } } })
      .get('/crm/v3/objects/contacts')
      .query((q) => q.after === '2' && (seen.push(props(q)), true))
      .reply(200, { results: [contact('2', { lifecyclestage: 'customer' })] })
      .get('/crm/v3/objects/contacts')
      .query((q) => q.archived === 'true')
      .reply(200, { results: [{ id: '77', properties: {}, archived: true, archivedAt: '2026-10-01T00:00:00.000Z' }] });

    const c = connector();
    const fields = needs({ normalized: { contact: ['lifecycle'] }, raw: { contact: ['hs_lead_status'] }, owned: { contact: ['parcours_stage'] } });
    const batches = await collect(c.pull({ objects: ['contact'], fields, mode: 'full', cursors: {} }));

    expect(seen).toEqual([
      ['hs_lead_status', 'hs_merged_object_ids', 'hubspot_owner_id', 'lastmodifieddate', 'lifecyclestage', 'parcours_stage'],
      ['hs_lead_status', 'hs_merged_object_ids', 'hubspot_owner_id', 'lastmodifieddate', 'lifecyclestage', 'parcours_stage'],
    ]);
    expect(batches.map((b) => b.records.map((r) => r.id))).toEqual([['1'], ['2'], []]);
    const first = batches[0]?.records[0];
    expect(first).toMatchObject({ kind: 'contact', lifecycle: 'lead', email: null, raw: { hs_lead_status: 'NEW', parcours_stage: 'onboarding' } });
    expect(Object.keys(first?.raw ?? {}).sort()).toEqual(['hs_lead_status', 'parcours_stage']);
    // The cursor records the paging position until the pass is complete, then the watermark.
    expect(batches[0]?.cursor).toMatchObject({ full: { after: '2' } });
    expect(batches[0]?.cursor).not.toHaveProperty('watermark');
    expect(batches[2]?.removed).toEqual([{ kind: 'contact', objectType: 'contacts', id: '77' }]);
    expect(batches[2]?.cursor).toEqual({ watermark: expect.any(Number) });
    expect(nock.isDone()).toBe(true);
    expect(c.stats()).toMatchObject({ total: 3, byEndpoint: { 'objects.contacts.list': 2, 'objects.contacts.list.archived': 1 } });
  });

  it('requests the lifecycle-stage dates only when asked and lifecycle is not overridden, and reads them as lifecycleDates', async () => {
    const seen: string[][] = [];
    const listContacts = (results: unknown[]) =>
      api()
        .get('/crm/v3/objects/contacts')
        .query((q) => q.archived === 'false' && (seen.push(props(q)), true))
        .reply(200, { results })
        .get('/crm/v3/objects/contacts')
        .query((q) => q.archived === 'true')
        .reply(200, { results: [] });
    listContacts([
      contact('1', { lifecyclestage: 'marketingqualifiedlead', hs_lifecyclestage_lead_date: '2026-02-01T00:00:00.000Z', hs_lifecyclestage_marketingqualifiedlead_date: '2026-05-01T00:00:00.000Z', hs_lifecyclestage_customer_date: null }),
    ]);
    const wanted = needs({ normalized: { contact: ['lifecycle', 'lifecycleDates'] } });
    const [batch] = await collect(connector().pull({ objects: ['contact'], fields: wanted, mode: 'full', cursors: {} }));
    const dates = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'].map((v) => `hs_lifecyclestage_${v}_date`);
    for (const p of dates) expect(seen[0]).toContain(p);
    expect(batch?.records[0]).toMatchObject({ lifecycle: 'marketingqualifiedlead', lifecycleDates: { lead: Date.parse('2026-02-01T00:00:00.000Z'), marketingqualifiedlead: Date.parse('2026-05-01T00:00:00.000Z') } });
    expect(Object.keys((batch?.records[0] as { lifecycleDates: object }).lifecycleDates)).toEqual(['lead', 'marketingqualifiedlead']);

    // Lifecycle pointed at another property: HubSpot's lifecycle dates would date the wrong thing.
    listContacts([contact('2', { my_stage: 'b' })]);
    const overridden = needs({ normalized: { contact: ['lifecycle', 'lifecycleDates'] }, overrides: { contact: { lifecycle: 'my_stage' }, deal: {}, ticket: {} } });
    const [other] = await collect(connector().pull({ objects: ['contact'], fields: overridden, mode: 'full', cursors: {} }));
    expect(seen[1]?.some((p) => p.startsWith('hs_lifecyclestage_'))).toBe(false);
    expect(other?.records[0]).not.toHaveProperty('lifecycleDates');
    expect(nock.isDone()).toBe(true);
  });

  it('reads custom pipeline stages: closed/won from metadata; stage history on a portal with only the legacy hs_date_entered_*', async () => {
    let dealProps: string[] = [];
    api()
      .get('/crm/v3/pipelines/deals')
      .reply(200, DEAL_PIPELINES)
      .get('/crm/v3/objects/deals')
      .query((q) => q.archived === 'false' && q.associations === 'contacts' && ((dealProps = props(q)), true))
      .reply(200, {
        results: [
          {
            id: '501',
            properties: { dealname: 'Renewal ACME', pipeline: '7001', dealstage: '9002', hs_date_entered_9001: '2026-03-01T00:00:00.000Z', hs_date_entered_9002: '2026-04-01T00:00:00.000Z', closedate: '2026-04-01T00:00:00.000Z' },
            createdAt: '2026-02-01T00:00:00.000Z',
            updatedAt: '2026-04-01T00:00:00.000Z',
            associations: { contacts: { results: [{ id: '1', type: 'deal_to_contact' }, { id: '1', type: 'deal_to_contact_unlabeled' }, { id: '2', type: 'deal_to_contact' }] } },
          },
          { id: '502', properties: { pipeline: '7001', dealstage: '9003' }, createdAt: '2026-02-01T00:00:00.000Z' },
        ],
      })
      .get('/crm/v3/objects/deals')
      .query((q) => q.archived === 'true')
      .reply(200, { results: [] });

    const fields = needs({ normalized: { deal: ['name', 'stage', 'stageEnteredAt', 'stagesReached', 'closedAt'] } });
    const batches = await collect(connector().pull({ objects: ['deal'], fields, mode: 'full', cursors: {} }));

    for (const id of ['appointmentscheduled', 'closedwon', 'closedlost', '9001', '9002', '9003']) {
      expect(dealProps).toContain(`hs_v2_date_entered_${id}`);
      expect(dealProps).toContain(`hs_date_entered_${id}`);
    }
    expect(dealProps).not.toContain('amount');
    const [won, lost] = batches[0]?.records as DealRecord[];
    expect(won).toMatchObject({ stage: '9002', isClosed: true, isWon: true, stageEnteredAt: Date.parse('2026-04-01T00:00:00.000Z'), stagesReached: ['9001', '9002'], contactIds: ['1', '2'], name: 'Renewal ACME' });
    expect(lost).toMatchObject({ stage: '9003', isClosed: true, isWon: false, contactIds: [] });
    expect(nock.isDone()).toBe(true);
  });

  // A portal answers only the stage-calculated names it has; the others are left out silently
  // (knowledge.hubspot.com "Use stage calculated properties"; /work/shared/crm-facts/hubspot.md §13).
  async function pullDeal(properties: Record<string, string | null>): Promise<DealRecord> {
    api()
      .get('/crm/v3/pipelines/deals')
      .reply(200, DEAL_PIPELINES)
      .get('/crm/v3/objects/deals')
      .query((q) => q.archived === 'false')
      .reply(200, { results: [{ id: '510', properties: { pipeline: '7001', dealstage: '9002', ...properties }, createdAt: '2026-02-01T00:00:00.000Z', updatedAt: '2026-04-01T00:00:00.000Z' }] })
      .get('/crm/v3/objects/deals')
      .query((q) => q.archived === 'true')
      .reply(200, { results: [] });
    const fields = needs({ normalized: { deal: ['stage', 'stageEnteredAt', 'stagesReached'] } });
    const batches = await collect(connector().pull({ objects: ['deal'], fields, mode: 'full', cursors: {} }));
    expect(nock.isDone()).toBe(true);
    return batches[0]?.records[0] as DealRecord;
  }

  it('stage history on a current portal that has only hs_v2_date_entered_*', async () => {
    const deal = await pullDeal({ hs_v2_date_entered_9001: '2026-03-01T00:00:00.000Z', hs_v2_date_entered_9002: '2026-04-01T00:00:00.000Z', hs_v2_date_exited_9001: '2026-04-01T00:00:00.000Z' });
    expect(deal).toMatchObject({ stageEnteredAt: Date.parse('2026-04-01T00:00:00.000Z'), stagesReached: ['9001', '9002'] });
  });

  it('stage history on a portal that has both names: the v2 value wins, the legacy one fills a stage v2 leaves empty', async () => {
    const deal = await pullDeal({
      // v2 and legacy disagree: the current property is the one HubSpot keeps up to date.
      hs_v2_date_entered_9002: '2026-04-02T00:00:00.000Z',
      hs_date_entered_9002: '2026-04-01T00:00:00.000Z',
      // v2 empty for an old stage (present, null), legacy still carries it.
      hs_v2_date_entered_9001: null,
      hs_date_entered_9001: '2026-03-01T00:00:00.000Z',
    });
    expect(deal).toMatchObject({ stageEnteredAt: Date.parse('2026-04-02T00:00:00.000Z'), stagesReached: ['9001', '9002'] });
  });

  it('once the properties read says which names the portal has, requests only those (both for a stage it does not know)', async () => {
    const prop = (name: string) => ({ name, label: name, type: 'datetime', fieldType: 'date', groupName: 'dealinformation', options: [] });
    const current = ['appointmentscheduled', 'closedwon', 'closedlost', '9001', '9002'].map((id) => prop(`hs_v2_date_entered_${id}`));
    let dealProps: string[] = [];
    api()
      .get('/crm/v3/properties/contacts').reply(200, { results: [] })
      .get('/crm/v3/properties/deals').reply(200, { results: [prop('dealstage'), prop('pipeline'), prop('hs_lastmodifieddate'), ...current] })
      .get('/crm/v3/properties/tickets').reply(200, { results: [] })
      .get('/crm/v3/pipelines/deals')
      .reply(200, DEAL_PIPELINES)
      .get('/crm/v3/objects/deals')
      .query((q) => q.archived === 'false' && ((dealProps = props(q)), true))
      .reply(200, { results: [{ id: '520', properties: { pipeline: '7001', dealstage: '9002', hs_v2_date_entered_9002: '2026-04-02T00:00:00.000Z' } }] })
      .get('/crm/v3/objects/deals')
      .query((q) => q.archived === 'true')
      .reply(200, { results: [] });
    const c = connector();
    const fields = needs({ normalized: { deal: ['stage', 'stageEnteredAt'] } });
    await c.availableFields(fields);
    const batches = await collect(c.pull({ objects: ['deal'], fields, mode: 'full', cursors: {} }));
    expect(dealProps.filter((p) => p.includes('date_entered'))).toEqual([
      'hs_date_entered_9003', // stage 9003 is not in the read (created since?): both names
      ...['9001', '9002', '9003', 'appointmentscheduled', 'closedlost', 'closedwon'].map((id) => `hs_v2_date_entered_${id}`),
    ]);
    expect(batches[0]?.records[0]).toMatchObject({ stageEnteredAt: Date.parse('2026-04-02T00:00:00.000Z') });
    expect(nock.isDone()).toBe(true);
  });

  it('pages a deal’s contact associations through v4 batch read when the list call truncates them', async () => {
    const assocBodies: unknown[] = [];
    api()
      .get('/crm/v3/objects/deals')
      .query((q) => q.archived === 'false')
      .reply(200, { results: [{ id: '600', properties: { pipeline: 'default', dealstage: 'closedwon' }, associations: { contacts: { results: [{ id: '1' }], paging: { next: { after: 'abc' } } } } }] })
      .post('/crm/v4/associations/deals/contacts/batch/read', (b) => (assocBodies.push(b), true))
      .reply(200, { status: 'COMPLETE', results: [{ from: { id: '600' }, to: [{ toObjectId: 1, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 3 }] }, { toObjectId: 2, associationTypes: [] }], paging: { next: { after: 'MjAw' } } }] })
      .post('/crm/v4/associations/deals/contacts/batch/read', (b) => (assocBodies.push(b), true))
      .reply(200, { status: 'COMPLETE', results: [{ from: { id: '600' }, to: [{ toObjectId: 3, associationTypes: [] }] }] })
      .get('/crm/v3/pipelines/deals')
      .reply(200, DEAL_PIPELINES)
      .get('/crm/v3/objects/deals')
      .query((q) => q.archived === 'true')
      .reply(200, { results: [] });

    const batches = await collect(connector().pull({ objects: ['deal'], fields: needs(), mode: 'full', cursors: {} }));
    expect(assocBodies).toEqual([{ inputs: [{ id: '600' }] }, { inputs: [{ id: '600', after: 'MjAw' }] }]);
    expect((batches[0]?.records[0] as DealRecord).contactIds).toEqual(['1', '2', '3']);
    expect(batches[0]?.records[0]).toMatchObject({ isClosed: true, isWon: true });
    expect(nock.isDone()).toBe(true);
  });

  it('derives ticket openness from ticketState and first reply from createdate + time_to_first_agent_reply', async () => {
    api()
      .get('/crm/v3/objects/tickets')
      .query((q) => q.archived === 'false' && q.associations === 'contacts')
      .reply(200, {
        results: [
          { id: 't1', properties: { subject: 'Broken login', hs_pipeline: '55', hs_pipeline_stage: '5501', closed_date: '2026-05-02T00:00:00.000Z', time_to_first_agent_reply: '3600000', source_type: 'EMAIL' }, createdAt: '2026-05-01T00:00:00.000Z', associations: { contacts: { results: [{ id: '9', type: 'ticket_to_contact' }] } } },
          { id: 't2', properties: { hs_pipeline: '0', hs_pipeline_stage: '1', first_agent_reply_date: '2026-05-03T08:00:00.000Z' }, createdAt: '2026-05-03T00:00:00.000Z' },
        ],
      })
      .get('/crm/v3/pipelines/tickets')
      .reply(200, TICKET_PIPELINES)
      .get('/crm/v3/objects/tickets')
      .query((q) => q.archived === 'true')
      .reply(200, { results: [] });
    const fields = needs({ normalized: { ticket: ['subject', 'firstResponseAt', 'closedAt', 'channel'] } });
    const [page] = await collect(connector().pull({ objects: ['ticket'], fields, mode: 'full', cursors: {} }));
    const [t1, t2] = page?.records as TicketRecord[];
    expect(t1).toMatchObject({ isOpen: false, subject: 'Broken login', channel: 'EMAIL', closedAt: Date.parse('2026-05-02T00:00:00.000Z'), firstResponseAt: Date.parse('2026-05-01T01:00:00.000Z'), contactIds: ['9'] });
    expect(t2).toMatchObject({ isOpen: true, firstResponseAt: Date.parse('2026-05-03T08:00:00.000Z'), contactIds: [] });
  });

  it('reports contacts merged into a survivor (hs_merged_object_ids) as removed', async () => {
    api()
      .get('/crm/v3/objects/contacts')
      .query((q) => q.archived === 'false')
      .reply(200, { results: [contact('10', { hs_merged_object_ids: '11;12' })] })
      .get('/crm/v3/objects/contacts')
      .query((q) => q.archived === 'true')
      .reply(200, { results: [] });
    const batches = await collect(connector().pull({ objects: ['contact'], fields: needs(), mode: 'full', cursors: {} }));
    expect(batches[0]?.records.map((r) => r.id)).toEqual(['10']);
    expect(batches[0]?.removed).toEqual([
      { kind: 'contact', objectType: 'contacts', id: '11' },
      { kind: 'contact', objectType: 'contacts', id: '12' },
    ]);
  });

  it('applies admin overrides: csat from a custom contact property', async () => {
    let requested: string[] = [];
    api()
      .get('/crm/v3/objects/contacts')
      .query((q) => q.archived === 'false' && ((requested = props(q)), true))
      .reply(200, { results: [contact('1', { survey_csat__c: '4', hs_feedback_last_nps_rating: '9' })] })
      .get('/crm/v3/objects/contacts')
      .query((q) => q.archived === 'true')
      .reply(200, { results: [] });
    const fields = needs({ normalized: { contact: ['csat', 'npsScore'] }, overrides: { contact: { csat: 'survey_csat__c' } } });
    const [page] = await collect(connector().pull({ objects: ['contact'], fields, mode: 'full', cursors: {} }));
    expect(requested).toContain('survey_csat__c');
    expect(requested).toContain('hs_feedback_last_nps_rating');
    expect(page?.records[0]).toMatchObject({ csat: 4, npsScore: 9 });
  });
});

describe('full pull by search (the default)', () => {
  type SearchBody = { filterGroups: Array<{ filters: Array<{ propertyName: string; operator: string; value: string }> }>; sorts: unknown[]; properties: string[]; limit: number; after: string };
  const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => String(from + i));
  const page = (list: string[], next?: number) => ({ total: 0, results: list.map((id) => contact(id)), ...(next !== undefined ? { paging: { next: { after: String(next) } } } : {}) });

  it('keysets on hs_object_id past the result cap, 200 per page, with the needed properties', async () => {
    const bodies: SearchBody[] = [];
    const seen = (b: SearchBody) => (bodies.push(b), true);
    api()
      // Cap 400 here (HubSpot: 10,000): two pages, then the next page would cross it → a new query after the last id.
      .post('/crm/v3/objects/contacts/search', seen)
      .reply(200, page(ids(101, 200), 200))
      .post('/crm/v3/objects/contacts/search', seen)
      .reply(200, page(ids(301, 200), 400))
      .post('/crm/v3/objects/contacts/search', seen)
      .reply(200, page(ids(501, 150)))
      .get('/crm/v3/objects/contacts')
      .query((q) => q.archived === 'true')
      .reply(200, { results: [] });
    const c = connector({ fullPullBy: 'search', searchWindowCap: 400 });
    const fields = needs({ normalized: { contact: ['lifecycle'] }, owned: { contact: ['parcours_stage'] } });
    const batches = await collect(c.pull({ objects: ['contact'], fields, mode: 'full', cursors: {} }));

    expect(bodies.map((b) => [b.filterGroups[0]?.filters[0], b.after])).toEqual([
      [{ propertyName: 'hs_object_id', operator: 'GTE', value: '0' }, '0'],
      [{ propertyName: 'hs_object_id', operator: 'GTE', value: '0' }, '200'],
      [{ propertyName: 'hs_object_id', operator: 'GTE', value: '501' }, '0'],
    ]);
    expect(bodies[0]).toMatchObject({ sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }], limit: 200 });
    expect([...(bodies[0]?.properties ?? [])].sort()).toEqual(['hs_merged_object_ids', 'hubspot_owner_id', 'lastmodifieddate', 'lifecyclestage', 'parcours_stage']);
    const read = batches.flatMap((b) => b.records.map((r) => r.id));
    expect(read).toEqual(ids(101, 550));
    // Contacts need no association reads: every link has a deal or ticket end.
    expect(c.stats()).toMatchObject({ total: 4, byEndpoint: { 'objects.contacts.search': 3, 'objects.contacts.list.archived': 1 } });
    expect(batches.at(-1)?.cursor).toEqual({ watermark: expect.any(Number) });
    expect(nock.isDone()).toBe(true);
  });

  it('when the end moves up (records deleted), pages asked ahead are answered before the pass ends: no request of the run outlives it', async () => {
    // The first page counts 800 (four pages), so three more are asked ahead; the second page is the last. The two
    // dropped pages take 300 ms to answer: the pull must not return before them.
    api()
      .post('/crm/v3/objects/contacts/search', (b: SearchBody) => b.after === '0')
      .reply(200, { ...page(ids(101, 200), 200), total: 800 })
      .post('/crm/v3/objects/contacts/search', (b: SearchBody) => b.after === '200')
      .reply(200, page(ids(301, 50)))
      .post('/crm/v3/objects/contacts/search', (b: SearchBody) => b.after === '400' || b.after === '600')
      .times(2)
      .delay(300)
      .reply(200, page([]))
      .get('/crm/v3/objects/contacts')
      .query((q) => q.archived === 'true')
      .reply(200, { results: [] });
    const c = connector({ fullPullBy: 'search' });
    let lastPageAt = 0;
    const started = Date.now();
    const batches: Array<{ records: Array<{ id: string }> }> = [];
    for await (const b of c.pull({ objects: ['contact'], fields: needs({ normalized: { contact: ['lifecycle'] } }), mode: 'full', cursors: {} })) {
      batches.push(b);
      if (b.records.length > 0) lastPageAt = Date.now();
    }
    const ended = Date.now();
    expect(batches.flatMap((b) => b.records.map((r) => r.id))).toEqual(ids(101, 250));
    // The last page came before the dropped ones were answered; the pass waited for them before it ended.
    expect(lastPageAt - started).toBeLessThan(300);
    expect(ended - started).toBeGreaterThanOrEqual(300);
    expect(c.stats()).toMatchObject({ byEndpoint: { 'objects.contacts.search': 4 } });
    expect(nock.isDone()).toBe(true);
  });

  it('resumes a stopped pass at the saved next id, and reads deal contacts through v4, 1,000 per call', async () => {
    const assoc: Array<{ inputs: Array<{ id: string }> }> = [];
    const bodies: SearchBody[] = [];
    const dealPage = (list: string[], next?: number) => ({ results: list.map((id) => ({ id, properties: { pipeline: 'default', dealstage: 'closedwon' } })), ...(next !== undefined ? { paging: { next: { after: String(next) } } } : {}) });
    const scope = api().get('/crm/v3/pipelines/deals').reply(200, DEAL_PIPELINES);
    // 1,200 deals from id 5000: five pages fill one v4 read, the sixth is the last.
    for (let p = 0; p < 6; p++) {
      scope.post('/crm/v3/objects/deals/search', (b: SearchBody) => (bodies.push(b), true)).reply(200, dealPage(ids(5000 + p * 200, 200), p < 5 ? (p + 1) * 200 : undefined));
    }
    const linked = (list: string[]) => ({ status: 'COMPLETE', results: list.map((id) => ({ from: { id }, to: [{ toObjectId: Number(id) + 1, associationTypes: [] }] })) });
    scope
      .post('/crm/v4/associations/deals/contacts/batch/read', (b) => (assoc.push(b), true))
      .reply(200, linked(ids(5000, 1000)))
      .post('/crm/v4/associations/deals/contacts/batch/read', (b) => (assoc.push(b), true))
      .reply(200, linked(ids(6000, 200)))
      .get('/crm/v3/objects/deals')
      .query((q) => q.archived === 'true')
      .reply(200, { results: [] });
    const c = connector({ fullPullBy: 'search' });
    const cursor = { full: { after: '5000', startedAt: 1_700_000_000_000 } };
    const batches = await collect(c.pull({ objects: ['deal'], fields: needs({ normalized: { deal: ['stage'] } }), mode: 'full', cursors: { deal: cursor } }));

    expect(bodies[0]?.filterGroups[0]?.filters[0]).toEqual({ propertyName: 'hs_object_id', operator: 'GTE', value: '5000' });
    expect(assoc.map((b) => b.inputs.length)).toEqual([1000, 200]);
    expect(batches.map((b) => b.records.length)).toEqual([1000, 200, 0]);
    expect(batches[0]?.cursor).toEqual({ full: { after: '6000', startedAt: 1_700_000_000_000 } });
    expect(batches[1]?.cursor).toEqual({ full: { after: null, startedAt: 1_700_000_000_000 } });
    expect(batches[2]?.cursor).toEqual({ watermark: 1_700_000_000_000 - 1_000 });
    expect((batches[0]?.records[0] as DealRecord).contactIds).toEqual(['5001']);
    expect(nock.isDone()).toBe(true);
  });

  it('lists a kind whose search body would pass 3,000 characters', async () => {
    const many = Array.from({ length: 120 }, (_, i) => `custom_property_number_${i}`);
    api()
      .get('/crm/v3/objects/contacts')
      .query((q) => q.archived === 'false' && q.limit === '100')
      .reply(200, { results: [contact('1')] })
      .get('/crm/v3/objects/contacts')
      .query((q) => q.archived === 'true')
      .reply(200, { results: [] });
    const c = connector({ fullPullBy: 'search' });
    const batches = await collect(c.pull({ objects: ['contact'], fields: needs({ raw: { contact: many } }), mode: 'full', cursors: {} }));
    expect(batches[0]?.records.map((r) => r.id)).toEqual(['1']);
    expect(c.stats().byEndpoint).toEqual({ 'objects.contacts.list': 1, 'objects.contacts.list.archived': 1 });
  });
});

describe('contact numemployees ranges', () => {
  it('reads a range as its lower bound and a count as itself', async () => {
    const { parseEmployeeCount } = await import('../../connectors/hubspot/translate.ts');
    expect(parseEmployeeCount('1000+')).toBe(1000);
    expect(parseEmployeeCount('500-1000')).toBe(500);
    expect(parseEmployeeCount('5,000-10,000')).toBe(5000);
    expect(parseEmployeeCount('250')).toBe(250);
    expect(parseEmployeeCount('')).toBeNull();
    expect(parseEmployeeCount('unknown')).toBeNull();
  });
});
