import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEAL_PIPELINES, TICKET_PIPELINES, api, connector, contact, needs } from './helpers.ts';

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('fetchCustomer', () => {
  it('reads the contact, its deals and tickets live, with their contact ids', async () => {
    api()
      .get('/crm/v3/objects/contacts/42')
      .query((q) => String(q.properties).split(',').includes('email'))
      .reply(200, contact('42', { email: 'ana@example.com' }))
      .post('/crm/v4/associations/contacts/deals/batch/read', { inputs: [{ id: '42' }] })
      .reply(200, { status: 'COMPLETE', results: [{ from: { id: '42' }, to: [{ toObjectId: 501, associationTypes: [] }] }] })
      .post('/crm/v3/objects/deals/batch/read', (b: { inputs: unknown }) => JSON.stringify(b.inputs) === '[{"id":"501"}]')
      .reply(200, { status: 'COMPLETE', results: [{ id: '501', properties: { dealstage: 'closedwon', pipeline: 'default', amount: '1200' } }] })
      .post('/crm/v4/associations/deals/contacts/batch/read', { inputs: [{ id: '501' }] })
      .reply(200, { status: 'COMPLETE', results: [{ from: { id: '501' }, to: [{ toObjectId: 42, associationTypes: [] }, { toObjectId: 43, associationTypes: [] }] }] })
      .get('/crm/v3/pipelines/deals')
      .reply(200, DEAL_PIPELINES)
      .post('/crm/v4/associations/contacts/tickets/batch/read', { inputs: [{ id: '42' }] })
      .reply(200, { status: 'COMPLETE', results: [{ from: { id: '42' }, to: [{ toObjectId: 7, associationTypes: [] }] }] })
      .post('/crm/v3/objects/tickets/batch/read')
      .reply(200, { status: 'COMPLETE', results: [{ id: '7', properties: { hs_pipeline: '0', hs_pipeline_stage: '4' } }] })
      .post('/crm/v4/associations/tickets/contacts/batch/read', { inputs: [{ id: '7' }] })
      .reply(200, { status: 'COMPLETE', results: [{ from: { id: '7' }, to: [{ toObjectId: 42, associationTypes: [] }] }] })
      .get('/crm/v3/pipelines/tickets')
      .reply(200, TICKET_PIPELINES);
    const records = await connector().fetchCustomer('42', needs({ normalized: { contact: ['email'], deal: ['amount'] } }));
    expect(records.map((r) => [r.kind, r.id])).toEqual([['contact', '42'], ['deal', '501'], ['ticket', '7']]);
    expect(records[0]).toMatchObject({ email: 'ana@example.com' });
    expect(records[1]).toMatchObject({ amount: 1200, isWon: true, contactIds: ['42', '43'] });
    expect(records[2]).toMatchObject({ isOpen: false, contactIds: ['42'] });
    expect(nock.isDone()).toBe(true);
  });
});
