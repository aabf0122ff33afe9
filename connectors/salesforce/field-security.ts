/**
 * Field-level security for the owned fields: a new custom field is invisible to the API user until
 * granted (describe omits it, SOQL answers INVALID_FIELD). We grant Read+Edit through our own
 * permission set, assigned to the integration user; idempotent.
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_fieldpermissions.htm
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_permissionsetassignment.htm
 */
import { z } from 'zod';
import { ParcoursError } from '../../src/errors.ts';
import type { SalesforceClient } from './client.ts';
import { queryRows } from './rest-query.ts';
import { errorOf, COLLECTION_SIZE, SaveResults, type SaveResult } from './push.ts';
import { chunk, quote, select } from './soql.ts';
import { asBool, asText } from './translate.ts';

export interface GrantReport { created: string[]; updated: string[]; unchanged: string[] }

const Created = z.object({ id: z.string() });

/** The integration user's id: from the token's identity URL when we have one, else `/services/oauth2/userinfo`. */
export async function integrationUserId(client: SalesforceClient): Promise<string> {
  const known = client.session.userId();
  if (known) return known;
  const res = await client.call<unknown>('metadata', { method: 'GET', url: '/services/oauth2/userinfo' });
  return z.object({ user_id: z.string() }).parse(res.body).user_id;
}

/**
 * The org id: `organization_id` of `/services/oauth2/userinfo`
 * (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_userinfo_endpoint.htm). 1 call.
 */
export async function organizationId(client: SalesforceClient): Promise<string> {
  const res = await client.call<unknown>('metadata', { method: 'GET', url: '/services/oauth2/userinfo' });
  return z.object({ organization_id: z.string().regex(/^00D[a-zA-Z0-9]{12}([a-zA-Z0-9]{3})?$/) }).parse(res.body).organization_id;
}

async function collections(client: SalesforceClient, method: 'POST' | 'PATCH', records: Array<Record<string, unknown>>): Promise<SaveResult[]> {
  const out: SaveResult[] = [];
  for (const part of chunk(records, COLLECTION_SIZE)) {
    const res = await client.call<unknown>('sobjects.collections', { method, url: '/composite/sobjects', body: { allOrNone: false, records: part } });
    out.push(...SaveResults.parse(res.body));
  }
  return out;
}

function check(results: SaveResult[], what: string[]): void {
  results.forEach((r, i) => {
    if (!r.success) {
      const { code, message } = errorOf(r);
      throw new ParcoursError('CRM_ERROR', `Salesforce refused ${what[i]}: ${code}: ${message}`, { crm: 'salesforce', endpoint: 'sobjects.collections', sfErrorCode: code });
    }
  });
}

export async function findPermissionSet(client: SalesforceClient): Promise<string | null> {
  const rows = await queryRows(client, select(['Id'], 'PermissionSet', `Name = ${quote(client.config.permissionSetName)}`));
  return asText(rows[0]?.Id);
}

/** `fields` are full names, `Contact.Parcours_Stage__c`. */
export async function grantFieldAccess(client: SalesforceClient, fields: string[], label: string): Promise<GrantReport> {
  const report: GrantReport = { created: [], updated: [], unchanged: [] };
  const psName = client.config.permissionSetName;
  let psId = await findPermissionSet(client);
  if (!psId) {
    const res = await client.call<unknown>('sobjects.record', { method: 'POST', url: '/sobjects/PermissionSet', body: { Name: psName, Label: psName, Description: `Field access for ${label}, managed by Parcours.` } });
    psId = Created.parse(res.body).id;
    report.created.push(`PermissionSet.${psName}`);
  } else report.unchanged.push(`PermissionSet.${psName}`);

  const existing = new Map((await queryRows(client, select(['Id', 'Field', 'PermissionsRead', 'PermissionsEdit'], 'FieldPermissions', `ParentId = ${quote(psId)}`))).map((r) => [String(r.Field), r]));
  const toCreate: Array<Record<string, unknown>> = [];
  const toUpdate: Array<Record<string, unknown>> = [];
  const createdNames: string[] = [];
  const updatedNames: string[] = [];
  for (const field of fields) {
    const row = existing.get(field);
    const name = `FieldPermissions.${field}`;
    if (!row) {
      toCreate.push({ attributes: { type: 'FieldPermissions' }, ParentId: psId, SobjectType: field.split('.')[0], Field: field, PermissionsRead: true, PermissionsEdit: true });
      createdNames.push(name);
    } else if (!asBool(row.PermissionsRead) || !asBool(row.PermissionsEdit)) {
      toUpdate.push({ attributes: { type: 'FieldPermissions' }, id: row.Id, PermissionsRead: true, PermissionsEdit: true });
      updatedNames.push(name);
    } else report.unchanged.push(name);
  }
  if (toCreate.length > 0) check(await collections(client, 'POST', toCreate), createdNames);
  if (toUpdate.length > 0) check(await collections(client, 'PATCH', toUpdate), updatedNames);
  report.created.push(...createdNames);
  report.updated.push(...updatedNames);

  const userId = await integrationUserId(client);
  const assigned = await queryRows(client, select(['Id'], 'PermissionSetAssignment', `PermissionSetId = ${quote(psId)} AND AssigneeId = ${quote(userId)}`));
  if (assigned.length === 0) {
    await client.call('sobjects.record', { method: 'POST', url: '/sobjects/PermissionSetAssignment', body: { PermissionSetId: psId, AssigneeId: userId } });
    report.created.push(`PermissionSetAssignment.${psName}`);
  } else report.unchanged.push(`PermissionSetAssignment.${psName}`);
  return report;
}
