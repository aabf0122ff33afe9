/**
 * Builds the journey map in one streaming pass over each store table: customers (re-evaluated with
 * the engine at `now`), the stage-transition ledger, and the segment event log. Only bounded
 * aggregates are kept: counters, 8-byte duration samples, and a contact-id set/map only when a
 * `segment` filter (members) or several journeys (segment events → journey) need one.
 */
import { ParcoursError } from '../errors.ts';
import type { Engine } from '../journey/engine.ts';
import { stageTimeline } from '../journey/stage-entry.ts';
import type { CrmName, Customer, JourneyState } from '../model.ts';
import type { ContactStay, SegmentEvent, StageHistoryRow, Store } from '../store/types.ts';
import { chooseDurationSource, createCurrentStages, MIN_HISTORY_STAYS, type CurrentStages } from './analytics/current-stages.ts';
import { createActions, type TaskEpisodeRow } from './analytics/actions.ts';
import { createFriction, type Friction } from './analytics/friction.ts';
import { createInteractions, MIN_ANSWERS, MIN_GROUP, type Interactions, type InteractionsResult } from './analytics/interactions.ts';
import { customerStays } from './analytics/stays.ts';
import { ABANDONED_CHECKOUT_FLAG, createKpis, type Kpis } from './analytics/kpis.ts';
import { createSegmentMoves, type SegmentMoves } from './analytics/segments.ts';
import { createStageFlow, type StageFlow } from './analytics/stage-flow.ts';
import { summarize } from './analytics/summary.ts';
import { createTouchpoints, type Touchpoints } from './analytics/touchpoints.ts';
import { resolvePeriod } from './period.ts';
import type { RecordUrl } from './record-links.ts';
import { JourneyMapSchema, type JourneyMap, type JourneyReport, type Period } from './schema.ts';

/** Where the collector reads from: the store, or (benchmarks, tests) anything that yields the same rows. */
export interface ReportSource {
  customers(): AsyncIterable<Customer>;
  stageHistory(): AsyncIterable<StageHistoryRow>;
  /** Events with `at >= since`. */
  segmentEvents(since: number): AsyncIterable<SegmentEvent>;
  /**
   * The ledger stays of a page of customers (every journey), to place their touchpoints in time.
   * Without it, only the CRM's dated evidence places them.
   */
  staysOf?(contactIds: readonly string[]): Promise<Map<string, ContactStay[]>>;
  /** Follow-up task episodes (absent: the map has no actions block). */
  taskEpisodes?(): Promise<Iterable<TaskEpisodeRow>>;
}

/** Customers with touchpoints whose ledger stays are read in one query. */
const STAYS_PAGE = 500;

export function storeSource(store: Store, installation: string): ReportSource {
  return {
    customers: () => store.iterateCustomers(installation),
    stageHistory: () => store.iterateStageHistory(installation),
    segmentEvents: (since) => store.iterateSegmentEvents(installation, since),
    staysOf: (ids) => store.stageStaysOf(installation, ids),
    taskEpisodes: async () =>
      (await store.allTaskEpisodes(installation)).map((e) => ({ action: e.action, flag: e.flag, ownerId: e.fields.ownerId, state: e.state, openedAt: e.openedAt, closedAt: e.closedAt, dueAt: e.fields.dueAt })),
  };
}

export interface CollectOptions {
  crm: CrmName | 'linked';
  engine: Engine;
  source: ReportSource;
  now: number;
  /** Period start: `YYYY-MM-DD`, ISO date-time or epoch ms; default 90 days before `now`. */
  since?: string | number;
  /** Only this journey. */
  journey?: string;
  /** Only customers who are members of this segment now (engine at `now`). */
  segment?: string;
  /** Closed stays a stage needs before durations come from the ledger rather than CRM dates. */
  minHistoryStays?: number;
  /** Links for the most affected records (see record-links.ts); plain ids without it. */
  recordUrl?: RecordUrl;
  /** Each customer in scope with what the engine concluded (the linked map counts sources per stage with it). */
  onCustomer?: (customer: Customer, state: JourneyState) => void;
}

interface JourneyAcc {
  id: string;
  label: string;
  stageIds: string[];
  customers: number;
  current: CurrentStages;
  flow: StageFlow;
  touchpoints: Touchpoints;
  friction: Friction;
  kpis: Kpis;
  segments: SegmentMoves;
  interactions: Interactions;
}

