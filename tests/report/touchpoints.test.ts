/**
 * The map's touchpoint sections as pure functions over customers and their stays: answers placed in the
 * stage of their time, satisfaction on each survey's own scale, stage × channel, moments of truth and
 * first-contact resolution from the conversation. Then the same through the collector over a store.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type Customer, DAY_MS, HOUR_MS } from '../../src/model.ts';
import { cesOn7, isSatisfied, npsBand } from '../../src/report/analytics/answers.ts';
import { createInteractions, MIN_ANSWERS } from '../../src/report/analytics/interactions.ts';
import { createKpis, resolvedAtFirstContact } from '../../src/report/analytics/kpis.ts';
import { customerStays, stayIndexAt, type LedgerStay } from '../../src/report/analytics/stays.ts';
import { collectJourneyMap, renderCsvTables, storeSource, type JourneyMap } from '../../src/report/index.ts';
import { channelLabel, touchpointKindLabel } from '../../src/report/labels.ts';
import { contact, daysAgo, NOW, ticket } from '../journey/builders.ts';
import { engine, INST, seedStore } from './seed.ts';
import { answer, touchpoint } from './touchpoint-builders.ts';

const STAGES = ['awareness', 'consideration', 'decision', 'purchase', 'post_purchase'];
const PERIOD = { from: daysAgo(90), to: NOW };
const noEvidence = () => [];

/** Stays entered `ago` days back, each closing the previous one; the last stays open. */
function ledger(...entries: Array<[string, number]>): LedgerStay[] {
  return entries.map(([stage, ago], i) => ({ stage, enteredAt: daysAgo(ago), leftAt: entries[i + 1] ? daysAgo((entries[i + 1] as [string, number])[1]) : null }));
}

describe('stays: the stage a customer was in at a given time', () => {
  const stays = customerStays(ledger(['awareness', 80], ['consideration', 60], ['purchase', 10]), daysAgo(70), noEvidence);

  it('finds the ledger stay covering an instant, not the current stage', () => {
    expect(stays[stayIndexAt(stays, daysAgo(50))]).toMatchObject({ stage: 'consideration', next: 'purchase', basis: 'ledger' });
    expect(stays[stayIndexAt(stays, daysAgo(60))]?.stage).toBe('consideration'); // entry instant belongs to the new stay
    expect(stays[stayIndexAt(stays, daysAgo(1))]).toMatchObject({ stage: 'purchase', next: null });
    expect(stayIndexAt(stays, daysAgo(81))).toBe(-1);
  });

  it('uses the CRM\'s dated evidence before the ledger begins, and only when asked to reach that far', () => {
    let calls = 0;
    const evidence = () => {
      calls++;
      return [
        { stage: 'awareness', at: daysAgo(300), basis: 'contact created', kind: 'created' as const, evidence: true },
        { stage: 'consideration', at: daysAgo(200), basis: 'lifecycle stage marketingqualifiedlead', kind: 'lifecycle' as const, evidence: true },
        { stage: 'purchase', at: NOW, basis: 'first observed', kind: 'first_observed' as const, evidence: false },
      ];
    };
    const recent = customerStays(ledger(['decision', 100], ['purchase', 10]), daysAgo(50), evidence);
    expect(calls).toBe(0);
    expect(recent.map((s) => s.stage)).toEqual(['decision', 'purchase']);
    const old = customerStays(ledger(['decision', 100], ['purchase', 10]), daysAgo(250), evidence);
    expect(calls).toBe(1);
    expect(old.map((s) => [s.stage, s.basis, s.next])).toEqual([
      ['awareness', 'evidence', 'consideration'], ['consideration', 'evidence', 'decision'], ['decision', 'ledger', 'purchase'], ['purchase', 'ledger', null],
    ]);
    expect(old[stayIndexAt(old, daysAgo(150))]).toMatchObject({ stage: 'consideration', to: daysAgo(100) });
  });
});

