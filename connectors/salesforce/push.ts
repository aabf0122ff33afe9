/**
 * `push`: owned-field updates. sObject Collections `PATCH /composite/sobjects`, 200 records per call,
 * `allOrNone: false`, results in request order
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm);
 * Bulk API 2.0 ingest for objects with more than `bulkThreshold` changes, when the job costs fewer calls (`ingestPays`).
 * Per-record errors are read from `statusCode` (what Salesforce sends) or `errorCode` (what jsforce's
 * types claim; jsforce#1623). UNABLE_TO_LOCK_ROW is retried with backoff for that subset only: jsforce
 * never retries POST/PATCH.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { PushReport, RecordChange, RecordFailure } from '../port.ts';
import type { RecordRef } from '../../src/model.ts';
import { ParcoursError } from '../../src/errors.ts';
import type { SalesforceClient } from './client.ts';
import { bulkUpdate, ingestPays } from './bulk-ingest.ts';
import { chunk } from './soql.ts';

export const COLLECTION_SIZE = 200;
/** Per-record codes worth re-sending as they are. */
export const RETRYABLE_RECORD_CODES = new Set(['UNABLE_TO_LOCK_ROW']);

const SaveResult = z.object({
  id: z.string().nullish(),
  success: z.boolean(),
  errors: z.array(z.object({ statusCode: z.string().optional(), errorCode: z.string().optional(), message: z.string().default('') }).loose()).default([]),
});
export const SaveResults = z.array(SaveResult);
export type SaveResult = z.infer<typeof SaveResult>;

/** Errors that must stop the run (the sync saves its cursors); anything else fails just the records of the call. */
const STOPPING = new Set(['AUTH_FAILED', 'QUOTA_RESERVE', 'DAILY_LIMIT']);

export function errorOf(result: SaveResult): { code: string; message: string } {
  const e = result.errors[0];
  return { code: e?.statusCode ?? e?.errorCode ?? 'UNKNOWN_ERROR', message: result.errors.map((x) => x.message).join('; ') };
}

/** Values as Salesforce wants them: '' and null both clear the field. */
function clean(values: Record<string, string | null>): Record<string, string | null> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === '' ? null : v]));
}

/** `deferred`: retryable failures left to the next run rather than re-sent within this push. */
type Outcome = { ok: RecordRef[]; failed: RecordFailure[]; deferred?: RecordFailure[] };

async function collectionsRound(client: SalesforceClient, changes: RecordChange[]): Promise<Outcome> {
  const out: Outcome = { ok: [], failed: [] };
  // Same-type records side by side: Salesforce processes a mixed request in at most 10 type chunks.
  const sorted = [...changes].sort((a, b) => a.ref.objectType.localeCompare(b.ref.objectType));
  // The 200-record calls go out together: up to five travel in one Composite call (composite.ts), each
  // answered as if alone.
  const parts = chunk(sorted, COLLECTION_SIZE);
  const answers = await Promise.all(parts.map(async (part) => {
    try {
      const res = await client.call<unknown>('sobjects.collections', {
        method: 'PATCH',
        url: '/composite/sobjects',
        body: { allOrNone: false, records: part.map((c) => ({ attributes: { type: c.ref.objectType }, id: c.ref.id, ...clean(c.values) })) },
      });
      return { part, results: SaveResults.parse(res.body) as SaveResult[] | null, error: null as unknown };
    } catch (error) {
      return { part, results: null, error };
    }
  }));
  for (const { part, results, error } of answers) {
    if (results === null) {
      if (error instanceof ParcoursError && !STOPPING.has(error.code)) {
        const retryable = error.code === 'CRM_UNAVAILABLE' || error.code === 'RATE_LIMITED';
        for (const c of part) out.failed.push({ ref: c.ref, code: String(error.context.sfErrorCode ?? error.code), message: error.message, retryable });
        continue;
      }
      throw error;
    }
    part.forEach((c, i) => {
      const r = results[i];
      if (r?.success) out.ok.push(c.ref);
      else {
        const { code, message } = r ? errorOf(r) : { code: 'NO_RESULT', message: 'Salesforce returned no result for this record' };
        out.failed.push({ ref: c.ref, code, message, retryable: RETRYABLE_RECORD_CODES.has(code) });
      }
    });
  }
  return out;
}

