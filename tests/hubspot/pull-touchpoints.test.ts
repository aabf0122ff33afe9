/**
 * Touchpoint pulls against documented HubSpot bodies (nock at the HTTP boundary, the real SDK on top).
 * Shapes: objects guide (list with `associations`), search guide, associations v4 batch read,
 * touchpoints.md §1–§3 for property names and values.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TouchpointBatch } from '../../connectors/port.ts';
import type { TouchpointRecord } from '../../src/model.ts';
import { api, connector } from './helpers.ts';

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const OBJECTS = ['calls', 'emails', 'meetings', 'notes', 'communications', 'postal_mail', 'feedback_submissions'] as const;
const T0 = Date.parse('2026-11-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
/** X-HubSpot-RateLimit-* as a Free/Starter private app sees them (usage guidelines). */
const FREE_TIER = { 'X-HubSpot-RateLimit-Max': '100', 'X-HubSpot-RateLimit-Remaining': '99', 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000' };

interface SearchBody {
  filterGroups: Array<{ filters: Array<{ propertyName: string; operator: string; value?: string }> }>;
  sorts: Array<{ propertyName: string; direction: string }>;
  properties: string[];
  limit: number;
  after: string;
}

function engagement(id: string, properties: Record<string, string | null>, modified = iso(T0 + 5_000)) {
  return { id, properties: { hs_object_id: id, hs_createdate: iso(T0), hs_lastmodifieddate: modified, ...properties }, createdAt: iso(T0), updatedAt: modified, archived: false };
}

/** A v4 batch read answer: every input with its associated ids (`toObjectId` a JSON number). */
function v4(typeId: number, links: Record<string, number[]>) {
  return {
    status: 'COMPLETE',
    results: Object.entries(links).map(([from, to]) => ({ from: { id: from }, to: to.map((toObjectId) => ({ toObjectId, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId, label: null }] })) })),
    startedAt: '2026-11-01T00:00:00.000Z',
    completedAt: '2026-11-01T00:00:00.050Z',
  };
}

async function collect(iter: AsyncIterable<TouchpointBatch>): Promise<TouchpointBatch[]> {
  const out: TouchpointBatch[] = [];
  for await (const b of iter) out.push(b);
  return out;
}

const records = (batches: TouchpointBatch[]): Map<string, TouchpointRecord> => new Map(batches.flatMap((b) => b.records).map((r) => [`${r.objectType}/${r.id}`, r]));

