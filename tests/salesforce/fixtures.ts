/** Shared nock setup for the Salesforce connector tests: documented payload shapes, short retry timings. */
import nock from 'nock';
import type { FieldNeeds } from '../../connectors/port.ts';
import { createSalesforceConnector, type SalesforceConnectorConfig } from '../../connectors/salesforce/index.ts';

export const INSTANCE = 'https://acme.my.salesforce.com';
export const LOGIN = 'https://login.salesforce.com';
export const V = '/services/data/v66.0';

export function connector(overrides: Partial<SalesforceConnectorConfig> = {}) {
  return createSalesforceConnector({
    instanceUrl: INSTANCE,
    accessToken: 'access-0',
    apiVersion: '66.0',
    retry: { retries: 3, minTimeoutMs: 1, maxRetryTimeMs: 5_000, recordRetries: 2 },
    pollIntervalMs: 1,
    ...overrides,
  });
}

export function sf(): nock.Scope {
  return nock(INSTANCE);
}

/** `Sforce-Limit-Info` as Salesforce sends it on every REST response. */
export const usage = (used: number, limit = 100_000) => ({ 'Sforce-Limit-Info': `api-usage=${used}/${limit}` });

export function needs(partial: Partial<FieldNeeds> = {}): FieldNeeds {
  const empty = { contact: [], deal: [], ticket: [] };
  return {
    normalized: { ...empty, ...partial.normalized },
    raw: { ...empty, ...partial.raw },
    overrides: { contact: {}, deal: {}, ticket: {}, ...partial.overrides },
    owned: { ...empty, ...partial.owned },
  };
}

/** A REST query result page. */
export function page(type: string, records: Array<Record<string, unknown>>, next?: string, totalSize = records.length) {
  return {
    totalSize,
    done: next === undefined,
    ...(next ? { nextRecordsUrl: next } : {}),
    records: records.map((r) => ({ attributes: { type, url: `${V}/sobjects/${type}/${String(r.Id)}` }, ...r })),
  };
}

/** Matches `GET /query?q=…` whose SOQL satisfies `test`. */
export const soql = (test: (q: string) => boolean) => (query: Record<string, unknown>) => typeof query.q === 'string' && test(query.q);

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
