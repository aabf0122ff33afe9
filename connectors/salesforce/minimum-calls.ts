/**
 * Floor on API calls for a sync with this connector's read plan, one query per request (see README:
 * "Call budget"). The benchmark divides measured calls by it.
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
const pages = (n: number): number => Math.max(1, Math.ceil(n / PAGE));

/** Deletions query + the rows: REST pages, or probe page + job create + ≥1 poll + result pages. */
function objectFull(n: number, threshold: number, bulkPage: number): number {
  const read = n > threshold ? 1 + 1 + 1 + Math.max(1, Math.ceil(n / bulkPage)) : pages(n);
  return 1 + read;
}

export function minimumCalls(size: SyncSize): CallFloor {
  const threshold = size.bulkThreshold ?? 10_000;
  const bulkPage = size.bulkResultPageSize ?? 50_000;
  const roles = size.contactRoles ?? size.deals;
  const full =
    objectFull(size.contacts, threshold, bulkPage) +
    objectFull(size.leads ?? 0, threshold, bulkPage) + pages(size.convertedLeads ?? 0) +
    objectFull(size.deals, threshold, bulkPage) + pages(roles) + (size.historyRows !== undefined ? pages(size.historyRows) : 0) +
    objectFull(size.tickets, threshold, bulkPage);
  // Unchanged re-run: per object one deletions query + one empty changes query; deals add the role-change query.
  const unchanged = 2 /* Contact */ + 2 /* Lead */ + 3 /* Opportunity + roles */ + 2 /* Case */;
  return { fullSync: full, unchangedRerun: unchanged };
}
