/**
 * Builds the journey map in one streaming pass over each store table: customers (re-evaluated with
 * the engine at `now`), the stage-transition ledger, and the segment event log. Only bounded
 * aggregates are kept: counters, 8-byte duration samples, and a contact-id set/map only when a
 * `segment` filter (members) or several journeys (segment events → journey) need one.
 */
import { ParcoursError } from '../errors.ts';
import type { Engine } from '../journey/engine.ts';
import type { CrmName, Customer } from '../model.ts';
import type { SegmentEvent, StageHistoryRow, Store } from '../store/types.ts';
import { chooseDurationSource, createCurrentStages, MIN_HISTORY_STAYS, type CurrentStages } from './analytics/current-stages.ts';
import { createFriction, type Friction } from './analytics/friction.ts';
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
  customers(): Iterable<Customer>;
  stageHistory(): Iterable<StageHistoryRow>;
  /** Events with `at >= since`. */
  segmentEvents(since: number): Iterable<SegmentEvent>;
}

export function storeSource(store: Store, installation: string): ReportSource {
  return {
    customers: () => store.iterateCustomers(installation),
    stageHistory: () => store.iterateStageHistory(installation),
    segmentEvents: (since) => store.iterateSegmentEvents(installation, since),
  };
}

export interface CollectOptions {
  crm: CrmName;
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
}

export function collectJourneyMap(o: CollectOptions): JourneyMap {
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
    });
  }

  // Who is in scope, by contact id: only kept when something later has to ask.
  const needMembers = o.segment !== undefined;
  const needJourneyOf = accs.size > 1 || mapping.journeys.length > 1;
  const members = new Set<string>();
  const journeyOf = new Map<string, string>();
  const single = accs.size === 1 ? ([...accs.values()][0] as JourneyAcc) : null;

  for (const customer of o.source.customers()) {
    const state = o.engine.evaluate(customer, o.now);
    const acc = accs.get(state.journeyId);
    if (!acc) continue;
    if (o.segment !== undefined && !state.segments.some((s) => s.id === o.segment)) continue;
    if (needMembers) members.add(customer.contact.id);
    if (needJourneyOf) journeyOf.set(customer.contact.id, state.journeyId);
    acc.customers++;
    acc.current.add(state);
    acc.touchpoints.add(state.stage.id, customer);
    acc.friction.add(state.stage.id, customer, state);
    acc.kpis.add(state.stage.id, customer, state);
    for (const s of state.segments) acc.segments.addMember(s.id);
  }

  for (const row of o.source.stageHistory()) {
    if (needMembers && !members.has(row.contactId)) continue;
    accs.get(row.journeyId)?.flow.add(row);
  }

  for (const e of o.source.segmentEvents(period.from)) {
    if (needMembers && !members.has(e.contactId)) continue;
    const acc = needJourneyOf ? accs.get(journeyOf.get(e.contactId) ?? '') : single;
    // Without a journey map (one journey), a contact gone from the mirror still counts: its events happened.
    acc?.segments.addEvent(e);
  }

  const journeys = [...accs.values()].map((acc) => journeyReport(acc, mapping.journeys.find((j) => j.id === acc.id)?.stages ?? [], o, period));
  return JourneyMapSchema.parse({
    crm: o.crm,
    generatedAt: new Date(o.now).toISOString(),
    period: { from: new Date(period.from).toISOString(), to: new Date(period.to).toISOString() },
    filter: { journey: o.journey ?? null, segment: o.segment ?? null },
    disabled: o.engine.disabled,
    journeys,
  });
}

function journeyReport(acc: JourneyAcc, stages: ReadonlyArray<{ id: string; label: string }>, o: CollectOptions, period: Period): JourneyReport {
  const minStays = o.minHistoryStays ?? MIN_HISTORY_STAYS;
  const now = acc.current.result();
  const flow = acc.flow.result();
  const friction = acc.friction.result();
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
    kpis: acc.kpis.result().map((k) => {
      const off = o.engine.disabled.find((d) => d.rule === `kpis.${k.id}`);
      if (!off) return k;
      return { ...k, value: null, met: null, n: 0, disabled: { needs: off.needs, fix: off.fix }, definition: `Off: the CRM lacks ${off.needs.join(', ')}. ${k.definition}` };
    }),
    segments: acc.segments.result(),
    definitions: {
      conversion: `From the stage-transition ledger: stays that began in the period (${days} days); "moved on" = the contact's next stay was a later stage of the journey. Conversion = moved on ÷ entered; stays still open count as not (yet) moved on.`,
      duration: `"history": days of each stay in the ledger that ended within the period (left − entered). "crm_dates": used for a stage while the ledger has fewer than ${minStays} such stays, the CRM's own dates instead — days customers now in the stage have been there so far, from the deal's stage-entered or close date (or the ticket's creation) that placed them there. Median = middle value (mean of the two middle ones); p90 = nearest rank.`,
      touchpoints: 'Per current stage, distinct customers by acquisition source (contact source) and by support channel (ticket/case channel, tickets created in the period).',
      backfilled: 'Backfilled: on its first sync Parcours dates the stays a customer went through before it was installed from the CRM\'s own history (deal stage-entry and close dates, lifecycle-stage dates, OpportunityHistory, creation dates) and records them in the ledger marked as backfilled. Per stage, "backfilled" counts how many of the entered, moved-on and duration figures rest on those stays rather than on changes a sync observed.',
      friction: "Customers carrying each flag now, by current stage and by channel: a ticket flag takes the ticket's channel, other flags the contact's source. Most affected records are ranked by severity-weighted flag count (high 3, medium 2, low 1).",
    },
  };
}
