/**
 * Live reads outside a sync: current owned values (`readCurrent`) and one customer (`fetchCustomer`).
 */
import type { FieldNeeds } from '../port.ts';
import type { CrmRecord, RecordRef } from '../../src/model.ts';
import type { SalesforceClient } from './client.ts';
import { planObject } from './field-plan.ts';
import { queryRows } from './rest-query.ts';
import { linkDeals, loadRoles, primaryContacts } from './deal-links.ts';
import { IDS_PER_QUERY, assertFieldName, chunk, inList, quote, select } from './soql.ts';
import { asText, toContact, toDeal, toTicket } from './translate.ts';
import { isLeadId } from './campaigns.ts';

/** Owned values by record id. `fieldNames` must exist on every object type among `refs` (call once per kind). */
export async function readCurrent(client: SalesforceClient, refs: RecordRef[], fieldNames: string[]): Promise<Map<string, Record<string, string | null>>> {
  const out = new Map<string, Record<string, string | null>>();
  if (refs.length === 0) return out;
  const names = fieldNames.map(assertFieldName);
  const byObject = new Map<string, string[]>();
  for (const r of refs) byObject.set(r.objectType, [...(byObject.get(r.objectType) ?? []), r.id]);
  for (const [object, ids] of byObject) {
    for (const part of chunk([...new Set(ids)], IDS_PER_QUERY)) {
      for (const row of await queryRows(client, select(['Id', ...names], assertFieldName(object), `Id IN ${inList(part)}`))) {
        out.set(String(row.Id), Object.fromEntries(names.map((n) => [n, asText(row[n])])));
      }
    }
  }
  return out;
}

export async function fetchCustomer(client: SalesforceClient, contactId: string, fields: FieldNeeds): Promise<CrmRecord[]> {
  const object = isLeadId(contactId) ? 'Lead' : 'Contact';
  const contactPlan = planObject(object, fields);
  const contactRows = await queryRows(client, select([...contactPlan.select, ...(object === 'Contact' ? ['AccountId'] : [])], object, `Id = ${quote(contactId)}`));
  const contactRow = contactRows[0];
  if (!contactRow) return [];
  const records: CrmRecord[] = [toContact(contactRow, contactPlan)];
  if (object === 'Lead') return records; // Leads carry no contact roles or cases.

  const dealPlan = planObject('Opportunity', fields);
  const roleRows = await queryRows(client, select(['OpportunityId'], 'OpportunityContactRole', `ContactId = ${quote(contactId)}`));
  const oppIds = new Set(roleRows.map((r) => String(r.OpportunityId)));
  // Role-less deals of the contact's account whose fallback (the account's primary contact) is this contact.
  const accountId = asText(contactRow.AccountId);
  if (accountId && (await primaryContacts(client, [accountId])).get(accountId) === contactId) {
    const accountOpps = (await queryRows(client, select(['Id'], 'Opportunity', `AccountId = ${quote(accountId)}`))).map((r) => String(r.Id));
    const withRoles = await loadRoles(client, accountOpps);
    for (const id of accountOpps) if (!withRoles.has(id)) oppIds.add(id);
  }
  for (const part of chunk([...oppIds], IDS_PER_QUERY)) {
    const rows = await queryRows(client, select(dealPlan.select, 'Opportunity', `Id IN ${inList(part)}`));
    const links = await linkDeals(client, rows, { stagesReached: dealPlan.stagesReached });
    for (const r of rows) records.push(toDeal(r, dealPlan, links.get(String(r.Id)) ?? { contactIds: [], stagesReached: [] }));
  }
  const casePlan = planObject('Case', fields);
  for (const r of await queryRows(client, select(casePlan.select, 'Case', `ContactId = ${quote(contactId)}`))) records.push(toTicket(r, casePlan));
  return records;
}
