/**
 * KPIs against the mapping's targets. Each figure says in its `definition` how it was computed.
 * Deals and tickets linked to several contacts are counted once (by id).
 */
import type { Condition, FrictionDef, KpiDef, NumberTest } from '../../mapping/ast.ts';
import { HOUR_MS, type Customer, type JourneyState, type TicketRecord, type TouchpointRecord } from '../../model.ts';
import { inPeriod, type KpiResult, type Period } from '../schema.ts';
import { customerFacing, MIN_ANSWERS, type StageAnswers } from './interactions.ts';
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
  /** `answers`: survey answers placed in the stage the customer was in when answering (interactions.ts). */
  result(answers?: readonly StageAnswers[]): KpiResult[];
}

/**
 * First-contact resolution read from the ticket's conversation (its customer-facing touchpoints):
 * resolved at first contact when there was exactly one outbound reply and no inbound message after it.
 * null when the ticket has no conversation with a direction (then the 24 h proxy decides).
 */
export function resolvedAtFirstContact(conversation: readonly TouchpointRecord[]): boolean | null {
  const directed = conversation.filter((t) => t.direction !== null && t.at !== null);
  if (directed.length === 0) return null;
  const outbound = directed.filter((t) => t.direction === 'outbound');
  if (outbound.length !== 1) return false;
  const replyAt = (outbound[0] as TouchpointRecord).at as number;
  return !directed.some((t) => t.direction === 'inbound' && (t.at as number) > replyAt);
}

/** The touchpoints of a ticket's conversation: customer-facing, not survey answers. */
export function conversationOf(ticket: TicketRecord, touchpoints: readonly TouchpointRecord[] | undefined): TouchpointRecord[] {
  if (!touchpoints) return [];
  return touchpoints.filter((t) => customerFacing(t) && t.survey === null && t.ticketIds.includes(ticket.id));
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
  let fcrResolved = 0, fcrN = 0, fcrFromConversation = 0, fcrFromProxy = 0;
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
        if (t.isOpen || !inPeriod(t.closedAt, period)) continue;
        const byConversation = resolvedAtFirstContact(conversationOf(t, customer.touchpoints));
        if (byConversation === null && t.firstResponseAt === null) continue;
        if (!firstSight('ticket', t)) continue;
        fcrN++;
        if (byConversation !== null) {
          fcrFromConversation++;
          if (byConversation) fcrResolved++;
        } else {
          fcrFromProxy++;
          if (t.closedAt - (t.firstResponseAt as number) <= FCR_WINDOW_MS) fcrResolved++;
        }
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

    result(answers = []) {
      const answersOf = new Map(answers.map((a) => [a.stage, a]));
      return inputs.kpis.map((k) => {
        let value: number | null = null;
        let n = 0;
        let definition: string;
        let byStage: KpiResult['byStage'];
        let sources: KpiResult['sources'];
        let enough: boolean | undefined;
        switch (k.metric) {
          case 'csat_by_stage': {
            let good = 0;
            byStage = {};
            sources = { answers: 0, contact_rollup: 0 };
            for (const [stage, rollup] of csat) {
              // Answers where the stage has any; the contact's latest CSAT (by current stage) only where it has none.
              const a = answersOf.get(stage)?.tally;
              const fromAnswers = a !== undefined && a.csatN > 0;
              const s = fromAnswers ? { good: a.csatGood, n: a.csatN } : rollup;
              const source = fromAnswers ? 'answers' : s.n > 0 ? 'contact_rollup' : 'none';
              good += s.good;
              n += s.n;
              if (source !== 'none') sources[source] = (sources[source] ?? 0) + s.n;
              byStage[stage] = { value: pct(s.good, s.n), n: s.n, source, enough: s.n >= MIN_ANSWERS };
            }
            value = pct(good, n);
            enough = n >= MIN_ANSWERS;
            definition = `Share of satisfied CSAT answers per stage. From the survey answers where a stage has any: each answer counts in the stage the customer was in when answering (stage ledger, or the CRM's dated history before it), satisfied = the top band of its survey's own scale (2 on HubSpot's 0–2, 4–5 on a 1–5 scale), answers given in the period. A stage with no answer falls back to the contacts' latest CSAT (${satisfiedText(satisfied)} satisfied) by current stage; each stage says which source it used. Below ${MIN_ANSWERS} answers a figure is shown as "not enough answers" and not judged against the target. The headline figure pools the stages.`;
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
            sources = { conversation: fcrFromConversation, proxy_24h: fcrFromProxy };
            definition = `Share of tickets closed in the period that were resolved at first contact. From the conversation (the ticket's touchpoints): exactly one outbound reply and no inbound message after it (${fcrFromConversation} tickets). A ticket with no touchpoints falls back to a proxy: closed within 24 h of its first agent response (${fcrFromProxy} tickets); tickets with neither are left out.`;
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
          value, met: value === null || enough === false ? null : meets(value, k.target), n, definition,
        };
        if (byStage) out.byStage = byStage;
        if (sources) out.sources = sources;
        if (enough !== undefined) out.enough = enough;
        return out;
      });
    },
  };
}
