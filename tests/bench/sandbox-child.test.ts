import { afterEach, describe, expect, it } from 'vitest';
import { startHubspotChild, startSalesforceChild, type HubspotChild, type SalesforceChild } from '../../bench/sandbox-child.ts';

const open: Array<HubspotChild | SalesforceChild> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

describe('sandbox in its own process', () => {
  it('serves HubSpot from another process and counts state, calls and owned-field changes there', async () => {
    const sb = await startHubspotChild({ port: 0, seed: 5, contacts: 40 });
    open.push(sb);
    const res = await fetch(`${sb.url}/crm/v3/objects/contacts?limit=100`, { headers: { authorization: `Bearer ${sb.accessToken}` } });
    const page = (await res.json()) as { results: unknown[] };
    expect(page.results).toHaveLength(40);

    const before = await sb.state(null);
    expect(before.live.contacts).toBe(40);
    expect(before.modified).toEqual({ contacts: 0, deals: 0, tickets: 0 });

    await sb.mark({ contact: ['jobtitle'], deal: [], ticket: [], listPrefix: 'Parcours: ' });
    const ids = await sb.request<string[]>('ids', 'contacts');
    const since = Date.now();
    await sb.request('updateRecord', 'contacts', ids[0], { jobtitle: 'Buyer' });
    await sb.request('updateRecord', 'contacts', ids[1], { firstname: 'Renamed' });
    // Only the owned property counts as a write; both records count as modified.
    expect((await sb.writes()).updated).toEqual({ contacts: 1, deals: 0, tickets: 0 });
    expect((await sb.state(since)).modified.contacts).toBe(2);
    expect((await sb.stats()).byEndpoint).toEqual({ 'GET /crm/v3/objects/:objectType': 1 });
    expect(await sb.peakRssMiB()).toBeGreaterThan(0);
  });

  it('serves Salesforce from another process and counts rows changed since a time, deleted ones included', async () => {
    const sb = await startSalesforceChild({ port: 0, seed: 5, contacts: 40 });
    open.push(sb);
    const state = await sb.state(null, { stageHistory: true });
    const contacts = await sb.request<Array<{ Id: string }>>('query', 'SELECT Id FROM Contact', false);
    expect(state.rows.Contact).toBe(contacts.length);
    expect(state.rows.OpportunityHistory).toBeGreaterThan(0);
    expect((await sb.state(null, { stageHistory: false })).rows.OpportunityHistory).toBeUndefined();

    await sb.mark({ contact: ['Phone'], deal: [], ticket: [], listPrefix: 'Parcours: ' });
    const since = Date.now() - 1000;
    await sb.request('update', 'Contact', contacts[0]?.Id, { Phone: '+33 1 23 45 67 89' });
    await sb.request('delete', contacts[1]?.Id);
    expect((await sb.writes()).updated.Contact).toBe(1);
    const after = await sb.state(since, { stageHistory: false });
    expect(after.modified.Contact).toBe(2);
    expect(after.rows.Contact).toBe(contacts.length - 1);
  });

  it('reports a failed request with the child error, and a closed child stays closed', async () => {
    const sb = await startHubspotChild({ port: 0, seed: 5, contacts: 5 });
    await expect(sb.request('getRecord', 'widgets', '1')).rejects.toThrow(/sandbox child:/);
    await expect(sb.writes()).rejects.toThrow(/mark first/);
    await sb.close();
    await sb.close();
    await expect(fetch(`${sb.url}/crm/v3/objects/contacts`)).rejects.toThrow();
  });
});
