import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox, servedRequests } from '../../sandbox/salesforce/index.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inStore, runCli, runJson, salesforceEnv, startCli, storeEnv, type SyncJson } from './cli.ts';
import { connect, rest } from '../sandbox-salesforce/helpers.ts';


const WRITE = /composite\/sobjects|jobs\/ingest/;

function envFor(sb: SalesforceSandbox): Record<string, string> {
  // The refresh flow, as an admin would configure it; the access token comes from the token endpoint.
  return { ...salesforceEnv(sb), ...storeEnv() };
}

async function campaignMembers(sb: SalesforceSandbox, env: Record<string, string>, segment: string): Promise<Array<{ ContactId: string | null; LeadId: string | null }>> {
  const campaignId = (await inStore(env, (s) => s.getSetting('salesforce:default', `segment-target:${segment}`))) as string;
  return sb.data.campaignMembers(campaignId);
}

// Every sync also pulls the org's interactions (touchpoints): on a loaded machine a test's two CLI runs need more than 30 s.
describe('Salesforce end to end: the real CLI against the sandbox org', { timeout: 120_000 }, () => {
  let sb: SalesforceSandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    sb = await startSalesforceSandbox({ port: 0, seed: 21, contacts: 150 });
    env = envFor(sb);
  });
  afterAll(async () => {
    await sb.close();
  });

  it('setup creates fields, FLS and campaigns once; a second setup on the unchanged mapping makes zero writes', { timeout: 120_000 }, async () => {
    const first = await runJson<{ created: string[]; segmentTargets: Record<string, string> }>(['setup', '--crm', 'salesforce'], env);
    expect(first.code).toBe(0);
    expect(first.json.created.length).toBeGreaterThan(0);
    expect(Object.keys(first.json.segmentTargets)).toHaveLength(6);
    const before = sb.calls.length;
    const second = await runJson<{ created: string[]; updated: string[] }>(['setup', '--crm', 'salesforce'], env);
    expect(second.code).toBe(0);
    expect(second.json.created).toEqual([]);
    expect(second.json.updated).toEqual([]);
    const calls = servedRequests(sb.calls.slice(before)).filter((c) => !c.path.includes('/oauth2/token'));
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });

  it('a picklist value the admin added survives a setup that adds a new stage (Tooling PATCH replaces the definition)', { timeout: 120_000 }, async () => {
    // The admin adds "vip" to the stage picklist in Setup, re-sending the definition as Tooling requires.
    const q = encodeURIComponent("SELECT Id FROM CustomField WHERE TableEnumOrId = 'Contact' AND DeveloperName = 'Parcours_Stage'");
    const found = (await rest(sb, 'GET', `/services/data/v66.0/tooling/query?q=${q}`)).json as { records: Array<{ Id: string }> };
    const id = found.records[0]!.Id;
    const field = (await rest(sb, 'GET', `/services/data/v66.0/tooling/sobjects/CustomField/${id}`)).json as { Metadata: { valueSet: { valueSetDefinition: { value: unknown[] } } } };
    const md = field.Metadata;
    md.valueSet.valueSetDefinition.value.push({ valueName: 'vip', label: 'VIP (admin)', default: false });
    expect((await rest(sb, 'PATCH', `/services/data/v66.0/tooling/sobjects/CustomField/${id}`, { Metadata: md })).status).toBe(204);

    // A mapping with one more stage: setup must PATCH the value set, and keep "vip".
    const dir = mkdtempSync(join(tmpdir(), 'parcours-map-'));
    const file = join(dir, 'salesforce.yaml');
    const extra = "      - id: renewal\n        label: Renewal\n        when: { contact.lifecycle: 'Renewal' }\n        reason: 'lead status {contact.lifecycle}'\n";
    writeFileSync(file, readFileSync('mappings/salesforce.yaml', 'utf8').replace('\nsegments:', `${extra}\nsegments:`));
    const r = await runJson<{ created: string[]; updated: string[] }>(['setup', '--crm', 'salesforce', '--mapping', file], env);
    expect(r.code).toBe(0);
    expect(r.json.updated).toEqual(expect.arrayContaining(['Contact.Parcours_Stage__c', 'Lead.Parcours_Stage__c']));
    const values = (await connect(sb).describe('Contact')).fields.find((f) => f.name === 'Parcours_Stage__c')!.picklistValues!.map((p) => p.value);
    expect(values).toEqual(expect.arrayContaining(['awareness', 'post_purchase', 'renewal', 'vip']));
    // And once more: nothing left to add, nothing written.
    const before = sb.calls.length;
    const again = await runJson<{ updated: string[] }>(['setup', '--crm', 'salesforce', '--mapping', file], env);
    expect(again.json.updated).toEqual([]);
    expect(servedRequests(sb.calls.slice(before)).filter((c) => c.method !== 'GET' && !c.path.includes('/oauth2/token'))).toEqual([]);
  });

  it('--dry-run writes nothing', { timeout: 120_000 }, async () => {
    const before = sb.calls.length;
    const r = await runJson<SyncJson>(['sync', '--crm', 'salesforce', '--dry-run'], env);
    expect(r.code).toBe(0);
    expect(r.json.dryRun).toBe(true);
    expect(r.json.changed.contacts).toBe(150);
    expect(servedRequests(sb.calls.slice(before)).filter((c) => WRITE.test(c.path))).toEqual([]);
  });

  it('sync writes stage, flags and reasons on Contacts and Leads; an unchanged re-run makes zero writes', { timeout: 120_000 }, async () => {
    const full = await runJson<SyncJson>(['sync', '--crm', 'salesforce'], env);
    expect(full.code).toBe(0);
    expect(full.json.status).toBe('succeeded');
    const contacts = sb.data.query('SELECT Id, Parcours_Stage__c, Parcours_Stage_Reason__c FROM Contact');
    const leads = sb.data.query('SELECT Id, Parcours_Stage__c FROM Lead WHERE IsConverted = false');
    expect(contacts.length + leads.length).toBe(150);
    expect([...contacts, ...leads].every((r) => typeof r.Parcours_Stage__c === 'string')).toBe(true);
    expect(contacts.every((r) => /^\w+: /.test(String(r.Parcours_Stage_Reason__c)))).toBe(true);

    const before = sb.calls.length;
    const again = await runJson<SyncJson>(['sync', '--crm', 'salesforce'], env);
    expect(again.code).toBe(0);
    expect(again.json.written).toBe(0);
    expect(servedRequests(sb.calls.slice(before)).filter((c) => WRITE.test(c.path))).toEqual([]);
  });

  it('an opportunity lost after a late stage flags the opportunity and its contact on the next run', { timeout: 120_000 }, async () => {
    const open = sb.data.query("SELECT Id FROM Opportunity WHERE IsClosed = false AND StageName = 'Prospecting'").map((o) => String(o.Id));
    const roles = sb.data.query('SELECT OpportunityId, ContactId FROM OpportunityContactRole');
    const role = roles.find((r) => open.includes(String(r.OpportunityId)) && r.ContactId);
    expect(role).toBeDefined();
    const oppId = String(role?.OpportunityId);
    sb.data.update('Opportunity', oppId, { StageName: 'Negotiation/Review' });
    sb.data.update('Opportunity', oppId, { StageName: 'Closed Lost' });
    const r = await runJson<SyncJson>(['sync', '--crm', 'salesforce'], env);
    expect(r.code).toBe(0);
    expect(String(sb.data.get('Opportunity', oppId)?.Parcours_Friction__c)).toContain('abandoned_checkout');
    expect(String(sb.data.get('Contact', String(role?.ContactId))?.Parcours_Friction__c)).toContain('abandoned_checkout');
  });

  it('rollback restores the values a run overwrote where the org still holds them', { timeout: 120_000 }, async () => {
    const [c] = sb.data.query("SELECT Id, Parcours_Stage__c, Parcours_Stage_Reason__c FROM Contact WHERE Parcours_Stage__c = 'awareness' LIMIT 1");
    const id = String(c?.Id);
    const [opp] = sb.data.query('SELECT Id FROM Opportunity LIMIT 1');
    sb.data.create('OpportunityContactRole', { OpportunityId: String(opp?.Id), ContactId: id, IsPrimary: false });
    sb.data.update('Opportunity', String(opp?.Id), { StageName: 'Negotiation/Review' });
    const run = await runJson<SyncJson>(['sync', '--crm', 'salesforce'], env);
    expect(run.json.written).toBeGreaterThan(0);
    expect(sb.data.get('Contact', id)?.Parcours_Stage__c).toBe('decision');
    const rb = await runJson<{ restored: number; skipped: unknown[]; failed: unknown[] }>(['rollback', '--run', String(run.json.runId)], env);
    expect(rb.code).toBe(0);
    expect(rb.json.restored).toBeGreaterThan(0);
    expect(rb.json.failed).toEqual([]);
    expect(sb.data.get('Contact', id)?.Parcours_Stage__c).toBe('awareness');
    expect(sb.data.get('Contact', id)?.Parcours_Stage_Reason__c).toBe(c?.Parcours_Stage_Reason__c);
    // The rollback paused the installation (tests/e2e/rollback-pause.test.ts covers it); resume for the next tests.
    expect((await runCli(['resume', '--crm', 'salesforce'], env)).code).toBe(0);
  });

  // A role deleted directly is a hard delete that no query shows (object reference, OpportunityContactRole).
  // Parcours notices it when the Opportunity next changes (its roles are re-read) or on the next full run.
  it('a contact role deleted directly leaves the journey when its opportunity changes, or on the next full run', async () => {
    const open = sb.data.query("SELECT Id FROM Opportunity WHERE IsClosed = false AND StageName = 'Prospecting' ORDER BY Id").map((o) => String(o.Id));
    expect(open.length).toBeGreaterThanOrEqual(2);
    const [o1, o2] = open as [string, string];
    const x = sb.data.create('Contact', { LastName: 'Role X', Email: 'role.x@example.com' });
    const y = sb.data.create('Contact', { LastName: 'Role Y', Email: 'role.y@example.com' });
    const rx = sb.data.create('OpportunityContactRole', { OpportunityId: o1, ContactId: x, IsPrimary: false });
    const ry = sb.data.create('OpportunityContactRole', { OpportunityId: o2, ContactId: y, IsPrimary: false });
    expect((await runJson<SyncJson>(['sync', '--crm', 'salesforce'], env)).code).toBe(0);
    const stage = (id: string) => sb.data.get('Contact', id)?.Parcours_Stage__c;
    expect([stage(x), stage(y)]).toEqual(['consideration', 'consideration']);

    sb.data.delete(rx);
    sb.data.delete(ry);
    expect(sb.data.query(`SELECT Id FROM OpportunityContactRole WHERE Id IN ('${rx}', '${ry}')`, { all: true })).toEqual([]);
    // Nothing visible changed: an incremental run cannot know yet.
    expect((await runJson<SyncJson>(['sync', '--crm', 'salesforce'], env)).code).toBe(0);
    expect([stage(x), stage(y)]).toEqual(['consideration', 'consideration']);

    // The first opportunity changes: its roles are re-read and X has no opportunity left.
    sb.data.update('Opportunity', o1, { Amount: 4321 });
    expect((await runJson<SyncJson>(['sync', '--crm', 'salesforce'], env)).code).toBe(0);
    expect([stage(x), stage(y)]).toEqual(['awareness', 'consideration']);

    // A full run re-reads every role.
    expect((await runJson<SyncJson>(['sync', '--crm', 'salesforce', '--full'], env)).code).toBe(0);
    expect([stage(x), stage(y)]).toEqual(['awareness', 'awareness']);
  }, 120_000);

  it('campaign membership mirrors each segment with no duplicate member', async () => {
    const members = await campaignMembers(sb, env, 'emea');
    const ids = members.map((m) => m.ContactId ?? m.LeadId);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('Salesforce end to end: a run killed mid-push', () => {
  it('is finished by the next run with every record correct and no duplicate campaign member', { timeout: 240_000 }, async () => {
    // Enough contacts for several Composite calls of Collections updates (5 × 200 records each, one at a time).
    const sb = await startSalesforceSandbox({ port: 0, seed: 8, contacts: 2_000 });
    const env = envFor(sb);
    try {
      expect((await runCli(['setup', '--crm', 'salesforce'], env)).code).toBe(0);
      sb.faults.add({ method: 'PATCH', path: 'composite/sobjects', delayMs: 700, times: 40 });
      const stamped = () => [...sb.data.query('SELECT Id, Parcours_Stage__c FROM Contact'), ...sb.data.query('SELECT Id, Parcours_Stage__c FROM Lead WHERE IsConverted = false')];
      const child = startCli(['sync', '--crm', 'salesforce'], env);
      const deadline = Date.now() + 60_000;
      while (!stamped().some((r) => r.Parcours_Stage__c) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('close', r));
      // The org finishes the Composite call it was serving (5 × 700 ms at most), as Salesforce would.
      await new Promise((r) => setTimeout(r, 4_000));
      sb.faults.clear();
      const total = stamped().length;
      const partial = stamped().filter((r) => r.Parcours_Stage__c).length;
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(total);

      const next = await runJson<SyncJson>(['sync', '--crm', 'salesforce'], env);
      expect(next.code).toBe(0);
      expect(stamped().every((r) => r.Parcours_Stage__c)).toBe(true);
      const verify = await runJson<SyncJson>(['sync', '--crm', 'salesforce', '--full', '--dry-run'], env);
      expect(verify.json.changed).toEqual({ contacts: 0, deals: 0, tickets: 0 });
      for (const segment of ['emea', 'new_lead', 'high_value']) {
        const ids = (await campaignMembers(sb, env, segment)).map((m) => m.ContactId ?? m.LeadId);
        expect(new Set(ids).size).toBe(ids.length);
      }
    } finally {
      await sb.close();
    }
  });
});
