/**
 * Bulk API 2.0 ingest (update) for large pushes: create job, upload CSV, close (UploadComplete),
 * poll, then read successfulResults / failedResults.
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/walkthrough_upload_data.htm
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_failed_results.htm
 * Nulls are written as `#N/A` (an empty cell leaves the field unchanged). Results come back in any
 * order; we match them on the `Id` column we sent. Cost: 3 + polls + 2 calls per job.
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

export async function bulkUpdate(client: SalesforceClient, object: string, rows: Array<{ id: string; values: Record<string, string | null> }>): Promise<IngestOutcome> {
  const columns = ['Id', ...new Set(rows.flatMap((r) => Object.keys(r.values)))];
  const csv = toCsv(columns, rows.map((r) => ({ Id: r.id, ...r.values })));
  const created = await client.call<unknown>('bulk2.ingest', {
    method: 'POST',
    url: '/jobs/ingest',
    body: { object, operation: 'update', contentType: 'CSV', columnDelimiter: 'COMMA', lineEnding: 'LF' },
  });
  const { id } = Created.parse(created.body);
  await client.call('bulk2.ingest', { method: 'PUT', url: `/jobs/ingest/${id}/batches`, body: csv, contentType: 'text/csv' });
  await client.call('bulk2.ingest', { method: 'PATCH', url: `/jobs/ingest/${id}`, body: { state: 'UploadComplete' } });
  const polled = await pollUntilDone(client, 'ingest', id);
  const abortedAt = polled.timedOut ? polled.job.state : null;
  const final = polled.timedOut ? await abort(client, id) : polled.job;

  const ok = parseCsv((await client.call<string>('bulk2.ingest', { method: 'GET', url: `/jobs/ingest/${id}/successfulResults`, text: true })).body)
    .map((r) => r.Id || r.sf__Id || '')
    .filter(Boolean);
  const failed = parseCsv((await client.call<string>('bulk2.ingest', { method: 'GET', url: `/jobs/ingest/${id}/failedResults`, text: true })).body).map((r) => {
    // sf__Error reads "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--".
    const text = r.sf__Error ?? '';
    const at = text.indexOf(':');
    return {
      id: r.Id || r.sf__Id || '',
      code: at > 0 ? text.slice(0, at) : 'BULK_ERROR',
      message: (at > 0 ? text.slice(at + 1) : text).replace(/:--$/, '').trim(),
    };
  });
  const seen = new Set([...ok, ...failed.map((f) => f.id)]);
  const notSeen = rows.map((r) => r.id).filter((rid) => !seen.has(rid));
  if (abortedAt === null || final.state !== 'Aborted') return { ok, failed, unprocessed: notSeen, aborted: null };

  // Unprocessed rows carry the original columns (our Id column).
  const unprocessedIds = new Set(
    parseCsv((await client.call<string>('bulk2.ingest', { method: 'GET', url: `/jobs/ingest/${id}/unprocessedrecords`, text: true })).body).map((r) => r.Id ?? ''),
  );
  return {
    ok,
    failed,
    unprocessed: notSeen.filter((rid) => unprocessedIds.has(rid)),
    aborted: { jobId: id, stateAtTimeout: abortedAt, unknown: notSeen.filter((rid) => !unprocessedIds.has(rid)) },
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
