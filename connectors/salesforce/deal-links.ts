/**
 * What an Opportunity row alone does not say: its contacts and the stages it reached.
 *
 * - Contacts: every OpportunityContactRole (primary role first).
 *   https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunitycontactrole.htm
 * - No role at all: the Account's primary contact. Standard Salesforce has no account-level
 *   "primary contact" among the objects we read (AccountContactRole is outside our SOQL subset), so we
 *   define it as the Account's earliest-created Contact (CreatedDate, then Id): stable, and usually the
 *   person the account was opened for.
 * - Stages reached: distinct OpportunityHistory.StageName values, oldest first; stage history: each
 *   row whose StageName differs from the row before it, dated by its CreatedDate (a row is written on
 *   every change of stage, amount, probability or close date, so repeats of a stage are not entries).
 *   https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunityhistory.htm
 */
import type { SalesforceClient } from './client.ts';
import { queryRows } from './rest-query.ts';
import { IDS_PER_QUERY, chunk, inList, select } from './soql.ts';
import type { StageEntryEvidence } from '../../src/model.ts';
import { asBool, asText, asTime, type FlatRow } from './translate.ts';

export type Multi = Map<string, string[]>;
/** Opportunity id → its stage entries, oldest first. */
export type History = Map<string, StageEntryEvidence[]>;

function add(map: Multi, key: string | null, value: string | null): void {
  if (!key || !value) return;
  const list = map.get(key) ?? [];
  if (!list.includes(value)) list.push(value);
  map.set(key, list);
}

export function rolesToMap(rows: FlatRow[]): Multi {
  const sorted = [...rows].sort((a, b) => Number(asBool(b.IsPrimary)) - Number(asBool(a.IsPrimary)));
  const map: Multi = new Map();
  for (const r of sorted) add(map, asText(r.OpportunityId), asText(r.ContactId));
  return map;
}

/** Rows ordered by CreatedDate, Id (as queried). */
export function historyToMap(rows: FlatRow[]): History {
  const map: History = new Map();
  for (const r of rows) {
    const opp = asText(r.OpportunityId);
    const stage = asText(r.StageName);
    const at = asTime(r.CreatedDate);
    if (!opp || !stage || at === null) continue;
    const list = map.get(opp) ?? [];
    if (list.at(-1)?.stage !== stage) list.push({ stage, at });
    map.set(opp, list);
  }
  return map;
}

export const ROLE_FIELDS = ['OpportunityId', 'ContactId', 'IsPrimary'];
export const ROLE_FIELDS_WITH_STAMP = [...ROLE_FIELDS, 'SystemModstamp'];
export const HISTORY_FIELDS = ['OpportunityId', 'StageName', 'CreatedDate'];

/** Full pulls: every role and every history row once, instead of one query per page of deals. */
export async function loadAllRoles(client: SalesforceClient): Promise<{ roles: Multi; rows: FlatRow[] }> {
  const rows = await queryRows(client, select([...ROLE_FIELDS, 'SystemModstamp'], 'OpportunityContactRole'));
  return { roles: rolesToMap(rows), rows };
}

export async function loadAllHistory(client: SalesforceClient): Promise<History> {
  return historyToMap(await queryRows(client, select(HISTORY_FIELDS, 'OpportunityHistory', undefined, 'CreatedDate, Id')));
}

// The chunks' queries go out together: five travel in one Composite call (composite.ts).
export async function loadRoles(client: SalesforceClient, oppIds: string[]): Promise<Multi> {
  const parts = await Promise.all(chunk(oppIds, IDS_PER_QUERY).map((ids) => queryRows(client, select(ROLE_FIELDS, 'OpportunityContactRole', `OpportunityId IN ${inList(ids)}`))));
  return rolesToMap(parts.flat());
}

export async function loadHistory(client: SalesforceClient, oppIds: string[]): Promise<History> {
  const parts = await Promise.all(chunk(oppIds, IDS_PER_QUERY).map((ids) => queryRows(client, select(HISTORY_FIELDS, 'OpportunityHistory', `OpportunityId IN ${inList(ids)}`, 'CreatedDate, Id'))));
  // Each chunk is in (CreatedDate, Id) order and an opportunity's rows are all in one chunk.
  return historyToMap(parts.flat());
}

/** Account id → its primary (earliest-created) contact. */
export async function primaryContacts(client: SalesforceClient, accountIds: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const parts = await Promise.all(chunk([...new Set(accountIds)], IDS_PER_QUERY).map((ids) => queryRows(client, select(['Id', 'AccountId', 'CreatedDate'], 'Contact', `AccountId IN ${inList(ids)}`, 'CreatedDate, Id'))));
  for (const rows of parts) {
    for (const r of rows) {
      const account = asText(r.AccountId);
      const id = asText(r.Id);
      if (account && id && !out.has(account)) out.set(account, id);
    }
  }
  return out;
}

export interface DealLinks { contactIds: string[]; stagesReached: string[]; stageHistory: StageEntryEvidence[] }

/**
 * Links for one page of Opportunity rows. `preloaded` (full pulls) answers from memory; otherwise the
 * roles/history of just these deals are queried. The account fallback is always queried, for the
 * role-less deals of this page only.
 */
export async function linkDeals(
  client: SalesforceClient,
  rows: FlatRow[],
  options: { stagesReached: boolean; preloaded?: { roles: Multi; history: History | null } },
): Promise<Map<string, DealLinks>> {
  const ids = rows.map((r) => String(r.Id));
  const [roles, history] = await Promise.all([
    options.preloaded ? options.preloaded.roles : loadRoles(client, ids),
    !options.stagesReached ? (new Map() as History) : (options.preloaded?.history ?? loadHistory(client, ids)),
  ]);
  const roleless = rows.filter((r) => !roles.has(String(r.Id)) && asText(r.AccountId));
  const primary = roleless.length > 0 ? await primaryContacts(client, roleless.map((r) => String(r.AccountId))) : new Map<string, string>();
  const out = new Map<string, DealLinks>();
  for (const r of rows) {
    const id = String(r.Id);
    const fallback = primary.get(String(r.AccountId));
    const entries = history.get(id) ?? [];
    out.set(id, { contactIds: roles.get(id) ?? (fallback ? [fallback] : []), stagesReached: [...new Set(entries.map((e) => e.stage))], stageHistory: entries });
  }
  return out;
}