describe('survey answers on their own scale', () => {
  const a = (type: 'csat' | 'nps' | 'ces', score: number | null, scale: { min: number; max: number }, sentiment: 'positive' | 'neutral' | 'negative' | null = null) => ({ type, score, scale, sentiment });

  it('CSAT: the top band of its scale — 2 on HubSpot\'s 0–2, 4–5 on a 1–5 scale', () => {
    expect([0, 1, 2].map((s) => isSatisfied(a('csat', s, { min: 0, max: 2 })))).toEqual([false, false, true]);
    expect([1, 2, 3, 4, 5].map((s) => isSatisfied(a('csat', s, { min: 1, max: 5 })))).toEqual([false, false, false, true, true]);
    // No score: HubSpot's own band (hs_response_group) decides.
    expect(isSatisfied(a('csat', null, { min: 0, max: 2 }, 'positive'))).toBe(true);
    expect(isSatisfied(a('csat', null, { min: 0, max: 2 }, 'neutral'))).toBe(false);
    expect(isSatisfied(a('csat', null, { min: 0, max: 2 }))).toBeNull();
  });

  it('NPS bands 0–6 / 7–8 / 9–10 and CES on 1–7', () => {
    expect([0, 6, 7, 8, 9, 10].map((s) => npsBand(a('nps', s, { min: 0, max: 10 })))).toEqual(['detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter']);
    expect(cesOn7(a('ces', 6, { min: 1, max: 7 }))).toBe(6);
    expect(cesOn7(a('ces', 5, { min: 1, max: 5 }))).toBe(7);
    expect(cesOn7(a('ces', 3, { min: 1, max: 5 }))).toBe(4);
  });

  it('labels channels for people, not enum values', () => {
    expect(channelLabel('DIRECT_TRAFFIC')).toBe('Direct traffic');
    expect(channelLabel('ORGANIC_SEARCH')).toBe('Organic search');
    expect(channelLabel('in_person')).toBe('In person');
    expect(channelLabel('whatsapp')).toBe('WhatsApp');
    expect(channelLabel('Web')).toBe('Web'); // Salesforce Origin values are already words
    expect(channelLabel('SOME_NEW_SOURCE')).toBe('Some new source');
    expect(touchpointKindLabel('meeting', 'outcome:no_show')).toBe('Meeting: no-show');
    expect(touchpointKindLabel('phone', 'inbound')).toBe('Inbound phone');
    expect(touchpointKindLabel('sms', 'outbound')).toBe('Outbound SMS');
  });
});

/** A customer now in purchase who answered a CSAT survey while in consideration. */
function movedOnCustomer(): { customer: Customer; stays: LedgerStay[] } {
  const id = 'a1';
  const on = { contactIds: [id] };
  return {
    customer: {
      contact: contact({ id }), deals: [], tickets: [],
      touchpoints: [
        touchpoint({ ...on, channel: 'email', direction: 'inbound', at: daysAgo(70) }), // awareness, answered 6 h later
        touchpoint({ ...on, channel: 'email', direction: 'outbound', at: daysAgo(70) + 6 * HOUR_MS }),
        answer('csat', 2, daysAgo(50), on), // consideration, satisfied
        touchpoint({ ...on, channel: 'phone', direction: 'inbound', at: daysAgo(40) }), // consideration, answered 24 h later
        touchpoint({ ...on, channel: 'phone', direction: 'outbound', at: daysAgo(39) }),
        touchpoint({ ...on, channel: 'internal', direction: null, at: daysAgo(35) }), // a note: never counted
        touchpoint({ ...on, channel: 'meeting', direction: 'outbound', outcome: 'no_show', at: daysAgo(20) }), // decision
        answer('nps', 3, daysAgo(15), on), // decision, detractor
        answer('csat', 0, daysAgo(5), on), // purchase
        touchpoint({ ...on, channel: 'chat', direction: 'inbound', at: daysAgo(2) }), // purchase, unanswered
      ],
    },
    stays: ledger(['awareness', 80], ['consideration', 60], ['decision', 30], ['purchase', 10]),
  };
}

