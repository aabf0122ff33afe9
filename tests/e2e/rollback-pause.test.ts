/**
 * A rollback holds: `rollback --run N` restores the fields, the campaign memberships and the stage
 * ledger run N changed, and pauses the installation, so the next run writes nothing back until
 * `parcours resume`; after resume, runs write again. The real CLI against the Salesforce sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox, servedRequests } from '../../sandbox/salesforce/index.ts';
import { inStore, runCli, runJson, salesforceEnv, storeEnv, type SyncJson } from './cli.ts';

const WRITE = /composite\/sobjects|jobs\/ingest|CampaignMember/;
const INSTALLATION = 'salesforce:default';

interface RollbackJson {
  restored: number;
  failed: unknown[];
  memberships: { reverted: number; kept: number };
  stages: { undone: number; kept: number };
  paused: { reason: string };
}

describe('rollback holds until resume (Salesforce end to end)', () => {
  let sb: SalesforceSandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    sb = await startSalesforceSandbox({ port: 0, seed: 31, contacts: 60 });
    env = { ...salesforceEnv(sb), ...storeEnv() };
  });
  afterAll(() => sb.close());

  const emeaMembers = async (): Promise<string[]> => {
    const campaignId = (await inStore(env, async (s) => await s.getSetting(INSTALLATION, 'segment-target:emea'))) as string;
    return sb.data.campaignMembers(campaignId).map((m) => String(m.ContactId ?? m.LeadId));
  };
  const ledgerStage = async (contactId: string) => await inStore(env, async (s) => (await s.currentStages(INSTALLATION, [contactId])).get(contactId)?.stage);

  it('restores fields, memberships and the ledger; the next run is refused; resume lets it write again', async () => {
    expect((await runCli(['setup', '--crm', 'salesforce'], env)).code).toBe(0);
    expect((await runJson<SyncJson>(['sync', '--crm', 'salesforce'], env)).code).toBe(0);

    // A rep's changes: a contact outside EMEA with no deal moves to France and gets an opportunity in negotiation.
    const withRoles = new Set(sb.data.query('SELECT ContactId FROM OpportunityContactRole').map((r) => String(r.ContactId)));
    const emea = await emeaMembers();
    const contact = sb.data
      .query("SELECT Id, MailingCountry, Parcours_Stage__c, Parcours_Stage_Reason__c FROM Contact WHERE Parcours_Stage__c = 'awareness'")
      .find((c) => !withRoles.has(String(c.Id)) && !emea.includes(String(c.Id)));
    expect(contact).toBeDefined();
    const id = String(contact?.Id);
    const [opp] = sb.data.query("SELECT Id FROM Opportunity WHERE IsClosed = false LIMIT 1");
    sb.data.create('OpportunityContactRole', { OpportunityId: String(opp?.Id), ContactId: id, IsPrimary: false });
    sb.data.update('Opportunity', String(opp?.Id), { StageName: 'Negotiation/Review' });
    sb.data.update('Contact', id, { MailingCountry: 'France' });

    const run = await runJson<SyncJson>(['sync', '--crm', 'salesforce'], env);
    expect(run.code).toBe(0);
    expect(sb.data.get('Contact', id)?.Parcours_Stage__c).toBe('decision');
    expect(await emeaMembers()).toContain(id);
    expect(await ledgerStage(id)).toBe('decision');

    const rb = await runJson<RollbackJson>(['rollback', '--run', String(run.json.runId)], env);
    expect(rb.code).toBe(0);
    expect(rb.json.failed).toEqual([]);
    expect(rb.json.restored).toBeGreaterThan(0);
    expect(rb.json.memberships.reverted).toBeGreaterThan(0);
    expect(rb.json.stages.undone).toBeGreaterThan(0);
    expect(rb.json.paused.reason).toBe(`rollback of run ${run.json.runId}`);
    expect(sb.data.get('Contact', id)?.Parcours_Stage__c).toBe('awareness');
    expect(sb.data.get('Contact', id)?.Parcours_Stage_Reason__c).toBe(contact?.Parcours_Stage_Reason__c);
    expect(await emeaMembers()).not.toContain(id);
    expect(await ledgerStage(id)).toBe('awareness');

    // The next run writes nothing back: it is refused, naming the way out.
    const before = sb.calls.length;
    const next = await runCli(['sync', '--crm', 'salesforce'], env);
    expect(next.code).toBe(1);
    expect(next.stderr).toContain('error [PAUSED]');
    expect(next.stderr).toContain('parcours resume --crm salesforce');
    expect(servedRequests(sb.calls.slice(before)).filter((c) => WRITE.test(c.path))).toEqual([]);
    expect(sb.data.get('Contact', id)?.Parcours_Stage__c).toBe('awareness');
    expect(await emeaMembers()).not.toContain(id);
    const runs = await runCli(['runs'], env);
    expect(runs.stdout).toMatch(/^PAUSED: salesforce:default is paused since .* \(rollback of run \d+\)/m);

    const resumed = await runCli(['resume', '--crm', 'salesforce'], env);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('salesforce:default resumed');
    const after = await runJson<SyncJson>(['sync', '--crm', 'salesforce'], env);
    expect(after.code).toBe(0);
    expect(after.json.written).toBeGreaterThan(0);
    expect(sb.data.get('Contact', id)?.Parcours_Stage__c).toBe('decision');
    expect(await emeaMembers()).toContain(id);
    expect(await ledgerStage(id)).toBe('decision');
    expect((await runCli(['runs'], env)).stdout).not.toContain('PAUSED');
  }, 120_000);
});
