/**
 * API budgets shared by the service's processes (issue 15): after every job the connector's last-heard budget
 * (HubSpot's daily and burst headers, Salesforce's `Sforce-Limit-Info`) is kept per installation in the store, and
 * the next job's connector — maybe in another worker — takes it over before its first call. The daily reserve is
 * then checked against what the previous job left, and HubSpot's pacer starts from the window it saw, instead of
 * each process learning the budget afresh from its own first response.
 */
import { z } from 'zod';
import type { BudgetState, CrmConnector } from '../../connectors/port.ts';
import type { Store } from '../store/index.ts';

export const BUDGET_SETTING = 'budget-state';

const Budget = z.object({
  at: z.number().int().nonnegative(),
  daily: z.object({ limit: z.number().nonnegative(), remaining: z.number() }).optional(),
  window: z.object({ max: z.number().positive(), remaining: z.number(), intervalMs: z.number().positive() }).optional(),
  search: z.object({ ends: z.array(z.number()).max(100) }).optional(),
});

/** The installation's stored budget, handed to the connector (a damaged value is ignored: the CRM tells again). */
export async function adoptStoredBudget(store: Store, installation: string, connector: CrmConnector): Promise<BudgetState | null> {
  if (!connector.adoptBudget) return null;
  const raw = await store.getSetting(installation, BUDGET_SETTING);
  if (raw === undefined) return null;
  let parsed: ReturnType<typeof Budget.safeParse>;
  try {
    parsed = Budget.safeParse(JSON.parse(raw));
  } catch {
    return null;
  }
  if (!parsed.success) return null;
  const state: BudgetState = { at: parsed.data.at };
  if (parsed.data.daily) state.daily = parsed.data.daily;
  if (parsed.data.window) state.window = parsed.data.window;
  if (parsed.data.search) state.search = parsed.data.search;
  connector.adoptBudget(state);
  return state;
}

/** Keeps what the connector heard last, unless the store holds a newer state (another worker's). */
export async function storeBudget(store: Store, installation: string, connector: CrmConnector): Promise<void> {
  const state = connector.budget?.();
  if (!state) return;
  const raw = await store.getSetting(installation, BUDGET_SETTING);
  const held = raw === undefined ? null : Budget.safeParse(safeJson(raw));
  if (held?.success && held.data.at > state.at) return;
  await store.setSetting(installation, BUDGET_SETTING, JSON.stringify(state));
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}
