/**
 * When did a customer enter its stage? The best evidence the CRM holds, not the moment Parcours looked.
 *
 * The CRM keeps dated history: when each deal entered each stage and closed, when the contact reached
 * each lifecycle value (HubSpot), when the contact / Lead and its tickets were created. `stageTimeline`
 * replays the journey's stage rules at each of those instants, on the customer as it was then
 * (`customerAsOf`), and keeps the instants where the stage changed: the stays the customer went through
 * before Parcours saw it (the backfilled ledger) and the start of the current one, each with the
 * evidence behind it. Stage rules with time windows (`older_than_days: 90`) also change when a window
 * passes, so each instant shifted by each window is replayed too.
 *
 * `chooseStageEntry` then decides a stage entry against what the ledger already holds. Pure: no clock,
 * no I/O; the records are never mutated (the past is built from copies).
 */
import { DAY_MS, HOUR_MS, type Customer, type DealRecord, type TicketRecord } from '../model.ts';
import type { Engine } from './engine.ts';
import { formatDate } from './trace.ts';

/** The basis of an entry time when the CRM had no dated evidence for it: Parcours's first look. */
export const FIRST_OBSERVED = 'first observed by Parcours, no date in the CRM';
/** The basis of a stage change Parcours saw happen (no CRM date after the previous stay began). */
export const OBSERVED = 'change observed by Parcours';
/** The basis of an entry time kept from the CRM's own stage-entered field (an earlier Parcours write). */
export const KEPT_FROM_CRM = 'date already in the CRM';

