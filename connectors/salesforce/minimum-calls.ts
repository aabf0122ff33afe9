/**
 * Floor on API calls for a sync with this connector's read plan (see README: "Call budget"). The benchmark
 * divides measured calls by it.
 */
export interface SyncSize {
  contacts: number;
  leads?: number;
  /** Converted Leads (a full sync lists them for the hand-over; default 0, still one query). */
  convertedLeads?: number;
  deals: number;
  tickets: number;
  /** OpportunityContactRole rows (default: one per deal). */
  contactRoles?: number;
  /** OpportunityHistory rows, when the mapping uses `stagesReached` (default: none requested). */
  historyRows?: number;
  bulkThreshold?: number;
  bulkResultPageSize?: number;
}

export interface CallFloor {
  fullSync: number;
  unchangedRerun: number;
}

const PAGE = 2000;
/** Query operations per Composite call (resources_composite_composite_post). */
const SLOTS = 5;
const pages = (n: number): number => Math.max(1, Math.ceil(n / PAGE));

/**
 * Query subrequests of an object's full read, and the Bulk calls when a job pays (see pull.ts `bulkPays`):
 * the deletions query, then REST pages — or the probe page plus create + 1 poll + result pages.
 */
function objectFull(n: number, threshold: number, bulkPage: number, deletions = 1): { subrequests: number; bulk: number } {
  const left = pages(n) - 1;
  const job = 2 + Math.max(1, Math.ceil(n / bulkPage));
  if (n > threshold && job < Math.ceil(left / SLOTS)) return { subrequests: deletions + 1, bulk: job };
  return { subrequests: deletions + pages(n), bulk: 0 };
}

/** Every query page travels five to a Composite call (query-streams.ts); Bulk jobs are calls of their own. */
export function minimumCalls(size: SyncSize): CallFloor {
  const threshold = size.bulkThreshold ?? 10_000;
  const bulkPage = size.bulkResultPageSize ?? 50_000;
  const roles = size.contactRoles ?? size.deals;
  const reads = [
    objectFull(size.contacts, threshold, bulkPage),
    objectFull(size.leads ?? 0, threshold, bulkPage),
    { subrequests: pages(size.convertedLeads ?? 0), bulk: 0 },
    objectFull(size.deals, threshold, bulkPage),
    objectFull(roles, threshold, bulkPage, 0),
    ...(size.historyRows !== undefined ? [objectFull(size.historyRows, threshold, bulkPage, 0)] : []),
    objectFull(size.tickets, threshold, bulkPage),
  ];
  const subrequests = reads.reduce((n, r) => n + r.subrequests, 0);
  const bulk = reads.reduce((n, r) => n + r.bulk, 0);
  // Unchanged re-run: one queryAll of changes (deletions included) per object and one of role changes: 5 subrequests, one call.
  return { fullSync: Math.ceil(subrequests / SLOTS) + bulk, unchangedRerun: 1 };
}
