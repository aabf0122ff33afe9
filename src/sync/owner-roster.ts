/**
 * The users follow-up tasks can be assigned to (HubSpot owners, Salesforce active Users), kept in the
 * store across runs: people join and leave far less often than runs happen, and a run that opens two
 * tasks should not pay a roster read for them (HubSpot: two owners lists; Salesforce: one User query).
 * Issue 10 asks re-runs to "cache what does not change rather than re-read it".
 *
 * The kept roster is read again when
 * - it is `ROSTER_FRESH_MS` (1 h) old or more: a user deactivated since must stop getting tasks;
 * - a task wants an owner it does not list (someone hired since), or a fallback email it does not resolve
 *   (an owner already missing when it was read — Salesforce lists active Users only — does not count);
 * - a create it assigned failed (the owner may have left since): the caller assigns the failed creates
 *   again from a fresh read and tries them once more (`refresh`).
 */
import { z } from 'zod';
import type { CrmTasks, SchemaCache } from '../../connectors/port.ts';
import type { DesiredTask } from '../journey/actions.ts';

export const ROSTER_FRESH_MS = 60 * 60_000;
const NAME = 'task-owners';

const Kept = z.object({
  readAt: z.number(),
  users: z.array(z.object({ id: z.string(), email: z.string().nullable(), active: z.boolean() })),
  /** Owners wanted when it was read that it did not list (Salesforce lists active Users only: those who left). */
  absent: z.array(z.string()).default([]),
});

export interface Roster {
  /** Every user listed, active or not. */
  byId: Map<string, boolean>;
  /** Active users by lower-cased email. */
  byEmail: Map<string, string>;
  /** Owner ids that were not listed when it was read: not asked again while it is kept. */
  absent: Set<string>;
  /** Read from the CRM in this run (not kept from an earlier one). */
  fresh: boolean;
}

function rosterOf(kept: Omit<z.infer<typeof Kept>, 'readAt'>, fresh: boolean): Roster {
  return {
    byId: new Map(kept.users.map((u) => [u.id, u.active])),
    byEmail: new Map(kept.users.filter((u) => u.active && u.email).map((u) => [(u.email as string).toLowerCase(), u.id])),
    absent: new Set(kept.absent),
    fresh,
  };
}

/** Reads the roster from the CRM now and keeps it, with the wanted owners it does not list. */
export async function refreshRoster(tasks: CrmTasks, cache: SchemaCache | undefined, wanted: readonly DesiredTask[] = [], now = Date.now()): Promise<Roster> {
  const users = (await tasks.owners()).map((u) => ({ id: u.id, email: u.email, active: u.active }));
  const listed = new Set(users.map((u) => u.id));
  const absent = [...new Set(wanted.filter((t) => t.owner.id !== null && (t.owner as { via: string }).via !== 'fallback_owner').map((t) => t.owner.id as string))].filter((id) => !listed.has(id));
  await cache?.set(NAME, { readAt: now, users, absent } satisfies z.infer<typeof Kept>);
  return rosterOf({ users, absent }, true);
}

/** Whether the roster names every owner these tasks want and resolves every fallback email they carry. */
function rosterSettles(roster: Roster, wanted: readonly DesiredTask[]): boolean {
  return wanted.every((t) => {
    const owner = t.owner as { id: string; via: string };
    const known = (ref: string): boolean => (ref.includes('@') ? roster.byEmail.has(ref.toLowerCase()) : roster.byId.has(ref));
    if (owner.via === 'fallback_owner') return known(owner.id);
    // Not listed, and not known to be missing when it was read: someone added since.
    if (!roster.byId.has(owner.id) && !roster.absent.has(owner.id)) return false;
    return roster.byId.get(owner.id) === true || t.fallback === null || known(t.fallback);
  });
}

/** The kept roster when it is fresh enough and settles these tasks, else a read from the CRM. */
export async function rosterFor(tasks: CrmTasks, cache: SchemaCache | undefined, wanted: readonly DesiredTask[], now = Date.now()): Promise<Roster> {
  const kept = await cache?.get(NAME, Kept);
  if (kept && now - kept.readAt < ROSTER_FRESH_MS && kept.readAt <= now) {
    const roster = rosterOf(kept, false);
    if (rosterSettles(roster, wanted)) return roster;
  }
  return refreshRoster(tasks, cache, wanted, now);
}
