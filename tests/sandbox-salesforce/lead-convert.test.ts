/** Lead conversion, merges, the recycle bin and campaign deletion, as Salesforce documents them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { NOW, rest } from './helpers.ts';

let sb: SalesforceSandbox;
beforeAll(async () => {
  sb = await startSalesforceSandbox({ seed: 4, contacts: 60, now: NOW });
});
afterAll(() => sb.close());

const V = '/services/data/v66.0';

describe('lead conversion', () => {
  it('fills IsConverted, ConvertedContactId/AccountId/OpportunityId and ConvertedDate, keeps the campaign membership on the Contact, and locks the Lead', async () => {
    const [lead] = sb.data.query("SELECT Id, FirstName, LastName, Email, Company, Country FROM Lead WHERE IsConverted = false AND Country != null LIMIT 1");
    const leadId = String(lead?.Id);
    const campaignId = sb.data.create('Campaign', { Name: 'Conversion test', IsActive: true });
    sb.data.create('CampaignMember', { CampaignId: campaignId, LeadId: leadId });

    const result = sb.data.convertLead(leadId);
    const converted = sb.data.get('Lead', leadId);
    expect(converted).toMatchObject({
      IsConverted: true,
      ConvertedContactId: result.contactId,
      ConvertedAccountId: result.accountId,
      ConvertedOpportunityId: result.opportunityId,
      ConvertedDate: new Date(NOW).toISOString().slice(0, 10),
      Status: 'Closed - Converted',
    });
    // Standard fields map to the new Contact; the Lead's SystemModstamp moved (incremental pulls see it).
    expect(sb.data.get('Contact', result.contactId)).toMatchObject({ LastName: lead?.LastName, Email: lead?.Email, MailingCountry: lead?.Country, AccountId: result.accountId });
    expect(sb.data.query(`SELECT ContactId, IsPrimary FROM OpportunityContactRole WHERE OpportunityId = '${result.opportunityId}'`)).toEqual([expect.objectContaining({ ContactId: result.contactId, IsPrimary: true })]);
    expect(sb.data.campaignMembers(campaignId)).toEqual([expect.objectContaining({ LeadId: leadId, ContactId: result.contactId })]);
    // Converted Leads cannot be updated through the API.
    const patch = await rest(sb, 'PATCH', `${V}/composite/sobjects`, { allOrNone: false, records: [{ attributes: { type: 'Lead' }, id: leadId, FirstName: 'Changed' }] });
    expect((patch.json as Array<{ success: boolean; errors: Array<{ statusCode: string }> }>)[0]).toMatchObject({ success: false, errors: [{ statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD' }] });
    expect(() => sb.data.convertLead(leadId)).toThrow(/CANNOT_UPDATE_CONVERTED_LEAD/);
    // A plain query still returns it (it is not deleted); IsConverted filters it.
    expect(sb.data.query(`SELECT Id FROM Lead WHERE IsConverted = false AND Id = '${leadId}'`)).toEqual([]);
    expect(sb.data.query(`SELECT Id FROM Lead WHERE IsConverted = true AND Id = '${leadId}'`)).toHaveLength(1);
  });

  it('converting into an existing contact fills only its empty fields, with no opportunity when asked', () => {
    const [lead] = sb.data.query("SELECT Id, Email FROM Lead WHERE IsConverted = false AND Email != null LIMIT 1");
    const [contact] = sb.data.query('SELECT Id, Email, AccountId FROM Contact WHERE Email != null LIMIT 1');
    const r = sb.data.convertLead(String(lead?.Id), { contactId: String(contact?.Id), accountId: String(contact?.AccountId), doNotCreateOpportunity: true });
    expect(r).toEqual({ contactId: contact?.Id, accountId: contact?.AccountId, opportunityId: null });
    expect(sb.data.get('Contact', String(contact?.Id))?.Email).toBe(contact?.Email);
  });
});

describe('merge, recycle bin, campaign deletion', () => {
  it('a merge moves related records to the master and deletes the loser with MasterRecordId; emptying the bin hides it from queryAll', () => {
    const [master, loser] = sb.data.query('SELECT Id FROM Contact ORDER BY Id LIMIT 2').map((r) => String(r.Id)) as [string, string];
    const caseId = sb.data.create('Case', { Subject: 'merge me', ContactId: loser, Status: 'New' });
    sb.data.mergeContacts(master, loser);
    expect(sb.data.get('Case', caseId)?.ContactId).toBe(master);
    expect(sb.data.query(`SELECT Id, MasterRecordId FROM Contact WHERE Id = '${loser}' AND IsDeleted = true`, { all: true })).toEqual([expect.objectContaining({ MasterRecordId: master })]);
    sb.data.emptyRecycleBin([loser]);
    expect(sb.data.query(`SELECT Id FROM Contact WHERE Id = '${loser}'`, { all: true })).toEqual([]);
    expect(() => sb.data.emptyRecycleBin([master])).toThrow(/not in the recycle bin/);
  });

  it('deleting a campaign deletes its members', () => {
    const campaignId = sb.data.create('Campaign', { Name: 'Doomed', IsActive: true });
    const [c] = sb.data.query('SELECT Id FROM Contact WHERE IsDeleted = false LIMIT 1');
    sb.data.create('CampaignMember', { CampaignId: campaignId, ContactId: String(c?.Id) });
    sb.data.delete(campaignId);
    expect(sb.data.campaignMembers(campaignId)).toEqual([]);
    expect(sb.data.query(`SELECT Id FROM Campaign WHERE Id = '${campaignId}'`)).toEqual([]);
  });
});
