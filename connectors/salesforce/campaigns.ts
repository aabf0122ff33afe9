/**
 * One Campaign per segment, and segment membership as CampaignMembers.
 * - Campaigns are found by Name (`<prefix><segment name>`) and created if missing.
 * - Add: collections POST of CampaignMember (ContactId, or LeadId for `00Q…` ids); Status is left
 *   to the campaign's default member status. DUPLICATE_VALUE ("Already a campaign member") means
 *   the goal is reached, not a failure. Above `bulkThreshold` adds (all campaigns together): one Bulk 2.0 insert job.
 * - Remove: CampaignMember ids by CampaignId + ContactId/LeadId IN (…), then collections DELETE (or one delete job).
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_campaignmember.htm
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_delete.htm
 */
import type { JourneyFieldSpec, MembershipChange, MembershipRead, MembershipReport } from '../port.ts';
import type { SalesforceClient } from './client.ts';
import { QUERY_BATCH_SIZE, queryPages, queryRows } from './rest-query.ts';
import { COLLECTION_SIZE, SaveResults, errorOf } from './push.ts';
import { IDS_PER_QUERY, chunk, inList, quote, select } from './soql.ts';
import { asText } from './translate.ts';
import { bulkIngest, ingestPays } from './bulk-ingest.ts';
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

interface Pending {
  change: MembershipChange;
  resolve: (r: MembershipReport) => void;
  reject: (e: unknown) => void;
}

/**
 * Membership changes: adds as CampaignMember creates, removals as lookups of the CampaignMember ids then
 * deletes. Changes asked for in the same turn of the event loop (the core syncs every segment at once) are
 * written together: their Collections calls travel five to a Composite call, and when their adds (or removals)
 * together are more than `bulkThreshold` (and a job costs fewer calls: `ingestPays`) they go as one Bulk API 2.0 insert (delete) job for every campaign —
 * CampaignMember supports create and delete (object reference, "Supported Calls"), and Bulk 2.0 ingest takes
 * insert and delete ("With Bulk API 2.0, you can insert, update, upsert, or delete large data sets",
 * bulk_api_2_0_ingest). DUPLICATE_VALUE ("Already a campaign member") means the goal is reached.
 */
export class MembershipWriter {
  readonly #client: SalesforceClient;
  #pending: Pending[] = [];

  constructor(client: SalesforceClient) {
    this.#client = client;
  }

