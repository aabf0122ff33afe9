/**
 * What the touchpoints say, per stage: the stage × channel table, satisfaction from the survey answers,
 * and the moments of truth. Every touchpoint and answer counts in the stay that covers its time (see
 * stays.ts), not in the stage the customer is in now.
 *
 * Memory is bounded by stages × channels (typed counters) plus one 8-byte response time per answered
 * inbound touchpoint in the period; per customer, only small sets of that customer's own keys.
 */
import { HOUR_MS, TOUCHPOINT_CHANNELS, TOUCHPOINT_OUTCOMES, type Customer, type TouchpointRecord } from '../../model.ts';
import { touchpointKindLabel } from '../labels.ts';
import { inPeriod, type Period } from '../schema.ts';
import { AnswerTally, isSatisfied } from './answers.ts';
import { movedOn, stayIndexAt, type PlacedStay } from './stays.ts';
import { round, Sample, summarize } from './summary.ts';

/** Fewer answers than this in a stage: the figure is shown with "not enough answers", and no target is judged on it. */
export const MIN_ANSWERS = 5;
/** Moments of truth compare groups of at least this many stays (or answers) on each side. */
export const MIN_GROUP = 5;
/** Moments of truth kept per stage. */
export const MOMENTS_PER_STAGE = 3;

const CHANNELS = TOUCHPOINT_CHANNELS;
const NCH = CHANNELS.length;
const CHANNEL_INDEX = new Map<string, number>(CHANNELS.map((c, i) => [c, i]));
const OTHER = CHANNEL_INDEX.get('other') as number;
const OUTCOME_INDEX = new Map<string, number>(TOUCHPOINT_OUTCOMES.map((o, i) => [o, i]));
/** A kind of touchpoint as an integer: channel × (inbound, outbound, then each outcome). */
const KINDS_PER_CHANNEL = 2 + TOUCHPOINT_OUTCOMES.length;
const KINDS = NCH * KINDS_PER_CHANNEL;

function kindName(kind: number): { channel: string; detail: string } {
  const channel = CHANNELS[Math.floor(kind / KINDS_PER_CHANNEL)] as string;
  const d = kind % KINDS_PER_CHANNEL;
  return { channel, detail: d === 0 ? 'inbound' : d === 1 ? 'outbound' : `outcome:${TOUCHPOINT_OUTCOMES[d - 2] as string}` };
}

/** Touchpoints the customer saw: notes and other internal records are kept out of every figure. */
export const customerFacing = (t: TouchpointRecord): boolean => t.channel !== 'internal';

export interface StageChannelRow {
  stage: string;
  channel: string;
  touchpoints: number;
  customers: number;
  inbound: number;
  outbound: number;
  /** Hours from an inbound touchpoint (the first of a run not yet answered; survey answers excepted) to the next outbound one. */
  responseHours: { median: number | null; n: number };
  /** Inbound touchpoints with no outbound one after them. */
  unanswered: number;
  /** Stays in this stage during which the customer was touched on this channel… */
  touchedStays: number;
  /** …and of those, how many ended in a later stage. */
  movedOn: number;
  conversionToNext: number | null;
  /** CSAT answers given in those stays: share satisfied (top band), or null without answers. */
  satisfaction: { value: number | null; n: number };
}

export interface StageAnswers {
  stage: string;
  tally: AnswerTally;
  /** Answers placed by the ledger, and by the CRM's dated evidence before the ledger begins. */
  placed: { ledger: number; evidence: number };
}

export interface Moment {
  stage: string;
  kind: string;
  label: string;
  metric: 'conversion' | 'satisfaction';
  with: { value: number; n: number };
  without: { value: number; n: number };
  /** with − without, in percentage points. */
  difference: number;
}

export interface InteractionsResult {
  /** Customers with touchpoints pulled (others are left out of every figure here). */
  customers: number;
  stageChannels: StageChannelRow[];
  answers: StageAnswers[];
  /** Answers in the period no stay covers (before any dated evidence), left out. */
  unplaced: number;
  moments: Moment[];
}

export interface Interactions {
  /** `stays`: the customer's stays of this journey (customerStays), oldest first. */
  add(customer: Customer, stays: readonly PlacedStay[]): void;
  result(): InteractionsResult;
}

interface KindTotals {
  stays: number;
  moved: number;
  csatN: number;
  csatGood: number;
}

const newTotals = (): KindTotals => ({ stays: 0, moved: 0, csatN: 0, csatGood: 0 });

