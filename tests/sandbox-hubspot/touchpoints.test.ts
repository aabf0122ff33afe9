/**
 * The sandbox's engagement and feedback objects against the documented API (touchpoints.md §1–§3):
 * paths, default properties, list with associations, archived, search limits, v4 association type ids,
 * read-only feedback submissions — and the seeded volume and mix (issue 13 "The sandbox and the demo").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../src/model.ts';
import { generatePersonas } from '../../sandbox/demo-data.ts';
import { personaTouchpoints } from '../../sandbox/demo-touchpoints.ts';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { NOW, call, sdk } from './helpers.ts';

const ENGAGEMENTS = ['calls', 'emails', 'meetings', 'notes', 'communications', 'postal_mail', 'feedback_submissions'] as const;

let sb: HubspotSandbox;
beforeAll(async () => {
  sb = await startHubspotSandbox({ contacts: 200, seed: 5, now: NOW, searchPerSecond: 1000 });
});
afterAll(() => sb.close());

describe('engagement objects', () => {
  it('serve every touchpoint object at /crm/v3/objects/{type}, by name and by type id, with only the 3 default properties unless asked', async () => {
    // https://developers.hubspot.com/docs/api-reference/legacy/crm/understanding-the-crm (type ids); touchpoints.md §1.2, §3.1.
    const ids: Record<string, string> = { calls: '0-48', emails: '0-49', meetings: '0-47', notes: '0-46', communications: '0-18', postal_mail: '0-116', feedback_submissions: '0-19' };
    for (const type of ENGAGEMENTS) {
      const byName = await call(sb, 'GET', `/crm/v3/objects/${type}?limit=2`);
      expect(byName.status).toBe(200);
      expect(byName.json.results).toHaveLength(2);
      expect(Object.keys(byName.json.results[0].properties).sort()).toEqual(['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id']);
      const byId = await call(sb, 'GET', `/crm/v3/objects/${ids[type]}?limit=2`);
      expect(byId.json.results.map((r: { id: string }) => r.id)).toEqual(byName.json.results.map((r: { id: string }) => r.id));
    }
    const calls = await call(sb, 'GET', '/crm/v3/objects/calls?limit=1&properties=hs_call_direction,hs_call_disposition,hs_timestamp,no_such_property');
    expect(Object.keys(calls.json.results[0].properties).sort()).toEqual(['hs_call_direction', 'hs_call_disposition', 'hs_createdate', 'hs_lastmodifieddate', 'hs_object_id', 'hs_timestamp']);
  });

  it('list with associations=contacts,deals,tickets carries each link as {id, type: "<from>_to_<to>"}, 100 per page at most', async () => {
    const page = await sdk(sb).apiRequest({ method: 'GET', path: '/crm/v3/objects/emails', qs: { limit: '100', associations: 'contacts,deals,tickets', properties: 'hs_email_direction' } });
    const body = (await page.json()) as { results: Array<{ id: string; associations?: Record<string, { results: Array<{ id: string; type: string }> }> }>; paging?: { next: { after: string } } };
    expect(body.results).toHaveLength(100);
    expect(body.paging?.next.after).toMatch(/^\d+$/);
    for (const r of body.results) {
      expect(r.associations?.contacts?.results.map((a) => a.id)).toEqual(sb.data.associated('emails', r.id, 'contacts'));
      for (const a of r.associations?.contacts?.results ?? []) expect(a.type).toBe('email_to_contact');
    }
    expect(body.results.some((r) => r.associations?.tickets?.results[0]?.type === 'email_to_ticket')).toBe(true);
    const tooMany = await call(sb, 'GET', '/crm/v3/objects/emails?limit=101');
    expect(tooMany.status).toBe(400);
    expect(tooMany.json).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
  });

  it('v4 batch read answers with the documented HUBSPOT_DEFINED type ids (touchpoints.md §1.3)', async () => {
    const want: Record<string, [number, number, number]> = { calls: [194, 206, 220], emails: [198, 210, 224], meetings: [200, 212, 226], notes: [202, 214, 228], communications: [81, 85, 83], postal_mail: [453, 457, 455], feedback_submissions: [98, 984, 100] };
    for (const type of ENGAGEMENTS) {
      const ids = sb.data.ids(type).slice(0, 300);
      for (const [i, to] of (['contacts', 'deals', 'tickets'] as const).entries()) {
        const res = await call(sb, 'POST', `/crm/v4/associations/${type}/${to}/batch/read`, { inputs: ids.map((id) => ({ id })) });
        expect(res.status).toBe(200);
        const types = new Set<number>(res.json.results.flatMap((r: { to: Array<{ associationTypes: Array<{ typeId: number; category: string }> }> }) => r.to.flatMap((t) => t.associationTypes.map((a) => a.typeId))));
        if (to === 'contacts') expect(types.size).toBe(1);
        for (const t of types) expect(t).toBe(want[type]?.[i]);
      }
    }
    const reverse = await call(sb, 'POST', '/crm/v4/associations/contacts/calls/batch/read', { inputs: [{ id: sb.data.associated('calls', sb.data.ids('calls')[0] as string, 'contacts')[0] }] });
    expect(reverse.json.results[0].to[0].associationTypes[0]).toEqual({ category: 'HUBSPOT_DEFINED', typeId: 193, label: null });
  });

  it('search on engagements: hs_lastmodifieddate filters and sorts, at most 200 per page, nothing past 10,000 results, never archived', async () => {
    const body = (after: number, limit = 200) => ({ filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: '0' }] }], sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }], properties: ['hs_email_status'], limit, after: String(after) });
    const first = await call(sb, 'POST', '/crm/v3/objects/emails/search', body(0));
    expect(first.status).toBe(200);
    expect(first.json.total).toBe(sb.data.ids('emails').length);
    expect(first.json.results).toHaveLength(200);
    const times = first.json.results.map((r: { properties: Record<string, string> }) => Date.parse(r.properties['hs_lastmodifieddate'] as string));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect((await call(sb, 'POST', '/crm/v3/objects/emails/search', body(0, 201))).status).toBe(400);
    const past = await call(sb, 'POST', '/crm/v3/objects/emails/search', body(9_900));
    expect(past.status).toBe(400);
    expect(past.json).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });

    const gone = sb.data.ids('notes')[0] as string;
    sb.data.archiveRecord('notes', gone);
    const search = await call(sb, 'POST', '/crm/v3/objects/notes/search', { filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'EQ', value: gone }] }], limit: 10 });
    expect(search.json.total).toBe(0);
    const archived = await call(sb, 'GET', '/crm/v3/objects/notes?archived=true&limit=100');
    expect(archived.json.results).toEqual([expect.objectContaining({ id: gone, archived: true, archivedAt: expect.any(String) })]);
  });

  it('feedback submissions are read-only: batch/read works, batch/update is not a route', async () => {
    const ids = sb.data.ids('feedback_submissions').slice(0, 3);
    const read = await call(sb, 'POST', '/crm/v3/objects/feedback_submissions/batch/read', { inputs: ids.map((id) => ({ id })), properties: ['hs_survey_type', 'hs_value', 'hs_response_group'] });
    expect(read.status).toBe(200);
    expect(read.json.results[0].properties).toMatchObject({ hs_survey_type: expect.stringMatching(/^(NPS|CSAT|CES)$/), hs_value: expect.stringMatching(/^\d+$/), hs_response_group: expect.stringMatching(/^(PROMOTER|PASSIVE|DETRACTOR)$/) });
    const write = await call(sb, 'POST', '/crm/v3/objects/feedback_submissions/batch/update', { inputs: [{ id: ids[0], properties: { hs_value: '10' } }] });
    expect(write.status).toBe(404);
    expect(sb.data.getRecord('feedback_submissions', ids[0] as string)?.properties['hs_value']).not.toBe('10');
  });

  it('contacts hold their first and most recent form conversion', async () => {
    const res = await call(sb, 'POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [{ filters: [{ propertyName: 'recent_conversion_date', operator: 'HAS_PROPERTY' }] }],
      properties: ['first_conversion_date', 'first_conversion_event_name', 'recent_conversion_date', 'recent_conversion_event_name', 'num_conversion_events'],
      limit: 200,
    });
    expect(res.json.total).toBeGreaterThan(50);
    for (const r of res.json.results as Array<{ properties: Record<string, string> }>) {
      expect(Date.parse(r.properties['recent_conversion_date'] as string)).toBeGreaterThanOrEqual(Date.parse(r.properties['first_conversion_date'] as string));
      expect(Number(r.properties['num_conversion_events'])).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('seeded touchpoints', () => {
  const people = [...generatePersonas({ seed: 11, count: 2000, now: NOW })];
  const touched = people.map((p) => ({ p, t: personaTouchpoints(11, p, NOW) }));

  it('is deterministic per seed and differs across seeds', () => {
    const again = people.slice(0, 100).map((p) => personaTouchpoints(11, p, NOW));
    expect(again).toEqual(touched.slice(0, 100).map((x) => x.t));
    const other = [...generatePersonas({ seed: 12, count: 100, now: NOW })].map((p) => personaTouchpoints(12, p, NOW));
    expect(JSON.stringify(other)).not.toEqual(JSON.stringify(again));
  });

  it('has about 15 interactions and 0.3–0.5 survey answers per contact, nothing logged in the future but booked meetings', () => {
    const interactions = touched.reduce((n, x) => n + x.t.interactions.length, 0) / people.length;
    const surveys = touched.reduce((n, x) => n + x.t.surveys.length, 0) / people.length;
    expect(interactions).toBeGreaterThan(12);
    expect(interactions).toBeLessThan(20);
    expect(surveys).toBeGreaterThan(0.25);
    expect(surveys).toBeLessThan(0.6);
    for (const { t } of touched) for (const i of t.interactions) if (i.at > NOW) expect([i.kind, i.outcome]).toEqual(['meeting', 'scheduled']);
  });

  it('mixes channels by stage: nurture e-mail early, calls and meetings around deals, support conversations for customers', () => {
    const share = (pred: (p: (typeof people)[number]) => boolean, kind: string) => {
      const xs = touched.filter((x) => pred(x.p)).flatMap((x) => x.t.interactions);
      return xs.filter((i) => i.kind === kind).length / Math.max(1, xs.length);
    };
    const awareness = (p: (typeof people)[number]) => p.deals.length === 0;
    const inDeal = (p: (typeof people)[number]) => p.deals.some((d) => d.outcome === 'open');
    expect(share(inDeal, 'meeting')).toBeGreaterThan(2 * share(awareness, 'meeting'));
    expect(share(inDeal, 'call')).toBeGreaterThan(share(awareness, 'call'));
    expect(share(awareness, 'email')).toBeGreaterThan(share(inDeal, 'email'));
    const customersWithTickets = touched.filter((x) => x.p.tickets.length > 0 && x.p.deals.some((d) => d.outcome === 'won'));
    expect(customersWithTickets.every((x) => x.t.interactions.some((i) => i.ticketIndex !== null) || x.p.tickets.every((t) => t.channel === 'CHAT'))).toBe(true);
  });

  it('carries the friction cases: recent no-shows, inbound e-mails left unanswered past 24 h, answers in several survey types', () => {
    const all = touched.flatMap((x) => x.t.interactions);
    expect(all.filter((i) => i.kind === 'meeting' && i.outcome === 'no_show' && i.at > NOW - 30 * DAY_MS).length).toBeGreaterThan(5);
    const unanswered = touched.filter(({ t }) =>
      t.interactions.some((i) => i.kind === 'email' && i.direction === 'inbound' && i.at < NOW - DAY_MS && !t.interactions.some((o) => o.direction === 'outbound' && o.at > i.at && o.at <= i.at + 24 * HOUR_MS)),
    );
    expect(unanswered.length).toBeGreaterThan(50);
    const types = new Set(touched.flatMap((x) => x.t.surveys.map((s) => s.type)));
    expect([...types].sort()).toEqual(['ces', 'csat', 'nps']);
    // The latest NPS / CSAT answer is what the contact's rollup shows.
    for (const { p, t } of touched) {
      const nps = t.surveys.filter((s) => s.type === 'nps').at(-1);
      if (p.nps !== null && nps) expect(nps.score).toBe(p.nps);
    }
  });

  it('the portal holds one engagement record per interaction, associated with its contact and deal or ticket', async () => {
    const portal = await startHubspotSandbox({ contacts: 40, seed: 21, now: NOW });
    try {
      const expected = [...generatePersonas({ seed: 21, count: 40, now: NOW })].map((p) => personaTouchpoints(21, p, NOW));
      const engagements = ['calls', 'emails', 'meetings', 'notes', 'communications', 'postal_mail'].reduce((n, t) => n + portal.data.ids(t).length, 0);
      expect(engagements).toBe(expected.reduce((n, t) => n + t.interactions.length, 0));
      expect(portal.data.ids('feedback_submissions').length).toBe(expected.reduce((n, t) => n + t.surveys.length, 0));
      for (const type of ENGAGEMENTS) for (const id of portal.data.ids(type)) expect(portal.data.associated(type, id, 'contacts')).toHaveLength(1);
      const withDeal = portal.data.ids('meetings').filter((id) => portal.data.associated('meetings', id, 'deals').length > 0);
      expect(withDeal.length).toBeGreaterThan(0);
    } finally {
      await portal.close();
    }
  });
});
