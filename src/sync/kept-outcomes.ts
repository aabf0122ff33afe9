/**
 * Outcomes kept between runs. An unchanged incremental re-run of 20,000 HubSpot customers spent 3-5 s of CPU
 * evaluating customers whose records had not changed (reading and decoding 366,000 touchpoints is most of it),
 * against a 2-second rate floor. An evaluation reads only the customer's records, links, touchpoints and open
 * stage, the mapping and the clock; so a run keeps each customer's outcome with the instant it holds until
 * (`CustomerOutcome.validUntil`: the earliest turn of any time test the engine evaluated), and the next run's
 * pre-evaluation (pre-evaluation.ts) takes it back instead of evaluating the customer, while:
 * - the store's seal holds: every change to the mirror, the touchpoints or the stage ledger breaks it
 *   (src/store/kept-outcomes.ts), so a webhook recompute or a rollback between runs makes the next run
 *   evaluate everyone (and keep again); the run's own pull names the customers it touches, evaluated again;
 * - the fingerprint matches: the mapping, the fields the CRM lacks, the owned fields' types, the format;
 * - the clock is before `validUntil`.
 * Only outcomes that write nothing are kept (no owned value to change, no stage change to record): a
 * customer with a pending change is evaluated again next run, after its write or its failure.
 * Task due dates follow the clock: a kept task is due `due_in_days` after the run that takes it back.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dueAt } from '../journey/actions.ts';
import type { Engine } from '../journey/engine.ts';
import type { KeptOutcomeRow } from '../store/index.ts';
import type { CustomerOutcome } from './outcome.ts';
import { ownedFieldTypes } from './plan.ts';

/** Bumped when what an outcome holds, or how the engine computes one, changes. */
const FORMAT = 1;
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** What the kept outcomes of an installation were evaluated with. */
export function outcomeFingerprint(engine: Engine): string {
  const basis = { format: FORMAT, version: VERSION, mapping: engine.mapping, missing: [...engine.missing].sort(), types: [...ownedFieldTypes(engine)] };
  return createHash('sha256').update(JSON.stringify(basis)).digest('hex');
}

/** An outcome that writes nothing; anything else is evaluated again next run. */
export function keepable(o: CustomerOutcome): boolean {
  return o.changes.length === 0 && o.stageChanges.length === 0 && o.entryKind === null && o.backfilled === 0;
}

/** The row a run keeps for an outcome it evaluated at `now`. */
export function keptRow(o: CustomerOutcome, now: number): KeptOutcomeRow {
  if (!keepable(o)) return { contactId: o.contactId, validUntil: null, outcome: null };
  const { contactId, stage, flags, segments, tasks, contactUnchanged, deals, tickets } = o;
  const kept = { at: now, contactId, stage, flags, segments, tasks: tasks.map(({ dueAt: _due, ...t }) => t), contactUnchanged, deals, tickets };
  return { contactId, validUntil: Number.isFinite(o.validUntil) ? o.validUntil : null, outcome: JSON.stringify(kept) };
}

/** The mapping's actions by id, built once per engine (revive runs for every kept row). */
const actionsById = new WeakMap<Engine, Map<string, Engine['mapping']['actions'][number]>>();
function actionsOf(engine: Engine): Map<string, Engine['mapping']['actions'][number]> {
  let byId = actionsById.get(engine);
  if (!byId) actionsById.set(engine, (byId = new Map(engine.mapping.actions.map((a) => [a.id, a]))));
  return byId;
}

/**
 * A kept row as the outcome of an evaluation at `now`, or null: evaluate the customer (nothing kept, past its
 * horizon, evaluated later than `now` — another process's clock —, or a row this code cannot read: rows are the
 * store's own, but a bad one costs an evaluation, not a run).
 */
export function revive(engine: Engine, row: KeptOutcomeRow, now: number): CustomerOutcome | null {
  if (row.outcome === null || (row.validUntil !== null && now >= row.validUntil)) return null;
  let o: Omit<CustomerOutcome, 'tasks'> & { at: number; tasks: Array<Omit<CustomerOutcome['tasks'][number], 'dueAt'>> };
  try {
    o = JSON.parse(row.outcome) as typeof o;
  } catch {
    return null;
  }
  // Valid from the instant it was evaluated until its horizon: a clock behind that one evaluates again.
  if (typeof o.at !== 'number' || now < o.at) return null;
  if (o.contactId !== row.contactId || typeof o.stage !== 'string' || !Array.isArray(o.flags) || !Array.isArray(o.segments) || !Array.isArray(o.tasks) || !Array.isArray(o.deals) || !Array.isArray(o.tickets)) return null;
  const actions = actionsOf(engine);
  const tasks: CustomerOutcome['tasks'] = [];
  for (const t of o.tasks) {
    const def = actions.get(t.action);
    if (!def) return null;
    tasks.push({ ...t, dueAt: dueAt(now, def.dueInDays, def.businessDays) });
  }
  return {
    contactId: o.contactId, stage: o.stage, flags: o.flags, segments: o.segments, tasks, entryKind: null, backfilled: 0, stageChanges: [],
    contactUnchanged: o.contactUnchanged === true, deals: o.deals, tickets: o.tickets, changes: [], validUntil: row.validUntil ?? Infinity, kept: true,
  };
}