describe('interactions: touchpoints and answers in the stage of their time', () => {
  const { customer, stays } = movedOnCustomer();
  const acc = createInteractions(STAGES, PERIOD);
  acc.add(customer, customerStays(stays, daysAgo(70), noEvidence));
  acc.add({ contact: contact({ id: 'no-tp' }), deals: [], tickets: [] }, []); // touchpoints not pulled: left out
  const r = acc.result();
  const at = (stage: string) => r.answers.find((a) => a.stage === stage)?.tally;
  const row = (stage: string, channel: string) => r.stageChannels.find((x) => x.stage === stage && x.channel === channel);

  it('counts a CSAT answer given in consideration there, though the customer is now in purchase', () => {
    expect(r.customers).toBe(1);
    expect(at('consideration')).toMatchObject({ csatN: 1, csatGood: 1 });
    expect(at('purchase')).toMatchObject({ csatN: 1, csatGood: 0 });
    expect(at('decision')).toMatchObject({ npsN: 1, detractors: 1, csatN: 0 });
    expect(r.answers.find((a) => a.stage === 'consideration')?.placed).toEqual({ ledger: 1, evidence: 0 });
    expect(r.unplaced).toBe(0);
  });

  it('tables stage × channel: counts, direction, response time, unanswered, conversion, satisfaction', () => {
    expect(row('awareness', 'email')).toMatchObject({ touchpoints: 2, customers: 1, inbound: 1, outbound: 1, responseHours: { median: 6, n: 1 }, touchedStays: 1, movedOn: 1, conversionToNext: 1 });
    expect(row('consideration', 'phone')).toMatchObject({ touchpoints: 2, inbound: 1, outbound: 1, responseHours: { median: 24, n: 1 }, satisfaction: { value: 100, n: 1 } });
    expect(row('consideration', 'survey')).toMatchObject({ touchpoints: 1, inbound: 1 });
    expect(row('purchase', 'chat')).toMatchObject({ touchpoints: 1, unanswered: 1, responseHours: { median: null, n: 0 }, conversionToNext: 0, satisfaction: { value: 0, n: 1 } });
    expect(r.stageChannels.some((x) => x.channel === 'internal')).toBe(false);
  });
});

describe('moments of truth: with vs without a kind of touchpoint', () => {
  it('finds the kind that goes with the largest difference in conversion, with n on each side', () => {
    const acc = createInteractions(STAGES, PERIOD);
    for (let i = 0; i < 12; i++) {
      const withMeeting = i < 6;
      const moves = withMeeting ? i < 5 : i === 6; // 5 of 6 with a meeting move on, 1 of 6 without
      const id = `m${i}`;
      const stays = moves ? ledger(['consideration', 40], ['decision', 20]) : ledger(['consideration', 40]);
      const touchpoints = [touchpoint({ contactIds: [id], channel: 'email', direction: 'outbound', at: daysAgo(39) })];
      if (withMeeting) touchpoints.push(touchpoint({ contactIds: [id], channel: 'meeting', direction: 'outbound', outcome: 'completed', at: daysAgo(30) }));
      acc.add({ contact: contact({ id }), deals: [], tickets: [], touchpoints }, customerStays(stays, daysAgo(39), noEvidence));
    }
    const moments = acc.result().moments.filter((m) => m.stage === 'consideration');
    expect(moments[0]).toMatchObject({ metric: 'conversion', with: { value: 83.3, n: 6 }, without: { value: 16.7, n: 6 }, difference: 66.7 });
    expect(moments.map((m) => m.label)).toContain('Outbound meeting');
    // Every customer had the outbound email: no "without" group, no moment.
    expect(moments.some((m) => m.kind === 'email|outbound')).toBe(false);
  });
});

describe('first-contact resolution from the conversation', () => {
  const on = (id: string) => ({ ticketIds: [id], channel: 'email' as const });

  it('one outbound reply and no inbound after it; else not; no conversation → unknown', () => {
    expect(resolvedAtFirstContact([touchpoint({ ...on('t'), direction: 'inbound', at: 1 }), touchpoint({ ...on('t'), direction: 'outbound', at: 2 })])).toBe(true);
    expect(resolvedAtFirstContact([touchpoint({ ...on('t'), direction: 'inbound', at: 1 }), touchpoint({ ...on('t'), direction: 'outbound', at: 2 }), touchpoint({ ...on('t'), direction: 'inbound', at: 3 })])).toBe(false);
    expect(resolvedAtFirstContact([touchpoint({ ...on('t'), direction: 'outbound', at: 2 }), touchpoint({ ...on('t'), direction: 'outbound', at: 3 })])).toBe(false);
    expect(resolvedAtFirstContact([])).toBeNull();
  });

  it('the KPI uses the conversation where the ticket has one and the 24 h proxy elsewhere, and says how many each', () => {
    const k = createKpis({ kpis: [{ id: 'fcr', label: 'FCR', metric: 'first_contact_resolution', unit: 'percent', target: { op: 'gte', value: 90 } } as never], stageIds: STAGES, abandonedFlag: null, period: PERIOD });
    const created = daysAgo(10);
    const closed = ticket({ id: 'tA', createdAt: created, firstResponseAt: created + 30 * HOUR_MS, closedAt: created + 2 * DAY_MS }); // slow by the proxy
    const reopened = ticket({ id: 'tB', createdAt: created, firstResponseAt: created + HOUR_MS, closedAt: created + 2 * HOUR_MS }); // quick by the proxy
    const noTalk = ticket({ id: 'tC', createdAt: created, firstResponseAt: created + HOUR_MS, closedAt: created + 3 * HOUR_MS });
    const touchpoints = [
      touchpoint({ ...on('tA'), direction: 'inbound', at: created }), touchpoint({ ...on('tA'), direction: 'outbound', at: created + 30 * HOUR_MS }),
      touchpoint({ ...on('tB'), direction: 'inbound', at: created }), touchpoint({ ...on('tB'), direction: 'outbound', at: created + HOUR_MS }), touchpoint({ ...on('tB'), direction: 'inbound', at: created + 3 * HOUR_MS }),
    ];
    k.add('purchase', { contact: contact(), deals: [], tickets: [closed, reopened, noTalk], touchpoints }, { friction: [] });
    const [r] = k.result();
    expect(r).toMatchObject({ value: 66.7, n: 3, sources: { conversation: 2, proxy_24h: 1 } });
    expect(r?.definition).toContain('exactly one outbound reply and no inbound message after it (2 tickets)');
    expect(r?.definition).toContain('closed within 24 h of its first agent response (1 tickets)');
  });
});

