/**
 * Records a completed full pass swept from the mirror may still exist in the CRM (a Salesforce Case
 * detached from its Contact, a HubSpot deal no longer associated with any contact): Parcours no longer
 * evaluates them, so the owned values it last wrote there (a friction flag, a stage) would stay forever.
 * They are cleared in the same run: only the fields whose last written value is non-empty, so a swept
 * record Parcours never flagged costs no call.
 */
import type { RecordChange, RecordFailure } from '../../connectors/port.ts';
import type { RecordRef } from '../model.ts';
import type { Values } from './desired.ts';

export interface SweptWritten {
  ref: RecordRef;
  written: Values;
}

/** One clearing write, with the values it replaces (the audit's "before"). */
export interface Clearing {
  change: RecordChange;
  before: Values;
}

/**
 * Clearing writes for swept records. `converted`: ids of Leads this pull saw converted (hand-overs):
 * Salesforce locks a converted Lead (CANNOT_UPDATE_CONVERTED_LEAD), so they keep their values.
 */
export function clearingsFor(swept: readonly SweptWritten[], converted: ReadonlySet<string>): Clearing[] {
  const out: Clearing[] = [];
  for (const s of swept) {
    if (s.ref.objectType === 'Lead' && converted.has(s.ref.id)) continue;
    const before: Values = {};
    const values: Values = {};
    for (const [field, value] of Object.entries(s.written)) {
      if (value === null || value === '') continue;
      before[field] = value;
      values[field] = null;
    }
    if (Object.keys(values).length > 0) out.push({ change: { ref: s.ref, values }, before });
  }
  return out;
}

/**
 * The record no longer exists in the CRM: nothing left to clear. The codes as the connectors report them
 * (connectors/salesforce/push.ts: the record's `statusCode`, or the call's `sfErrorCode`;
 * connectors/hubspot/push.ts: the 207 error's `category`, or a single record's 404).
 * Salesforce: ENTITY_IS_DELETED (in the recycle bin or purged), INVALID_CROSS_REFERENCE_KEY (no record with
 * that id), NOT_FOUND (the call's 404). HubSpot: OBJECT_NOT_FOUND (207 category), NOT_FOUND (404).
 */
const GONE_CODES = new Set(['ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY', 'NOT_FOUND', 'OBJECT_NOT_FOUND']);

export function isGone(failure: RecordFailure): boolean {
  return GONE_CODES.has(failure.code);
}
