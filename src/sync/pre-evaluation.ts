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
 * handover. Those outcomes are dropped, and the run evaluates those customers again once the pull is done;
 * every other customer's inputs were the same all along, so its outcome stands. A customer's evaluation
 * reads nothing else (its records, links, touchpoints, open stage; the run's clock and engine are fixed).
 *
 * It gives up (the run then evaluates every customer after the pull, as before) above `MAX_PRE_EVALUATED`
 * customers, where the outcomes held would cost more memory than the overlap saves time, or when the pull
 * touches most of the mirror.
 */
import type { Engine } from '../journey/engine.ts';
import type { Store } from '../store/index.ts';
import { outcomeOf, type CustomerOutcome } from './outcome.ts';
import { ownedFieldTypes, planCustomer, withCurrentStages } from './plan.ts';

/** Above this many customers the run evaluates after its pull, as a full pass. */
export const MAX_PRE_EVALUATED = 200_000;
/** The pre-evaluation hands the event loop back this often (ms), so the pull's calls leave on time. */
const SLICE_MS = 8;
/** Customers read at once: a page is read in one synchronous step on SQLite, so a small one keeps the slices short. */
const PAGE = 100;

export interface PreEvaluated {
  /** Outcomes of the customers no pulled batch touched, by contact id. */
  outcomes: Map<string, CustomerOutcome>;
  /** Customers to evaluate again from the mirror as the pull left it (gone ones are simply not found). */
  touched: Set<string>;
}

export interface PreEvaluation {
  /** Customers a batch about to be stored touches. */
  touch(contactIds: Iterable<string>): void;
  /** Stops the pass (the pull failed). */
  stop(): void;
  /** Waits for the pass: its outcomes, or null when it gave up. */
  settle(): Promise<PreEvaluated | null>;
}

export interface PreEvaluationOptions {
  store: Store;
  installation: string;
  engine: Engine;
  now: number;
  signal?: AbortSignal;
}

export async function startPreEvaluation(o: PreEvaluationOptions): Promise<PreEvaluation | null> {
  const contacts = (await o.store.countRecords(o.installation)).contacts;
  if (contacts === 0 || contacts > MAX_PRE_EVALUATED) return null;
  const outcomes = new Map<string, CustomerOutcome>();
  const touched = new Set<string>();
  let stopped = false;
  const pass = (async (): Promise<boolean> => {
    const types = ownedFieldTypes(o.engine);
    let slice = performance.now();
    for await (const [customer, current] of withCurrentStages(o.store, o.installation, o.store.iterateCustomers(o.installation, { pageSize: PAGE }), PAGE)) {
      if (stopped || o.signal?.aborted) return false;
      const id = customer.contact.id;
      if (!touched.has(id)) outcomes.set(id, outcomeOf(o.engine, customer, planCustomer(o.engine, current, customer, o.now, types), o.now));
      if (performance.now() - slice >= SLICE_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        slice = performance.now();
      }
    }
    return true;
  })();
  // A failed pass is reported by `settle` (as a give-up), never as an unhandled rejection while the pull runs.
  const done = pass.catch(() => false);
  return {
    touch(contactIds) {
      for (const id of contactIds) {
        touched.add(id);
        outcomes.delete(id);
      }
      // Most of the mirror changed: evaluating it after the pull costs no more than keeping this.
      if (touched.size > contacts / 2) stopped = true;
    },
    stop() {
      stopped = true;
    },
    async settle() {
      const complete = await done;
      if (!complete || stopped) return null;
      for (const id of touched) outcomes.delete(id);
      return { outcomes, touched };
    },
  };
}
