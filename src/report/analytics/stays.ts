/**
 * Which stage was a customer in at a given instant? The stage-transition ledger answers for the time it
 * covers; before its first stay, the CRM's dated evidence (`stageTimeline`: deal stage-entry and close
 * dates, lifecycle dates, creation dates) answers instead. A touchpoint or survey answer is placed in the
 * stay that covers its time, never in the stage the customer is in now. Pure: no clock, no I/O.
 */
import type { StageEntry } from '../../journey/stage-entry.ts';

/** One stay of one journey, from the ledger: [enteredAt, leftAt), open when leftAt is null. */
export interface LedgerStay {
  stage: string;
  enteredAt: number;
  leftAt: number | null;
  /** Backfilled from the CRM's history: then the ledger already holds what the evidence shows. */
  backfilled?: boolean;
}

export interface PlacedStay {
  stage: string;
  from: number;
  /** Exclusive; null while the stay is open. */
  to: number | null;
  /** The stage the customer went to next; null while the stay is open. */
  next: string | null;
  basis: 'ledger' | 'evidence';
}

/**
 * The customer's stays, oldest first: the ledger's, preceded by the evidence timeline's for the time
 * before the ledger's first stay when `earliest` (the oldest instant to place) falls there. `evidence`
 * is called only then, and not when the ledger begins with a backfilled stay (the first sync already
 * replayed that evidence into the ledger): it replays the engine, so it is the expensive part.
 */
export function customerStays(ledger: readonly LedgerStay[], earliest: number, evidence: () => readonly StageEntry[]): PlacedStay[] {
  // The store returns stays oldest first; sort a copy only when they are not.
  const inOrder = ledger.every((s, i) => i === 0 || (ledger[i - 1] as LedgerStay).enteredAt <= s.enteredAt);
  const sorted = inOrder ? ledger : [...ledger].sort((a, b) => a.enteredAt - b.enteredAt);
  const stays: PlacedStay[] = sorted.map((s, i) => ({ stage: s.stage, from: s.enteredAt, to: s.leftAt, next: s.leftAt === null ? null : (sorted[i + 1]?.stage ?? null), basis: 'ledger' }));
  const until = stays[0]?.from ?? Number.POSITIVE_INFINITY;
  if (earliest >= until || sorted[0]?.backfilled) return stays;
  const entries = evidence().filter((e) => e.evidence && e.at < until);
  const early: PlacedStay[] = entries.map((e, i) => {
    const after = entries[i + 1];
    const to = after ? after.at : Number.isFinite(until) ? until : null;
    // The last evidence stay runs into the ledger's first stay; the ledger's `next` then says whether the
    // customer moved on from a stage both show.
    const next = after ? after.stage : (stays[0]?.stage ?? null);
    return { stage: e.stage, from: e.at, to, next: to === null ? null : next, basis: 'evidence' };
  });
  return [...early, ...stays];
}

/** Index of the stay covering `t` in `stays` (oldest first, not overlapping), or -1 when none does. */
export function stayIndexAt(stays: readonly PlacedStay[], t: number): number {
  let lo = 0;
  let hi = stays.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((stays[mid] as PlacedStay).from <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found === -1) return -1;
  const s = stays[found] as PlacedStay;
  return s.to === null || t < s.to ? found : -1;
}

/** True when the stay ended in a later stage of the journey (`rank`: stage id → journey position). */
export function movedOn(stay: PlacedStay, rank: ReadonlyMap<string, number>): boolean {
  if (stay.next === null) return false;
  const from = rank.get(stay.stage);
  const to = rank.get(stay.next);
  return from !== undefined && to !== undefined && to > from;
}
