/**
 * Bulk API 2.0 query jobs for large full pulls: create, poll until JobComplete, read CSV result pages
 * following `Sforce-Locator` (the literal string "null" after the last page).
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_create_job.htm
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm
 * No parent→child subqueries, no ORDER BY (it disables PK chunking): the SOQL we send has neither.
 */
import { z } from 'zod';
import { setTimeout as sleep } from 'node:timers/promises';
import { ParcoursError } from '../../src/errors.ts';
import type { SalesforceClient } from './client.ts';
import { parseCsvChunks } from './csv.ts';
import { flattenCsv, type FlatRow } from './translate.ts';
import type { QueryPage } from './rest-query.ts';

export const JobInfo = z.object({ id: z.string(), state: z.string(), errorMessage: z.string().nullish(), numberRecordsProcessed: z.number().nullish(), numberRecordsFailed: z.number().nullish() });
export type JobInfo = z.infer<typeof JobInfo>;

export const JOB_TERMINAL_STATES: ReadonlySet<string> = new Set(['JobComplete', 'Failed', 'Aborted']);

/** The longest wait between two status reads of one job. */
export const MAX_POLL_INTERVAL_MS = 30_000;

/**
 * When to read a job's status. A job runs in the background once queued (UploadComplete) and no status read moves
 * it ("Once the job is de-queued, Salesforce starts processing… Once the job has been fully processed, Salesforce
 * moves the job to the JobComplete state", How Requests Are Processed,
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/how_requests_are_processed.htm), so a
 * read before it can be done is a call spent for nothing. The first read waits `pollIntervalMs` plus the job's
 * expected rows at `bulkRowsPerSecond` (the documents give no throughput, it varies with org load: an estimate we
 * configure); a job still running is read again after `pollIntervalMs`, doubling to at most 30 s — jsforce's Bulk2
 * polls at a fixed interval up to a timeout, which costs a call every interval on a long job.
 */
export function* pollWaits(client: SalesforceClient, expectedRows: number): Generator<number, never> {
  const { pollIntervalMs, bulkRowsPerSecond } = client.config;
  yield pollIntervalMs + Math.ceil((Math.max(0, expectedRows) * 1000) / bulkRowsPerSecond);
  for (let wait = pollIntervalMs; ; wait = Math.min(Math.max(pollIntervalMs, MAX_POLL_INTERVAL_MS), wait * 2)) yield wait;
}

/**
 * Polls a Bulk 2.0 job (query or ingest) of about `expectedRows` rows until it reaches a terminal state or the poll
 * timeout (`pollWaits`); returns the last job info read and whether the timeout ended the polling.
 */
export async function pollUntilDone(client: SalesforceClient, kind: 'query' | 'ingest', id: string, expectedRows = 0): Promise<{ job: JobInfo; timedOut: boolean }> {
  const endpoint = kind === 'query' ? 'bulk2.query' : 'bulk2.ingest';
  const deadline = Date.now() + client.config.pollTimeoutMs;
  const waits = pollWaits(client, expectedRows);
  for (;;) {
    await sleep(Math.max(0, Math.min(waits.next().value, deadline - Date.now())));
    const res = await client.call<unknown>(endpoint, { method: 'GET', url: `/jobs/${kind}/${id}` });
    const job = JobInfo.parse(res.body);
    if (JOB_TERMINAL_STATES.has(job.state)) return { job, timedOut: false };
    if (Date.now() >= deadline) return { job, timedOut: true };
  }
}

/** Polls a Bulk 2.0 job until it reaches a terminal state; throws at the poll timeout. */
export async function pollJob(client: SalesforceClient, kind: 'query' | 'ingest', id: string, expectedRows = 0): Promise<JobInfo> {
  const { job, timedOut } = await pollUntilDone(client, kind, id, expectedRows);
  if (timedOut) {
    const endpoint = kind === 'query' ? 'bulk2.query' : 'bulk2.ingest';
    throw new ParcoursError('CRM_UNAVAILABLE', `Salesforce Bulk API 2.0 ${kind} job ${id} still ${job.state} after ${client.config.pollTimeoutMs} ms; it keeps running server-side.`, {
      crm: 'salesforce', endpoint, jobId: id,
    });
  }
  return job;
}