export async function collectJourneyMap(o: CollectOptions): Promise<JourneyMap> {
  const mapping = o.engine.mapping;
  const period = resolvePeriod(o.since, o.now);
  if (o.journey !== undefined && !mapping.journeys.some((j) => j.id === o.journey)) {
    throw new ParcoursError('INPUT_INVALID', `--journey: the mapping has no journey "${o.journey}" (it has ${mapping.journeys.map((j) => j.id).join(', ')})`, { file: mapping.file });
  }
  if (o.segment !== undefined && !mapping.segments.some((s) => s.id === o.segment)) {
    throw new ParcoursError('INPUT_INVALID', `--segment: the mapping has no segment "${o.segment}"`, { file: mapping.file });
  }
  const flags = mapping.friction.map((f) => ({ id: f.id, label: f.label, severity: f.severity }));
  const abandonedFlag = mapping.friction.find((f) => f.id === ABANDONED_CHECKOUT_FLAG) ?? null;
  const accs = new Map<string, JourneyAcc>();
  for (const j of mapping.journeys) {
    if (o.journey !== undefined && j.id !== o.journey) continue;
    const stageIds = j.stages.map((s) => s.id);
    accs.set(j.id, {
      id: j.id, label: j.label, stageIds, customers: 0,
      current: createCurrentStages(stageIds, o.now),
      flow: createStageFlow(stageIds, period),
      touchpoints: createTouchpoints(period),
      friction: createFriction(flags),
      kpis: createKpis({ kpis: mapping.kpis, stageIds, abandonedFlag, period }),
      segments: createSegmentMoves(mapping.segments, period),
      interactions: createInteractions(stageIds, period),
    });
  }

  // Who is in scope, by contact id: only kept when something later has to ask.
  const needMembers = o.segment !== undefined;
  const needJourneyOf = accs.size > 1 || mapping.journeys.length > 1;
  const members = new Set<string>();
  const journeyOf = new Map<string, string>();
  const single = accs.size === 1 ? ([...accs.values()][0] as JourneyAcc) : null;

  // Customers with touchpoints wait here for their page's ledger stays (one query per page).
  let waiting: Array<{ customer: Customer; state: JourneyState; acc: JourneyAcc }> = [];
  const placeWaiting = async (): Promise<void> => {
    if (waiting.length === 0) return;
    const ledger = await o.source.staysOf?.(waiting.map((w) => w.customer.contact.id)) ?? new Map<string, ContactStay[]>();
    for (const { customer, state, acc } of waiting) {
      const all = ledger.get(customer.contact.id) ?? [];
      const mine = all.every((r) => r.journeyId === state.journeyId) ? all : all.filter((r) => r.journeyId === state.journeyId);
      let earliest = Number.POSITIVE_INFINITY;
      for (const t of customer.touchpoints ?? []) {
        if (t.at !== null) {
          earliest = t.at; // oldest first: the first dated one is the earliest
          break;
        }
      }
      const current = { journeyId: state.journeyId, stage: state.stage.id };
      const stays = customerStays(mine, earliest, () => stageTimeline(o.engine, customer, current, o.now));
      acc.interactions.add(customer, stays);
    }
    waiting = [];
  };

  for await (const customer of await o.source.customers()) {
    const state = o.engine.evaluate(customer, o.now);
    const acc = accs.get(state.journeyId);
    if (!acc) continue;
    if (o.segment !== undefined && !state.segments.some((s) => s.id === o.segment)) continue;
    if (needMembers) members.add(customer.contact.id);
    if (needJourneyOf) journeyOf.set(customer.contact.id, state.journeyId);
    acc.customers++;
    o.onCustomer?.(customer, state);
    acc.current.add(state);
    acc.touchpoints.add(state.stage.id, customer);
    acc.friction.add(state.stage.id, customer, state);
    acc.kpis.add(state.stage.id, customer, state);
    for (const s of state.segments) acc.segments.addMember(s.id);
    if (customer.touchpoints === undefined) continue;
    if (customer.touchpoints.length === 0) acc.interactions.add(customer, []);
    else {
      waiting.push({ customer, state, acc });
      if (waiting.length >= STAYS_PAGE) await placeWaiting();
    }
  }
  await placeWaiting();

  for await (const row of await o.source.stageHistory()) {
    if (needMembers && !members.has(row.contactId)) continue;
    accs.get(row.journeyId)?.flow.add(row);
  }

  for await (const e of await o.source.segmentEvents(period.from)) {
    if (needMembers && !members.has(e.contactId)) continue;
    const acc = needJourneyOf ? accs.get(journeyOf.get(e.contactId) ?? '') : single;
    // Without a journey map (one journey), a contact gone from the mirror still counts: its events happened.
    acc?.segments.addEvent(e);
  }

  const episodes = await o.source.taskEpisodes?.() ?? [];
  const actions = createActions(flags, period, o.now);
  let anyEpisode = false;
  for (const e of episodes) {
    anyEpisode = true;
    actions.add(e);
  }

  const journeys = [...accs.values()].map((acc) => journeyReport(acc, mapping.journeys.find((j) => j.id === acc.id)?.stages ?? [], o, period));
  return JourneyMapSchema.parse({
    crm: o.crm,
    generatedAt: new Date(o.now).toISOString(),
    period: { from: new Date(period.from).toISOString(), to: new Date(period.to).toISOString() },
    filter: { journey: o.journey ?? null, segment: o.segment ?? null },
    disabled: o.engine.disabled,
    journeys,
    ...(mapping.actions.length > 0 || anyEpisode ? { actions: actions.result() } : {}),
  });
}

