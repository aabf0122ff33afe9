/**
 * The history Salesforce keeps of one tracked field on one record — the record's History related list:
 * `SELECT NewValue, CreatedDate, CreatedById FROM ContactHistory WHERE ContactId = '…' AND Field = '…'
 * ORDER BY CreatedDate, Id` (LeadHistory/LeadId, CaseHistory/CaseId, OpportunityFieldHistory/OpportunityId).
 * Rows exist only while the field's history is tracked (setup turns it on for the stage field, see
 * history-tracking.ts) and are kept 18 months (24 through the API).
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_associated_objects_history.htm
 * One query per record.
 */
import type { FieldHistoryEntry } from '../port.ts';
import type { RecordRef } from '../../src/model.ts';
import { ParcoursError } from '../../src/errors.ts';
import type { SalesforceClient } from './client.ts';
import { queryRows } from './rest-query.ts';
import { assertFieldName, quote } from './soql.ts';
import { asText, asTime } from './translate.ts';

const HISTORY_OBJECT: Record<string, { object: string; parent: string }> = {
  Contact: { object: 'ContactHistory', parent: 'ContactId' },
  Lead: { object: 'LeadHistory', parent: 'LeadId' },
  Case: { object: 'CaseHistory', parent: 'CaseId' },
  Opportunity: { object: 'OpportunityFieldHistory', parent: 'OpportunityId' },
};

export async function readFieldHistory(client: SalesforceClient, ref: RecordRef, fieldName: string): Promise<FieldHistoryEntry[]> {
  const target = HISTORY_OBJECT[ref.objectType];
  if (!target) throw new ParcoursError('INPUT_INVALID', `Salesforce keeps no field history for ${ref.objectType} records`, { crm: 'salesforce', recordId: ref.id });
  const soql = `SELECT NewValue, CreatedDate, CreatedById FROM ${target.object} WHERE ${target.parent} = ${quote(ref.id)} AND Field = ${quote(assertFieldName(fieldName))} ORDER BY CreatedDate, Id`;
  const rows = await queryRows(client, soql);
  const out: FieldHistoryEntry[] = [];
  for (const r of rows) {
    const at = asTime(r.CreatedDate);
    if (at !== null) out.push({ value: asText(r.NewValue), at, source: asText(r.CreatedById) });
  }
  return out;
}
