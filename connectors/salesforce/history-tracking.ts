/**
 * Field history tracking for the stage field on Contact and Lead, so reps see every stage change in the
 * record's History related list (issue 14).
 * - What is tracked: Tooling `SELECT EntityDefinitionId, QualifiedApiName FROM FieldDefinition WHERE
 *   EntityDefinitionId IN ('Contact','Lead') AND IsFieldHistoryTracked = true` (1 query; FieldDefinition,
 *   https://developer.salesforce.com/docs/platform/api-tooling/references/tooling-objects/tooling-fielddefinition.html).
 * - Turning it on: the custom field's metadata `trackHistory: true` (Metadata API CustomField; salesforce.md
 *   §11), by a Tooling `PATCH /tooling/sobjects/CustomField/{id}` of the whole metadata read back first
 *   (a Tooling PATCH replaces the definition).
 * - Two things can block it, reported with their fix rather than worked around: the object's own history
 *   tracking is off ("Enable Contact History", which is not an API switch for standard objects), and an
 *   object tracks at most 20 fields ("You can select up to 20 standard and custom fields per object",
 *   Salesforce Help "Track Object Field History",
 *   https://help.salesforce.com/s/articleView?id=xcloud.tracking_field_history_for_standard_objects.htm).
 * A second setup finds the field tracked and writes nothing.
 */
import { z } from 'zod';
import type { DoctorCheck, JourneyFieldSpec } from '../port.ts';
import { ParcoursError } from '../../src/errors.ts';
import type { SalesforceClient } from './client.ts';
import { findCustomFields } from './custom-fields.ts';
import { inList } from './soql.ts';

export const HISTORY_OBJECTS = ['Contact', 'Lead'] as const;
export const TRACKED_FIELDS_MAX = 20;

const Tracked = z.object({ records: z.array(z.object({ EntityDefinitionId: z.string(), QualifiedApiName: z.string() }).loose()) }).loose();
const FieldRow = z.object({ Id: z.string(), Metadata: z.record(z.string(), z.unknown()).nullish() }).loose();

/** The stage field's API name, when the mapping has one on contacts. */
export function stageFieldName(spec: JourneyFieldSpec): string | null {
  return spec.fields.find((f) => f.kind === 'contact' && f.field === 'stage')?.name ?? null;
}

/** Tracked field names per object (one Tooling query). */
export async function trackedFields(client: SalesforceClient): Promise<Map<string, Set<string>>> {
  const soql = `SELECT EntityDefinitionId, QualifiedApiName FROM FieldDefinition WHERE EntityDefinitionId IN ${inList([...HISTORY_OBJECTS])} AND IsFieldHistoryTracked = true`;
  const res = await client.call<unknown>('tooling', { method: 'GET', url: `/tooling/query?q=${encodeURIComponent(soql)}` });
  const out = new Map<string, Set<string>>(HISTORY_OBJECTS.map((o) => [o, new Set<string>()]));
  for (const r of Tracked.parse(res.body).records) out.get(r.EntityDefinitionId)?.add(r.QualifiedApiName);
  return out;
}

function enableFix(object: string, field: string): string {
  return `In Setup > Object Manager > ${object} > Fields & Relationships > Set History Tracking, check "Enable ${object} History" and track ${field} (at most ${TRACKED_FIELDS_MAX} fields per object: untrack one if the limit is reached), or run \`parcours setup --crm salesforce\` once history is enabled.`;
}

export interface HistoryTrackingReport {
  updated: string[];
  unchanged: string[];
  notes: string[];
}

/** Turns on history tracking of the stage field on Contact and Lead where possible; notes what blocks it. */
export async function ensureHistoryTracking(client: SalesforceClient, spec: JourneyFieldSpec): Promise<HistoryTrackingReport> {
  const report: HistoryTrackingReport = { updated: [], unchanged: [], notes: [] };
  const field = stageFieldName(spec);
  if (field === null) return report;
  const tracked = await trackedFields(client);
  const todo = HISTORY_OBJECTS.filter((o) => !tracked.get(o)?.has(field));
  for (const o of HISTORY_OBJECTS) if (!todo.includes(o)) report.unchanged.push(`${o}.${field} (history tracked)`);
  if (todo.length === 0) return report;
  const ids = await findCustomFields(client, todo.map((object) => ({ object, name: field })));
  for (const object of todo) {
    const fullName = `${object}.${field}`;
    const count = tracked.get(object)?.size ?? 0;
    if (count >= TRACKED_FIELDS_MAX) {
      report.notes.push(`${fullName}: history not tracked, ${object} already tracks ${count} of ${TRACKED_FIELDS_MAX} fields. ${enableFix(object, field)}`);
      continue;
    }
    const id = ids.get(fullName.toLowerCase());
    if (id === undefined) {
      report.notes.push(`${fullName}: history not tracked, the field does not exist yet.`);
      continue;
    }
    const res = await client.call<unknown>('tooling', { method: 'GET', url: `/tooling/sobjects/CustomField/${id}` });
    const row = FieldRow.safeParse(res.body);
    if (!row.success || !row.data.Metadata) throw new ParcoursError('CRM_ERROR', `Salesforce says ${fullName} exists but the Tooling API does not return its metadata`, { crm: 'salesforce', endpoint: 'tooling' });
    try {
      await client.call('tooling', { method: 'PATCH', url: `/tooling/sobjects/CustomField/${id}`, body: { Metadata: { ...row.data.Metadata, trackHistory: true } } });
      report.updated.push(`${fullName} (history tracked)`);
    } catch (error) {
      // The object's history is off (or another org rule): the admin's switch, with the fix.
      if (!(error instanceof ParcoursError) || error.code === 'AUTH_FAILED' || error.code === 'QUOTA_RESERVE' || error.code === 'DAILY_LIMIT') throw error;
      report.notes.push(`${fullName}: Salesforce refused history tracking (${error.message}). ${enableFix(object, field)}`);
    }
  }
  return report;
}

/** Doctor: the stage field's history is tracked on Contact and Lead, or what blocks it with the fix. */
export async function historyChecks(client: SalesforceClient, spec: JourneyFieldSpec): Promise<DoctorCheck[]> {
  const field = stageFieldName(spec);
  if (field === null) return [];
  let tracked: Map<string, Set<string>>;
  try {
    tracked = await trackedFields(client);
  } catch (error) {
    const detail = error instanceof ParcoursError ? `${error.code}: ${error.message}` : String(error);
    return [{ id: 'salesforce.history-tracking', ok: false, detail, fix: 'Give the integration user "View Setup and Configuration" so the Tooling API can list tracked fields.' }];
  }
  return HISTORY_OBJECTS.map((object): DoctorCheck => {
    const id = `salesforce.history-tracking.${object}`;
    const fields = tracked.get(object) ?? new Set<string>();
    if (fields.has(field)) return { id, ok: true, detail: `${object}.${field} history is tracked: reps see every stage change in the History related list (${fields.size} of ${TRACKED_FIELDS_MAX} tracked fields used).` };
    if (fields.size >= TRACKED_FIELDS_MAX) return { id, ok: false, detail: `${object}.${field} history is not tracked: ${object} already tracks ${fields.size} of ${TRACKED_FIELDS_MAX} fields, the limit.`, fix: enableFix(object, field) };
    return { id, ok: false, detail: `${object}.${field} history is not tracked (the object's history tracking may be off).`, fix: enableFix(object, field) };
  });
}
