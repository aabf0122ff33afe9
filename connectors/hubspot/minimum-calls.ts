/**
 * Theoretical minimum number of API calls (see README "Call budget"): the benchmark divides measured calls by this.
 */
export interface MinimumCallsInput {
  contacts: number;
  deals: number;
  tickets: number;
  /** Archived records listed (full) — 0 for the usual case. */
  archived?: { contacts?: number; deals?: number; tickets?: number };
  /** Deals need the stage "date entered" properties (stageEnteredAt without override, or stagesReached): pipelines read before the first deal call. */
  stageHistory?: boolean;
}

const pages = (n: number, size: number): number => Math.max(1, Math.ceil(n / size));

/**
 * - `full`: list pages (100 per page, at least one per kind) + archived-list pages + one pipelines read
 *   each for deals and tickets (when there are any, or when stage history forces it for deals).
 * - `unchanged`: an incremental run with nothing modified: one empty search per kind + one archived-list
 *   page per kind (+ the deal pipelines when stage history is needed, as it shapes the search properties).
 */
export function minimumCalls(n: MinimumCallsInput, run: 'full' | 'unchanged'): number {
  const archived = n.archived ?? {};
  const archivedCalls = pages(archived.contacts ?? 0, 100) + pages(archived.deals ?? 0, 100) + pages(archived.tickets ?? 0, 100);
  if (run === 'unchanged') return 3 + archivedCalls + (n.stageHistory ? 1 : 0);
  const pipelineCalls = (n.deals > 0 || n.stageHistory ? 1 : 0) + (n.tickets > 0 ? 1 : 0);
  return pages(n.contacts, 100) + pages(n.deals, 100) + pages(n.tickets, 100) + archivedCalls + pipelineCalls;
}
