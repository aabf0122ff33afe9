/**
 * A small seeded store whose journey map is computed by hand in collect.test.ts (HubSpot default
 * mapping, evaluated at NOW). Also feeds the browser test.
 */
import { compileEngine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { HOUR_MS, type Customer } from '../../src/model.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { contact, daysAgo, deal, NOW, ticket, won } from '../journey/builders.ts';

export { NOW };
export const INST = 'hubspot:default';
export const engine = compileEngine(loadMapping('mappings/hubspot.yaml'));

export function seedCustomers(): Customer[] {
  const t2 = daysAgo(10);
  const t5 = daysAgo(30);
  return [
    // awareness; EMEA; promoter; CSAT 2 (satisfied, HubSpot's 0–2 scale)
    { contact: contact({ id: 'c1', lifecycle: 'lead', source: 'ORGANIC_SEARCH', country: 'France', npsScore: 10, csat: 2 }), deals: [], tickets: [] },
    // consideration; a ticket resolved 2 h after the first reply
    {
      contact: contact({ id: 'c2', lifecycle: 'marketingqualifiedlead', source: 'PAID_SEARCH', npsScore: 9, csat: 2 }), deals: [],
      tickets: [ticket({ id: 't2', channel: 'EMAIL', createdAt: t2, firstResponseAt: t2 + 2 * HOUR_MS, closedAt: t2 + 4 * HOUR_MS, contactIds: ['c2'] })],
    },
    // decision: stalled deal, detractor, an open unanswered chat ticket
    {
      contact: contact({ id: 'c3', lifecycle: 'lead', source: 'REFERRALS', npsScore: 3 }),
      deals: [deal({ id: 'd3', name: 'Stalled "big" deal', stage: 'contractsent', stageEnteredAt: daysAgo(40), stagesReached: ['appointmentscheduled', 'contractsent'], contactIds: ['c3'] })],
      tickets: [ticket({ id: 't3', channel: 'CHAT', isOpen: true, createdAt: daysAgo(10), firstResponseAt: null, closedAt: null, contactIds: ['c3'] })],
    },
    // purchase: won 20 days ago after a late stage; CSAT 0 → detractor; high value
    {
      contact: contact({ id: 'c4', lifecycle: 'lead', source: 'ORGANIC_SEARCH', csat: 0 }),
      deals: [won(20, { id: 'd4', amount: 12000, stagesReached: ['qualifiedtobuy', 'contractsent', 'closedwon'], contactIds: ['c4'] })],
      tickets: [],
    },
    // post-purchase (won 200 days ago); a deal lost 5 days ago after a late stage → abandoned checkout
    {
      contact: contact({ id: 'c5', lifecycle: 'customer', source: 'EMAIL_MARKETING', npsScore: 8 }),
      deals: [
        won(200, { id: 'd5a', amount: 3000, stagesReached: ['contractsent', 'closedwon'], contactIds: ['c5'] }),
        deal({ id: 'd5b', stage: 'closedlost', isClosed: true, isWon: false, closedAt: daysAgo(5), stageEnteredAt: daysAgo(5), stagesReached: ['presentationscheduled', 'closedlost'], contactIds: ['c5'] }),
      ],
      tickets: [ticket({ id: 't5', channel: 'PHONE', createdAt: t5, firstResponseAt: t5 + HOUR_MS, closedAt: t5 + 3 * 24 * HOUR_MS, contactIds: ['c5'] })],
    },
    // awareness; created 10 days ago → new lead; CSAT 1 (neutral)
    { contact: contact({ id: 'c6', lifecycle: 'subscriber', source: 'DIRECT_TRAFFIC', createdAt: daysAgo(10), csat: 1 }), deals: [], tickets: [] },
  ];
}

/** Stage stays (contact, stage, entered days ago); each entry closes the contact's previous stay. */
const STAYS: Array<[string, string, number]> = [
  ['c5', 'decision', 300], ['c5', 'purchase', 200], ['c5', 'post_purchase', 110],
  ['c3', 'awareness', 80], ['c3', 'consideration', 70], ['c3', 'decision', 40],
  ['c4', 'consideration', 60], ['c4', 'decision', 45], ['c4', 'purchase', 20],
  ['c1', 'awareness', 60],
  ['c2', 'awareness', 50], ['c2', 'consideration', 30],
  ['c6', 'awareness', 10],
];

export function seedStore(): Store {
  const store = openStore(':memory:', { now: () => NOW });
  const customers = seedCustomers();
  store.applyPullBatch(INST, { kind: 'contact', records: customers.map((c) => c.contact), removed: [] });
  store.applyPullBatch(INST, { kind: 'deal', records: customers.flatMap((c) => c.deals), removed: [] });
  store.applyPullBatch(INST, { kind: 'ticket', records: customers.flatMap((c) => c.tickets), removed: [] });
  // Ledger order is time order, as syncs write it.
  for (const [contactId, stage, ago] of [...STAYS].sort((a, b) => b[2] - a[2])) {
    store.recordStageChanges(INST, [{ contactId, journeyId: 'default', stage, at: daysAgo(ago) }]);
  }
  store.applyMembership(INST, 'at_risk', ['c5'], [], daysAgo(100));
  store.applyMembership(INST, 'high_value', ['c4'], [], daysAgo(20));
  store.applyMembership(INST, 'new_lead', ['c6'], [], daysAgo(10));
  store.applyMembership(INST, 'at_risk', [], ['c5'], daysAgo(5));
  return store;
}