function satisfactionReport(acc: JourneyAcc, inter: InteractionsResult, kpis: ReturnType<Kpis['result']>): JourneyReport['satisfaction'] {
  const csatKpi = kpis.find((k) => k.metric === 'csat_by_stage');
  const pct = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((1000 * part) / whole) / 10);
  return {
    minAnswers: MIN_ANSWERS,
    customersWithTouchpoints: inter.customers,
    unplaced: inter.unplaced,
    stages: acc.stageIds.map((stage, i) => {
      const a = inter.answers[i]?.tally;
      const byStage = csatKpi?.byStage?.[stage];
      // Without a csat_by_stage KPI in the mapping, the answers alone.
      const csat = byStage
        ? { value: byStage.value, n: byStage.n, source: byStage.source ?? 'none', enough: byStage.enough ?? byStage.n >= MIN_ANSWERS }
        : { value: a ? pct(a.csatGood, a.csatN) : null, n: a?.csatN ?? 0, source: a && a.csatN > 0 ? ('answers' as const) : ('none' as const), enough: (a?.csatN ?? 0) >= MIN_ANSWERS };
      const npsN = a?.npsN ?? 0;
      return {
        stage,
        csat,
        nps: { value: npsN === 0 ? null : Math.round((1000 * ((a?.promoters ?? 0) - (a?.detractors ?? 0))) / npsN) / 10, n: npsN, promoters: a?.promoters ?? 0, detractors: a?.detractors ?? 0, enough: npsN >= MIN_ANSWERS },
        ces: { value: a && a.cesN > 0 ? Math.round((100 * a.cesSum) / a.cesN) / 100 : null, n: a?.cesN ?? 0, enough: (a?.cesN ?? 0) >= MIN_ANSWERS },
        placedBy: inter.answers[i]?.placed ?? { ledger: 0, evidence: 0 },
      };
    }),
  };
}

