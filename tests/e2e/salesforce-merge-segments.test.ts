/**
 * A merge on a single Salesforce installation, on a run that reads the segments' stored members ahead while
 * its pull waits: the pull hands the loser's memberships over to the survivor (src/store/handover.ts), so a
 * read taken before it is stale. Salesforce moves the loser's CampaignMembers to the master record on merge
 * (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_merge.htm: related records
 * are reparented), so the run has nothing to add or remove for the survivor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { inStore, runCli, runJson, salesforceEnv, storeEnv, type SyncJson } from './cli.ts';

type Json = SyncJson & { handedOver: number; segments: Record<string, { members: number; added: number; removed: number }> };
const SF = 'salesforce:default';

describe('a merge between two kept-outcome runs (single Salesforce installation)', { timeout: 300_000 }, () => {
  let sf: SalesforceSandbox;
  let env: Record<string, string>;

  beforeAll(async () => {
    sf = await startSalesforceSandbox({ port: 0, seed: 53, contacts: 10, seedTouchpoints: false });
    env = { ...salesforceEnv(sf), ...storeEnv() };
    expect((await runCli(['setup', '--crm', 'salesforce'], env)).code).toBe(0);
  }, 240_000);
  afterAll(async () => {
    await sf?.close();
  });

  it('the survivor keeps the memberships: nothing to add or remove, and the store moved them', async () => {
    const loser = sf.data.create('Contact', { FirstName: 'Mia', LastName: 'Merged', Email: 'mia@old-work.test', MailingCountry: 'Germany' });
    const first = await runJson<Json>(['sync', '--crm', 'salesforce'], env);
    expect(first.code).toBe(0);
    const memberOf = await inStore(env, async (s) => {
      const found: string[] = [];
      for (const id of Object.keys(first.json.segments)) if ((await s.getSegmentMembers(SF, id)).has(loser)) found.push(id);
      return found;
    });
    expect(memberOf.length).toBeGreaterThan(0);
    // A second run keeps every outcome, so the next one reads them (and the segments) ahead.
    expect((await runJson<Json>(['sync', '--crm', 'salesforce'], env)).code).toBe(0);

    const survivor = sf.data.create('Contact', { FirstName: 'Mia', LastName: 'Merged', Email: 'mia@new-work.test', MailingCountry: 'Germany' });
    sf.data.mergeContacts(survivor, loser);

    const merged = await runJson<Json>(['sync', '--crm', 'salesforce'], env);
    expect(merged.code).toBe(0);
    expect(merged.json.handedOver).toBe(1);
    for (const id of memberOf) expect(merged.json.segments[id], id).toMatchObject({ added: 0, removed: 0 });
    await inStore(env, async (s) => {
      for (const id of memberOf) {
        const members = await s.getSegmentMembers(SF, id);
        expect(members.has(survivor), id).toBe(true);
        expect(members.has(loser), id).toBe(false);
      }
    });
  });
});
