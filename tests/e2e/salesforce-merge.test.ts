/**
 * Issue 16: a merge in Salesforce moves the customer to the survivor. merge() deletes the losers and sets their
 * MasterRecordId to the survivor; queryAll shows them (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_merge.htm,
 * https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/apex_triggers_merge_statements.htm). The real CLI
 * against the two sandboxes, linked as HubSpot's Salesforce integration links them (`salesforcecontactid`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { addSalesforceIntegrationProperties, inStore, runCli, runJson, salesforceEnv, storeEnv, type SyncJson } from './cli.ts';

interface LinkedJson {
  status: string;
  salesforce: SyncJson & { handedOver: number; segments: Record<string, unknown> };
}

const SF = 'salesforce:default';

describe('a Salesforce merge hands the customer over to the survivor (issue 16)', { timeout: 300_000 }, () => {
  let hs: HubspotSandbox;
  let sf: SalesforceSandbox;
  let env: Record<string, string>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    hs = await startHubspotSandbox({ port: 0, seed: 51, contacts: 10 });
    sf = await startSalesforceSandbox({ port: 0, seed: 52, contacts: 10, seedTouchpoints: false });
    env = { HUBSPOT_BASE_URL: hs.url, HUBSPOT_ACCESS_TOKEN: hs.accessToken, ...salesforceEnv(sf), ...storeEnv(), PARCOURS_LINK: 'hubspot,salesforce' };
    // The properties HubSpot's Salesforce integration creates in the portal it is installed in.
    await addSalesforceIntegrationProperties(hs);
    // Mia: a Contact the integration linked to her HubSpot contact by id (the addresses differ).
    ids.loser = sf.data.create('Contact', { FirstName: 'Mia', LastName: 'Merged', Email: 'mia@old-work.test', MailingCountry: 'Germany' });
    ids.hs = hs.data.createRecord('contacts', { email: 'mia@home.test', firstname: 'Mia', lastname: 'Merged', lifecyclestage: 'marketingqualifiedlead', salesforcecontactid: ids.loser }).id;
    for (const crm of ['hubspot', 'salesforce']) expect((await runCli(['setup', '--crm', crm], env)).code).toBe(0);
  }, 240_000);
  afterAll(async () => {
    await hs?.close();
    await sf?.close();
  });

  it('the survivor keeps the stage history and memberships, and the linked run matches the HubSpot contact to it', async () => {
    const first = await runJson<LinkedJson>(['sync', '--link'], env);
    expect(first.code).toBe(0);
    expect(await inStore(env, (s) => s.linkMatchOf('default', 'hubspot', ids.hs as string))).toMatchObject({ reason: 'integration-id', salesforce: { objectType: 'Contact', id: ids.loser } });
    const stays = await inStore(env, async (s) => (await s.stageStaysOf(SF, [ids.loser as string])).get(ids.loser as string) ?? []);
    expect(stays.length).toBeGreaterThan(0);
    const segments = Object.keys(first.json.salesforce.segments);
    const memberOf = await inStore(env, async (s) => {
      const found: string[] = [];
      for (const id of segments) if ((await s.getSegmentMembers(SF, id)).has(ids.loser as string)) found.push(id);
      return found;
    });
    expect(memberOf.length).toBeGreaterThan(0);

    // A rep creates a duplicate and merges the older record into it: the new one survives.
    ids.survivor = sf.data.create('Contact', { FirstName: 'Mia', LastName: 'Merged', Email: 'mia@new-work.test', MailingCountry: 'Germany' });
    sf.data.mergeContacts(ids.survivor, ids.loser as string);
    expect(sf.data.query(`SELECT Id, MasterRecordId FROM Contact WHERE Id = '${ids.loser}' AND IsDeleted = true`, { all: true })).toEqual([expect.objectContaining({ MasterRecordId: ids.survivor })]);

    const second = await runJson<LinkedJson>(['sync', '--link'], env);
    expect(second.code).toBe(0);
    expect(second.json.salesforce.handedOver).toBe(1);
    await inStore(env, async (s) => {
      // The journey carries on: the loser's stays, dated as before, are the survivor's now.
      const moved = (await s.stageStaysOf(SF, [ids.survivor as string])).get(ids.survivor as string) ?? [];
      expect(moved.map((x) => [x.journeyId, x.stage, x.enteredAt])).toEqual(stays.map((x) => [x.journeyId, x.stage, x.enteredAt]));
      for (const id of memberOf) {
        expect((await s.getSegmentMembers(SF, id)).has(ids.survivor as string)).toBe(true);
        expect((await s.getSegmentMembers(SF, id)).has(ids.loser as string)).toBe(false);
      }
      expect(await s.getRecord(SF, 'contact', ids.loser as string)).toBeUndefined();
      // HubSpot still holds the loser's id in salesforcecontactid: the link follows the merge.
      expect(await s.linkMatchOf('default', 'hubspot', ids.hs as string)).toMatchObject({ reason: 'integration-id', salesforce: { objectType: 'Contact', id: ids.survivor } });
    });
    // One customer: the survivor carries the linked stage.
    expect(sf.data.get('Contact', ids.survivor as string)?.Parcours_Stage__c).toBe(hs.data.getRecord('contacts', ids.hs as string)?.properties.parcours_stage);
  });
});
