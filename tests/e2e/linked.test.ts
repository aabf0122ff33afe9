import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { DAY_MS } from '../../src/model.ts';
import { addSalesforceIntegrationProperties, inStore, runCli, runJson, salesforceEnv, storeEnv, type SyncJson } from './cli.ts';

/** `sync --link --json`, as the README documents it. */
interface LinkedJson {
  link: string;
  status: string;
  customers: number;
  linked: number;
  matchedBy: { 'integration-id': number; email: number };
  unlinked: number;
  unlinkedBySide: { hubspot: number; salesforce: number };
  conflicts: number;
  hubspot: SyncJson & { segments: Record<string, { added: number; removed: number }> };
  salesforce: SyncJson & { segments: Record<string, { added: number; removed: number }> };
}

const sfDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

// Two sandboxes, two pulls and pushes per run, on a shared two-core machine: generous timeouts.
describe('one customer across a linked HubSpot portal and Salesforce org (issue 16)', { timeout: 300_000 }, () => {
  let hs: HubspotSandbox;
  let sf: SalesforceSandbox;
  let env: Record<string, string>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // Different seeds: the seeded people do not overlap; the people the test is about are made below.
    hs = await startHubspotSandbox({ port: 0, seed: 41, contacts: 30 });
    sf = await startSalesforceSandbox({ port: 0, seed: 42, contacts: 30 });
    env = { HUBSPOT_BASE_URL: hs.url, HUBSPOT_ACCESS_TOKEN: hs.accessToken, ...salesforceEnv(sf), ...storeEnv(), PARCOURS_LINK: 'hubspot,salesforce' };

    // The properties HubSpot's Salesforce integration creates in the portal it is installed in.
    await addSalesforceIntegrationProperties(hs);

    // Ada: a marketing-qualified lead in HubSpot, who bought in Salesforce 10 days ago (matched by e-mail, case aside).
    ids.adaHs = hs.data.createRecord('contacts', { email: 'ada@linked.test', firstname: 'Ada', lastname: 'Lovelace', lifecyclestage: 'marketingqualifiedlead' }).id;
    ids.adaSf = sf.data.create('Contact', { FirstName: 'Ada', LastName: 'Lovelace', Email: 'ADA@Linked.test' });
    ids.adaOpp = sf.data.create('Opportunity', { Name: 'ACME platform', StageName: 'Closed Won', CloseDate: sfDate(Date.now() - 10 * DAY_MS), Amount: 48000 });
    sf.data.create('OpportunityContactRole', { OpportunityId: ids.adaOpp, ContactId: ids.adaSf, IsPrimary: true });
    // Bob: only in HubSpot.
    ids.bobHs = hs.data.createRecord('contacts', { email: 'bob@hubspot-only.test', firstname: 'Bob', lastname: 'Only', lifecyclestage: 'marketingqualifiedlead' }).id;
    // Dup: one HubSpot contact, and the same address on two Salesforce Leads (a duplicate in the org).
    ids.dupHs = hs.data.createRecord('contacts', { email: 'dup@linked.test', firstname: 'Dee', lastname: 'Uplicate', lifecyclestage: 'lead' }).id;
    ids.dupLead1 = sf.data.create('Lead', { LastName: 'Uplicate', Company: 'Dup Inc', Email: 'dup@linked.test', Status: 'Open - Not Contacted' });
    ids.dupLead2 = sf.data.create('Lead', { LastName: 'Uplicate', Company: 'Dup Inc', Email: 'DUP@linked.test', Status: 'Working - Contacted' });
    // Cy: linked by the integration's Lead id although the addresses differ; the Lead is converted later.
    ids.cyLead = sf.data.create('Lead', { LastName: 'Integrated', Company: 'Cy Corp', Email: 'cy@work.test', Status: 'Working - Contacted' });
    ids.cyHs = hs.data.createRecord('contacts', { email: 'cy@home.test', firstname: 'Cy', lastname: 'Integrated', lifecyclestage: 'lead', salesforceleadid: ids.cyLead }).id;

    for (const crm of ['hubspot', 'salesforce']) expect((await runCli(['setup', '--crm', crm], env)).code).toBe(0);
  }, 240_000); // two sandboxes and two setups through the CLI: on a loaded two-core machine well over 30 s
  afterAll(async () => {
    await hs?.close();
    await sf?.close();
  });

  it('writes the merged journey to both records: an MQL in HubSpot who won in Salesforce is purchase on both, citing the Opportunity', async () => {
    const r = await runJson<LinkedJson>(['sync', '--link'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.json.link).toBe('default');
    expect(r.json.status).toBe('succeeded');
    expect(r.json.hubspot.status).toBe('succeeded');
    expect(r.json.salesforce.status).toBe('succeeded');

    const adaHs = hs.data.getRecord('contacts', ids.adaHs as string)?.properties;
    const adaSf = sf.data.get('Contact', ids.adaSf as string);
    expect(adaHs?.parcours_stage).toBe('purchase');
    expect(adaSf?.Parcours_Stage__c).toBe('purchase');
    expect(adaHs?.parcours_stage_reason).toContain(`(Opportunity ${ids.adaOpp}) won on`);
    expect(adaSf?.Parcours_Stage_Reason__c).toBe(adaHs?.parcours_stage_reason);
    expect(await inStore(env, async (s) => await s.linkMatchOf('default', 'hubspot', ids.adaHs as string))).toMatchObject({ reason: 'email', email: 'ada@linked.test', salesforce: { id: ids.adaSf } });

    // Cy: the integration's Lead id wins over the differing addresses.
    expect(await inStore(env, async (s) => await s.linkMatchOf('default', 'hubspot', ids.cyHs as string))).toMatchObject({ reason: 'integration-id', salesforce: { objectType: 'Lead', id: ids.cyLead } });
    expect(sf.data.get('Lead', ids.cyLead as string)?.Parcours_Stage__c).toBe('consideration');
    expect(hs.data.getRecord('contacts', ids.cyHs as string)?.properties.parcours_stage).toBe('consideration');
    expect(r.json.matchedBy).toEqual({ 'integration-id': 1, email: 1 });
    expect(r.json.linked).toBe(2);
  });

  it('evaluates a person only in HubSpot from HubSpot alone', async () => {
    expect(hs.data.getRecord('contacts', ids.bobHs as string)?.properties.parcours_stage).toBe('consideration');
    expect(await inStore(env, async (s) => await s.linkMatchOf('default', 'hubspot', ids.bobHs as string))).toBeUndefined();
  });

  it('reports one address on two Leads as a conflict, with the records, and merges nothing', async () => {
    const conflicts = await inStore(env, async (s) => await s.linkConflicts('default'));
    const leads = [ids.dupLead1 as string, ids.dupLead2 as string].sort().map((id) => ({ kind: 'contact', objectType: 'Lead', id }));
    expect(conflicts).toEqual([{ side: 'salesforce', email: 'dup@linked.test', records: leads }]);
    expect(await inStore(env, async (s) => await s.linkMatchOf('default', 'hubspot', ids.dupHs as string))).toBeUndefined();
    // Each record keeps its own side's journey: the two Leads differ (lead status), the HubSpot contact is a lead.
    expect(sf.data.get('Lead', ids.dupLead1 as string)?.Parcours_Stage__c).toBe('awareness');
    expect(sf.data.get('Lead', ids.dupLead2 as string)?.Parcours_Stage__c).toBe('consideration');
    expect(hs.data.getRecord('contacts', ids.dupHs as string)?.properties.parcours_stage).toBe('awareness');
  });

  it('a re-run writes nothing on either side', async () => {
    const r = await runJson<LinkedJson>(['sync', '--link'], env);
    expect(r.code).toBe(0);
    expect(r.json.hubspot.written).toBe(0);
    expect(r.json.salesforce.written).toBe(0);
    for (const side of [r.json.hubspot, r.json.salesforce]) {
      for (const [segment, s] of Object.entries(side.segments)) expect([segment, s.added, s.removed]).toEqual([segment, 0, 0]);
    }
    expect(r.json.conflicts).toBe(1);
  });

  it('a converted Lead hands its link to its Contact', async () => {
    const converted = sf.data.convertLead(ids.cyLead as string, { doNotCreateOpportunity: true });
    const r = await runJson<LinkedJson>(['sync', '--link'], env);
    expect(r.code).toBe(0);
    expect(await inStore(env, async (s) => await s.linkMatchOf('default', 'hubspot', ids.cyHs as string))).toMatchObject({ reason: 'integration-id', salesforce: { objectType: 'Contact', id: converted.contactId } });
    expect(sf.data.get('Contact', converted.contactId)?.Parcours_Stage__c).toBe(hs.data.getRecord('contacts', ids.cyHs as string)?.properties.parcours_stage);
  });
});