function journeyReport(acc: JourneyAcc, stages: ReadonlyArray<{ id: string; label: string }>, o: CollectOptions, period: Period): JourneyReport {
  const minStays = o.minHistoryStays ?? MIN_HISTORY_STAYS;
  const now = acc.current.result();
  const flow = acc.flow.result();
  const friction = acc.friction.result();
  const inter = acc.interactions.result();
  const kpis = acc.kpis.result(inter.answers);
  const days = Math.round((period.to - period.from) / 86_400_000);
  return {
    id: acc.id,
    label: acc.label,
    customers: acc.customers,
    stages: stages.map((s, i) => {
      const history = flow.durations[i];
      const crm = now.timeInStageDays[i];
      const source = chooseDurationSource(history?.size ?? 0, crm?.size ?? 0, minStays);
      const sample = source === 'history' ? history : crm;
      return {
        id: s.id,
        label: s.label,
        customers: now.customers[i] ?? 0,
        enteredInPeriod: flow.enteredInPeriod[i] ?? 0,
        movedOn: flow.movedOn[i] ?? 0,
        conversionToNext: flow.conversion[i] === null || flow.conversion[i] === undefined ? null : Math.round((flow.conversion[i] as number) * 10_000) / 10_000,
        durationDays: sample ? summarize(sample) : summarize([]),
        durationSource: source,
        backfilled: {
          entered: flow.backfilled.entered[i] ?? 0,
          movedOn: flow.backfilled.movedOn[i] ?? 0,
          durations: source === 'history' ? (flow.backfilled.durations[i] ?? 0) : 0,
        },
      };
    }),
    touchpoints: acc.touchpoints.result(acc.stageIds),
    friction: friction.flags,
    mostAffected: friction.mostAffected.map((r) => ({ ...r, url: o.recordUrl?.(r.kind, r.id, r.objectType) ?? null })),
    kpis: kpis.map((k) => {
      const off = o.engine.disabled.find((d) => d.rule === `kpis.${k.id}`);
      if (!off) return k;
      return { ...k, value: null, met: null, n: 0, disabled: { needs: off.needs, fix: off.fix }, definition: `Off: the CRM lacks ${off.needs.join(', ')}. ${k.definition}` };
    }),
    segments: acc.segments.result(),
    satisfaction: satisfactionReport(acc, inter, kpis),
    stageChannels: inter.stageChannels,
    momentsOfTruth: inter.moments,
    definitions: {
      satisfaction: `Survey answers given in the period, each counted in the stage the customer was in when answering — from the stage-transition ledger, or before the ledger begins from the CRM's dated history (deal stage and close dates, lifecycle dates) — not the stage they are in now. CSAT: share of answers in the top band of their survey's own scale (HubSpot's 0–2 CSAT: 2; a 1–5 CSAT: 4–5); where a stage has no CSAT answer, the contacts' latest CSAT by current stage stands in (source "contact rollup"). NPS: % promoters (9–10) − % detractors (0–6). CES: average on 1–7. Fewer than ${MIN_ANSWERS} answers: "not enough answers".`,
      stageChannels: 'Customer-facing touchpoints in the period (notes and other internal records left out), each in the stage the customer was in at its time. Customers: distinct customers touched. Response: hours from an inbound touchpoint (the first not yet answered) to the next outbound one on any channel, median; unanswered: inbound with no outbound after it. Conversion: of the stays in that stage during which the customer was touched on that channel, the share that ended in a later stage (open stays count as not yet). Satisfaction: CSAT answers given in those stays, share in the top band.',
      momentsOfTruth: `Per stage, over the stays that began in the period: customers who had a kind of touchpoint during the stay against those who did not — conversion to a later stage, and the share of satisfied CSAT answers. Only groups of at least ${MIN_GROUP} on each side; the largest differences first. Customers who get a meeting may differ in other ways from those who do not: these figures show an association, not a cause.`,
      emotion: 'The CSAT line of the satisfaction table across the journey, stage by stage (hollow point: not enough answers; no point: no data). Red marks under the line: customers carrying friction flags in that stage now.',
      conversion: `From the stage-transition ledger: stays that began in the period (${days} days); "moved on" = the contact's next stay was a later stage of the journey. Conversion = moved on ÷ entered; stays still open count as not (yet) moved on.`,
      duration: `"history": days of each stay in the ledger that ended within the period (left − entered). "crm_dates": used for a stage while the ledger has fewer than ${minStays} such stays, the CRM's own dates instead — days customers now in the stage have been there so far, from the deal's stage-entered or close date (or the ticket's creation) that placed them there. Median = middle value (mean of the two middle ones); p90 = nearest rank.`,
      touchpoints: 'Per current stage, distinct customers by acquisition source (contact source) and by support channel (ticket/case channel, tickets created in the period).',
      backfilled: 'Backfilled: on its first sync Parcours dates the stays a customer went through before it was installed from the CRM\'s own history (deal stage-entry and close dates, lifecycle-stage dates, OpportunityHistory, creation dates) and records them in the ledger marked as backfilled. Per stage, "backfilled" counts how many of the entered, moved-on and duration figures rest on those stays rather than on changes a sync observed.',
      friction: "Customers carrying each flag now, by current stage and by channel: a ticket flag takes the ticket's channel, other flags the contact's source. Most affected records are ranked by severity-weighted flag count (high 3, medium 2, low 1).",
    },
  };
}
