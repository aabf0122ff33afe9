/**
 * One MANUAL contact list per segment (Lists v3; v1 was sunset 2026-04-30), and membership changes.
 * https://developers.hubspot.com/docs/api-reference/crm-lists-v3/guide
 * - Find by name first (GET .../object-type-id/0-1/name/{name}, 404 = none), create if missing.
 * - Membership: PUT .../memberships/add|remove with a raw JSON array of record ids. Unknown ids and
 *   existing members are ignored by HubSpot (reported in `recordIdsMissing`). The response key for added
 *   ids is spelled `recordsIdsAdded`. No per-call maximum is documented: we send 1,000 ids per call, the
 *   size HubSpot recommends for batch record requests and the association batch-read maximum.
 */
import type { MembershipChange, MembershipRead, MembershipReport } from '../../connectors/port.ts';
import { ParcoursError } from '../../src/errors.ts';
import { hubspotPaths } from './paths.ts';
import { listEnvelopeSchema, membershipPageSchema, membershipsUpdateSchema } from './schemas.ts';
import type { HubspotTransport } from './transport.ts';

export const CONTACT_OBJECT_TYPE_ID = '0-1';
export const MEMBERSHIP_CHUNK = 1_000;
/** `limit` of GET …/memberships: default 100, maximum 250 (Lists v3 reference). */
export const MEMBERSHIP_PAGE_SIZE = 250;

export interface FoundList {
  listId: string;
  processingType: string | undefined;
}

export async function findList(t: HubspotTransport, name: string): Promise<FoundList | null> {
  const res = await t.request({ endpoint: 'lists.get-by-name', method: 'GET', path: hubspotPaths.listByName(CONTACT_OBJECT_TYPE_ID, name), schema: listEnvelopeSchema, accept: [404] });
  return res.ok ? { listId: res.data.list.listId, processingType: res.data.list.processingType } : null;
}

/** Returns the list id and whether it was created now. */
export async function ensureList(t: HubspotTransport, name: string): Promise<{ listId: string; created: boolean }> {
  const found = await findList(t, name);
  if (found) {
    if (found.processingType !== undefined && found.processingType !== 'MANUAL' && found.processingType !== 'SNAPSHOT') {
      throw new ParcoursError('CRM_VALIDATION', `HubSpot list "${name}" is ${found.processingType}; its membership cannot be set through the API. Rename or delete it so Parcours can create a MANUAL list.`, { crm: 'hubspot', endpoint: 'lists.get-by-name' });
    }
    return { listId: found.listId, created: false };
  }
  const body = await t.data({ endpoint: 'lists.create', method: 'POST', path: hubspotPaths.lists(), body: { name, objectTypeId: CONTACT_OBJECT_TYPE_ID, processingType: 'MANUAL' }, schema: listEnvelopeSchema });
  return { listId: body.list.listId, created: true };
}

export async function syncListMembership(t: HubspotTransport, change: MembershipChange): Promise<MembershipReport> {
  const report: MembershipReport = { added: [], removed: [], failed: [] };
  const add = [...new Set(change.add)];
  const remove = [...new Set(change.remove)];
  for (let i = 0; i < add.length; i += MEMBERSHIP_CHUNK) {
    const ids = add.slice(i, i + MEMBERSHIP_CHUNK);
    const body = await t.data({ endpoint: 'lists.memberships.add', method: 'PUT', path: hubspotPaths.listMembershipsAdd(change.targetId), body: ids, schema: membershipsUpdateSchema });
    const missing = new Set(body.recordIdsMissing);
    for (const id of ids) {
      // Already-members are neither in recordsIdsAdded nor missing: they are members, which is what we asked.
      if (missing.has(id)) report.failed.push({ contactId: id, code: 'RECORD_MISSING', message: `Contact ${id} does not exist in HubSpot` });
      else report.added.push(id);
    }
  }
  for (let i = 0; i < remove.length; i += MEMBERSHIP_CHUNK) {
    const ids = remove.slice(i, i + MEMBERSHIP_CHUNK);
    await t.data({ endpoint: 'lists.memberships.remove', method: 'PUT', path: hubspotPaths.listMembershipsRemove(change.targetId), body: ids, schema: membershipsUpdateSchema });
    // A non-member or deleted contact is out of the list either way.
    report.removed.push(...ids);
  }
  return report;
}

/**
 * The list's members now: GET /crm/v3/lists/{listId}/memberships, 250 per page (the documented
 * maximum), `after` from `paging.next.after` until it is absent. A 404 means the list was deleted.
 * https://developers.hubspot.com/docs/api-reference/crm-lists-v3/memberships/get-page
 */
export async function readListMembers(t: HubspotTransport, listId: string): Promise<MembershipRead> {
  const members: string[] = [];
  let calls = 0;
  let after: string | undefined;
  do {
    const qs: Record<string, string> = { limit: String(MEMBERSHIP_PAGE_SIZE) };
    if (after !== undefined) qs.after = after;
    calls++;
    const res = await t.request({ endpoint: 'lists.memberships.read', method: 'GET', path: hubspotPaths.listMemberships(listId), qs, schema: membershipPageSchema, accept: [404] });
    if (!res.ok) return { members: [], exists: false, calls, pageSize: MEMBERSHIP_PAGE_SIZE };
    for (const r of res.data.results) members.push(r.recordId);
    after = res.data.paging?.next?.after;
  } while (after !== undefined);
  return { members, exists: true, calls, pageSize: MEMBERSHIP_PAGE_SIZE };
}
