/**
 * KPIs against the mapping's targets. Each figure says in its `definition` how it was computed.
 * Deals and tickets linked to several contacts are counted once (by id).
 */
import type { Condition, FrictionDef, KpiDef, NumberTest } from '../../mapping/ast.ts';
import { HOUR_MS, type Customer, type JourneyState } from '../../model.ts';
import { inPeriod, type KpiResult, type Period } from '../schema.ts';
import { round } from './summary.ts';

export const ABANDONED_CHECKOUT_FLAG = 'abandoned_checkout';
/** A ticket closed within this long after its first agent response counts as resolved at first contact. */
export const FCR_WINDOW_MS = 24 * HOUR_MS;

export interface KpiInputs {
  kpis: readonly KpiDef[];
  stageIds: readonly string[];
  /** The mapping's `abandoned_checkout` flag, when it has one: its `deal.stagesReached` list defines "late stage". */
  abandonedFlag: FrictionDef | null;
  period: Period;
}

export interface Kpis {
  add(stage: string, customer: Customer, state: Pick<JourneyState, 'friction'>): void;
  result(): KpiResult[];
}

/** The stage ids the flag's rule tests with `deal.stagesReached: { contains: [...] }`. */
export function lateStagesOf(flag: FrictionDef | null): string[] {
  if (!flag) return [];
  const out: string[] = [];
  const walk = (c: Condition): void => {
    if (c.type === 'all' || c.type === 'any') c.items.forEach(walk);
    else if (c.type === 'not') return; // a negated list is not "reached a late stage"
    else if (c.type === 'some' || c.type === 'every') walk(c.where);
    else if (c.type === 'field' && c.field.scope === 'deal' && c.field.name === 'stagesReached') {
      for (const t of c.tests) if (t.op === 'contains') out.push(...t.values);
    }
  };
  walk(flag.when);
  return [...new Set(out)];
}

export function meets(value: number, target: NumberTest): boolean {
  switch (target.op) {
    case 'eq': return value === target.value;
    case 'gt': return value > target.value;
    case 'gte': return value >= target.value;
    case 'lt': return value < target.value;
    case 'lte': return value <= target.value;
  }
}

/** Without `satisfied:` in the mapping, a 1–5 CSAT counts 4 and 5 as satisfied. */
export const DEFAULT_SATISFIED: NumberTest = { op: 'gte', value: 4 };

function satisfiedText(t: NumberTest): string {
  const words = { eq: '', gt: 'above ', gte: 'at least ', lt: 'below ', lte: 'at most ' } as const;
  return `${words[t.op]}${t.value}`;
}

const pct = (part: number, whole: number): number | null => (whole === 0 ? null : round((100 * part) / whole, 1));

