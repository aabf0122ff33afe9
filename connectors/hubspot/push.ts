/**
 * Batched writes: POST /crm/v3/objects/{type}/batch/update, 100 inputs per call.
 * https://developers.hubspot.com/docs/api-reference/latest/crm/using-object-apis
 * - Every input carries a unique `objectWriteTraceId`. Without it one invalid input (e.g. an unknown
 *   enumeration option) fails the whole batch with 400; with it HubSpot answers 207 and names each failed
 *   input in `errors[].context.objectWriteTraceId`, and writes the others.
 *   https://developers.hubspot.com/docs/api-reference/error-handling "Multi-status errors"
 * - 200: all written. 207: failed inputs by trace id, or by `errors[].context.ids` (missing records), each
 *   with its `category`; the rest written.
 *   https://developers.hubspot.com/changelog/simplifying-batch-update-response-codes-for-crm-v3-apis
 * - A 400 that still comes back for the whole batch says nothing per record: only then is the batch split
 *   in halves until the bad record(s) stand alone, so the others are still written.
 * - `null` clears a property: HubSpot clears on "". Multi-select values arrive `;`-joined and are written
 *   whole (a leading `;` would append instead of replace).
 */
import { randomBytes } from 'node:crypto';
import type { PushReport, RecordChange, RecordFailure } from '../../connectors/port.ts';
import { ParcoursError } from '../../src/errors.ts';
import type { RecordRef } from '../../src/model.ts';
import { hubspotPaths } from './paths.ts';
import { batchObjectsSchema, type BatchError } from './schemas.ts';
import type { HubspotTransport } from './transport.ts';

export const UPDATE_BATCH_MAX = 100;
/** Extra rounds for records HubSpot failed with a retryable category. */
const RETRY_ROUNDS = 2;
/** 207 categories worth another try; everything else (VALIDATION_ERROR, OBJECT_NOT_FOUND…) is final. */
export const RETRYABLE_CATEGORIES = new Set(['RATE_LIMITS', 'INTERNAL_ERROR', 'SERVICE_UNAVAILABLE', 'LOCKED', 'TIMEOUT']);

interface FailedChange {
  change: RecordChange;
  failure: RecordFailure;
  /** Worth another round in this push (207 retryable category); transport-level retries are already spent otherwise. */
  requeue?: boolean;
}

interface Outcome {
  written: RecordChange[];
  failed: FailedChange[];
}

function toInput(c: RecordChange, objectWriteTraceId: string): { id: string; objectWriteTraceId: string; properties: Record<string, string> } {
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.values)) properties[k] = v === null ? '' : v.replace(/^;+/, '');
  return { id: c.ref.id, objectWriteTraceId, properties };
}

/**
 * Which change each 207 error is about: by `context.objectWriteTraceId` (validation errors), or by
 * `context.ids` (records not found). An error naming neither is kept aside as unattributed.
 */
function attribute(errors: BatchError[], byTrace: Map<string, RecordChange>, batch: RecordChange[]): { failed: Map<RecordChange, BatchError>; unattributed: BatchError[] } {
  const byId = new Map(batch.map((c) => [c.ref.id, c]));
  const failed = new Map<RecordChange, BatchError>();
  const unattributed: BatchError[] = [];
  for (const error of errors) {
    const targets = [
      ...(error.context?.objectWriteTraceId ?? []).map((t) => byTrace.get(t)),
      ...(error.context?.ids ?? []).map((id) => byId.get(id)),
    ].filter((c): c is RecordChange => c !== undefined);
    if (targets.length === 0) unattributed.push(error);
    for (const c of targets) failed.set(c, error);
  }
  return { failed, unattributed };
}

function failureOf(change: RecordChange, code: string, message: string, retryable: boolean, requeue = false): FailedChange {
  return { change, failure: { ref: change.ref, code, message, retryable }, requeue };
}

