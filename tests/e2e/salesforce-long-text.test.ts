/**
 * An org where Parcours's reason fields already exist as Long Text Areas (created by hand, or by a Parcours
 * before Text(255)). Two long-text custom fields in one query cap pages at 200 rows ("Change the Batch Size
 * in Queries", SOQL and SOSL Reference): setup leaves the type alone (a type change is the admin's call),
 * says what it costs and how to fix it, and syncs stay correct, at 200 rows a page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox, servedRequests } from '../../sandbox/salesforce/index.ts';
import { runCli, runJson, storeEnv, type SyncJson } from './cli.ts';
import { rest } from '../sandbox-salesforce/helpers.ts';

describe('Salesforce end to end: reason fields that are Long Text Areas', () => {
  let sb: SalesforceSandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    // No interactions seeded: the page count below is about the Contact pull alone.
    sb = await startSalesforceSandbox({ port: 0, seed: 9, contacts: 500, seedTouchpoints: false });
    env = { SALESFORCE_INSTANCE_URL: sb.url, SALESFORCE_ACCESS_TOKEN: sb.accessToken, ...storeEnv() };
    for (const name of ['Parcours_Stage_Reason__c', 'Parcours_Friction_Reason__c']) {
      const res = await rest(sb, 'POST', '/services/data/v66.0/tooling/sobjects/CustomField', { FullName: `Contact.${name}`, Metadata: { label: name, type: 'LongTextArea', length: 32768, visibleLines: 3 } });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await sb.close();
  });

  it('setup keeps them and says how to change them; the sync is correct at 200 rows a page', { timeout: 120_000 }, async () => {
    const setup = await runCli(['setup', '--crm', 'salesforce'], env);
    expect(setup.code).toBe(0);
    expect(setup.stdout).toContain('! Contact.Parcours_Stage_Reason__c is a Long Text Area');
    expect(setup.stdout).toContain('! Contact.Parcours_Friction_Reason__c is a Long Text Area');
    expect(setup.stdout).not.toContain('! Lead.');
    const contacts = sb.data.query('SELECT Id FROM Contact').length;
    expect(contacts).toBeGreaterThan(200);

    const before = sb.calls.length;
    const sync = await runJson<SyncJson>(['sync', '--crm', 'salesforce'], env);
    expect(sync.code).toBe(0);
    const stamped = sb.data.query('SELECT Id, Parcours_Stage__c, Parcours_Stage_Reason__c FROM Contact');
    expect(stamped.every((r) => r.Parcours_Stage__c && String(r.Parcours_Stage_Reason__c).length > 0)).toBe(true);
    // The Contact pull came in pages of 200: the first page and ⌈n/200⌉ − 1 more (other queries here fit in one page).
    const more = servedRequests(sb.calls.slice(before)).filter((c) => c.endpoint === 'GET /services/data/vXX.X/query/{locator}').length;
    expect(more).toBe(Math.ceil(contacts / 200) - 1);

    // Nothing changed: the re-run writes nothing (reasons compare equal whatever the field type).
    const again = await runJson<SyncJson>(['sync', '--crm', 'salesforce'], env);
    expect(again.json.written).toBe(0);
  });
});
