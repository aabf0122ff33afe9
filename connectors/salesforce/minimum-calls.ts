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
 * Query subrequests of an object's full read, and the Bulk calls when a job pays (see bulk-query.ts `jobPays`):
 * REST pages (the recycle bin comes in the same queryAll) — or the probe page plus create + 1 poll + one result
 * read sized from the probe's `totalSize`.
 */
function objectFull(n: number, threshold: number): { subrequests: number; bulk: number } {
  const left = pages(n) - 1;
  if (n > threshold && 3 < Math.ceil(left / SLOTS)) return { subrequests: 1, bulk: 3 };
  return { subrequests: pages(n), bulk: 0 };
}

/** Every query page travels five to a Composite call (query-streams.ts); Bulk jobs are calls of their own. */
export function minimumCalls(size: SyncSize): CallFloor {
  const threshold = size.bulkThreshold ?? 2_000;
  const roles = size.contactRoles ?? size.deals;
  const reads = [
    objectFull(size.contacts, threshold),
    objectFull(size.leads ?? 0, threshold),
    { subrequests: pages(size.convertedLeads ?? 0), bulk: 0 },
    objectFull(size.deals, threshold),
    objectFull(roles, threshold),
    ...(size.historyRows !== undefined ? [objectFull(size.historyRows, threshold)] : []),
    objectFull(size.tickets, threshold),
  ];
  const subrequests = reads.reduce((n, r) => n + r.subrequests, 0);
  const bulk = reads.reduce((n, r) => n + r.bulk, 0);
  // Unchanged re-run: one queryAll of changes (deletions included) per object and one of role changes: 5 subrequests, one call.
  return { fullSync: Math.ceil(subrequests / SLOTS) + bulk, unchangedRerun: 1 };
}

/**
 * The touchpoint pull's plan (pull-touchpoints.ts): every object's query opened at once, first pages and next
 * pages five to a Composite call; a full read above `bulkThreshold` rows for which a job pays (create + 1 poll
 * + one result read sized from the first page's `totalSize`) spends its probe page and 3 calls. Later runs: one
 * queryAll per object of the rows changed since its cursor. Describes are kept in the schema cache: 0.
 */
export function minimumTouchpointCalls(rows: Record<string, number>, run: 'full' | 'incremental', bulkThreshold = 2_000): number {
  let subrequests = 0;
  let bulk = 0;
  for (const n of Object.values(rows)) {
    const p = pages(n);
    if (run === 'full' && n > bulkThreshold && 3 < Math.ceil((p - 1) / SLOTS)) {
      subrequests += 1;
      bulk += 3;
    } else subrequests += p;
  }
  return Math.ceil(subrequests / SLOTS) + bulk;
}

export interface WriteSize {
  /** Records written per object. */
  updated: Partial<Record<string, number>>;
  membersAdded: number;
  membersRemoved: number;
  tasksCreated?: number;
  tasksUpdated?: number;
}

/** Calls of one Bulk 2.0 ingest job where nothing fails: create, upload, UploadComplete, 1 poll (bulk-ingest.ts). */
export const INGEST_CALLS = 4;
/** A Task insert job reads its successfulResults too: the new ids (tasks.ts). */
export const TASK_INSERT_CALLS = INGEST_CALLS + 1;

/**
 * The write plan (push.ts, campaigns.ts, tasks.ts): an object with more than `bulkThreshold` records to write goes
 * in one Bulk 2.0 ingest job when that costs fewer calls (`ingestPays`); so do the campaign member adds (and removals) of all segments together when they
 * are more than `bulkThreshold` and the job costs fewer calls (bulk-ingest.ts `ingestPays`), and the task creates
 * likewise (one Task insert job, + its successfulResults). Everything else travels as 200-record Collections calls (removals after their
 * CampaignMember id lookups, 300 ids a query), five to a Composite call.
 */
export function minimumWriteCalls(w: WriteSize, bulkThreshold = 2_000): number {
  const pays = (n: number): boolean => n > bulkThreshold && INGEST_CALLS < Math.ceil(Math.ceil(n / 200) / SLOTS);
  let jobs = 0;
  let updates = 0;
  for (const n of Object.values(w.updated)) {
    if (pays(n ?? 0)) jobs++;
    else updates += n ?? 0;
  }
  updates += w.tasksUpdated ?? 0;
  let subrequests = Math.ceil(updates / 200);
  const created = w.tasksCreated ?? 0;
  const taskJob = pays(created) ? TASK_INSERT_CALLS : 0;
  if (taskJob === 0) subrequests += Math.ceil(created / 200);
  if (pays(w.membersAdded)) jobs++;
  else subrequests += Math.ceil(w.membersAdded / 200);
  if (w.membersRemoved > 0) subrequests += Math.ceil(w.membersRemoved / 300);
  if (pays(w.membersRemoved)) jobs++;
  else subrequests += Math.ceil(w.membersRemoved / 200);
  return jobs * INGEST_CALLS + taskJob + Math.ceil(subrequests / SLOTS);
}
