/**
 * One Campaign per segment, and segment membership as CampaignMembers.
 * - Campaigns are found by Name (`<prefix><segment name>`) and created if missing.
 * - Add: collections POST of CampaignMember (ContactId, or LeadId for `00Q…` ids); Status is left
 *   to the campaign's default member status. DUPLICATE_VALUE ("Already a campaign member") means
 *   the goal is reached, not a failure.
 * - Remove: CampaignMember ids by CampaignId + ContactId/LeadId IN (…), then collections DELETE.
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_campaignmember.htm
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_delete.htm
 */
import type { JourneyFieldSpec, MembershipChange, MembershipRead, MembershipReport } from '../port.ts';
import type { SalesforceClient } from './client.ts';
import { QUERY_BATCH_SIZE, queryPages, queryRows } from './rest-query.ts';
import { COLLECTION_SIZE, SaveResults, errorOf } from './push.ts';
import { IDS_PER_QUERY, chunk, inList, quote, select } from './soql.ts';
import { asText } from './translate.ts';
import { ParcoursError } from '../../src/errors.ts';

export const campaignName = (client: SalesforceClient, segmentName: string): string => `${client.config.campaignNamePrefix}${segmentName}`.slice(0, 80);

/** Lead ids start with the key prefix 00Q; everything else we link is a Contact (003). */
export const isLeadId = (id: string): boolean => id.startsWith('00Q');

export async function findCampaigns(client: SalesforceClient, names: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const part of chunk([...new Set(names)], IDS_PER_QUERY)) {
    for (const r of await queryRows(client, select(['Id', 'Name'], 'Campaign', `Name IN ${inList(part)}`))) {
      const name = asText(r.Name);
      if (name && !found.has(name)) found.set(name, String(r.Id));
    }
  }
  return found;
}

export async function ensureCampaigns(client: SalesforceClient, segments: JourneyFieldSpec['segments']): Promise<{ targets: Record<string, string>; created: string[]; unchanged: string[] }> {
  const names = segments.map((s) => campaignName(client, s.name));
  const found = await findCampaigns(client, names);
  const missing = [...new Set(names.filter((n) => !found.has(n)))];
  for (const part of chunk(missing, COLLECTION_SIZE)) {
    const res = await client.call<unknown>('sobjects.collections', {
      method: 'POST',
      url: '/composite/sobjects',
      body: { allOrNone: false, records: part.map((Name) => ({ attributes: { type: 'Campaign' }, Name, IsActive: true, Description: 'Segment membership managed by Parcours.' })) },
    });
    SaveResults.parse(res.body).forEach((r, i) => {
      const name = part[i] as string;
      if (!r.success || !r.id) {
        const { code, message } = errorOf(r);
        throw new ParcoursError('CRM_ERROR', `Salesforce refused to create campaign "${name}": ${code}: ${message}`, { crm: 'salesforce', sfErrorCode: code });
      }
      found.set(name, r.id);
    });
  }
  const targets: Record<string, string> = {};
  segments.forEach((s, i) => (targets[s.id] = found.get(names[i] as string) as string));
  return {
    targets,
    created: missing.map((n) => `Campaign.${n}`),
    unchanged: [...new Set(names)].filter((n) => !missing.includes(n)).map((n) => `Campaign.${n}`),
  };
}

export async function syncMembership(client: SalesforceClient, change: MembershipChange): Promise<MembershipReport> {
  const report: MembershipReport = { added: [], removed: [], failed: [] };
  // Independent calls go out together, packed up to five per Composite call (composite.ts).
  const add = [...new Set(change.add)];
  const addParts = chunk(add, COLLECTION_SIZE);
  const added = await Promise.all(addParts.map((part) => client.call<unknown>('sobjects.collections', {
    method: 'POST',
    url: '/composite/sobjects',
    body: { allOrNone: false, records: part.map((id) => ({ attributes: { type: 'CampaignMember' }, CampaignId: change.targetId, [isLeadId(id) ? 'LeadId' : 'ContactId']: id })) },
  })));
  added.forEach((res, k) => {
    const part = addParts[k] as string[];
    SaveResults.parse(res.body).forEach((r, i) => {
      const id = part[i] as string;
      const { code, message } = errorOf(r);
      if (r.success || code === 'DUPLICATE_VALUE') report.added.push(id);
      else report.failed.push({ contactId: id, code, message });
    });
  });

  const remove = [...new Set(change.remove)];
  const memberOf = new Map<string, string>(); // CampaignMember id → contact/lead id
  const lookups = ([['ContactId', remove.filter((id) => !isLeadId(id))], ['LeadId', remove.filter(isLeadId)]] as const).flatMap(([column, ids]) => chunk(ids, IDS_PER_QUERY).map((part) => [column, part] as const));
  const found = await Promise.all(lookups.map(([column, part]) => queryRows(client, select(['Id', column], 'CampaignMember', `CampaignId = ${quote(change.targetId)} AND ${column} IN ${inList(part)}`))));
  found.forEach((rows, k) => {
    const column = (lookups[k] as readonly [string, string[]])[0];
    for (const r of rows) memberOf.set(String(r.Id), String(r[column]));
  });
  const failedIds = new Set<string>();
  const deleteParts = chunk([...memberOf.keys()], COLLECTION_SIZE);
  const deleted = await Promise.all(deleteParts.map((part) => client.call<unknown>('sobjects.collections', { method: 'DELETE', url: `/composite/sobjects?ids=${part.join(',')}&allOrNone=false` })));
  deleted.forEach((res, k) => {
    const part = deleteParts[k] as string[];
    SaveResults.parse(res.body).forEach((r, i) => {
      const { code, message } = errorOf(r);
      // Already gone (someone else removed it) is the state we wanted.
      if (r.success || code === 'ENTITY_IS_DELETED' || code === 'INVALID_CROSS_REFERENCE_KEY') return;
      const contactId = memberOf.get(part[i] as string) as string;
      failedIds.add(contactId);
      report.failed.push({ contactId, code, message });
    });
  });
  // Non-members need no call and count as removed: the target state holds.
  report.removed.push(...remove.filter((id) => !failedIds.has(id)));
  return report;
}

/**
 * The campaign's members now: one SOQL over CampaignMember, paged (2,000 rows per page). A member is
 * its ContactId, else its LeadId: a converted Lead's membership carries the Contact it became (the
 * conversion keeps the campaign history on the Contact; Salesforce Help, "Convert Leads").
 * No rows: one more query tells an empty campaign from a deleted one (Campaign goes to the recycle
 * bin; a plain query no longer returns it).
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_campaignmember.htm
 */
export async function readCampaignMembers(client: SalesforceClient, campaignId: string): Promise<MembershipRead> {
  const members: string[] = [];
  let calls = 0;
  for await (const page of queryPages(client, select(['Id', 'ContactId', 'LeadId'], 'CampaignMember', `CampaignId = ${quote(campaignId)}`, 'Id'))) {
    calls++;
    for (const r of page.rows) {
      const id = asText(r.ContactId) ?? asText(r.LeadId);
      if (id) members.push(id);
    }
  }
  if (members.length > 0) return { members, exists: true, calls, pageSize: QUERY_BATCH_SIZE };
  const campaign = await queryRows(client, select(['Id'], 'Campaign', `Id = ${quote(campaignId)}`));
  return { members, exists: campaign.length > 0, calls: calls + 1, pageSize: QUERY_BATCH_SIZE };
}
