/**
 * A small seeded store whose journey map is computed by hand in collect.test.ts (HubSpot default
 * mapping, evaluated at NOW). Also feeds the browser test.
 */
import { compileEngine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { DAY_MS, HOUR_MS, type Customer, type TouchpointRecord } from '../../src/model.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { contact, daysAgo, deal, NOW, ticket, won } from '../journey/builders.ts';
import { answer, touchpoint } from './touchpoint-builders.ts';

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

export async function seedStore(): Promise<Store> {
  const store = openStore(':memory:', { now: () => NOW });
  const customers = seedCustomers();
  await store.applyPullBatch(INST, { kind: 'contact', records: customers.map((c) => c.contact), removed: [] });
  await store.applyPullBatch(INST, { kind: 'deal', records: customers.flatMap((c) => c.deals), removed: [] });
  await store.applyPullBatch(INST, { kind: 'ticket', records: customers.flatMap((c) => c.tickets), removed: [] });
  // Ledger order is time order, as syncs write it.
  for (const [contactId, stage, ago] of [...STAYS].sort((a, b) => b[2] - a[2])) {
    await store.recordStageChanges(INST, [{ contactId, journeyId: 'default', stage, at: daysAgo(ago) }]);
  }
  await store.applyMembership(INST, 'at_risk', ['c5'], [], daysAgo(100));
  await store.applyMembership(INST, 'high_value', ['c4'], [], daysAgo(20));
  await store.applyMembership(INST, 'new_lead', ['c6'], [], daysAgo(10));
  await store.applyMembership(INST, 'at_risk', [], ['c5'], daysAgo(5));
  return store;
}

/**
 * Touchpoints for the seeded customers (until the store keeps them, the report's source attaches them):
 * channel mixes that differ by stage, survey answers given in earlier stages than the customer's current one,
 * a no-show, an unanswered inbound message, and a support conversation resolved by one reply.
 */
export function seedTouchpoints(): Map<string, TouchpointRecord[]> {
  const out = new Map<string, TouchpointRecord[]>();
  const add = (id: string, ...tps: TouchpointRecord[]): void => {
    out.set(id, [...(out.get(id) ?? []), ...tps].sort((a, b) => (a.at ?? 0) - (b.at ?? 0)));
  };
  const on = (id: string) => ({ contactIds: [id] });
  // c2 (now consideration, awareness 50–30 days ago): email in awareness, chat in consideration, happy answers.
  add('c2',
    touchpoint({ ...on('c2'), channel: 'email', direction: 'inbound', at: daysAgo(45) }),
    touchpoint({ ...on('c2'), channel: 'email', direction: 'outbound', at: daysAgo(45) + 3 * HOUR_MS }),
    touchpoint({ ...on('c2'), channel: 'form', direction: 'inbound', at: daysAgo(32) }),
    touchpoint({ ...on('c2'), channel: 'email', direction: 'inbound', ticketIds: ['t2'], at: daysAgo(10) }),
    touchpoint({ ...on('c2'), channel: 'email', direction: 'outbound', ticketIds: ['t2'], at: daysAgo(10) + 2 * HOUR_MS }),
    ...[2, 2, 1].map((score, i) => answer('csat', score, daysAgo(40) + i * DAY_MS, on('c2'))),
    answer('nps', 9, daysAgo(20), on('c2')));
  // c3 (now decision since 40 days; consideration 70–40): a meeting no-show, an unanswered chat, unhappy answers.
  add('c3',
    touchpoint({ ...on('c3'), channel: 'meeting', direction: 'outbound', outcome: 'no_show', rawOutcome: 'NO_SHOW', at: daysAgo(35) }),
    touchpoint({ ...on('c3'), channel: 'phone', direction: 'outbound', outcome: 'no_answer', at: daysAgo(30) }),
    touchpoint({ ...on('c3'), channel: 'chat', direction: 'inbound', ticketIds: ['t3'], at: daysAgo(10) }),
    touchpoint({ ...on('c3'), channel: 'internal', direction: null, at: daysAgo(9) }),
    ...[0, 1].map((score, i) => answer('csat', score, daysAgo(55) + i * DAY_MS, on('c3'))),
    answer('ces', 2, daysAgo(12), on('c3')), answer('nps', 4, daysAgo(11), on('c3')));
  // c4 (now purchase since 20 days; consideration 60–45, decision 45–20): answered in consideration.
  add('c4',
    touchpoint({ ...on('c4'), channel: 'meeting', direction: 'outbound', outcome: 'completed', at: daysAgo(50) }),
    touchpoint({ ...on('c4'), channel: 'phone', direction: 'inbound', at: daysAgo(40) }),
    touchpoint({ ...on('c4'), channel: 'phone', direction: 'outbound', outcome: 'connected', at: daysAgo(39) }),
    touchpoint({ ...on('c4'), channel: 'whatsapp', direction: 'outbound', at: daysAgo(15) }),
    ...[2, 2, 2].map((score, i) => answer('csat', score, daysAgo(55) + i * DAY_MS, on('c4'))),
    answer('csat', 0, daysAgo(5), on('c4')), answer('ces', 6, daysAgo(4), on('c4')));
  // c1, c6 (awareness): web visits and a social message; c5 (post-purchase): a phone ticket and SMS.
  add('c1', touchpoint({ ...on('c1'), channel: 'web', direction: 'inbound', at: daysAgo(20) }), answer('csat', 2, daysAgo(19), on('c1')));
  add('c6', touchpoint({ ...on('c6'), channel: 'social', direction: 'inbound', at: daysAgo(5) }));
  add('c5',
    touchpoint({ ...on('c5'), channel: 'phone', direction: 'inbound', ticketIds: ['t5'], at: daysAgo(30) }),
    touchpoint({ ...on('c5'), channel: 'phone', direction: 'outbound', ticketIds: ['t5'], at: daysAgo(30) + HOUR_MS }),
    touchpoint({ ...on('c5'), channel: 'phone', direction: 'inbound', ticketIds: ['t5'], at: daysAgo(29) }),
    touchpoint({ ...on('c5'), channel: 'sms', direction: 'outbound', at: daysAgo(8) }),
    answer('nps', 8, daysAgo(7), on('c5')));
  return out;
}

/** The seeded store plus the seeded touchpoints, stored as a sync stores them. */
export async function seedStoreWithTouchpoints(): Promise<Store> {
  const store = await seedStore();
  await store.applyTouchpointBatch(INST, { records: [...seedTouchpoints().values()].flat(), removed: [] });
  return store;
}
