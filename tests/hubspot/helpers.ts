import nock from 'nock';
import type { FieldNeeds, PullBatch } from '../../connectors/port.ts';
import { createHubspotConnector, type HubspotConnectorConfig } from '../../connectors/hubspot/index.ts';

export const BASE = 'http://hubspot.test';
export const TOKEN = 'pat-na1-secret-token-value';

/** Full passes list records here (the nock suites mock list pages); pull-full.test.ts covers the search pass. */
export function connector(overrides: Partial<HubspotConnectorConfig> = {}) {
  return createHubspotConnector({
    fullPullBy: 'list',
    accessToken: TOKEN,
    baseUrl: BASE,
    pacing: { max: 1000, intervalMs: 50 },
    searchPerSecond: 1000,
    retry: { retries: 3, minTimeoutMs: 1 },
    overlapMs: 1_000,
    ...overrides,
  });
}

export function api(): nock.Scope {
  return nock(BASE, { reqheaders: { authorization: `Bearer ${TOKEN}` } });
}

export function needs(partial: Partial<{ [K in keyof FieldNeeds]: Partial<FieldNeeds[K]> }> = {}): FieldNeeds {
  const empty = () => ({ contact: [], deal: [], ticket: [] });
  return {
    normalized: { ...empty(), ...partial.normalized } as FieldNeeds['normalized'],
    raw: { ...empty(), ...partial.raw } as FieldNeeds['raw'],
    overrides: { contact: {}, deal: {}, ticket: {}, ...partial.overrides } as FieldNeeds['overrides'],
    owned: { ...empty(), ...partial.owned } as FieldNeeds['owned'],
  };
}

export async function collect(iter: AsyncIterable<PullBatch>): Promise<PullBatch[]> {
  const out: PullBatch[] = [];
  for await (const b of iter) out.push(b);
  return out;
}

export function props(q: Record<string, unknown>): string[] {
  return String(q.properties ?? '').split(',').filter(Boolean).sort();
}

export const DEAL_PIPELINES = {
  results: [
    {
      id: 'default',
      label: 'Sales Pipeline',
      stages: [
        { id: 'appointmentscheduled', label: 'Appointment', metadata: { isClosed: 'false', probability: '0.2' } },
        { id: 'closedwon', label: 'Closed won', metadata: { isClosed: 'true', probability: '1.0' } },
        { id: 'closedlost', label: 'Closed lost', metadata: { isClosed: 'true', probability: '0.0' } },
      ],
    },
    {
      id: '7001',
      label: 'Renewals',
      stages: [
        { id: '9001', label: 'Renewal due', metadata: { isClosed: 'false', probability: '0.5' } },
        // Renamed "Signed" stage of a custom pipeline: closed and won by metadata, not by name.
        { id: '9002', label: 'Signed', metadata: { isClosed: 'true', probability: '1.0' } },
        { id: '9003', label: 'Churned', metadata: { isClosed: 'true', probability: '0.0' } },
      ],
    },
  ],
};

export const TICKET_PIPELINES = {
  results: [
    {
      id: '0',
      label: 'Support Pipeline',
      stages: [
        { id: '1', label: 'New', metadata: { ticketState: 'OPEN' } },
        { id: '4', label: 'Closed', metadata: { ticketState: 'CLOSED' } },
      ],
    },
    { id: '55', label: 'Escalations', stages: [{ id: '5501', label: 'Resolved', metadata: { ticketState: 'CLOSED' } }] },
  ],
};

export function contact(id: string, properties: Record<string, string | null> = {}, modified = '2026-11-01T10:00:00.000Z') {
  return { id, properties: { hs_object_id: id, lastmodifieddate: modified, ...properties }, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: modified, archived: false };
}
