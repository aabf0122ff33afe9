/**
 * Issue 11 §1–3 against the Salesforce sandbox: a full run removes what the org no longer shows
 * (converted Lead, detached Case, merged-away Contact purged from the recycle bin), a converted Lead's
 * journey continues on its Contact, and campaign memberships are read back and repaired.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { inStore, runCli, runJson, salesforceEnv, storeEnv, type SyncJson } from './cli.ts';

/** Per test: several real CLI runs, each seconds long when the machine is busy. */
const E2E_TIMEOUT = 180_000;
const INST = 'salesforce:default';

interface ReconcileJson extends SyncJson {
  removed: { contacts: number; deals: number; tickets: number; swept: number };
  handedOver: number;
  repaired: number;
  segments: Record<string, { members: number; added: number; removed: number; repaired?: number; target?: string }>;
  membershipReads?: { calls: number; members: number; pageSize: number };
}

describe('Salesforce: a full run reconciles the mirror and the campaigns with the org', () => {
  let sb: SalesforceSandbox;
  let env: Record<string, string>;
  const campaignOf = async (segment: string) => await inStore(env, async (s) => (await s.getSetting(INST, `segment-target:${segment}`)) as string);
  const campaignIds = async (segment: string) => sb.data.campaignMembers(await campaignOf(segment)).map((m) => m.ContactId ?? m.LeadId);

  // Several CLI runs per test: on a loaded machine each takes seconds.
  beforeAll(async () => {
    sb = await startSalesforceSandbox({ port: 0, seed: 41, contacts: 60 });
    env = { ...salesforceEnv(sb), ...storeEnv() };
    expect((await runCli(['setup', '--crm', 'salesforce'], env)).code).toBe(0);
    expect((await runCli(['sync', '--crm', 'salesforce'], env)).code).toBe(0);
  }, E2E_TIMEOUT);
  afterAll(async () => {
    await sb.close();
  }, E2E_TIMEOUT);

  /** An open Lead Parcours holds, in the emea segment, with its ledger and CRM values. */
  async function pickLead(exclude: string[] = []) {
    const emea = await inStore(env, (s) => s.getSegmentMembers(INST, 'emea'));
    const lead = sb.data.query("SELECT Id, Parcours_Stage__c, Parcours_Stage_Entered_At__c, Parcours_Stage_Reason__c FROM Lead WHERE IsConverted = false AND Status = 'Open - Not Contacted'")
      .find((l) => !exclude.includes(String(l.Id)) && emea.has(String(l.Id)));
    expect(lead).toBeDefined();
    const id = String(lead?.Id);
    const ledger = await inStore(env, async (s) => (await Array.fromAsync(s.iterateStageHistory(INST))).filter((h) => h.contactId === id));
    const events = await inStore(env, async (s) => (await Array.fromAsync(s.iterateSegmentEvents(INST))).filter((e) => e.contactId === id));
    expect(ledger.length).toBeGreaterThan(0);
    return { id, crm: lead as Record<string, unknown>, ledger, events };
  }

  it('a converted Lead hands its journey to its Contact on the next full run, with no write to the Lead', async () => {
    const lead = await pickLead();
    const { contactId } = sb.data.convertLead(lead.id, { doNotCreateOpportunity: true });
    expect(sb.data.get('Lead', lead.id)).toMatchObject({ IsConverted: true, ConvertedContactId: contactId });

    const full = await runJson<ReconcileJson>(['sync', '--crm', 'salesforce', '--full'], env);
    expect(full.code).toBe(0);
    expect(full.json.failed).toEqual([]);
    expect(full.json.handedOver).toBe(1);
    expect(full.json.removed.contacts).toBeGreaterThanOrEqual(1);
    await inStore(env, async (s) => {
      expect(await s.getRecord(INST, 'contact', lead.id)).toBeUndefined();
      expect(await s.getRecord(INST, 'contact', contactId)).toBeDefined();
      // The ledger, the segment history and the membership now belong to the Contact.
      const ledger = (await Array.fromAsync(s.iterateStageHistory(INST))).filter((h) => h.contactId === contactId);
      expect(ledger.slice(0, lead.ledger.length).map((h) => [h.stage, h.enteredAt])).toEqual(lead.ledger.map((h) => [h.stage, h.enteredAt]));
      expect((await Array.fromAsync(s.iterateStageHistory(INST))).some((h) => h.contactId === lead.id)).toBe(false);
      expect((await Array.fromAsync(s.iterateSegmentEvents(INST))).filter((e) => e.contactId === contactId).slice(0, lead.events.length)).toEqual(lead.events.map((e) => ({ ...e, contactId })));
      expect((await s.getSegmentMembers(INST, 'emea')).has(contactId)).toBe(true);
      expect((await s.getSegmentMembers(INST, 'emea')).has(lead.id)).toBe(false);
    });
    // Same stage (awareness: a Contact with no opportunity): the Contact shows the Lead's entry time.
    const contact = sb.data.get('Contact', contactId);
    expect(contact?.Parcours_Stage__c).toBe(lead.crm.Parcours_Stage__c);
    expect(contact?.Parcours_Stage_Entered_At__c).toBe(lead.crm.Parcours_Stage_Entered_At__c);
    // The converted Lead keeps its Parcours values (Salesforce locks it; nothing was sent to it).
    const after = sb.data.get('Lead', lead.id);
    expect([after?.Parcours_Stage__c, after?.Parcours_Stage_Entered_At__c, after?.Parcours_Stage_Reason__c]).toEqual([lead.crm.Parcours_Stage__c, lead.crm.Parcours_Stage_Entered_At__c, lead.crm.Parcours_Stage_Reason__c]);
    const audit = await runJson<{ audit: Array<{ recordId: string }> }>(['runs', '--id', String(full.json.runId)], env);
    expect(audit.json.audit.some((a) => a.recordId === lead.id)).toBe(false);
    // The campaign kept the membership on the Contact: nothing to add or remove.
    expect(await campaignIds('emea')).toContain(contactId);
    expect(full.json.segments.emea?.repaired).toBe(0);
  }, E2E_TIMEOUT);

  it('a Lead converted between incremental runs hands over too', async () => {
    const lead = await pickLead();
    const { contactId } = sb.data.convertLead(lead.id, { doNotCreateOpportunity: true });
    const run = await runJson<ReconcileJson>(['sync', '--crm', 'salesforce'], env);
    expect(run.code).toBe(0);
    expect(run.json.handedOver).toBe(1);
    await inStore(env, async (s) => {
      expect((await s.currentStages(INST, [contactId])).get(contactId)?.enteredAt).toBe(lead.ledger.at(-1)?.enteredAt);
      expect(await s.getRecord(INST, 'contact', lead.id)).toBeUndefined();
    });
  }, E2E_TIMEOUT);

  it('a Case detached from its Contact leaves the mirror on the next full run, its Parcours friction cleared in the org', async () => {
    // Cases the first sync flagged (Parcours wrote friction on them), still attached to a Contact.
    const flagged = sb.data.query('SELECT Id, ContactId, Parcours_Friction__c, Parcours_Friction_Reason__c FROM Case WHERE ContactId != null AND Parcours_Friction__c != null');
    expect(flagged.length).toBeGreaterThanOrEqual(2);
    const [c, d] = flagged as [Record<string, unknown>, Record<string, unknown>];
    const caseId = String(c.Id);
    const contactId = String(c.ContactId);
    const deletedId = String(d.Id);
    expect(await inStore(env, async (s) => await s.getRecord(INST, 'ticket', caseId))).toBeDefined();
    sb.data.update('Case', caseId, { ContactId: null });
    // Another flagged Case deleted and purged: the full pass no longer sees it, and there is nothing left to clear.
    sb.data.delete(deletedId);
    sb.data.emptyRecycleBin([deletedId]);
    const full = await runJson<ReconcileJson>(['sync', '--crm', 'salesforce', '--full'], env);
    expect(full.code).toBe(0);
    expect(full.json.failed).toEqual([]);
    expect(full.json.removed).toMatchObject({ tickets: 2, swept: 2, cleared: 1 });
    await inStore(env, async (s) => {
      expect(await s.getRecord(INST, 'ticket', caseId)).toBeUndefined();
      expect(await s.getRecord(INST, 'ticket', deletedId)).toBeUndefined();
      const [customer] = (await Array.fromAsync(s.iterateCustomers(INST, { contactIds: [contactId] })));
      expect(customer?.tickets.map((t) => t.id)).not.toContain(caseId);
    });
    // The Case still exists, unflagged: reps no longer see a friction Parcours stopped tracking.
    const after = sb.data.get('Case', caseId);
    expect(after).toBeDefined();
    expect([after?.Parcours_Friction__c ?? null, after?.Parcours_Friction_Reason__c ?? null]).toEqual([null, null]);
    // Audited like any write: before -> after, so a rollback of this run puts the flag back.
    const audit = await runJson<{ audit: Array<{ recordId: string; field: string; before: string | null; after: string | null }> }>(['runs', '--id', String(full.json.runId)], env);
    expect(audit.json.audit.filter((a) => a.recordId === caseId).map((a) => [a.field, a.before, a.after]).sort()).toEqual(
      [['Parcours_Friction_Reason__c', c.Parcours_Friction_Reason__c, null], ['Parcours_Friction__c', c.Parcours_Friction__c, null]].sort(),
    );
    expect(audit.json.audit.some((a) => a.recordId === deletedId)).toBe(false);
  }, E2E_TIMEOUT);

  it('a merged-away Contact purged from the recycle bin (no deletion left to see) is removed by a full run', async () => {
    const members = await inStore(env, async (s) => await s.getSegmentMembers(INST, 'emea'));
    const contacts = sb.data.query('SELECT Id FROM Contact').map((r) => String(r.Id)).filter((id) => members.has(id));
    const [master, loser] = contacts as [string, string];
    sb.data.mergeContacts(master, loser);
    sb.data.emptyRecycleBin([loser]);
    expect(sb.data.query(`SELECT Id FROM Contact WHERE Id = '${loser}'`, { all: true })).toEqual([]);
    const full = await runJson<ReconcileJson>(['sync', '--crm', 'salesforce', '--full'], env);
    expect(full.code).toBe(0);
    expect(full.json.removed).toMatchObject({ contacts: 1, swept: 1 });
    await inStore(env, async (s) => {
      expect(await s.getRecord(INST, 'contact', loser)).toBeUndefined();
      expect((await s.getSegmentMembers(INST, 'emea')).has(loser)).toBe(false);
    });
    expect(await campaignIds('emea')).not.toContain(loser);
    expect(await campaignIds('emea')).toContain(master);
  }, E2E_TIMEOUT);

  it('repairs campaign drift both ways on a full run, and recreates a campaign an admin deleted', async () => {
    const campaignId = await campaignOf('emea');
    const members = sb.data.campaignMembers(campaignId);
    const dropped = members.find((m) => m.ContactId) as { Id: string; ContactId: string };
    const wanted = await inStore(env, async (s) => await s.getSegmentMembers(INST, 'emea'));
    const outsider = sb.data.query('SELECT Id FROM Contact').map((r) => String(r.Id)).find((id) => !wanted.has(id)) as string;
    sb.data.delete(dropped.Id);
    sb.data.create('CampaignMember', { CampaignId: campaignId, ContactId: outsider });
    const full = await runJson<ReconcileJson>(['sync', '--crm', 'salesforce', '--full'], env);
    expect(full.code).toBe(0);
    expect(full.json.segments.emea).toMatchObject({ added: 1, removed: 1, repaired: 2 });
    expect(new Set(await campaignIds('emea'))).toEqual(await inStore(env, async (s) => await s.getSegmentMembers(INST, 'emea')));
    // Every campaign in one SOQL query (2,000 members a page); if any is empty, one more query asks which exist.
    const reads = full.json.membershipReads;
    const empty = Object.values(full.json.segments).filter((x) => x.members === 0).length;
    expect(reads?.calls).toBe(Math.max(1, Math.ceil((reads?.members ?? 0) / 2000)) + (empty > 0 ? 1 : 0));

    sb.data.delete(campaignId);
    const again = await runJson<ReconcileJson>(['sync', '--crm', 'salesforce', '--full'], env);
    expect(again.code).toBe(0);
    expect(again.json.segments.emea).toMatchObject({ target: 'recreated', added: wanted.size, repaired: wanted.size });
    expect(await campaignOf('emea')).not.toBe(campaignId);
    expect(new Set(await campaignIds('emea'))).toEqual(await inStore(env, async (s) => await s.getSegmentMembers(INST, 'emea')));
  }, E2E_TIMEOUT);
});