describe('touchpoints: full pass', () => {
  it('reads its first page by list (learning the 100/10 s budget), then keyset search + v4 associations, and forms from contacts', async () => {
    const searches: SearchBody[] = [];
    const listQueries: Array<Record<string, string>> = [];
    const scope = api();
    for (const object of OBJECTS) {
      if (object === 'calls') continue;
      scope.get(`/crm/v3/objects/${object}`).query((q) => (listQueries.push(q as Record<string, string>), q.archived === 'false')).reply(200, { results: [] }, FREE_TIER);
    }
    scope
      .get('/crm/v3/objects/calls')
      .query((q) => (listQueries.push(q as Record<string, string>), q.archived === 'false' && q.after === undefined))
      .reply(
        200,
        {
          results: [
            {
              ...engagement('101', { hs_timestamp: '2026-10-02T09:00:00.000Z', hs_call_direction: 'OUTBOUND', hs_call_status: 'COMPLETED', hs_call_disposition: 'f240bbac-87c9-4f6e-bf70-924b57d47db7', hubspot_owner_id: '61002001', hs_call_duration: '90000' }),
              associations: { contacts: { results: [{ id: '1', type: 'call_to_contact' }] }, deals: { results: [{ id: '501', type: 'call_to_deal' }] } },
            },
          ],
          paging: { next: { after: '102', link: '?after=102' } },
        },
        FREE_TIER,
      )
      .post('/crm/v3/objects/calls/search', (b: SearchBody) => (searches.push(b), true))
      .reply(200, {
        total: 2,
        results: [
          // A portal-defined outcome GUID: the status says the call was not answered.
          engagement('150', { hs_timestamp: '2026-10-03T09:00:00.000Z', hs_call_direction: 'OUTBOUND', hs_call_status: 'NO_ANSWER', hs_call_disposition: '5b9e1a44-0c2f-4d7e-9a51-2f8c3e6d7a10' }),
          engagement('160', { hs_timestamp: '2026-10-04T09:00:00.000Z', hs_call_direction: 'INBOUND', hs_call_status: 'COMPLETED', hs_call_disposition: 'b2cf5968-551e-4856-9783-52b3da59a7d0' }),
        ],
      })
      .post('/crm/v4/associations/calls/contacts/batch/read', { inputs: [{ id: '150' }, { id: '160' }] })
      .reply(200, v4(194, { '150': [1], '160': [2] }))
      .post('/crm/v4/associations/calls/deals/batch/read', { inputs: [{ id: '150' }, { id: '160' }] })
      .reply(200, v4(206, { '150': [501] }))
      // Ids without associations of a type come back as a 207 error (objects guide "Multi-status").
      .post('/crm/v4/associations/calls/tickets/batch/read', { inputs: [{ id: '150' }, { id: '160' }] })
      .reply(207, { status: 'COMPLETE', results: [], numErrors: 1, errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'No associations found', context: { ids: ['150', '160'] } }] })
      .post('/crm/v3/objects/contacts/search', (b: SearchBody) => (searches.push(b), true))
      .reply(200, {
        total: 2,
        results: [
          { id: '1', properties: { hs_object_id: '1', first_conversion_date: '2026-01-05T10:00:00.000Z', first_conversion_event_name: 'Newsletter signup', recent_conversion_date: '2026-09-01T08:00:00.000Z', recent_conversion_event_name: 'Demo request', num_conversion_events: '3', lastmodifieddate: iso(T0) }, createdAt: iso(T0), updatedAt: iso(T0), archived: false },
          { id: '2', properties: { hs_object_id: '2', first_conversion_date: '2026-03-01T10:00:00.000Z', first_conversion_event_name: 'Contact us', recent_conversion_date: '2026-03-01T10:00:00.000Z', recent_conversion_event_name: 'Contact us', num_conversion_events: '1', lastmodifieddate: iso(T0) }, createdAt: iso(T0), updatedAt: iso(T0), archived: false },
        ],
      });

    const c = connector({ fullPullBy: 'search' });
    const started = Date.now();
    const batches = await collect(c.pullTouchpoints!({ mode: 'full' }));
    expect(nock.isDone()).toBe(true);

    // Every property the translation reads is asked for by name (HubSpot returns only 3 defaults otherwise).
    const callList = listQueries.find((q) => q.properties?.includes('hs_call_direction'));
    expect(callList).toMatchObject({ limit: '100', associations: 'contacts,deals,tickets', archived: 'false' });
    expect(callList?.properties?.split(',').sort()).toEqual(['hs_activity_type', 'hs_call_direction', 'hs_call_disposition', 'hs_call_duration', 'hs_call_status', 'hs_call_title', 'hs_lastmodifieddate', 'hs_timestamp', 'hubspot_owner_id']);
    const feedbackList = listQueries.find((q) => q.properties?.includes('hs_survey_type'));
    expect(feedbackList?.properties?.split(',')).toEqual(expect.arrayContaining(['hs_survey_type', 'hs_value', 'hs_response_group', 'hs_submission_timestamp']));
    // The search continues after the last listed id, keyset on hs_object_id, 200 per page.
    const callSearch = searches.find((b) => b.properties.includes('hs_call_status'));
    expect(callSearch).toMatchObject({ filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'GTE', value: '102' }] }], sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }], limit: 200, after: '0' });
    const formSearch = searches.find((b) => b.properties.includes('recent_conversion_date'));
    expect(formSearch?.filterGroups[0]?.filters).toEqual([{ propertyName: 'hs_object_id', operator: 'GTE', value: '0' }, { propertyName: 'recent_conversion_date', operator: 'HAS_PROPERTY' }]);

    const got = records(batches);
    expect(got.get('calls/101')).toMatchObject({ channel: 'phone', rawChannel: 'CALL', direction: 'outbound', outcome: 'connected', ownerId: '61002001', at: Date.parse('2026-10-02T09:00:00.000Z'), contactIds: ['1'], dealIds: ['501'], ticketIds: [], survey: null, raw: { hs_call_duration: '90000' } });
    expect(got.get('calls/150')).toMatchObject({ outcome: 'no_answer', rawOutcome: '5b9e1a44-0c2f-4d7e-9a51-2f8c3e6d7a10', contactIds: ['1'], dealIds: ['501'], ticketIds: [] });
    expect(got.get('calls/160')).toMatchObject({ direction: 'inbound', outcome: 'voicemail', contactIds: ['2'], dealIds: [] });
    // Forms: first and most recent conversion; one touchpoint when they are the same.
    expect(got.get('form_conversions/1:first')).toMatchObject({ channel: 'form', direction: 'inbound', outcome: 'responded', rawOutcome: 'Newsletter signup', at: Date.parse('2026-01-05T10:00:00.000Z'), contactIds: ['1'] });
    expect(got.get('form_conversions/1:recent')).toMatchObject({ rawOutcome: 'Demo request', raw: { event: 'Demo request', count: '3' } });
    expect([...got.keys()].filter((k) => k.startsWith('form_conversions/2:'))).toEqual(['form_conversions/2:first']);

    // The pass: one id throughout, `complete` on the last batch only, then watermarks at its start − overlap.
    const ids = new Set(batches.map((b) => b.fullPass?.id));
    expect(ids.size).toBe(1);
    expect(batches.filter((b) => b.fullPass?.complete)).toEqual([batches.at(-1)]);
    const last = batches.at(-1)?.cursor as { objects: Record<string, { watermark: number }>; full?: unknown };
    expect(last.full).toBeUndefined();
    expect(Object.keys(last.objects).sort()).toEqual([...OBJECTS, 'form_conversions'].sort());
    for (const c of Object.values(last.objects)) expect(c.watermark).toBe(Number([...ids][0]) - 1_000);
    expect(Number([...ids][0])).toBeGreaterThanOrEqual(started);
    // Mid-pass cursors hold each object's next id.
    expect(batches.find((b) => b.records.some((r) => r.id === '101'))?.cursor).toMatchObject({ full: { after: { calls: '102' } } });
    expect(c.stats().byEndpoint).toMatchObject({ 'objects.calls.list': 1, 'objects.calls.search': 1, 'associations.calls.contacts.batch.read': 1, 'associations.calls.deals.batch.read': 1, 'associations.calls.tickets.batch.read': 1, 'objects.contacts.search': 1 });
  });

  it('lists with associations=contacts,deals,tickets when configured, re-reading a cut association list through v4, and normalizes every object', async () => {
    const scope = api();
    const page = (object: string, results: unknown[]) => scope.get(`/crm/v3/objects/${object}`).query((q) => q.archived === 'false' && q.associations === 'contacts,deals,tickets' && q.limit === '100').reply(200, { results });
    const withContact = (o: ReturnType<typeof engagement>, contact: string, type: string) => ({ ...o, associations: { contacts: { results: [{ id: contact, type }] } } });
    page('calls', []);
    page('notes', [withContact(engagement('400', { hs_timestamp: '2026-10-01T00:00:00.000Z', hubspot_owner_id: '7' }), '3', 'note_to_contact')]);
    page('postal_mail', [withContact(engagement('410', { hs_timestamp: '2026-10-01T00:00:00.000Z' }), '3', 'postal_mail_to_contact')]);
    page('emails', [
      withContact(engagement('200', { hs_timestamp: '2026-10-01T00:00:00.000Z', hs_email_direction: 'EMAIL', hs_email_status: 'BOUNCED', hs_email_subject: 'Proposal' }), '3', 'email_to_contact'),
      withContact(engagement('201', { hs_timestamp: '2026-10-02T00:00:00.000Z', hs_email_direction: 'INCOMING_EMAIL', hs_email_subject: 'Re: Proposal' }), '3', 'email_to_contact'),
      withContact(engagement('202', { hs_timestamp: '2026-10-02T00:00:00.000Z', hs_email_direction: 'FORWARDED_EMAIL' }), '3', 'email_to_contact'),
    ]);
    page('meetings', [
      {
        ...engagement('300', { hs_timestamp: '2026-10-05T14:00:00.000Z', hs_meeting_start_time: '2026-10-05T14:00:00.000Z', hs_meeting_outcome: 'NO_SHOW', hs_meeting_title: 'Demo' }),
        // More contacts than one page of associations holds: re-read that target through v4.
        associations: { contacts: { results: [{ id: '3', type: 'meeting_event_to_contact' }], paging: { next: { after: 'MQ', link: 'x' } } }, deals: { results: [{ id: '900', type: 'meeting_event_to_deal' }] } },
      },
    ]);
    page('communications', [
      withContact(engagement('500', { hs_timestamp: '2026-10-06T00:00:00.000Z', hs_communication_channel_type: 'WHATS_APP', hs_communication_logged_from: 'CRM' }), '3', 'communication_to_contact'),
      withContact(engagement('501', { hs_timestamp: '2026-10-06T00:00:00.000Z', hs_communication_channel_type: 'LINKEDIN_MESSAGE' }), '3', 'communication_to_contact'),
      withContact(engagement('502', { hs_timestamp: '2026-10-06T00:00:00.000Z', hs_communication_channel_type: 'SMS' }), '3', 'communication_to_contact'),
    ]);
    page('feedback_submissions', [
      withContact(engagement('600', { hs_survey_type: 'NPS', hs_value: '6', hs_response_group: 'DETRACTOR', hs_survey_channel: 'EMAIL', hs_submission_timestamp: '2026-10-07T00:00:00.000Z' }), '3', 'feedback_submission_to_contact'),
      withContact(engagement('601', { hs_survey_type: 'CSAT', hs_value: '2', hs_survey_channel: 'EMAIL' }), '3', 'feedback_submission_to_contact'),
      withContact(engagement('602', { hs_survey_type: 'CES', hs_value: '5', hs_response_group: 'PASSIVE' }), '3', 'feedback_submission_to_contact'),
    ]);
    scope
      .post('/crm/v4/associations/meetings/contacts/batch/read', { inputs: [{ id: '300' }] })
      .reply(200, v4(200, { '300': [3, 4, 5] }))
      .post('/crm/v3/objects/contacts/search')
      .reply(200, { total: 0, results: [] });

    const c = connector({ fullPullBy: 'list' });
    const batches = await collect(c.pullTouchpoints!({ mode: 'full' }));
    expect(nock.isDone()).toBe(true);
    const got = records(batches);
    expect(got.get('notes/400')).toMatchObject({ channel: 'internal', rawChannel: 'NOTE', direction: null, outcome: null, ownerId: '7', contactIds: ['3'] });
    expect(got.get('postal_mail/410')).toMatchObject({ channel: 'postal', direction: null });
    expect(got.get('emails/200')).toMatchObject({ channel: 'email', direction: 'outbound', outcome: 'bounced', rawOutcome: 'BOUNCED', raw: { hs_email_subject: 'Proposal' } });
    expect(got.get('emails/201')).toMatchObject({ direction: 'inbound', outcome: null });
    expect(got.get('emails/202')).toMatchObject({ direction: null });
    expect(got.get('meetings/300')).toMatchObject({ channel: 'meeting', outcome: 'no_show', rawOutcome: 'NO_SHOW', contactIds: ['3', '4', '5'], dealIds: ['900'], at: Date.parse('2026-10-05T14:00:00.000Z') });
    expect(['500', '501', '502'].map((id) => got.get(`communications/${id}`)?.channel)).toEqual(['whatsapp', 'social', 'sms']);
    expect(got.get('communications/500')).toMatchObject({ rawChannel: 'WHATS_APP', direction: null });
    expect(got.get('feedback_submissions/600')).toMatchObject({ channel: 'survey', rawChannel: 'EMAIL', direction: 'inbound', ownerId: null, at: Date.parse('2026-10-07T00:00:00.000Z'), survey: { type: 'nps', score: 6, scale: { min: 0, max: 10 }, sentiment: 'negative' } });
    // No response group: the sentiment comes from HubSpot's CSAT bands (0 / 1 / 2); no submission time: created.
    expect(got.get('feedback_submissions/601')).toMatchObject({ at: T0, survey: { type: 'csat', score: 2, scale: { min: 0, max: 2 }, sentiment: 'positive' } });
    expect(got.get('feedback_submissions/602')?.survey).toEqual({ type: 'ces', score: 5, scale: { min: 1, max: 7 }, sentiment: 'neutral' });
    expect(c.stats().byEndpoint['associations.meetings.contacts.batch.read']).toBe(1);
    expect(c.stats().byEndpoint['associations.meetings.deals.batch.read']).toBeUndefined();
  });

  it('resumes a stopped pass where each object stood, under the same pass id', async () => {
    api()
      .get('/crm/v3/objects/calls')
      .query((q) => q.after === '777')
      .reply(200, { results: [engagement('777', { hs_timestamp: iso(T0) })] });
    const c = connector({ fullPullBy: 'list' });
    const done = Object.fromEntries([...OBJECTS, 'form_conversions'].map((o) => [o, o === 'calls' ? '777' : null]));
    const batches = await collect(c.pullTouchpoints!({ mode: 'incremental', cursor: { objects: {}, full: { startedAt: T0, after: done } } }));
    expect(nock.isDone()).toBe(true);
    expect(batches.map((b) => b.records.map((r) => r.id))).toEqual([['777'], []]);
    expect(batches.map((b) => b.fullPass)).toEqual([{ id: String(T0) }, { id: String(T0), complete: true }]);
    expect(c.stats().total).toBe(1);
  });

  it('refuses a cursor it did not write, naming what is wrong', async () => {
    const c = connector();
    await expect(collect(c.pullTouchpoints!({ mode: 'incremental', cursor: { objects: { calls: { watermark: 'yesterday' } } } }))).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('objects.calls.watermark') });
  });
});

