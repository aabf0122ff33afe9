/**
 * An installation is paused after a rollback, so nothing silently re-writes what the admin undid:
 * syncs (except dry runs) and webhook recomputes refuse it, the service's scheduler and webhooks skip
 * it and log why, until `parcours resume` (or `POST /api/installations/:id/resume`). Kept in the
 * store's settings, so every process sharing the store sees it.
 */
import { z } from 'zod';
import { ParcoursError } from '../errors.ts';
import type { CrmName } from '../model.ts';
import type { Store } from '../store/index.ts';

const KEY = 'paused';

const Paused = z.object({
  since: z.number(),
  reason: z.string(),
  /** The run that was rolled back, and the rollback run. */
  runId: z.number().optional(),
  rollbackRunId: z.number().optional(),
});
export type PausedState = z.infer<typeof Paused>;

export async function pauseInstallation(store: Store, installation: string, state: PausedState): Promise<void> {
  await store.setSetting(installation, KEY, JSON.stringify(Paused.parse(state)));
}

export async function pausedState(store: Store, installation: string): Promise<PausedState | null> {
  const raw = await store.getSetting(installation, KEY);
  if (raw === undefined) return null;
  const parsed = Paused.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new ParcoursError('STORE_ERROR', `the pause state of ${installation} is unreadable: ${z.prettifyError(parsed.error)}`, { installation });
  return parsed.data;
}

/** Lifts the pause; returns the state it lifted (null when the installation was not paused). */
export async function resumeInstallation(store: Store, installation: string): Promise<PausedState | null> {
  const state = await pausedState(store, installation);
  if (state) await store.deleteSetting(installation, KEY);
  return state;
}

/** One line saying why and until what: for logs, errors and `runs`. */
export function pausedText(installation: string, crm: CrmName, state: PausedState): string {
  return `${installation} is paused since ${new Date(state.since).toISOString()} (${state.reason}); nothing is written until "parcours resume --crm ${crm}" (or POST /api/installations/${installation}/resume)`;
}

/** Throws PAUSED when the installation is paused. */
export async function assertNotPaused(store: Store, installation: string, crm: CrmName): Promise<void> {
  const state = await pausedState(store, installation);
  if (state) throw new ParcoursError('PAUSED', pausedText(installation, crm, state), { crm, installation, ...state });
}