describe('the journey map from a store: answers placed by the stored ledger', async () => {
  const store = await seedStore();
  afterAll(async () => await store.close());
  // The seeded ledger: c4 entered consideration 60 days ago, decision 45, purchase 20 (now in purchase).
  const on = { contactIds: ['c4'] };
  const csat = Array.from({ length: MIN_ANSWERS }, (_, i) => answer('csat', i === 0 ? 1 : 2, daysAgo(55) + i * HOUR_MS, on));
  await store.applyTouchpointBatch(INST, { records: [...csat, touchpoint({ ...on, channel: 'meeting', direction: 'outbound', at: daysAgo(44) }), answer('ces', 6, daysAgo(10), on)], removed: [] });
  const map = await collectJourneyMap({ crm: 'hubspot', engine, now: NOW, source: storeSource(store, INST) });
  const j = map.journeys[0] as JourneyMap['journeys'][number];
  const sat = (stage: string) => j.satisfaction.stages.find((s) => s.stage === stage);

  it('counts the answers in consideration from the answers, the rest from the contact rollup, and says which', () => {
    expect(sat('consideration')?.csat).toEqual({ value: 80, n: 5, source: 'answers', enough: true });
    expect(sat('consideration')?.placedBy).toEqual({ ledger: 5, evidence: 0 });
    // c4's latest CSAT (0) sits on purchase, where no CSAT answer was given: the rollup stands in.
    expect(sat('purchase')?.csat).toEqual({ value: 0, n: 1, source: 'contact_rollup', enough: false });
    expect(sat('purchase')?.ces).toEqual({ value: 6, n: 1, enough: false });
    expect(j.kpis.find((k) => k.id === 'satisfaction_per_stage')?.byStage?.consideration).toEqual({ value: 80, n: 5, source: 'answers', enough: true });
    expect(j.satisfaction).toMatchObject({ minAnswers: MIN_ANSWERS, customersWithTouchpoints: 6, unplaced: 0 });
    expect(j.stageChannels.find((r) => r.stage === 'decision' && r.channel === 'meeting')).toMatchObject({ touchpoints: 1, customers: 1, outbound: 1, movedOn: 1, conversionToNext: 1 });
  });

  it('writes touchpoints.csv (stage × channel) and satisfaction.csv', () => {
    const csv = renderCsvTables(map);
    expect(csv['satisfaction.csv']?.split('\r\n')[0]).toBe('journey,stage,label,csat_value,csat_n,csat_source,csat_enough,nps_value,nps_n,nps_promoters,nps_detractors,ces_value,ces_n,placed_by_ledger,placed_by_evidence');
    expect(csv['satisfaction.csv']).toContain('default,consideration,Consideration,80,5,answers,true,,0,0,0,,0,5,0');
    expect(csv['touchpoints.csv']?.split('\r\n')[0]).toBe('journey,stage,channel,channel_label,touchpoints,customers,inbound,outbound,response_median_hours,response_n,unanswered,touched_stays,moved_on,conversion_to_next,csat_value,csat_n');
    expect(csv['touchpoints.csv']).toContain('default,decision,meeting,Meeting,1,1,0,1,,0,0,1,1,1,,0');
  });
});
