import { describe, expect, it } from 'vitest';
import { compileEngine } from '../../src/journey/engine.ts';
import { lifecycleRank, mergeLinkedCustomer } from '../../src/journey/linked.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import type { Customer, LinkedCustomer, TouchpointRecord } from '../../src/model.ts';
import { contact, daysAgo, deal, NOW, ticket, won } from './builders.ts';

const engine = compileEngine(loadMapping('mappings/linked.yaml'));

function pair(hubspot: Customer | null, salesforce: Customer | null): LinkedCustomer {
  const match = hubspot && salesforce
    ? { hubspot: { kind: 'contact' as const, objectType: 'contacts', id: hubspot.contact.id }, salesforce: { kind: 'contact' as const, objectType: salesforce.contact.objectType, id: salesforce.contact.id }, reason: 'email' as const, email: 'ada@x.io' }
    : null;
  return { key: `hubspot:${hubspot?.contact.id ?? salesforce?.contact.id}`, hubspot, salesforce, match, conflict: null };
}
const sfContact = (p: Parameters<typeof contact>[0] = {}) => contact({ objectType: 'Contact', lifecycle: null, ...p });
const touch = (id: string, at: number): TouchpointRecord => ({
  kind: 'touchpoint', id, objectType: 'calls', raw: {}, updatedAt: null, channel: 'phone', rawChannel: 'CALL', direction: 'outbound', at,
  outcome: 'connected', rawOutcome: null, contactIds: [], dealIds: [], ticketIds: [], survey: null,
});

describe('the merged customer and mappings/linked.yaml (issue 16)', () => {
  it('an MQL in HubSpot with an Opportunity won 10 days ago in Salesforce is in purchase, the reason citing the Opportunity', () => {
    const opp = won(10, { id: '006WON', objectType: 'Opportunity', name: 'ACME platform', stage: 'Closed Won' });
    const merged = mergeLinkedCustomer(pair(
      { contact: contact({ id: '101', lifecycle: 'marketingqualifiedlead' }), deals: [], tickets: [] },
      { contact: sfContact({ id: '003A' }), deals: [opp], tickets: [] },
    ));
    const state = engine.evaluate(merged, NOW);
    expect(state.stage.id).toBe('purchase');
    expect(state.stage.reason).toMatch(/deal "ACME platform" \(Opportunity 006WON\) won on/);
    expect(state.contactId).toBe('101');
  });

  it('merges the vocabulary: earliest createdAt, furthest lifecycle, every deal, ticket and touchpoint (oldest first), each tagged with its CRM', () => {
    const merged = mergeLinkedCustomer(pair(
      { contact: contact({ id: '1', createdAt: daysAgo(20), lifecycle: 'lead', country: null }), deals: [deal({ id: 'h1' })], tickets: [ticket({ id: 'ht' })], touchpoints: [touch('a', daysAgo(9)), touch('c', daysAgo(1))] },
      { contact: sfContact({ id: '003', createdAt: daysAgo(300), lifecycle: 'Working - Contacted', country: 'France' }), deals: [deal({ id: 's1', objectType: 'Opportunity' })], tickets: [], touchpoints: [touch('b', daysAgo(5))] },
    ));
    expect(merged.contact).toMatchObject({ id: '1', createdAt: daysAgo(300), lifecycle: 'Working - Contacted', country: 'France', raw: {} });
    expect(merged.contact.sides?.salesforce?.id).toBe('003');
    expect(merged.deals.map((d) => [d.id, d.crm])).toEqual([['h1', 'hubspot'], ['s1', 'salesforce']]);
    expect(merged.tickets.map((t) => [t.id, t.crm])).toEqual([['ht', 'hubspot']]);
    expect(merged.touchpoints?.map((t) => [t.id, t.crm])).toEqual([['a', 'hubspot'], ['b', 'salesforce'], ['c', 'hubspot']]);
    expect(lifecycleRank('customer')).toBeGreaterThan(lifecycleRank('Working - Contacted'));
  });

  it('a flag on a deal names the side that holds it', () => {
    const stalled = deal({ id: '006S', objectType: 'Opportunity', stage: 'Negotiation/Review', stageEnteredAt: daysAgo(45) });
    const state = engine.evaluate(mergeLinkedCustomer(pair(
      { contact: contact({ id: '7', lifecycle: 'lead' }), deals: [], tickets: [] },
      { contact: sfContact({ id: '003S' }), deals: [stalled], tickets: [] },
    )), NOW);
    expect(state.stage.id).toBe('decision');
    expect(state.friction.filter((f) => f.id === 'stalled_deal').map((f) => f.on)).toEqual([
      { kind: 'deal', objectType: 'Opportunity', id: '006S', crm: 'salesforce' },
      { kind: 'contact', objectType: 'contacts', id: '7', crm: 'hubspot' },
    ]);
  });

  it('a person only in HubSpot is evaluated from HubSpot alone; each CSAT is read on its own side scale', () => {
    const only = mergeLinkedCustomer(pair({ contact: contact({ id: '9', lifecycle: 'marketingqualifiedlead', csat: 0 }), deals: [], tickets: [] }, null));
    expect(only.contact.sides).toEqual({ hubspot: expect.objectContaining({ id: '9' }) });
    const state = engine.evaluate(only, NOW);
    expect(state.stage.id).toBe('consideration');
    expect(state.friction.map((f) => f.id)).toContain('detractor');
    // A Salesforce CSAT of 2 (of 5) is a detractor; a HubSpot CSAT of 2 (of 2) is not.
    const sfLow = engine.evaluate(mergeLinkedCustomer(pair(null, { contact: sfContact({ id: '003L', csat: 2 }), deals: [], tickets: [] })), NOW);
    expect(sfLow.friction.map((f) => f.id)).toContain('detractor');
    const hsTop = engine.evaluate(mergeLinkedCustomer(pair({ contact: contact({ id: '10', csat: 2 }), deals: [], tickets: [] }, null)), NOW);
    expect(hsTop.friction.map((f) => f.id)).not.toContain('detractor');
  });
});
