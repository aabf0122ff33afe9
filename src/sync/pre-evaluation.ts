/**
 * An incremental run's pull mostly waits: on HubSpot each search waits its turn at 5 requests a second, so
 * an unchanged re-run of 20,000 customers spends about 2.2 s on 11 searches and little CPU. Evaluating the
 * whole mirror (every customer is re-evaluated each run: time-based rules change without any record
 * changing; 366,000 touchpoints read and decoded) took another 3.3 s after it on the 2-core machine. The
 * pre-evaluation does that work while the pull waits, from the mirror as it stands, and keeps each
 * customer's outcome (outcome.ts) without pushing anything: the run took 3.3–4.0 s instead of 5.6.
 *
 * The pull tells it, before storing each batch, which customers the batch touches (`touch`): their own
 * record, a deal or ticket linked to them before or after, a touchpoint of theirs before or after, a
 * handover. Their outcomes are dropped. Once the batch is stored (`stored`) they are evaluated again from the
 * mirror while the pull goes on, so an incremental run with many changes (the echo of Parcours's own writes)
 * also evaluates while it waits; a customer touched again meanwhile is dropped again. Whoever is still
 * touched when the pull ends (typically the last batch's customers) is evaluated by the run after it. Every
 * other customer's inputs were the same all along, so its outcome stands. A customer's evaluation reads
 * nothing else (its records, links, touchpoints, open stage; the run's clock and engine are fixed).
 *
 * An outcome stands only if no touch or store concerned its customer since just before the read it came
 * from (a clock stamps each event) and none of its batches was still being stored.
 *
 * Outcomes the last run kept (kept-outcomes.ts) are taken back instead of evaluated, when the store's seal
 * shows nothing they came from changed since and their horizon has not passed; only the rest is read and
 * evaluated. An unchanged re-run then evaluates almost no one.
 *
 * It gives up (the run then evaluates every customer after the pull, as before) above `MAX_PRE_EVALUATED`
 * customers, where the outcomes held would cost more memory than the overlap saves time, and on a batch of
 * a full pass (its sweep removes records no batch names).
 */
import type { Engine } from '../journey/engine.ts';
import type { Customer } from '../model.ts';
import type { CurrentStage, Store } from '../store/index.ts';
import { outcomeFingerprint, revive } from './kept-outcomes.ts';
import { outcomeOf, type CustomerOutcome } from './outcome.ts';
import { ownedFieldTypes, planCustomer, withCurrentStages } from './plan.ts';

/** Above this many customers the run evaluates after its pull, as a full pass. */
export const MAX_PRE_EVALUATED = 200_000;
/** The pre-evaluation hands the event loop back this often (ms), so the pull's calls leave on time. */
const SLICE_MS = 4;
/** Customers read at once: a page is read in one synchronous step on SQLite, so a small one keeps the slices short. */
const PAGE = 100;
/** Kept rows read at once (about 4 ms on SQLite) and taken back in one slice. */
const KEPT_PAGE = 500;

export interface PreEvaluated {
  /** Outcomes that stand: customers no batch touched, and touched ones evaluated again once their batches were stored. */
  outcomes: Map<string, CustomerOutcome>;
  /** Customers to evaluate from the mirror as the pull left it (gone ones are simply not found). */
  touched: Set<string>;
  /** Every customer a batch touched this run: the only ones that can have left the mirror since the seal was checked. */
  everTouched: ReadonlySet<string>;
}

export interface PreEvaluation {
  /** Customers a batch about to be stored touches. */
  touch(contactIds: readonly string[]): void;
  /** The batch `touch` announced is stored: those customers may be evaluated again. */
  stored(contactIds: readonly string[]): void;
  /** Stops the pass (the pull failed). */
  stop(): void;
  /** The pull is done: waits for the pass over the mirror, and returns its outcomes, or null when it gave up. */
  settle(): Promise<PreEvaluated | null>;
  /**
   * Settles once the pass has covered the mirror and `onCovered` returned (or the pass ended): other work of the
   * run that waits on nothing but the CPU goes after it, so one turn of the event loop runs one slice of
   * background work, and a CRM answer is read within a slice of its arrival (what paces the next search).
   */
  covered(): Promise<void>;
}

