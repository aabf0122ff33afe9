/**
 * Links from the map to records in the CRM. HubSpot record pages need the portal id; Salesforce
 * Lightning record pages need the org's instance URL. Without them the map shows plain ids.
 */
import type { ObjectKind } from '../model.ts';

export type RecordUrl = (kind: ObjectKind, id: string, objectType: string) => string | null;

// Object type ids 0-1 contacts, 0-3 deals, 0-5 tickets:
// https://developers.hubspot.com/docs/guides/crm/using-object-apis (object type ID table).
const HUBSPOT_TYPE: Record<ObjectKind, string> = { contact: '0-1', deal: '0-3', ticket: '0-5' };

/** `https://app.hubspot.com/contacts/<portalId>/record/<objectTypeId>/<id>`. */
export function hubspotRecordUrl(portalId: string | number, appBase = 'https://app.hubspot.com'): RecordUrl {
  const portal = encodeURIComponent(String(portalId));
  return (kind, id) => `${appBase}/contacts/${portal}/record/${HUBSPOT_TYPE[kind]}/${encodeURIComponent(id)}`;
}

/** Lightning record page `<instanceUrl>/lightning/r/<SObject>/<Id>/view` (Contact, Lead, Opportunity, Case). */
export function salesforceRecordUrl(instanceUrl: string): RecordUrl {
  const base = instanceUrl.replace(/\/+$/, '');
  return (_kind, id, objectType) => `${base}/lightning/r/${encodeURIComponent(objectType)}/${encodeURIComponent(id)}/view`;
}