async function writeBatch(transport: HubspotTransport, objectType: string, batch: RecordChange[]): Promise<Outcome> {
  // Unique per input and per call: `<call nonce>-<record id>`.
  const nonce = randomBytes(4).toString('hex');
  const byTrace = new Map(batch.map((c) => [`${nonce}-${c.ref.id}`, c]));
  try {
    const body = await transport.data({
      endpoint: `objects.${objectType}.batch.update`,
      method: 'POST',
      path: hubspotPaths.batchUpdate(objectType),
      body: { inputs: [...byTrace].map(([trace, c]) => toInput(c, trace)) },
      schema: batchObjectsSchema,
      recordId: batch.length === 1 ? batch[0]?.ref.id : undefined,
    });
    const { failed, unattributed } = attribute(body.errors ?? [], byTrace, batch);
    const returned = new Set(body.results.map((r) => r.id));
    const outcome: Outcome = { written: [], failed: [] };
    for (const change of batch) {
      // An error that names no input fails the inputs HubSpot did not return as updated.
      const error = failed.get(change) ?? (returned.has(change.ref.id) ? undefined : unattributed[0]);
      if (!error) outcome.written.push(change);
      else {
        const category = error.category ?? 'UNKNOWN';
        const retryable = RETRYABLE_CATEGORIES.has(category);
        outcome.failed.push(failureOf(change, category, error.message ?? category, retryable, retryable));
      }
    }
    return outcome;
  } catch (error) {
    if (!(error instanceof ParcoursError)) throw error;
    if (error.code === 'CRM_VALIDATION' || error.code === 'NOT_FOUND') {
      // Fallback only: trace ids normally turn this into a 207 (see the header).
      if (batch.length > 1) {
        const mid = Math.ceil(batch.length / 2);
        const [a, b] = [await writeBatch(transport, objectType, batch.slice(0, mid)), await writeBatch(transport, objectType, batch.slice(mid))];
        return { written: [...a.written, ...b.written], failed: [...a.failed, ...b.failed] };
      }
      const only = batch[0] as RecordChange;
      const category = typeof error.context.category === 'string' ? error.context.category : error.code;
      const details = Array.isArray(error.context.errors) && error.context.errors.length > 0 ? `: ${error.context.errors.join('; ')}` : '';
      return { written: [], failed: [failureOf(only, category, `${error.message}${details}`, false)] };
    }
    if (error.code === 'CRM_UNAVAILABLE' || error.code === 'CRM_ERROR' || error.code === 'RATE_LIMITED') {
      // Retries already spent inside the transport: report, let the next run try again.
      return { written: [], failed: batch.map((c) => failureOf(c, error.code, error.message, true)) };
    }
    throw error; // AUTH_FAILED, DAILY_LIMIT, QUOTA_RESERVE: stop the sync cleanly
  }
}

/** Merges duplicate refs (HubSpot rejects duplicate ids in one batch); later values win. */
function mergeDuplicates(changes: RecordChange[]): RecordChange[] {
  const byKey = new Map<string, RecordChange>();
  for (const c of changes) {
    const key = `${c.ref.objectType}\u0000${c.ref.id}`;
    const prev = byKey.get(key);
    byKey.set(key, prev ? { ref: c.ref, values: { ...prev.values, ...c.values } } : c);
  }
  return [...byKey.values()];
}

export async function pushChanges(transport: HubspotTransport, changes: RecordChange[]): Promise<PushReport> {
  const report: PushReport = { written: [], failed: [] };
  const byType = new Map<string, RecordChange[]>();
  for (const c of mergeDuplicates(changes)) {
    if (Object.keys(c.values).length === 0) {
      report.written.push(c.ref); // nothing to change: no call
      continue;
    }
    const list = byType.get(c.ref.objectType) ?? [];
    list.push(c);
    byType.set(c.ref.objectType, list);
  }
  for (const [objectType, list] of byType) {
    let pending = list;
    for (let round = 0; pending.length > 0; round++) {
      const retry: RecordChange[] = [];
      const slices: RecordChange[][] = [];
      for (let i = 0; i < pending.length; i += UPDATE_BATCH_MAX) slices.push(pending.slice(i, i + UPDATE_BATCH_MAX));
      // The batches of one push go side by side (the pacer keeps them in the burst budget), so one call's
      // latency does not idle the budget; all settle before a failure is thrown.
      const settled = await Promise.allSettled(slices.map((slice) => writeBatch(transport, objectType, slice)));
      const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (rejected) throw rejected.reason;
      for (const r of settled) {
        const outcome = (r as PromiseFulfilledResult<Awaited<ReturnType<typeof writeBatch>>>).value;
        report.written.push(...outcome.written.map((c): RecordRef => c.ref));
        for (const f of outcome.failed) {
          if (f.requeue && round < RETRY_ROUNDS) retry.push(f.change);
          else report.failed.push(f.failure);
        }
      }
      pending = retry;
    }
  }
  return report;
}