export interface PreEvaluationOptions {
  store: Store;
  installation: string;
  engine: Engine;
  now: number;
  signal?: AbortSignal;
  /** Take back the outcomes the last run kept, where they still hold (kept-outcomes.ts). */
  keep?: boolean;
  /** Once the mirror is covered, while the pull still waits: the outcomes so far (the run applies what it can). */
  onCovered?: (outcomes: ReadonlyMap<string, CustomerOutcome>, halted: () => boolean) => Promise<void>;
}

export async function startPreEvaluation(o: PreEvaluationOptions): Promise<PreEvaluation | null> {
  const contacts = (await o.store.countRecords(o.installation)).contacts;
  if (contacts === 0 || contacts > MAX_PRE_EVALUATED) return null;
  // The seal is checked before the pull stores anything (its first batch breaks it); the rows themselves change
  // only when a run keeps outcomes, so the pass pages through them while the pull waits.
  const kept = o.keep === true && (await o.store.keptOutcomeSeal(o.installation)) === outcomeFingerprint(o.engine);
  const types = ownedFieldTypes(o.engine);
  const outcomes = new Map<string, CustomerOutcome>();
  /** Every customer a batch touched this run: the pass over the mirror leaves them to `again`. */
  const touched = new Set<string>();
  /** Touched customers whose outcome was computed from a read no batch changed since (it stands unless touched again). */
  const fresh = new Set<string>();
  /** Batches announced and not stored yet, per customer. */
  const pending = new Map<string, number>();
  /** A counter moved by every touch and store, and the value it had at each customer's last one. */
  let clock = 0;
  const lastEvent = new Map<string, number>();
  /** Touched customers whose batches are all stored, to evaluate again while the pull goes on. */
  const queue = new Set<string>();
  let stopped = false;
  let pullDone = false;
  let wake: (() => void) | null = null;
  const nudge = (): void => {
    wake?.();
    wake = null;
  };

  let slice = performance.now();
  const yieldSlice = async (): Promise<void> => {
    if (performance.now() - slice < SLICE_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    slice = performance.now();
  };
  const evaluate = (customer: Customer, current: CurrentStage | undefined): CustomerOutcome =>
    outcomeOf(o.engine, customer, planCustomer(o.engine, current, customer, o.now, types), o.now);
  const halted = (): boolean => stopped || o.signal?.aborted === true;

  /**
   * Touched customers, read again: an outcome stands only if no touch or store concerned the customer since
   * just before the read, and none of its batches is still being stored (the read could not have seen it).
   */
  const again = async (ids: string[]): Promise<void> => {
    const readAt = clock;
    // Each event takes the next clock value: those stamped up to `readAt` came before the read.
    const stands = (id: string): boolean => (lastEvent.get(id) ?? 0) <= readAt && !pending.has(id);
    const found = new Set<string>();
    for await (const [customer, current] of withCurrentStages(o.store, o.installation, o.store.iterateCustomers(o.installation, { contactIds: ids, pageSize: PAGE }), PAGE)) {
      const id = customer.contact.id;
      found.add(id);
      if (stands(id)) {
        outcomes.set(id, evaluate(customer, current));
        fresh.add(id);
      }
      await yieldSlice();
      if (halted()) return;
    }
    // Gone from the mirror (removed, handed over): nothing to evaluate, unless a batch brought it back since.
    for (const id of ids) if (!found.has(id) && stands(id)) fresh.add(id);
  };
  const drainQueue = async (): Promise<void> => {
    while (queue.size > 0 && !halted()) {
      const ids = [...queue].slice(0, PAGE);
      for (const id of ids) queue.delete(id);
      await again(ids);
    }
  };

  // Evaluates customers read from the mirror (all of them, or `ids`), as it stood before any batch was stored.
  const evaluateRead = async (ids?: string[]): Promise<boolean> => {
    const read = o.store.iterateCustomers(o.installation, { pageSize: PAGE, ...(ids ? { contactIds: ids } : {}) });
    for await (const [customer, current] of withCurrentStages(o.store, o.installation, read, PAGE)) {
      if (halted()) return false;
      const id = customer.contact.id;
      // A customer touched since: its outcome comes from `again`, never from this earlier read.
      if (!touched.has(id)) outcomes.set(id, evaluate(customer, current));
      await yieldSlice();
      if (queue.size >= PAGE) await drainQueue();
    }
    return true;
  };

  /**
   * Kept outcomes stand for the mirror as it was before the pull, as a read would (the same rule for touches);
   * the rest is read and evaluated. A sealed set holds a row for every customer of the mirror (a sealed run
   * applied every one, and dropped the rows of those gone): any other count is not trusted, and what was taken
   * back is dropped. False only then: the caller evaluates every customer instead.
   */
  const takeBack = async (): Promise<boolean> => {
    const rest: string[] = [];
    const taken: string[] = [];
    let rowCount = 0;
    let after: string | undefined;
    for (;;) {
      const rows = await o.store.keptOutcomeRows(o.installation, { limit: KEPT_PAGE, ...(after !== undefined ? { after } : {}) });
      rowCount += rows.length;
      for (const row of rows) {
        if (touched.has(row.contactId)) continue;
        const outcome = revive(o.engine, row, o.now);
        if (outcome) {
          outcomes.set(row.contactId, outcome);
          taken.push(row.contactId);
        } else rest.push(row.contactId);
      }
      await yieldSlice();
      if (halted()) return true;
      if (rows.length < KEPT_PAGE) break;
      after = (rows.at(-1) as (typeof rows)[number]).contactId;
    }
    if (rowCount !== contacts) {
      for (const id of taken) if (outcomes.get(id)?.kept) outcomes.delete(id);
      return false;
    }
    for (let i = 0; i < rest.length; i += PAGE) if (!(await evaluateRead(rest.slice(i, i + PAGE)))) return true;
    return true;
  };

  let markCovered!: () => void;
  const coveredOnce = new Promise<void>((resolve) => (markCovered = resolve));
  const pass = (async (): Promise<boolean> => {
    // The caller starts its pull next: its first requests go out before the pass takes its first slice of
    // the CPU, so the pass runs while they are in flight instead of in front of them.
    await new Promise<void>((resolve) => setImmediate(resolve));
    slice = performance.now();
    if (halted()) return false;
    if (!kept || !(await takeBack())) {
      if (!(await evaluateRead())) return false;
    }
    if (!pullDone && !halted()) await o.onCovered?.(outcomes, halted);
    markCovered();
    // The mirror is covered; what the pull stores from now on is evaluated again as it is stored.
    while (!pullDone && !halted()) {
      await drainQueue();
      if (!pullDone && queue.size === 0) await new Promise<void>((resolve) => (wake = resolve));
    }
    return !halted();
  })();
  // A failed pass is reported by `settle` (as a give-up), never as an unhandled rejection while the pull runs.
  const done = pass.catch(() => false).finally(() => markCovered());
  return {
    touch(contactIds) {
      clock++;
      for (const id of contactIds) {
        touched.add(id);
        fresh.delete(id);
        outcomes.delete(id);
        queue.delete(id);
        pending.set(id, (pending.get(id) ?? 0) + 1);
        lastEvent.set(id, clock);
      }
    },
    stored(contactIds) {
      clock++;
      for (const id of contactIds) {
        const left = (pending.get(id) ?? 1) - 1;
        if (left > 0) pending.set(id, left);
        else {
          pending.delete(id);
          queue.add(id);
        }
        lastEvent.set(id, clock);
      }
      nudge();
    },
    stop() {
      stopped = true;
      nudge();
    },
    covered: () => coveredOnce,
    async settle() {
      pullDone = true;
      nudge();
      const complete = await done;
      if (!complete || stopped) return null;
      // Touched and not evaluated again since: the run evaluates them from the mirror as the pull left it.
      // (A touch drops the customer's outcome, and the pass never keeps one for a touched customer.)
      return { outcomes, touched: new Set([...touched].filter((id) => !fresh.has(id))), everTouched: touched };
    },
  };
}