describe('touchpoints: incremental', () => {
  it('searches each object on hs_lastmodifieddate, reads changed ones’ associations, reports archived ones since the watermark, and new form conversions', async () => {
    const searches = new Map<string, SearchBody>();
    const scope = api();
    for (const object of OBJECTS) {
      scope
        .post(`/crm/v3/objects/${object}/search`, (b: SearchBody) => (searches.set(object, b), true))
        .reply(200, object === 'calls' ? { total: 1, results: [engagement('170', { hs_timestamp: iso(T0 + 4_000), hs_call_direction: 'OUTBOUND', hs_call_status: 'BUSY' })] } : { total: 0, results: [] });
      scope
        .get(`/crm/v3/objects/${object}`)
        .query((q) => q.archived === 'true' && q.limit === '100')
        .reply(
          200,
          object === 'emails'
            ? {
                results: [
                  { id: '210', properties: { hs_object_id: '210' }, createdAt: iso(T0 - 86_400_000), updatedAt: iso(T0 + 2_000), archived: true, archivedAt: iso(T0 + 2_000) },
                  // Deleted long before the last run: already reported then.
                  { id: '211', properties: { hs_object_id: '211' }, createdAt: iso(T0 - 86_400_000), updatedAt: iso(T0 - 86_400_000), archived: true, archivedAt: iso(T0 - 86_400_000) },
                ],
              }
            : { results: [] },
        );
    }
    scope
      .post('/crm/v4/associations/calls/contacts/batch/read', { inputs: [{ id: '170' }] })
      .reply(200, v4(194, { '170': [8] }))
      .post('/crm/v4/associations/calls/deals/batch/read', { inputs: [{ id: '170' }] })
      .reply(200, v4(206, {}))
      .post('/crm/v4/associations/calls/tickets/batch/read', { inputs: [{ id: '170' }] })
      .reply(200, v4(220, { '170': [77] }))
      .post('/crm/v3/objects/contacts/search', (b: SearchBody) => (searches.set('contacts', b), true))
      .reply(200, { total: 1, results: [{ id: '8', properties: { hs_object_id: '8', first_conversion_date: iso(T0 - 9e9), first_conversion_event_name: 'Contact us', recent_conversion_date: iso(T0 + 3_000), recent_conversion_event_name: 'Pricing page form', num_conversion_events: '2', lastmodifieddate: iso(T0 + 3_000) }, createdAt: iso(T0 - 9e9), updatedAt: iso(T0 + 3_000), archived: false }] });

    const cursor = { objects: Object.fromEntries([...OBJECTS, 'form_conversions'].map((o) => [o, { watermark: T0 }])) };
    const c = connector({ overlapMs: 1_000 });
    const started = Date.now();
    const batches = await collect(c.pullTouchpoints!({ mode: 'incremental', cursor }));
    expect(nock.isDone()).toBe(true);

    expect(searches.get('calls')).toMatchObject({
      filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(T0 - 1_000) }] }],
      sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }],
      limit: 200,
      after: '0',
    });
    expect(searches.get('calls')?.properties).toEqual(expect.arrayContaining(['hs_call_status', 'hs_call_disposition', 'hs_timestamp', 'hubspot_owner_id', 'hs_lastmodifieddate']));
    expect(searches.get('contacts')).toMatchObject({ filterGroups: [{ filters: [{ propertyName: 'recent_conversion_date', operator: 'GTE', value: String(T0 - 1_000) }] }], sorts: [{ propertyName: 'recent_conversion_date', direction: 'ASCENDING' }] });

    const got = records(batches);
    expect(got.get('calls/170')).toMatchObject({ outcome: 'busy', rawOutcome: 'BUSY', contactIds: ['8'], dealIds: [], ticketIds: ['77'] });
    expect(got.get('form_conversions/8:recent')).toMatchObject({ rawOutcome: 'Pricing page form', at: T0 + 3_000 });
    expect(batches.flatMap((b) => b.removed)).toEqual([{ objectType: 'emails', id: '210' }]);
    expect(batches.some((b) => b.fullPass !== undefined)).toBe(false);
    // Each object's watermark moves to the pass start once it has paged to the end.
    const last = batches.at(-1)?.cursor as { objects: Record<string, { watermark: number }> };
    for (const unit of [...OBJECTS, 'form_conversions']) expect(last.objects[unit]?.watermark).toBeGreaterThanOrEqual(started);
    expect(c.stats().total).toBe(7 + 7 + 3 + 1);
  });
});

