/**
 * Floor on API calls for this connector's own read plan (see README "Call budget"). The benchmark prints
 * measured calls against it and against an independent floor (bench/floors.ts) that knows nothing of this plan.
 */
export interface MinimumCallsInput {
  contacts: number;
  deals: number;
  tickets: number;
  /** Archived records listed (full) — 0 for the usual case. */
  archived?: { contacts?: number; deals?: number; tickets?: number };
  /** Deals need `hs_date_entered_*` (stageEnteredAt without override, or stagesReached): pipelines read before the first deal call. */
  stageHistory?: boolean;
  /** How the full pass reads live records (config `fullPullBy`, default search). */
  fullPullBy?: 'search' | 'list';
}

const pages = (n: number, size: number): number => Math.max(1, Math.ceil(n / size));

/**
 * - `full` by search: search pages (200 per page, at least one per kind) + v4 contact-id reads for deals and
 *   tickets (1,000 per call, none when there are none); by list: list pages (100, associations on the page).
 *   Then archived-list pages + one pipelines read each for deals and tickets (when there are any, or when
 *   stage history forces it for deals).
 * - `unchanged`: an incremental run with nothing modified: one empty search per kind + one archived-list
 *   page per kind. The property catalogues and pipelines come from the schema cache (read by the full run).
 */
export function minimumCalls(n: MinimumCallsInput, run: 'full' | 'unchanged'): number {
  const archived = n.archived ?? {};
  const archivedCalls = pages(archived.contacts ?? 0, 100) + pages(archived.deals ?? 0, 100) + pages(archived.tickets ?? 0, 100);
  if (run === 'unchanged') return 3 + archivedCalls;
  const pipelineCalls = (n.deals > 0 || n.stageHistory ? 1 : 0) + (n.tickets > 0 ? 1 : 0);
  const live =
    (n.fullPullBy ?? 'search') === 'search'
      ? pages(n.contacts, 200) + pages(n.deals, 200) + pages(n.tickets, 200) + Math.ceil(n.deals / 1000) + Math.ceil(n.tickets / 1000)
      : pages(n.contacts, 100) + pages(n.deals, 100) + pages(n.tickets, 100);
  return live + archivedCalls + pipelineCalls;
}

/**
 * Touchpoints (README § Touchpoints): `full` = per object ⌈N/200⌉ search pages (at least one) + 3 v4 reads per
 * 1,000 records, + ⌈converted contacts/200⌉ (at least one); `unchanged` = 7 empty searches + 1 conversions search
 * + 7 archived-list pages. Assumes the burst budget is known by then (the sync pulls touchpoints after the three
 * kinds): no first page by list.
 */
export function minimumTouchpointCalls(n: { live: Record<string, number>; converted: number }, run: 'full' | 'unchanged'): number {
  const objects = Object.values(n.live);
  if (run === 'unchanged') return objects.length * 2 + 1;
  return objects.reduce((sum, k) => sum + pages(k, 200) + 3 * Math.ceil(k / 1000), 0) + pages(n.converted, 200);
}
