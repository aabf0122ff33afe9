/** Touchpoint pulls against the local HubSpot sandbox (loopback only): the nock suite is the acceptance, this checks the pieces fit. */
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cursor, TouchpointBatch } from '../../connectors/port.ts';
import { createHubspotConnector } from '../../connectors/hubspot/index.ts';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import type { TouchpointRecord } from '../../src/model.ts';

const OBJECTS = ['calls', 'emails', 'meetings', 'notes', 'communications', 'postal_mail', 'feedback_submissions'] as const;

let sandbox: HubspotSandbox;
beforeAll(async () => {
  nock.cleanAll();
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  // A Free-tier burst limit, so the connector picks search + v4 (its cheapest plan in calls).
  sandbox = await startHubspotSandbox({ port: 0, contacts: 60, seed: 4, rateLimit: { max: 100, intervalMs: 10_000 } });
});
afterAll(async () => {
  await sandbox?.close();
  nock.enableNetConnect();
});

async function pull(mode: 'full' | 'incremental', cursor: Cursor | undefined, by?: 'list') {
  const c = createHubspotConnector({ accessToken: sandbox.accessToken, baseUrl: sandbox.url, retry: { retries: 2, minTimeoutMs: 1 }, overlapMs: 2_000, searchPerSecond: 4, ...(by ? { fullPullBy: by } : {}) });
  const batches: TouchpointBatch[] = [];
  let next = cursor;
  for await (const b of c.pullTouchpoints!({ mode, ...(cursor ? { cursor } : {}) })) {
    batches.push(b);
    if (b.cursor) next = b.cursor;
  }
  const records = new Map<string, TouchpointRecord>(batches.flatMap((b) => b.records).map((r) => [`${r.objectType}/${r.id}`, r]));
  return { batches, records, cursor: next, stats: c.stats() };
}

describe('touchpoints against the HubSpot sandbox', () => {
  it('a full pass reads every engagement and survey with its associations, the same by search and by list; then changes come incrementally', async () => {
    const bySearch = await pull('full', undefined);
    const byList = await pull('full', undefined, 'list');
    for (const type of OBJECTS) {
      const ids = sandbox.data.ids(type);
      const got = [...bySearch.records.values()].filter((r) => r.objectType === type);
      expect(got.map((r) => r.id).sort()).toEqual([...ids].sort());
      for (const r of got.slice(0, 50)) {
        expect(r.contactIds).toEqual(sandbox.data.associated(type, r.id, 'contacts'));
        expect(r.dealIds).toEqual(sandbox.data.associated(type, r.id, 'deals'));
        expect(r.ticketIds).toEqual(sandbox.data.associated(type, r.id, 'tickets'));
      }
    }
    expect([...byList.records.values()].map((r) => JSON.stringify(r)).sort()).toEqual([...bySearch.records.values()].map((r) => JSON.stringify(r)).sort());
    // Search + v4 costs fewer calls than listing (0.008 against 0.01 per record, at these sizes the page remainders dominate).
    expect(bySearch.stats.byEndpoint['objects.emails.search']).toBeGreaterThan(0);
    expect(byList.stats.byEndpoint['objects.emails.search']).toBeUndefined();
    const channels = new Set([...bySearch.records.values()].map((r) => r.channel));
    for (const c of ['phone', 'email', 'meeting', 'internal', 'survey', 'form']) expect(channels).toContain(c);

    // A note deleted, a call logged, a form filled in.
    const contactId = sandbox.data.ids('contacts')[3] as string;
    const gone = sandbox.data.ids('emails')[0] as string;
    sandbox.data.archiveRecord('emails', gone);
    const call = sandbox.data.createRecord('calls', { hs_timestamp: new Date().toISOString(), hs_call_direction: 'INBOUND', hs_call_status: 'NO_ANSWER', hubspot_owner_id: '61002001' });
    sandbox.data.associate('calls', call.id, 'contacts', contactId);
    sandbox.data.updateRecord('contacts', contactId, { recent_conversion_date: new Date().toISOString(), recent_conversion_event_name: 'Demo request', first_conversion_date: '2025-01-01T00:00:00.000Z', first_conversion_event_name: 'Newsletter signup' });
    await new Promise((r) => setTimeout(r, 2_100)); // past the overlap window of the full pass's own reads
    const inc = await pull('incremental', bySearch.cursor);
    expect(inc.batches.flatMap((b) => b.removed)).toEqual([{ objectType: 'emails', id: gone }]);
    expect(inc.records.get(`calls/${call.id}`)).toMatchObject({ direction: 'inbound', outcome: 'no_answer', contactIds: [contactId] });
    expect(inc.records.get(`form_conversions/${contactId}:recent`)).toMatchObject({ rawOutcome: 'Demo request', contactIds: [contactId] });
    expect(inc.batches.some((b) => b.fullPass)).toBe(false);

    // Nothing changed since: one search per object and for forms, one archived page per object.
    const again = await pull('incremental', inc.cursor);
    expect(again.records.size).toBe(0);
    // (Plus the retry of any 429 that a loaded machine's bunched arrivals earn from the sandbox's 5/s search limit.)
    expect(again.stats.total - again.stats.rateLimited, JSON.stringify(again.stats)).toBe(OBJECTS.length * 2 + 1);
  }, 120_000);
});