export function createInteractions(stageIds: readonly string[], period: Period): Interactions {
  const rank = new Map(stageIds.map((s, i) => [s, i]));
  const cells = stageIds.length * NCH;
  const counts = {
    touchpoints: new Uint32Array(cells), customers: new Uint32Array(cells), inbound: new Uint32Array(cells), outbound: new Uint32Array(cells),
    unanswered: new Uint32Array(cells), touchedStays: new Uint32Array(cells), movedOn: new Uint32Array(cells), csatN: new Uint32Array(cells), csatGood: new Uint32Array(cells),
  };
  const response: Array<Sample | undefined> = new Array(cells);
  const answers = stageIds.map((stage) => ({ stage, tally: new AnswerTally(), placed: { ledger: 0, evidence: 0 } }));
  const stageTotals = stageIds.map(() => newTotals());
  const kindTotals = stageIds.map(() => new Map<number, KindTotals>());
  let customers = 0;
  let unplaced = 0;

  // Per-customer scratch, reused: each stay's journey position and whether it moved on; "seen" stamps
  // (the customer's serial number) instead of a Set per customer.
  let stayStage = new Int32Array(16);
  let stayMoved = new Uint8Array(16);
  const reachedStamp = new Uint32Array(cells);
  let touchedStamp = new Uint32Array(16 * NCH);

  return {
    add(customer, stays) {
      const tps = customer.touchpoints;
      if (tps === undefined) return;
      customers++;
      const serial = customers;
      if (stays.length > stayStage.length) {
        stayStage = new Int32Array(stays.length * 2);
        stayMoved = new Uint8Array(stays.length * 2);
        touchedStamp = new Uint32Array(stays.length * 2 * NCH);
      }
      for (let i = 0; i < stays.length; i++) {
        const stay = stays[i] as PlacedStay;
        stayStage[i] = rank.get(stay.stage) ?? -1;
        stayMoved[i] = movedOn(stay, rank) ? 1 : 0;
      }
      // CSAT answers per stay (any time in the stay), for satisfaction by channel and moments of truth.
      let stayCsat: Map<number, { n: number; good: number }> | null = null;
      const touched: number[] = []; // stay index × NCH + channel, each once
      const kindsOf = new Set<number>(); // stay index × KINDS + kind (integers: no string per touchpoint)
      let waiting: { at: number; cell: number } | null = null;
      // Touchpoints come oldest first: the covering stay only moves forward (binary search when it does not).
      let cursor = 0;

      for (const t of tps) {
        if (!customerFacing(t)) continue;
        let stayIdx = -1;
        if (t.at !== null) {
          const here = stays[cursor];
          if (here !== undefined && t.at >= here.from && (here.to === null || t.at < here.to)) stayIdx = cursor;
          else {
            stayIdx = stayIndexAt(stays, t.at);
            if (stayIdx >= 0) cursor = stayIdx;
          }
        }
        const s = stayIdx < 0 ? -1 : (stayStage[stayIdx] as number);
        const ch = CHANNEL_INDEX.get(t.channel) ?? OTHER;
        if (t.survey) {
          if (s >= 0 && t.survey.type === 'csat') {
            const good = isSatisfied(t.survey);
            if (good !== null) {
              stayCsat ??= new Map();
              const c = stayCsat.get(stayIdx) ?? { n: 0, good: 0 };
              c.n++;
              if (good) c.good++;
              stayCsat.set(stayIdx, c);
            }
          }
          if (inPeriod(t.at, period)) {
            if (s < 0) unplaced++;
            else {
              const a = answers[s] as StageAnswers;
              const before = a.tally.answers;
              a.tally.add(t.survey);
              if (a.tally.answers > before) a.placed[(stays[stayIdx] as PlacedStay).basis]++;
            }
          }
        } else if (s >= 0) {
          if (t.direction) kindsOf.add(stayIdx * KINDS + ch * KINDS_PER_CHANNEL + (t.direction === 'inbound' ? 0 : 1));
          if (t.outcome && t.outcome !== 'other') kindsOf.add(stayIdx * KINDS + ch * KINDS_PER_CHANNEL + 2 + (OUTCOME_INDEX.get(t.outcome) as number));
        }
        // Response times: an inbound touchpoint waits for the next outbound one on any channel.
        if (t.direction === 'outbound' && waiting !== null && t.at !== null) {
          const w = waiting as { at: number; cell: number };
          (response[w.cell] ??= new Sample()).push((t.at - w.at) / HOUR_MS);
          waiting = null;
        }
        if (s < 0 || !inPeriod(t.at, period)) continue;
        const cell = s * NCH + ch;
        inc(counts.touchpoints, cell);
        if (reachedStamp[cell] !== serial) {
          reachedStamp[cell] = serial;
          inc(counts.customers, cell);
        }
        const tk = stayIdx * NCH + ch;
        if (touchedStamp[tk] !== serial) {
          touchedStamp[tk] = serial;
          touched.push(tk);
        }
        if (t.direction === 'inbound') {
          inc(counts.inbound, cell);
          // A survey answer waits for no reply.
          if (waiting === null && !t.survey) waiting = { at: t.at, cell };
        } else if (t.direction === 'outbound') inc(counts.outbound, cell);
      }
      if (waiting !== null) inc(counts.unanswered, (waiting as { cell: number }).cell);
      for (const key of touched) {
        const stayIdx = Math.floor(key / NCH);
        const cell = (stayStage[stayIdx] as number) * NCH + (key % NCH);
        inc(counts.touchedStays, cell);
        if (stayMoved[stayIdx]) inc(counts.movedOn, cell);
        const c = stayCsat?.get(stayIdx);
        if (c) {
          inc(counts.csatN, cell, c.n);
          inc(counts.csatGood, cell, c.good);
        }
      }
      // Moments of truth: stays that began in the period, with and without each kind of touchpoint.
      const counted = (i: number): boolean => (stayStage[i] as number) >= 0 && inPeriod((stays[i] as PlacedStay).from, period);
      for (let i = 0; i < stays.length; i++) {
        if (counted(i)) add(stageTotals[stayStage[i] as number] as KindTotals, stayMoved[i] === 1, stayCsat?.get(i));
      }
      for (const key of kindsOf) {
        const i = Math.floor(key / KINDS);
        if (!counted(i)) continue;
        const m = kindTotals[stayStage[i] as number] as Map<number, KindTotals>;
        let t = m.get(key % KINDS);
        if (!t) m.set(key % KINDS, (t = newTotals()));
        add(t, stayMoved[i] === 1, stayCsat?.get(i));
      }
    },

    result() {
      const stageChannels: StageChannelRow[] = [];
      stageIds.forEach((stage, s) => {
        for (let ch = 0; ch < NCH; ch++) {
          const cell = s * NCH + ch;
          if (counts.touchpoints[cell] === 0 && counts.touchedStays[cell] === 0) continue;
          const r = response[cell];
          const touchedStays = counts.touchedStays[cell] as number;
          const csatN = counts.csatN[cell] as number;
          stageChannels.push({
            stage,
            channel: CHANNELS[ch] as string,
            touchpoints: counts.touchpoints[cell] as number,
            customers: counts.customers[cell] as number,
            inbound: counts.inbound[cell] as number,
            outbound: counts.outbound[cell] as number,
            responseHours: r ? { median: summarize(r).median, n: r.size } : { median: null, n: 0 },
            unanswered: counts.unanswered[cell] as number,
            touchedStays,
            movedOn: counts.movedOn[cell] as number,
            conversionToNext: touchedStays === 0 || s === stageIds.length - 1 ? null : round((counts.movedOn[cell] as number) / touchedStays, 4),
            satisfaction: { value: csatN === 0 ? null : round((100 * (counts.csatGood[cell] as number)) / csatN, 1), n: csatN },
          });
        }
      });
      stageChannels.sort((a, b) => (rank.get(a.stage) as number) - (rank.get(b.stage) as number) || b.touchpoints - a.touchpoints || a.channel.localeCompare(b.channel));
      return { customers, stageChannels, answers, unplaced, moments: moments(stageIds, stageTotals, kindTotals) };
    },
  };
}

