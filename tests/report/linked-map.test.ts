/**
 * The journey map of a linked installation (issue 16), from two mirrors and the identity a linked run kept:
 * each person counted once, linked / unlinked / conflicting customers counted, and each deal, ticket and touchpoint
 * counted by the CRM holding it. The engine here is compiled from the HubSpot default mapping: its stage rules read
 * the normalized vocabulary only (lifecycle, deal isWon / closedAt), which the merged view provides.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compileEngine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { collectJourneyMap, JourneyMapSchema, renderCsvTables, renderHtml, type JourneyMap } from '../../src/report/index.ts';
import { linkedReportSource } from '../../src/report/linked-source.ts';
import { openStore } from '../../src/store/index.ts';
import { seedLinkedStore } from './linked-fixture.ts';

const NOW = Date.UTC(2026, 10, 30, 12);

describe('linked journey map', () => {
  let map: JourneyMap;
  beforeAll(async () => {
    const store = openStore(':memory:');
    const link = await seedLinkedStore(store, NOW);
    const linked = linkedReportSource(store, link);
    const engine = compileEngine(loadMapping('mappings/hubspot.yaml'));
    const collected = await collectJourneyMap({ crm: 'linked', engine, source: linked.source, onCustomer: linked.onCustomer, now: NOW });
    map = JourneyMapSchema.parse({ ...collected, link: await linked.result() });
    await store.close();
  });

  it('counts each person once, linked, unlinked and conflicting apart', () => {
    expect(map.crm).toBe('linked');
    // Ana + Cleo (pairs), Ben (HubSpot only), Dan (Salesforce only), Eve's two records (not merged).
    expect(map.journeys[0]!.customers).toBe(6);
    expect(map.link).toMatchObject({
      id: 'default', customers: 6, linked: 2, matchedBy: { 'integration-id': 1, email: 1 },
      unlinked: 2, unlinkedBySide: { hubspot: 1, salesforce: 1 }, conflicting: 2,
      conflicts: [{ side: 'salesforce', email: 'eve@example.com', records: [{ objectType: 'Contact', id: '003E' }, { objectType: 'Lead', id: '00QE' }] }],
    });
  });

  it('puts the MQL with a won Opportunity in purchase, its deal counted on the Salesforce side', () => {
    const purchase = map.link!.bySource.find((r) => r.stage === 'purchase');
    // Ana (Opportunity won 10 days ago) and Ben (HubSpot deal won 20 days ago).
    expect(purchase).toMatchObject({ customers: 2, linked: 1, deals: { hubspot: 1, salesforce: 1 } });
    const stages = Object.fromEntries(map.journeys[0]!.stages.map((s) => [s.id, s.customers]));
    expect(stages['purchase']).toBe(2);
    const all = map.link!.bySource.reduce((n, r) => n + r.customers, 0);
    expect(all).toBe(6);
    const tickets = map.link!.bySource.reduce((n, r) => n + r.tickets.hubspot, 0);
    expect(tickets).toBe(1);
  });

  it('renders the link block in HTML and CSV', () => {
    const html = renderHtml(map);
    expect(html).toContain('data-crm="linked"');
    expect(html).toContain('HubSpot + Salesforce journey map');
    expect(html).toMatch(/data-testid="link-linked">2</);
    expect(html).toMatch(/data-testid="link-conflicting">2</);
    expect(html).toContain('<code>eve@example.com</code>: Contact 003E, Lead 00QE');
    const csv = renderCsvTables(map);
    expect(csv['link.csv']?.split(/\r?\n/)[1]).toBe('default,hubspot:default,salesforce:default,6,2,1,1,2,1,1,2,1');
    expect(csv['sources.csv']).toContain('default,purchase,salesforce,2,1,1,0,0');
    expect(csv['conflicts.csv']).toContain('salesforce,eve@example.com,Contact:003E Lead:00QE');
  });
});