describe('touchpoints: one customer live (explain)', () => {
  it('reads the contact’s engagement ids per object through v4, those records by batch read with every property, their links, and its form conversions', async () => {
    const batchBodies: Array<{ properties: string[]; inputs: Array<{ id: string }> }> = [];
    const scope = api();
    for (const object of OBJECTS) {
      scope
        .post(`/crm/v4/associations/contacts/${object}/batch/read`, { inputs: [{ id: '42' }] })
        .reply(200, object === 'calls' ? v4(193, { '42': [101] }) : object === 'feedback_submissions' ? v4(97, { '42': [700] }) : { status: 'COMPLETE', results: [], startedAt: iso(T0), completedAt: iso(T0) });
    }
    scope
      .post('/crm/v3/objects/calls/batch/read', (b: { properties: string[]; inputs: Array<{ id: string }> }) => (batchBodies.push(b), true))
      .reply(200, { status: 'COMPLETE', results: [engagement('101', { hs_timestamp: iso(T0), hs_call_direction: 'INBOUND', hs_call_disposition: '73a0d17f-1163-4015-bdd5-ec830791da20' })], startedAt: iso(T0), completedAt: iso(T0) })
      .post('/crm/v3/objects/feedback_submissions/batch/read', (b: { properties: string[]; inputs: Array<{ id: string }> }) => (batchBodies.push(b), true))
      .reply(200, { status: 'COMPLETE', results: [engagement('700', { hs_survey_type: 'NPS', hs_value: '9' })], startedAt: iso(T0), completedAt: iso(T0) })
      .post('/crm/v4/associations/calls/contacts/batch/read', { inputs: [{ id: '101' }] })
      .reply(200, v4(194, { '101': [42] }))
      .post('/crm/v4/associations/calls/deals/batch/read', { inputs: [{ id: '101' }] })
      .reply(200, v4(206, {}))
      .post('/crm/v4/associations/calls/tickets/batch/read', { inputs: [{ id: '101' }] })
      .reply(200, v4(220, { '101': [9] }))
      .post('/crm/v4/associations/feedback_submissions/contacts/batch/read', { inputs: [{ id: '700' }] })
      .reply(200, v4(98, { '700': [42] }))
      .post('/crm/v4/associations/feedback_submissions/deals/batch/read', { inputs: [{ id: '700' }] })
      .reply(200, v4(984, {}))
      .post('/crm/v4/associations/feedback_submissions/tickets/batch/read', { inputs: [{ id: '700' }] })
      .reply(200, v4(100, {}))
      .get('/crm/v3/objects/contacts/42')
      .query((q) => String(q.properties).split(',').includes('first_conversion_date'))
      .reply(200, { id: '42', properties: { hs_object_id: '42', first_conversion_date: iso(T0), first_conversion_event_name: 'Contact us' }, createdAt: iso(T0), updatedAt: iso(T0), archived: false });

    const c = connector();
    const got = await c.fetchTouchpoints!('42');
    expect(nock.isDone()).toBe(true);
    // (nock may try a body against both batch-read interceptors: compare the set of inputs seen.)
    expect(new Set(batchBodies.flatMap((b) => b.inputs.map((i) => i.id)))).toEqual(new Set(['101', '700']));
    expect(batchBodies.find((b) => b.inputs[0]?.id === '101')?.properties).toEqual(expect.arrayContaining(['hs_call_direction', 'hs_call_disposition', 'hs_timestamp']));
    expect(got.map((t) => `${t.objectType}/${t.id}`).sort()).toEqual(['calls/101', 'feedback_submissions/700', 'form_conversions/42:first']);
    expect(got.find((t) => t.id === '101')).toMatchObject({ direction: 'inbound', outcome: 'no_answer', contactIds: ['42'], ticketIds: ['9'] });
    expect(got.find((t) => t.id === '700')?.survey).toEqual({ type: 'nps', score: 9, scale: { min: 0, max: 10 }, sentiment: 'positive' });
  });
});