export function createKpis(inputs: KpiInputs): Kpis {
  const { period } = inputs;
  const late = new Set(lateStagesOf(inputs.abandonedFlag));
  const flagIds = new Set(inputs.kpis.filter((k) => k.metric === 'flag_rate' && k.flag).map((k) => k.flag as string));
  const csat = new Map(inputs.stageIds.map((s) => [s, { good: 0, n: 0 }]));
  // "Satisfied" is on the CSAT field's own scale: the mapping says where the top band starts.
  const satisfied = inputs.kpis.find((k) => k.metric === 'csat_by_stage')?.satisfied ?? DEFAULT_SATISFIED;
  let customers = 0;
  let promoters = 0, detractors = 0, npsN = 0;
  let fcrResolved = 0, fcrN = 0;
  let lateClosed = 0, abandoned = 0;
  const flagged = new Map<string, number>();
  // Only records shared by several contacts can be seen twice; only those are remembered.
  const seenShared = new Set<string>();
  const firstSight = (kind: string, r: { id: string; contactIds: string[] }): boolean => {
    if (r.contactIds.length <= 1) return true;
    const key = `${kind}:${r.id}`;
    if (seenShared.has(key)) return false;
    seenShared.add(key);
    return true;
  };

  return {
    add(stage, customer, state) {
      customers++;
      const c = customer.contact;
      if (c.csat !== null) {
        const s = csat.get(stage);
        if (s) {
          s.n++;
          if (meets(c.csat, satisfied)) s.good++;
        }
      }
      if (c.npsScore !== null) {
        npsN++;
        if (c.npsScore >= 9) promoters++;
        else if (c.npsScore <= 6) detractors++;
      }
      for (const t of customer.tickets) {
        if (t.isOpen || !inPeriod(t.closedAt, period) || t.firstResponseAt === null || !firstSight('ticket', t)) continue;
        fcrN++;
        if (t.closedAt - t.firstResponseAt <= FCR_WINDOW_MS) fcrResolved++;
      }
      if (late.size > 0) {
        const abandonedDeals = new Set(state.friction.filter((f) => f.id === ABANDONED_CHECKOUT_FLAG && f.on.kind === 'deal').map((f) => f.on.id));
        for (const d of customer.deals) {
          if (!d.isClosed || !inPeriod(d.closedAt, period) || !d.stagesReached.some((s) => late.has(s)) || !firstSight('deal', d)) continue;
          lateClosed++;
          if (abandonedDeals.has(d.id)) abandoned++;
        }
      }
      if (flagIds.size > 0) {
        for (const id of new Set(state.friction.map((f) => f.id))) if (flagIds.has(id)) flagged.set(id, (flagged.get(id) ?? 0) + 1);
      }
    },

    result() {
      return inputs.kpis.map((k) => {
        let value: number | null = null;
        let n = 0;
        let definition: string;
        let byStage: KpiResult['byStage'];
        switch (k.metric) {
          case 'csat_by_stage': {
            let good = 0;
            byStage = {};
            for (const [stage, s] of csat) {
              good += s.good;
              n += s.n;
              byStage[stage] = { value: pct(s.good, s.n), n: s.n };
            }
            value = pct(good, n);
            definition = `Share of customers whose CSAT is ${satisfiedText(satisfied)} (satisfied, on the CSAT field's own scale) among customers with a CSAT, by current stage; the headline figure is over all stages.`;
            break;
          }
          case 'nps':
            n = npsN;
            value = npsN === 0 ? null : round((100 * (promoters - detractors)) / npsN, 1);
            definition = '% promoters (NPS 9–10) − % detractors (0–6) among customers with an NPS answer (latest score on the contact).';
            break;
          case 'first_contact_resolution':
            n = fcrN;
            value = pct(fcrResolved, fcrN);
            // The model has no reply counts: "closed within 24 h of the first agent reply" stands in for
            // "resolved by that reply". Tickets with no recorded first response are left out (unknown).
            definition = 'Share of tickets closed in the period that were closed within 24 h of their first agent response (the CRMs expose no reply count, so a quick close after the first reply stands in for "resolved at first contact"); tickets with no recorded first response are left out.';
            break;
          case 'checkout_abandonment':
            n = lateClosed;
            value = pct(abandoned, lateClosed);
            definition = late.size === 0
              ? `No "${ABANDONED_CHECKOUT_FLAG}" flag testing deal.stagesReached in the mapping, so there is no late stage to measure from.`
              : `Deals carrying the "${ABANDONED_CHECKOUT_FLAG}" flag ÷ deals closed (won or lost) in the period that had reached a late stage (${[...late].join(', ')}).`;
            break;
          case 'flag_rate':
            n = customers;
            value = pct(k.flag ? (flagged.get(k.flag) ?? 0) : 0, customers);
            definition = `Share of customers carrying the "${k.flag ?? '?'}" flag now.`;
            break;
        }
        const out: KpiResult = {
          id: k.id, label: k.label, metric: k.metric, unit: k.unit, op: k.target.op, target: k.target.value,
          value, met: value === null ? null : meets(value, k.target), n, definition,
        };
        if (byStage) out.byStage = byStage;
        return out;
      });
    },
  };
}
