/**
 * SOQL over REST: `GET /query?q=` (or `/queryAll` to include deleted/archived rows), then
 * `GET <nextRecordsUrl>` until `done`. Pages of up to 2,000 rows, asked with
 * `Sforce-Query-Options: batchSize=2000` (Salesforce may return fewer).
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_queryall.htm
 * We page by hand rather than jsforce autoFetch, which stops silently at maxFetch (10,000).
 */
import { z } from 'zod';
import { ParcoursError } from '../../src/errors.ts';
import type { SalesforceClient } from './client.ts';
import { flattenRest, type FlatRow } from './translate.ts';
import { QueryReader } from './query-streams.ts';

const QueryResult = z.object({
  totalSize: z.number(),
  done: z.boolean(),
  nextRecordsUrl: z.string().optional(),
  records: z.array(z.record(z.string(), z.unknown())),
});

export interface QueryPage {
  rows: FlatRow[];
  totalSize: number;
  /** The next page's URL, or null on the last page. */
  next: string | null;
}

export const QUERY_BATCH_SIZE = 2000;

export function parsePage(body: unknown, soqlOrUrl: string): QueryPage {
  const parsed = QueryResult.safeParse(body);
  if (!parsed.success) {
    throw new ParcoursError('CRM_ERROR', `Salesforce query returned an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}`, { crm: 'salesforce', endpoint: 'soql.query', query: soqlOrUrl.slice(0, 200) });
  }
  const r = parsed.data;
  return { rows: r.records.map(flattenRest), totalSize: r.totalSize, next: r.done ? null : (r.nextRecordsUrl ?? null) };
}

export async function queryFirst(client: SalesforceClient, soql: string, options: { all?: boolean } = {}): Promise<QueryPage> {
  const resource = options.all ? '/queryAll' : '/query';
  const res = await client.call<unknown>('soql.query', {
    method: 'GET',
    url: `${resource}?q=${encodeURIComponent(soql)}`,
    headers: { 'Sforce-Query-Options': `batchSize=${QUERY_BATCH_SIZE}` },
  });
  return parsePage(res.body, soql);
}

export async function queryNext(client: SalesforceClient, nextRecordsUrl: string): Promise<QueryPage> {
  const res = await client.call<unknown>('soql.query', {
    method: 'GET',
    url: nextRecordsUrl,
    headers: { 'Sforce-Query-Options': `batchSize=${QUERY_BATCH_SIZE}` },
  });
  return parsePage(res.body, nextRecordsUrl);
}

/** Every page of a query; next pages are read up to five per Composite call, chained by reference (query-streams.ts). */
export async function* queryPages(client: SalesforceClient, soql: string, options: { all?: boolean } = {}): AsyncGenerator<QueryPage> {
  const stream = new QueryReader(client).open(soql, options);
  for (let page = await stream.page(); page; page = await stream.page()) yield page;
}

/** All rows of a query expected to be small (ids, memberships, settings). */
export async function queryRows(client: SalesforceClient, soql: string, options: { all?: boolean } = {}): Promise<FlatRow[]> {
  const rows: FlatRow[] = [];
  for await (const page of queryPages(client, soql, options)) rows.push(...page.rows);
  return rows;
}
