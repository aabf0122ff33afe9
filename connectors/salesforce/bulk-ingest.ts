/**
 * Bulk API 2.0 ingest (update) for large pushes: create job, upload CSV, close (UploadComplete),
 * poll, then read successfulResults / failedResults.
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/walkthrough_upload_data.htm
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_failed_results.htm
 * Nulls are written as `#N/A` (an empty cell leaves the field unchanged). Results come back in any
 * order; we match them on the `Id` column we sent. Cost: 3 + polls + 2 calls per job.
 */
import { z } from 'zod';
import type { SalesforceClient } from './client.ts';
import { parseCsv, toCsv } from './csv.ts';
import { pollJob } from './bulk-query.ts';

export interface IngestOutcome {
  ok: string[];
  failed: Array<{ id: string; code: string; message: string }>;
  /** Ids the job never reached (job failed or aborted). */
  unprocessed: string[];
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
  await pollJob(client, 'ingest', id);

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
  return { ok, failed, unprocessed: rows.map((r) => r.id).filter((rid) => !seen.has(rid)) };
}
