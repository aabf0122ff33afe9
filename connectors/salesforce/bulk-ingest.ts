/**
 * Bulk API 2.0 ingest for large writes (updates of a push; campaign member inserts and deletes): create job,
 * upload CSV, close (UploadComplete), poll. The job info a poll returns counts `numberRecordsProcessed` and
 * `numberRecordsFailed` (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_info.htm):
 * a job that completed with every row processed and none failed wrote every row, and no result is read; otherwise
 * successfulResults and failedResults say which rows did what.
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/walkthrough_upload_data.htm
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_failed_results.htm
 * Nulls are written as `#N/A` (an empty cell leaves the field unchanged). Results come back in any
 * order, with the columns we sent; we match them on a key the caller takes from those columns (the `Id` for
 * updates and deletes). Cost: 3 + polls per job, + 2 when a row failed.
 *
 * A job still running at the poll timeout is aborted (`PATCH {"state":"Aborted"}`,
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/abort_job.htm), never left
 * running unaudited: what it already wrote stays written ("If changes to data have already been committed,
 * they aren't rolled back", …/asynch_api_jobs_abort.htm) and is read from successfulResults like any job's;
 * the records it never processed are read from unprocessedrecords ("for failed or aborted jobs",
 * …/get_job_unprocessed_results.htm). Cost of the abort: 2 more calls (PATCH, unprocessedrecords).
 */
import { z } from 'zod';
import { ParcoursError } from '../../src/errors.ts';
import type { SalesforceClient } from './client.ts';
import { parseCsv, toCsv } from './csv.ts';
import { JOB_TERMINAL_STATES, JobInfo, pollUntilDone } from './bulk-query.ts';

export interface IngestOutcome {
  ok: string[];
  /** With `readSuccessful`: the key of every row written and its record id (`sf__Id`: an insert's new id). */
  created: Array<{ key: string; id: string }>;
  failed: Array<{ id: string; code: string; message: string }>;
  /** Ids the job never reached (job failed or aborted). */
  unprocessed: string[];
  /** Set when the job outran the poll timeout and we aborted it. */
  aborted: null | {
    jobId: string;
    /** State the job was in when we gave up polling. */
    stateAtTimeout: string;
    /** Ids in no result list: Salesforce may have been processing them at the abort, and may still write them. */
    unknown: string[];
  };
}

const Created = z.object({ id: z.string() });

/**
 * Whether `n` records go cheaper through one ingest job (create, upload, UploadComplete, 1 poll: 4 calls when
 * nothing fails) than as 200-record Collections calls five to a Composite call — and only above `bulkThreshold`.
 */
export function ingestPays(client: SalesforceClient, n: number): boolean {
  return n > client.config.bulkThreshold && 4 < Math.ceil(Math.ceil(n / 200) / 5);
}

export async function bulkUpdate(client: SalesforceClient, object: string, rows: Array<{ id: string; values: Record<string, string | null> }>): Promise<IngestOutcome> {
  const columns = ['Id', ...new Set(rows.flatMap((r) => Object.keys(r.values)))];
  return bulkIngest(client, object, 'update', columns, rows.map((r) => ({ Id: r.id, ...r.values })), (r) => r.Id || r.sf__Id || '');
}

/**
 * One ingest job over `rows` (cells by column name); `key` names a row from its columns (input rows and result
 * rows alike: results carry the columns sent). Returns the keys written, failed and never processed.
 */