/** Where an entry time comes from, for counts (`basis` says it in words). */
export const ENTRY_KINDS = ['deal', 'lifecycle', 'ticket', 'created', 'window', 'kept', 'observed', 'first_observed'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** One stay start: the stage, when it began and the evidence for that instant. */
export interface StageEntry {
  stage: string;
  at: number;
  /** What dates the entry: `deal entered contractsent`, `lifecycle stage opportunity`, `contact created`… */
  basis: string;
  kind: EntryKind;
  /** False when the time is Parcours's own observation (no CRM date). */
  evidence: boolean;
}

interface Instant {
  at: number;
  basis: string;
  kind: EntryKind;
  /** Which evidence names an instant when several fall on the same millisecond (lower is more specific). */
  rank: number;
}

const RANK = { dealStage: 0, dealClosed: 1, lifecycle: 2, ticket: 3, dealCreated: 4, contactCreated: 5, window: 6 } as const;

function spanText(ms: number): string {
  if (ms % DAY_MS === 0) return `${ms / DAY_MS} day${ms === DAY_MS ? '' : 's'}`;
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS} hour${ms === HOUR_MS ? '' : 's'}`;
  return `${ms} ms`;
}

/**
 * Every dated instant the customer's records hold, before `now` and not before the contact existed,
 * plus each one shifted past each stage-rule time window; time order, one per millisecond.
 */
export function evidenceInstants(customer: Customer, windows: readonly number[], now: number): Instant[] {
  const base: Instant[] = [];
  const add = (at: number | null | undefined, basis: string, kind: EntryKind, rank: number): void => {
    if (typeof at === 'number' && Number.isFinite(at)) base.push({ at, basis, kind, rank });
  };
  const c = customer.contact;
  add(c.createdAt, `${c.objectType === 'Lead' ? 'Lead' : 'contact'} created`, 'created', RANK.contactCreated);
  for (const [value, at] of Object.entries(c.lifecycleDates ?? {})) add(at, `lifecycle stage ${value}`, 'lifecycle', RANK.lifecycle);
  for (const d of customer.deals) {
    add(d.createdAt, 'deal created', 'deal', RANK.dealCreated);
    for (const h of d.stageHistory ?? []) add(h.at, `deal entered ${h.stage}`, 'deal', RANK.dealStage);
    if (d.isClosed) add(d.closedAt, `deal closed ${d.isWon ? 'won' : 'lost'}`, 'deal', RANK.dealClosed);
  }
  for (const t of customer.tickets) {
    add(t.createdAt, 'ticket opened', 'ticket', RANK.ticket);
    if (!t.isOpen) add(t.closedAt, 'ticket closed', 'ticket', RANK.ticket);
  }
  const all = [...base];
  // Just past the window: "older than N days" holds strictly after, "within N days" stops holding.
  for (const w of windows) for (const b of base) all.push({ at: b.at + w + 1, basis: `${spanText(w)} after ${b.basis}`, kind: 'window', rank: RANK.window + b.rank });
  const floor = c.createdAt ?? Number.NEGATIVE_INFINITY;
  const kept = all.filter((i) => i.at < now && i.at >= floor).sort((a, b) => a.at - b.at || a.rank - b.rank);
  const out: Instant[] = [];
  for (const i of kept) if (out.at(-1)?.at !== i.at) out.push(i);
  return out;
}

/** A deal as it was at `t`, from its stage history; null if it did not exist yet. */
export function dealAsOf(d: DealRecord, t: number): DealRecord | null {
  if (d.createdAt !== null && d.createdAt > t) return null;
  const history = d.stageHistory ?? [];
  if (history.length === 0) {
    if (!d.isClosed || d.closedAt === null || d.closedAt <= t) return d;
    // Closed later, in a stage we cannot name before that.
    return { ...d, stage: null, isClosed: false, isWon: false, closedAt: null, stageEnteredAt: null, stagesReached: [], stageHistory: [] };
  }
  let i = -1;
  while (i + 1 < history.length && (history[i + 1] as { at: number }).at <= t) i++;
  if (i === history.length - 1) return d;
  const reached = history.slice(0, Math.max(i, 0) + 1);
  // Before its first recorded entry the deal sat in that first stage, unless that entry is its close.
  const entry = history[Math.max(i, 0)] as { stage: string; at: number };
  if (i === -1 && history.length === 1 && d.isClosed) {
    return { ...d, stage: null, isClosed: false, isWon: false, closedAt: null, stageEnteredAt: null, stagesReached: [], stageHistory: [] };
  }
  // Earlier stays are open ones: only the last entry can be a close (a reopened deal's past closes are not told apart).
  return {
    ...d,
    stage: entry.stage,
    isClosed: false,
    isWon: false,
    closedAt: null,
    stageEnteredAt: i === -1 ? d.createdAt : entry.at,
    stagesReached: [...new Set(reached.map((h) => h.stage))],
    stageHistory: reached,
  };
}

function ticketAsOf(t: TicketRecord, at: number): TicketRecord | null {
  if (t.createdAt !== null && t.createdAt > at) return null;
  const closedLater = t.closedAt !== null && t.closedAt > at;
  const repliedLater = t.firstResponseAt !== null && t.firstResponseAt > at;
  if (!closedLater && !repliedLater) return t;
  return { ...t, ...(closedLater ? { isOpen: true, closedAt: null } : {}), ...(repliedLater ? { firstResponseAt: null } : {}) };
}

/**
 * The lifecycle value at `t`: the current one from its date on; before it, the latest dated value
 * reached by then (none: null). Without a date for the current value, the current value throughout.
 */
function lifecycleAsOf(lifecycle: string | null, dates: Record<string, number> | undefined, t: number): string | null {
  if (lifecycle === null || dates === undefined) return lifecycle;
  const currentAt = dates[lifecycle];
  if (currentAt === undefined || currentAt <= t) return lifecycle;
  let best: string | null = null;
  let bestAt = Number.NEGATIVE_INFINITY;
  for (const [value, at] of Object.entries(dates)) {
    if (at <= t && at < currentAt && at > bestAt) {
      best = value;
      bestAt = at;
    }
  }
  return best;
}

/** The customer as its dated history says it was at `t`. Fields without history keep their current value. */
export function customerAsOf(customer: Customer, t: number): Customer {
  const c = customer.contact;
  const lifecycle = lifecycleAsOf(c.lifecycle, c.lifecycleDates, t);
  return {
    contact: lifecycle === c.lifecycle ? c : { ...c, lifecycle },
    deals: customer.deals.map((d) => dealAsOf(d, t)).filter((d): d is DealRecord => d !== null),
    tickets: customer.tickets.map((tk) => ticketAsOf(tk, t)).filter((tk): tk is TicketRecord => tk !== null),
    // Touchpoints that had happened by then (a stage rule reading touchpoints sees the past).
    ...(customer.touchpoints ? { touchpoints: customer.touchpoints.filter((tp) => tp.at === null || tp.at <= t) } : {}),
  };
}

/**
 * The stays of `current.journeyId` the CRM's dated history shows, oldest first. The last entry is the
 * current stage: dated by the instant it began, or `now` with FIRST_OBSERVED when no evidence shows it.
 */
export function stageTimeline(engine: Engine, customer: Customer, current: { journeyId: string; stage: string }, now: number): StageEntry[] {
  const out: StageEntry[] = [];
  for (const i of evidenceInstants(customer, engine.stageWindows(current.journeyId), now)) {
    const stage = engine.stageOf(customerAsOf(customer, i.at), i.at, current.journeyId);
    if (out.at(-1)?.stage !== stage) out.push({ stage, at: i.at, basis: i.basis, kind: i.kind, evidence: true });
  }
  if (out.at(-1)?.stage !== current.stage) out.push({ stage: current.stage, at: now, basis: FIRST_OBSERVED, kind: 'first_observed', evidence: false });
  return out;
}

/** The open stay the ledger holds for this customer and journey. */
export interface OpenStay {
  stage: string;
  enteredAt: number;
  basis: string | null;
}

export interface LedgerEntry {
  stage: string;
  at: number;
  basis: string;
  /** Dated from the CRM's history rather than seen by Parcours as it happened. */
  backfilled: boolean;
}

export interface EntryDecision {
  at: number;
  basis: string;
  kind: EntryKind;
  /** Ledger rows to record, oldest first (the last one is the current stage). */
  entries: LedgerEntry[];
}

/**
 * The entry of a stage the ledger does not show as open.
 * - First time in this journey: the whole timeline, backfilled; when nothing dates the current stage,
 *   the CRM's own stage-entered value if it already shows this stage, else the first observation.
 * - A change from an open stay: the timeline's date for the new stage if it is not older than the open
 *   stay (older evidence is about an earlier stay), else the moment the change was observed.
 */
export function chooseStageEntry(o: { timeline: readonly StageEntry[]; open: OpenStay | undefined; crmEntered: number | null; now: number }): EntryDecision {
  const last = o.timeline.at(-1);
  if (last === undefined) throw new RangeError('chooseStageEntry: empty timeline');
  if (o.open !== undefined) {
    const dated = last.evidence && last.at >= o.open.enteredAt && last.at <= o.now;
    const at = dated ? last.at : o.now;
    const basis = dated ? last.basis : OBSERVED;
    return { at, basis, kind: dated ? last.kind : 'observed', entries: [{ stage: last.stage, at, basis, backfilled: false }] };
  }
  const earlier: LedgerEntry[] = o.timeline.slice(0, -1).map((e) => ({ stage: e.stage, at: e.at, basis: e.basis, backfilled: true }));
  if (last.evidence) return { at: last.at, basis: last.basis, kind: last.kind, entries: [...earlier, { stage: last.stage, at: last.at, basis: last.basis, backfilled: true }] };
  const floor = earlier.at(-1)?.at ?? Number.NEGATIVE_INFINITY;
  const kept = o.crmEntered !== null && o.crmEntered <= o.now && o.crmEntered >= floor;
  const at = kept ? (o.crmEntered as number) : o.now;
  const basis = kept ? KEPT_FROM_CRM : FIRST_OBSERVED;
  return { at, basis, kind: kept ? 'kept' : 'first_observed', entries: [...earlier, { stage: last.stage, at, basis, backfilled: false }] };
}

/** `since 2026-10-02, deal entered contractsent`: what the stage reason says about the entry. */
export function sinceText(at: number, basis: string | null): string {
  return `since ${formatDate(at)}, ${basis ?? 'recorded by Parcours'}`;
}
