/**
 * Two mirrors and the identity a linked run kept (issue 16), for the linked map and `explain --link`:
 * Ana (HubSpot MQL 101, Salesforce Contact 003A with an Opportunity won 10 days ago; linked by the integration's id),
 * Ben (only in HubSpot, a deal won 20 days ago), Cleo (HubSpot 103 + Salesforce Lead 00QC, linked by e-mail),
 * Dan (only in Salesforce), Eve (two Salesforce records with one e-mail: a conflict).
 */
import { DAY_MS } from '../../src/model.ts';
import type { LinkRow, Store } from '../../src/store/index.ts';
import { contact, deal, ticket } from '../store/fixtures.ts';

export const HS = 'hubspot:default';
export const SF = 'salesforce:default';

export async function seedLinkedStore(store: Store, NOW: number): Promise<LinkRow> {
  // HubSpot: 101 (MQL, linked by the integration's id), 102 (only in HubSpot), 103 (linked by e-mail).
  await store.applyPullBatch(HS, { kind: 'deal', records: [deal('9001', ['102'], { isClosed: true, isWon: true, closedAt: NOW - 20 * DAY_MS, stage: 'closedwon' })], removed: [], cursor: { after: '9001' } });
  await store.applyPullBatch(HS, { kind: 'ticket', records: [ticket('7001', ['103'], { createdAt: NOW - 2 * DAY_MS })], removed: [], cursor: { after: '7001' } });
  await store.applyPullBatch(HS, {
    kind: 'contact',
    records: [
      contact('101', { lifecycle: 'marketingqualifiedlead', email: 'ana@example.com', createdAt: NOW - 400 * DAY_MS, integrationIds: { salesforceContactId: '003A', salesforceLeadId: null } }),
      contact('102', { lifecycle: 'customer', email: 'ben@example.com' }),
      contact('103', { lifecycle: 'lead', email: 'cleo.home@example.net', additionalEmails: ['cleo@example.com'] }),
    ],
    removed: [],
    cursor: { after: '103' },
  });
  // Salesforce: Ana's Contact with an Opportunity won 10 days ago; Cleo's Lead; Dan only in Salesforce; Eve twice (a conflict).
  await store.applyPullBatch(SF, { kind: 'deal', records: [deal('006A', ['003A'], { objectType: 'Opportunity', isClosed: true, isWon: true, closedAt: NOW - 10 * DAY_MS, stage: 'Closed Won', name: 'Ana – Annual plan' })], removed: [], cursor: { after: '006A' } });
  await store.applyPullBatch(SF, {
    kind: 'contact',
    records: [
      contact('003A', { objectType: 'Contact', email: 'Ana@Example.com', lifecycle: null }),
      contact('00QC', { objectType: 'Lead', email: 'cleo@example.com', lifecycle: 'Working - Contacted' }),
      contact('003D', { objectType: 'Contact', email: 'dan@example.com', lifecycle: null }),
      contact('003E', { objectType: 'Contact', email: 'eve@example.com', lifecycle: null }),
      contact('00QE', { objectType: 'Lead', email: 'eve@example.com', lifecycle: 'Open - Not Contacted' }),
    ],
    removed: [],
    cursor: { after: '00QE' },
  });
  const link = await store.saveLink({ id: 'default', hubspot: HS, salesforce: SF, source: 'env', label: 'PARCOURS_LINK' });
  await store.replaceLinkIdentity(link.id, {
    matches: [
      { hubspot: { kind: 'contact', objectType: 'contacts', id: '101' }, salesforce: { kind: 'contact', objectType: 'Contact', id: '003A' }, reason: 'integration-id', email: null },
      { hubspot: { kind: 'contact', objectType: 'contacts', id: '103' }, salesforce: { kind: 'contact', objectType: 'Lead', id: '00QC' }, reason: 'email', email: 'cleo@example.com' },
    ],
    conflicts: [{ side: 'salesforce', email: 'eve@example.com', records: [{ kind: 'contact', objectType: 'Contact', id: '003E' }, { kind: 'contact', objectType: 'Lead', id: '00QE' }] }],
  }, NOW);
  return link;
}