async function bulkRound(client: SalesforceClient, objectType: string, changes: RecordChange[]): Promise<Outcome> {
  const byId = new Map(changes.map((c) => [c.ref.id, c]));
  const res = await bulkUpdate(client, objectType, changes.map((c) => ({ id: c.ref.id, values: clean(c.values) })));
  const out: Outcome = { ok: [], failed: [], deferred: [] };
  for (const id of res.ok) {
    const c = byId.get(id);
    if (c) out.ok.push(c.ref);
  }
  for (const f of res.failed) {
    const c = byId.get(f.id);
    if (c) out.failed.push({ ref: c.ref, code: f.code, message: f.message, retryable: RETRYABLE_RECORD_CODES.has(f.code) });
  }
  const aborted = res.aborted;
  for (const id of res.unprocessed) {
    const c = byId.get(id);
    if (!c) continue;
    if (aborted) {
      // The org was too slow for this run: the next run re-sends these, not this push.
      out.deferred?.push({ ref: c.ref, code: 'BULK_ABORTED', message: `Bulk API 2.0 job ${aborted.jobId} was still ${aborted.stateAtTimeout} after ${client.config.pollTimeoutMs} ms and was aborted before processing this record; the next run writes it`, retryable: true });
    } else out.failed.push({ ref: c.ref, code: 'BULK_UNPROCESSED', message: 'the Bulk API job ended before processing this record', retryable: true });
  }
  for (const id of aborted?.unknown ?? []) {
    const c = byId.get(id);
    if (c) out.deferred?.push({ ref: c.ref, code: 'BULK_OUTCOME_UNKNOWN', message: `Bulk API 2.0 job ${aborted?.jobId} was aborted while Salesforce was processing this record's batch: it may still be written (unaudited); the next run compares it with the CRM again`, retryable: true });
  }
  return out;
}

export async function push(client: SalesforceClient, changes: RecordChange[]): Promise<PushReport> {
  const written: RecordRef[] = [];
  const failed: RecordFailure[] = [];
  const toSend = changes.filter((c) => {
    if (Object.keys(c.values).length > 0) return true;
    written.push(c.ref); // nothing to change: no call
    return false;
  });
  if (toSend.length === 0) return { written, failed };

  const byObject = new Map<string, RecordChange[]>();
  for (const c of toSend) byObject.set(c.ref.objectType, [...(byObject.get(c.ref.objectType) ?? []), c]);
  let retry: RecordChange[] = [];
  const lastFailure = new Map<RecordChange, RecordFailure>();
  const collect = (o: Outcome, source: Map<string, RecordChange>) => {
    written.push(...o.ok);
    failed.push(...(o.deferred ?? []));
    for (const f of o.failed) {
      const c = source.get(`${f.ref.objectType}:${f.ref.id}`);
      if (f.retryable && c) {
        retry.push(c);
        lastFailure.set(c, f);
      } else failed.push(f);
    }
  };
  const index = new Map(toSend.map((c) => [`${c.ref.objectType}:${c.ref.id}`, c]));
  const small: RecordChange[] = [];
  for (const [objectType, list] of byObject) {
    // A job only where it costs fewer calls than its Collections share (Salesforce's 2,000-record line is the floor).
    if (ingestPays(client, list.length)) collect(await bulkRound(client, objectType, list), index);
    else small.push(...list);
  }
  if (small.length > 0) collect(await collectionsRound(client, small), index);

  for (let round = 1; retry.length > 0 && round <= client.config.retry.recordRetries; round++) {
    await sleep(client.config.retry.minTimeoutMs * 2 ** (round - 1));
    const again = retry;
    retry = [];
    collect(await collectionsRound(client, again), index);
  }
  // Out of rounds: report them as failed but retryable, for the next run.
  for (const c of retry) {
    const f = lastFailure.get(c) as RecordFailure;
    failed.push({ ...f, message: `${f.message} (still failing after ${client.config.retry.recordRetries} retries)` });
  }
  return { written, failed };
}