  sync(change: MembershipChange): Promise<MembershipReport> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ change, resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => void this.#flush());
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    try {
      const reports = await writeMemberships(this.#client, batch.map((p) => p.change));
      batch.forEach((p, i) => p.resolve(reports[i] as MembershipReport));
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}

const memberKey = (campaignId: string, personId: string): string => `${campaignId}:${personId}`;

export async function syncMembership(client: SalesforceClient, change: MembershipChange): Promise<MembershipReport> {
  return (await writeMemberships(client, [change]))[0] as MembershipReport;
}

async function writeMemberships(client: SalesforceClient, changes: MembershipChange[]): Promise<MembershipReport[]> {
  const reports: MembershipReport[] = changes.map(() => ({ added: [], removed: [], failed: [] }));
  const adds = changes.map((c) => [...new Set(c.add)]);
  const removes = changes.map((c) => [...new Set(c.remove)]);
  const addCount = adds.reduce((n, a) => n + a.length, 0);
  await Promise.all([
    ingestPays(client, addCount) ? addByBulk(client, changes, adds, reports) : Promise.all(changes.map((c, i) => addByCollections(client, c, adds[i] as string[], reports[i] as MembershipReport))),
    removeAll(client, changes, removes, reports),
  ]);
  return reports;
}

async function addByCollections(client: SalesforceClient, change: MembershipChange, add: string[], report: MembershipReport): Promise<void> {
  // Independent calls go out together, packed up to five per Composite call (composite.ts).
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
}

/** Every campaign's adds in one insert job (CampaignId, ContactId or LeadId per row). */
async function addByBulk(client: SalesforceClient, changes: MembershipChange[], adds: string[][], reports: MembershipReport[]): Promise<void> {
  const rows = changes.flatMap((c, i) => (adds[i] as string[]).map((id) => ({ CampaignId: c.targetId, ContactId: isLeadId(id) ? '' : id, LeadId: isLeadId(id) ? id : '' })));
  const key = (r: Record<string, string | null | undefined>): string => memberKey(r.CampaignId ?? '', r.ContactId || r.LeadId || '');
  const out = await bulkIngest(client, 'CampaignMember', 'insert', ['CampaignId', 'ContactId', 'LeadId'], rows, key);
  const ok = new Set(out.ok);
  const failed = new Map(out.failed.map((f) => [f.id, f]));
  changes.forEach((c, i) => {
    const report = reports[i] as MembershipReport;
    for (const id of adds[i] as string[]) {
      const k = memberKey(c.targetId, id);
      const f = failed.get(k);
      if (ok.has(k) || f?.code === 'DUPLICATE_VALUE') report.added.push(id);
      else if (f) report.failed.push({ contactId: id, code: f.code, message: f.message });
      else report.failed.push({ contactId: id, code: out.aborted ? 'BULK_ABORTED' : 'BULK_UNPROCESSED', message: 'the Bulk API 2.0 job ended before processing this member; the next run adds it' });
    }
  });
}

/** Removals: the CampaignMember ids of each campaign's leavers (300 a query), then deletes — Collections, or one job. */
async function removeAll(client: SalesforceClient, changes: MembershipChange[], removes: string[][], reports: MembershipReport[]): Promise<void> {
  const memberOf = new Map<string, { change: number; person: string }>(); // CampaignMember id → who left which campaign
  const lookups = changes.flatMap((c, i) => {
    const remove = removes[i] as string[];
    return ([['ContactId', remove.filter((id) => !isLeadId(id))], ['LeadId', remove.filter(isLeadId)]] as const).flatMap(([column, ids]) => chunk(ids, IDS_PER_QUERY).map((part) => ({ i, column, part, campaign: c.targetId })));
  });
  const found = await Promise.all(lookups.map((l) => queryRows(client, select(['Id', l.column], 'CampaignMember', `CampaignId = ${quote(l.campaign)} AND ${l.column} IN ${inList(l.part)}`))));
  found.forEach((rows, k) => {
    const l = lookups[k] as (typeof lookups)[number];
    for (const r of rows) memberOf.set(String(r.Id), { change: l.i, person: String(r[l.column]) });
  });
  const failedIds = changes.map(() => new Set<string>());
  const fail = (memberId: string, code: string, message: string): void => {
    const m = memberOf.get(memberId);
    if (!m) return;
    failedIds[m.change]?.add(m.person);
    reports[m.change]?.failed.push({ contactId: m.person, code, message });
  };
  // Already gone (someone else removed it) is the state we wanted.
  const gone = (code: string): boolean => code === 'ENTITY_IS_DELETED' || code === 'INVALID_CROSS_REFERENCE_KEY';
  if (ingestPays(client, memberOf.size)) {
    const out = await bulkIngest(client, 'CampaignMember', 'delete', ['Id'], [...memberOf.keys()].map((Id) => ({ Id })), (r) => r.Id || r.sf__Id || '');
    for (const f of out.failed) if (!gone(f.code)) fail(f.id, f.code, f.message);
    for (const id of out.unprocessed) fail(id, out.aborted ? 'BULK_ABORTED' : 'BULK_UNPROCESSED', 'the Bulk API 2.0 job ended before deleting this member; the next run removes it');
  } else {
    const deleteParts = chunk([...memberOf.keys()], COLLECTION_SIZE);
    const deleted = await Promise.all(deleteParts.map((part) => client.call<unknown>('sobjects.collections', { method: 'DELETE', url: `/composite/sobjects?ids=${part.join(',')}&allOrNone=false` })));
    deleted.forEach((res, k) => {
      const part = deleteParts[k] as string[];
      SaveResults.parse(res.body).forEach((r, i) => {
        const { code, message } = errorOf(r);
        if (!r.success && !gone(code)) fail(part[i] as string, code, message);
      });
    });
  }
  // Non-members need no call and count as removed: the target state holds.
  changes.forEach((_, i) => (reports[i] as MembershipReport).removed.push(...(removes[i] as string[]).filter((id) => !failedIds[i]?.has(id))));
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
  return (await readMembers(client, [campaignId]))[0] as MembershipRead;
}

/**
 * The members of several campaigns in one read: `CampaignId IN (…)` (300 ids a query), then one
 * `Id IN (…)` query for those with no rows (empty or deleted).
 */
export async function readMembers(client: SalesforceClient, campaignIds: string[]): Promise<MembershipRead[]> {
  const ids = [...new Set(campaignIds)];
  const members = new Map<string, string[]>(ids.map((id) => [id, []]));
  let pages = 0;
  await Promise.all(chunk(ids, IDS_PER_QUERY).map(async (part) => {
    for await (const page of queryPages(client, select(['Id', 'CampaignId', 'ContactId', 'LeadId'], 'CampaignMember', `CampaignId IN ${inList(part)}`, 'CampaignId, Id'))) {
      pages++;
      for (const r of page.rows) {
        const id = asText(r.ContactId) ?? asText(r.LeadId);
        if (id) members.get(String(r.CampaignId))?.push(id);
      }
    }
  }));
  const empty = ids.filter((id) => (members.get(id) as string[]).length === 0);
  const exists = new Set(ids.filter((id) => !empty.includes(id)));
  const lookups = await Promise.all(chunk(empty, IDS_PER_QUERY).map((part) => queryRows(client, select(['Id'], 'Campaign', `Id IN ${inList(part)}`))));
  for (const rows of lookups) for (const r of rows) exists.add(String(r.Id));
  // The queries are shared: the first read carries their count.
  return campaignIds.map((id, i) => ({ members: members.get(id) as string[], exists: exists.has(id), calls: i === 0 ? pages + lookups.length : 0, pageSize: QUERY_BATCH_SIZE }));
}

/** Membership reads asked for in the same turn (the core reads every campaign at once) go as one `readMembers`. */
export class MembershipReader {
  readonly #client: SalesforceClient;
  #pending: Array<{ id: string; resolve: (r: MembershipRead) => void; reject: (e: unknown) => void }> = [];

  constructor(client: SalesforceClient) {
    this.#client = client;
  }

  read(campaignId: string): Promise<MembershipRead> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ id: campaignId, resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => void this.#flush());
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    try {
      const reads = await readMembers(this.#client, batch.map((p) => p.id));
      batch.forEach((p, i) => p.resolve(reads[i] as MembershipRead));
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}