/**
 * Whether a full read should go by a Bulk 2.0 job after its first REST page: above `bulkThreshold` rows and
 * cheaper than the pages left at five per Composite call — the job is create + 1 poll + one results read
 * sized from `totalSize` (bulk-query.ts `resultPageSize`).
 */
export function jobPays(client: SalesforceClient, first: QueryPage): boolean {
  if (!first.next || first.totalSize <= client.config.bulkThreshold) return false;
  const left = Math.ceil((first.totalSize - first.rows.length) / Math.max(1, first.rows.length));
  return 3 < Math.ceil(left / 5);
}

/**
 * Rows per results call: the job's expected size when known (a REST probe's `totalSize`, with a margin for rows
 * added since), else `bulkResultPageSize`. `maxRecords` has no documented maximum — "If you don't provide a value
 * for this parameter, the server uses a default value based on the service" (query_get_job_results) — so a job
 * whose size we know is read in one call; a larger one follows `Sforce-Locator` as usual.
 */
export function resultPageSize(client: SalesforceClient, expected?: number): number {
  return Math.max(client.config.bulkResultPageSize, expected === undefined ? 0 : Math.ceil(expected * 1.01) + 100);
}

/** Creates a query job and waits for JobComplete; returns the job id (results are read by `bulkResultPages`). */
export async function runBulkQuery(client: SalesforceClient, soql: string, options: { all?: boolean; expected?: number } = {}): Promise<string> {
  const created = await client.call<unknown>('bulk2.query', {
    method: 'POST',
    url: '/jobs/query',
    body: { operation: options.all ? 'queryAll' : 'query', query: soql, contentType: 'CSV', columnDelimiter: 'COMMA', lineEnding: 'LF' },
  });
  const { id } = JobInfo.parse(created.body);
  const job = await pollJob(client, 'query', id, options.expected ?? 0);
  if (job.state !== 'JobComplete') {
    throw new ParcoursError('CRM_ERROR', `Salesforce Bulk API 2.0 query job ${id} ended ${job.state}: ${job.errorMessage ?? 'no message'}`, { crm: 'salesforce', endpoint: 'bulk2.query', jobId: id });
  }
  return id;
}

/** Parsed rows handed on at a time from one results call. */
const RESULT_CHUNK_ROWS = 5_000;

export async function* bulkResultPages(client: SalesforceClient, id: string, pageSize: number): AsyncGenerator<FlatRow[]> {
  let locator: string | null = null;
  do {
    const params = new URLSearchParams({ maxRecords: String(pageSize) });
    if (locator) params.set('locator', locator);
    const res = await client.call<string>('bulk2.query', { method: 'GET', url: `/jobs/query/${id}/results?${params}`, text: true });
    // One results call may hold a whole object (its size is asked for, to save calls): handed on a chunk at a time,
    // so only the CSV text and one chunk of parsed rows are in memory, never every row parsed at once.
    for (const chunk of parseCsvChunks(res.body, RESULT_CHUNK_ROWS)) yield chunk.map(flattenCsv);
    const next = res.headers['sforce-locator'];
    locator = next && next !== 'null' ? next : null;
  } while (locator);
}

/**
 * A query job started now (create + polls run in the background) whose rows are read when asked for: several
 * jobs run side by side while the caller consumes them one after another. A failure surfaces when read.
 */
export function startBulkQuery(client: SalesforceClient, soql: string, options: { all?: boolean; expected?: number } = {}): () => AsyncGenerator<FlatRow[]> {
  const job = runBulkQuery(client, soql, options);
  job.catch(() => undefined);
  return async function* () {
    yield* bulkResultPages(client, await job, resultPageSize(client, options.expected));
  };
}

export async function* bulkQueryPages(client: SalesforceClient, soql: string, options: { all?: boolean; expected?: number } = {}): AsyncGenerator<FlatRow[]> {
  yield* startBulkQuery(client, soql, options)();
}
