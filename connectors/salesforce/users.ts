/**
 * Users tasks can be assigned to: the org's active Users,
 * `SELECT Id, Email, Name, IsActive FROM User WHERE IsActive = true` (object reference, User). An inactive
 * user cannot own a task (INACTIVE_OWNER_OR_USER), so only active ones are offered. One query (2,000 a page).
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_user.htm
 */
import type { SalesforceClient } from './client.ts';
import { queryRows } from './rest-query.ts';
import { asBool, asText } from './translate.ts';

export async function readActiveUsers(client: SalesforceClient): Promise<Array<{ id: string; email: string | null; name: string | null; active: boolean }>> {
  const rows = await queryRows(client, 'SELECT Id, Email, Name, IsActive FROM User WHERE IsActive = true ORDER BY Id');
  return rows.map((r) => ({ id: String(r.Id), email: asText(r.Email), name: asText(r.Name), active: asBool(r.IsActive) }));
}
