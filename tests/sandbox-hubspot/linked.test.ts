/**
 * The linked sandbox pair (issue 16): HubSpot with the Salesforce integration installed and Salesforce seeded
 * from one overlapping population, read through each CRM's own API; the standalone sandboxes stay as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { startLinkedSandboxes, type LinkedSandboxes } from '../../sandbox/linked.ts';
import { call, NOW } from './helpers.ts';

const norm = (e: unknown): string => String(e ?? '').trim().toLowerCase();

describe('linked sandboxes', () => {
  let linked: LinkedSandboxes;
  let alone: HubspotSandbox;
  beforeAll(async () => {
    linked = await startLinkedSandboxes({ seed: 3, contacts: 300, now: NOW });
    alone = await startHubspotSandbox({ seed: 3, contacts: 300, now: NOW });
  });
  afterAll(async () => {
    await linked.close();
    await alone.close();
  });

  it('serves the integration properties through the properties API only where the integration is installed', async () => {
    const one = await call(linked.hubspot, 'GET', '/crm/v3/properties/contacts/salesforcecontactid');
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ name: 'salesforcecontactid', label: 'Salesforce Contact ID', type: 'string', fieldType: 'text', groupName: 'salesforceinformation', modificationMetadata: { readOnlyValue: true } });
    const groups = (await call(linked.hubspot, 'GET', '/crm/v3/properties/contacts/groups')).json.results.map((g: { name: string }) => g.name);
    expect(groups).toContain('salesforceinformation');
    const missing = await call(alone, 'GET', '/crm/v3/properties/contacts/salesforceleadid');
    expect(missing.status).toBe(404);
    expect(missing.json.category).toBe('OBJECT_NOT_FOUND');
    const names = (await call(alone, 'GET', '/crm/v3/properties/contacts')).json.results.map((p: { name: string }) => p.name);
    expect(names).not.toContain('salesforcecontactid');
    expect(names).toContain('hs_additional_emails');
  });

  it('refuses API writes to the ids the integration maintains', async () => {
    const id = linked.hubspot.data.ids('contacts')[0]!;
    const res = await call(linked.hubspot, 'POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id, properties: { salesforcecontactid: '003000000000001AAA' } }] });
    expect(res.status).toBe(400);
    expect(res.json.category).toBe('VALIDATION_ERROR');
    expect(linked.hubspot.data.getRecord('contacts', id)!.properties['salesforcecontactid']).not.toBe('003000000000001AAA');
  });

  it('seeds about 70 % of HubSpot contacts in Salesforce too, by integration ids, e-mail and additional e-mail', async () => {
    const hs = linked.hubspot.data;
    const sf = linked.salesforce.data;
    const people = [...sf.query('SELECT Id, Email FROM Contact'), ...sf.query('SELECT Id, Email FROM Lead WHERE IsConverted = false')];
    const byId = new Set(people.map((r) => String(r.Id)));
    const byEmail = new Set(people.filter((r) => r.Email).map((r) => norm(r.Email)));
    const counts = { ids: 0, email: 0, additional: 0, none: 0 };
    const ids = hs.ids('contacts');
    // Read back through the API, as a client sees them.
    const read = await call(linked.hubspot, 'POST', '/crm/v3/objects/contacts/batch/read', { inputs: ids.slice(0, 100).map((id) => ({ id })), properties: ['email', 'hs_additional_emails', 'salesforcecontactid', 'salesforceleadid'] });
    expect(read.status).toBe(200);
    const viaApi = new Map<string, Record<string, string | null>>(read.json.results.map((r: { id: string; properties: Record<string, string | null> }) => [r.id, r.properties]));
    for (const id of ids) {
      const p = viaApi.get(id) ?? hs.getRecord('contacts', id)!.properties;
      const sid = p['salesforcecontactid'] ?? p['salesforceleadid'];
      if (sid) {
        expect(byId.has(sid), `contact ${id} names Salesforce record ${sid}`).toBe(true);
        counts.ids++;
      } else if (p['email'] && byEmail.has(norm(p['email']))) counts.email++;
      else if (String(p['hs_additional_emails'] ?? '').split(';').some((e) => e && byEmail.has(norm(e)))) counts.additional++;
      else counts.none++;
    }
    const overlap = (counts.ids + counts.email + counts.additional) / ids.length;
    expect(overlap).toBeGreaterThan(0.6);
    expect(overlap).toBeLessThan(0.8);
    expect(counts.ids).toBeGreaterThan(0);
    expect(counts.email).toBeGreaterThan(0);
    expect(counts.additional).toBeGreaterThan(0);
    // Salesforce keeps some addresses in other letter case than HubSpot's.
    const exact = new Set(people.filter((r) => r.Email).map((r) => String(r.Email)));
    expect(ids.some((id) => { const e = hs.getRecord('contacts', id)!.properties['email']; return e && !exact.has(e) && byEmail.has(norm(e)); })).toBe(true);
  });

  it('has a few duplicate e-mails on each side', () => {
    const sf = linked.salesforce.data;
    const sfCount = new Map<string, number>();
    for (const r of [...sf.query('SELECT Email FROM Contact'), ...sf.query('SELECT Email FROM Lead WHERE IsConverted = false')]) if (r.Email) sfCount.set(norm(r.Email), (sfCount.get(norm(r.Email)) ?? 0) + 1);
    const hsCount = new Map<string, number>();
    for (const id of linked.hubspot.data.ids('contacts')) {
      const p = linked.hubspot.data.getRecord('contacts', id)!.properties;
      for (const e of [p['email'], ...String(p['hs_additional_emails'] ?? '').split(';')]) if (e) hsCount.set(norm(e), (hsCount.get(norm(e)) ?? 0) + 1);
    }
    const sfDup = [...sfCount.values()].filter((n) => n > 1).length;
    const hsDup = [...hsCount.values()].filter((n) => n > 1).length;
    expect(sfDup).toBeGreaterThanOrEqual(2);
    expect(sfDup).toBeLessThan(15);
    expect(hsDup).toBeGreaterThanOrEqual(2);
    expect(hsDup).toBeLessThan(15);
  });

  it('splits the journey: deals of linked people are Opportunities, HubSpot keeps marketing', () => {
    const hs = linked.hubspot.data;
    const sf = linked.salesforce.data;
    const linkedContacts = hs.ids('contacts').map((id) => hs.getRecord('contacts', id)!).filter((c) => c.properties['salesforcecontactid']);
    expect(linkedContacts.length).toBeGreaterThan(0);
    for (const c of linkedContacts) expect(hs.associated('contacts', c.id, 'deals')).toEqual([]);
    // Someone marketing still calls a lead in HubSpot has a won Opportunity in Salesforce.
    const mqlWithWin = linkedContacts.filter((c) => ['marketingqualifiedlead', 'salesqualifiedlead'].includes(String(c.properties['lifecyclestage'])))
      .filter((c) => sf.query(`SELECT Id FROM OpportunityContactRole WHERE ContactId = '${c.properties['salesforcecontactid']}' AND Opportunity.IsWon = true`).length > 0);
    expect(mqlWithWin.length).toBeGreaterThan(0);
    // Post-purchase on both sides: some linked people's tickets are HubSpot tickets, others Salesforce Cases.
    const withTickets = linkedContacts.filter((c) => hs.associated('contacts', c.id, 'tickets').length > 0);
    const withCases = linkedContacts.filter((c) => sf.query(`SELECT Id FROM Case WHERE ContactId = '${c.properties['salesforcecontactid']}'`).length > 0);
    expect(withTickets.length).toBeGreaterThan(0);
    expect(withCases.length).toBeGreaterThan(0);
  });

  it('is deterministic per seed', async () => {
    const again = await startLinkedSandboxes({ seed: 3, contacts: 300, now: NOW });
    try {
      const emails = (l: LinkedSandboxes): string[] => l.hubspot.data.ids('contacts').map((id) => `${l.hubspot.data.getRecord('contacts', id)!.properties['email']}|${l.hubspot.data.getRecord('contacts', id)!.properties['salesforcecontactid'] ?? ''}`);
      expect(emails(again)).toEqual(emails(linked));
    } finally {
      await again.close();
    }
  });
});