function inc(xs: Uint32Array, i: number, by = 1): void {
  xs[i] = (xs[i] as number) + by;
}

function add(t: KindTotals, moved: boolean, c: { n: number; good: number } | undefined): void {
  t.stays++;
  if (moved) t.moved++;
  if (c) {
    t.csatN += c.n;
    t.csatGood += c.good;
  }
}

function moments(stageIds: readonly string[], totals: readonly KindTotals[], byKind: ReadonlyArray<Map<number, KindTotals>>): Moment[] {
  const out: Moment[] = [];
  const last = stageIds.length - 1;
  stageIds.forEach((stage, s) => {
    const all = totals[s] as KindTotals;
    const candidates: Moment[] = [];
    for (const [k, w] of byKind[s] as Map<number, KindTotals>) {
      const { channel, detail } = kindName(k);
      const kind = `${channel}|${detail}`;
      const label = touchpointKindLabel(channel, detail);
      const withoutStays = all.stays - w.stays;
      // Conversion means nothing in the last stage (there is no next one).
      if (s < last && w.stays >= MIN_GROUP && withoutStays >= MIN_GROUP) {
        const a = (100 * w.moved) / w.stays;
        const b = (100 * (all.moved - w.moved)) / withoutStays;
        candidates.push({ stage, kind, label, metric: 'conversion', with: { value: round(a, 1), n: w.stays }, without: { value: round(b, 1), n: withoutStays }, difference: round(a - b, 1) });
      }
      const withoutN = all.csatN - w.csatN;
      if (w.csatN >= MIN_GROUP && withoutN >= MIN_GROUP) {
        const a = (100 * w.csatGood) / w.csatN;
        const b = (100 * (all.csatGood - w.csatGood)) / withoutN;
        candidates.push({ stage, kind, label, metric: 'satisfaction', with: { value: round(a, 1), n: w.csatN }, without: { value: round(b, 1), n: withoutN }, difference: round(a - b, 1) });
      }
    }
    candidates.sort((a, b) => Math.abs(b.difference) - Math.abs(a.difference) || a.kind.localeCompare(b.kind) || a.metric.localeCompare(b.metric));
    out.push(...candidates.filter((m) => m.difference !== 0).slice(0, MOMENTS_PER_STAGE));
  });
  return out;
}