export async function bulkIngest(
  client: SalesforceClient,
  object: string,
  operation: 'update' | 'insert' | 'delete',
  columns: string[],
  rows: Array<Record<string, string | null>>,
  key: (row: Record<string, string | null | undefined>) => string,
  options: { readSuccessful?: boolean } = {},
): Promise<IngestOutcome> {
  const csv = toCsv(columns, rows);
  const job = await client.call<unknown>('bulk2.ingest', {
    method: 'POST',
    url: '/jobs/ingest',
    body: { object, operation, contentType: 'CSV', columnDelimiter: 'COMMA', lineEnding: 'LF' },
  });
  const { id } = Created.parse(job.body);
  await client.call('bulk2.ingest', { method: 'PUT', url: `/jobs/ingest/${id}/batches`, body: csv, contentType: 'text/csv' });
  await client.call('bulk2.ingest', { method: 'PATCH', url: `/jobs/ingest/${id}`, body: { state: 'UploadComplete' } });
  const polled = await pollUntilDone(client, 'ingest', id, rows.length);
  const abortedAt = polled.timedOut ? polled.job.state : null;
  const final = polled.timedOut ? await abort(client, id) : polled.job;
  const keys = rows.map(key);
  // Every row processed, none failed: nothing to read back (get_job_info) — unless the caller needs the ids (inserts).
  const clean = final.state === 'JobComplete' && final.numberRecordsFailed === 0 && final.numberRecordsProcessed === rows.length;
  if (clean && !options.readSuccessful) return { ok: keys, created: [], failed: [], unprocessed: [], aborted: null };

  const successRows = parseCsv((await client.call<string>('bulk2.ingest', { method: 'GET', url: `/jobs/ingest/${id}/successfulResults`, text: true })).body);
  const created = successRows.map((r) => ({ key: key(r), id: r.sf__Id ?? '' })).filter((c) => c.key !== '' && c.id !== '');
  const ok = successRows.map(key).filter(Boolean);
  if (clean) return { ok, created, failed: [], unprocessed: [], aborted: null };
  const failed = parseCsv((await client.call<string>('bulk2.ingest', { method: 'GET', url: `/jobs/ingest/${id}/failedResults`, text: true })).body).map((r) => {
    // sf__Error reads "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--".
    const text = r.sf__Error ?? '';
    const at = text.indexOf(':');
    return {
      id: key(r),
      code: at > 0 ? text.slice(0, at) : 'BULK_ERROR',
      message: (at > 0 ? text.slice(at + 1) : text).replace(/:--$/, '').trim(),
    };
  });
  const seen = new Set([...ok, ...failed.map((f) => f.id)]);
  const notSeen = keys.filter((k) => !seen.has(k));
  if (abortedAt === null || final.state !== 'Aborted') return { ok, created, failed, unprocessed: notSeen, aborted: null };

  // Unprocessed rows carry the original columns.
  const unprocessedKeys = new Set(
    parseCsv((await client.call<string>('bulk2.ingest', { method: 'GET', url: `/jobs/ingest/${id}/unprocessedrecords`, text: true })).body).map(key),
  );
  return {
    ok,
    created,
    failed,
    unprocessed: notSeen.filter((k) => unprocessedKeys.has(k)),
    aborted: { jobId: id, stateAtTimeout: abortedAt, unknown: notSeen.filter((k) => !unprocessedKeys.has(k)) },
  };
}

/**
 * Aborts a job that outran the poll timeout. Salesforce refuses to abort a job already in a terminal
 * state; if it finished between the last poll and the abort, its final info is read instead.
 */
async function abort(client: SalesforceClient, id: string): Promise<JobInfo> {
  try {
    const res = await client.call<unknown>('bulk2.ingest', { method: 'PATCH', url: `/jobs/ingest/${id}`, body: { state: 'Aborted' } });
    return JobInfo.parse(res.body);
  } catch (error) {
    if (!(error instanceof ParcoursError) || ['AUTH_FAILED', 'QUOTA_RESERVE', 'DAILY_LIMIT'].includes(error.code)) throw error;
    const res = await client.call<unknown>('bulk2.ingest', { method: 'GET', url: `/jobs/ingest/${id}` });
    const job = JobInfo.parse(res.body);
    if (JOB_TERMINAL_STATES.has(job.state)) return job;
    throw error;
  }
}
