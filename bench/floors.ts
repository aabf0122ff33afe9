/**
 * The independent call floor: the fewest API calls ANY client could make for a sync, computed only
 * from the CRM's state (record, association and change counts read from the sandbox) and the limits
 * the CRMs document. Nothing here knows how Parcours reads or writes — this module imports nothing
 * from connectors/ or src/ (tests/bench/floors.test.ts checks that) — so a ratio against it is not
 * 1.00× by construction, as a ratio against the connector's own `minimumCalls` is.
 *
 * Several documented strategies can read the same data; the floor is the cheapest of them, and every
 * candidate is returned so the benchmark can print what it was compared with.
 */

// ── Documented limits ─────────────────────────────────────────────────────────────────────────────

/** HubSpot: list (GET /crm/v3/objects/{type}) returns at most 100 records per page, with `associations` too.
 *  https://developers.hubspot.com/docs/api-reference/latest/crm/objects/contacts/guide (hubspot.md §3.1) */
export const HS_LIST_PAGE = 100;
/** HubSpot: search returns at most 200 per page, 10,000 per query (paged past by an `hs_object_id` keyset at no
 *  extra call), and has its own budget of 5 requests/s per account.
 *  https://developers.hubspot.com/docs/api-reference/legacy/crm/search-the-crm "Limits" (hubspot.md §2.2) */
export const HS_SEARCH_PAGE = 200;
export const HS_SEARCH_PER_SECOND = 5;
/** HubSpot: the burst limit of a private app on a Free/Starter portal, 100 requests per rolling 10 s; CRM search is
 *  not counted in it (it has its own 5/s above). https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
 *  (hubspot.md §2.1–2.2). Higher tiers only raise it. */
export const HS_BURST = { max: 100, intervalMs: 10_000 } as const;
/** HubSpot: batch read/update take at most 100 inputs. https://developers.hubspot.com/docs/api-reference/latest/crm/using-object-apis "Limits" (hubspot.md §3.2) */
export const HS_BATCH = 100;
/** HubSpot: associations v4 batch read takes at most 1,000 inputs. https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide (hubspot.md §5) */
export const HS_ASSOC_BATCH = 1000;
/** HubSpot: archived records never appear in search; `GET …?archived=true` lists them, 100 per page (hubspot.md §3.4). */
export const HS_ARCHIVED_PAGE = 100;
/**
 * HubSpot lists v3: `PUT /crm/v3/lists/{listId}/memberships/add-and-remove` adds and removes in one call, and no
 * maximum number of ids is documented (https://developers.hubspot.com/docs/api-reference/2026-03/crm/lists/memberships/update-list-memberships;
 * hubspot.md §7 "Max IDs per add/remove call: UNCONFIRMED"). So the floor is one call per list whose membership changes.
 */
export const HS_MEMBERSHIP_CALLS_PER_LIST = 1;

/** Salesforce: a REST query page holds at most 2,000 rows when the select has at most one long-text field
 *  ("Change the Batch Size in Queries", SOQL and SOSL Reference; salesforce.md §2.1). */
export const SF_QUERY_PAGE = 2000;
/** Salesforce: sObject Collections take at most 200 records per call, object types mixed
 *  (resources_composite_sobjects_collections_update; salesforce.md §3.1). */
export const SF_COLLECTION = 200;
/**
 * Salesforce Composite (`POST /composite`): up to 25 subrequests, of which up to 5 are query operations (Query,
 * QueryAll, and "Query More" for the next batch — chained through `@{ref.nextRecordsUrl}`) or sObject Collections;
 * "the entire series of requests counts as a single call toward your API limits".
 * https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html
 */
export const SF_COMPOSITE_QUERIES = 5;
/** Salesforce Bulk API 2.0 query: create job, poll until JobComplete (≥ 1), read results (`maxRecords` has no
 *  documented maximum: one results call at the floor). query_get_job_results (salesforce.md §3.4). */
export const SF_BULK_QUERY_CALLS = 3;
/** Salesforce Bulk API 2.0 ingest: create job, upload CSV, PATCH UploadComplete, poll (≥ 1). The job info a poll
 *  returns counts `numberRecordsProcessed` and `numberRecordsFailed` (get_job_info), so failedResults need be read
 *  only when records failed — the floor counts records that did change, so none did.
 *  walkthrough_upload_data, close_job, get_job_info (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_info.htm),
 *  get_job_failed_results (salesforce.md §3.4). */
export const SF_BULK_INGEST_CALLS = 4;

// ── Shapes ────────────────────────────────────────────────────────────────────────────────────────

export interface Candidate {
  strategy: string;
  calls: number;
  /** Calls per rate-limit budget (HubSpot: `standard` burst window, `search` 5/s). */
  standard: number;
  search: number;
}

export interface Floor {
  calls: number;
  reads: Candidate;
  writes: Writes;
  /** Every read strategy considered, cheapest first. */
  candidates: Candidate[];
}

const pages = (n: number, size: number): number => Math.max(1, Math.ceil(n / size));
const chunks = (n: number, size: number): number => Math.ceil(n / size);

function cheapest(cands: Candidate[]): Candidate[] {
  return [...cands].sort((a, b) => a.calls - b.calls || a.search - b.search || a.strategy.localeCompare(b.strategy));
}

/** Write calls at the floor; `plain` is the count with one request per Collections call (no Composite, no Bulk). */
export interface Writes {
  calls: number;
  detail: string;
  plain?: number;
}

function floorOf(reads: Candidate[], writes: Writes): Floor {
  const sorted = cheapest(reads);
  const best = sorted[0] as Candidate;
  return { calls: best.calls + writes.calls, reads: best, writes, candidates: sorted };
}

// ── HubSpot ───────────────────────────────────────────────────────────────────────────────────────

export type HubspotKind = 'contacts' | 'deals' | 'tickets';
export type PerKind = Record<HubspotKind, number>;

export interface HubspotState {
  /** Live records. */
  live: PerKind;
  /** Archived records (the archived list is read whole: HubSpot has no archivedAt filter). */
  archived: PerKind;
  /** Live records modified since the previous run started (incremental floors). */
  modified: PerKind;
}

export interface HubspotWrites {
  /** Records whose owned properties hold other values after the run than before. */
  updated: PerKind;
  /** Lists whose membership changed. */
  listsChanged: number;
}

export function hubspotWrites(w: HubspotWrites): Writes {
  const k = (t: HubspotKind): number => chunks(w.updated[t], HS_BATCH);
  const calls = k('contacts') + k('deals') + k('tickets') + w.listsChanged * HS_MEMBERSHIP_CALLS_PER_LIST;
  return { calls, detail: `batch update ⌈${w.updated.contacts}/100⌉+⌈${w.updated.deals}/100⌉+⌈${w.updated.tickets}/100⌉ + ${w.listsChanged} list(s) add-and-remove` };
}

/**
 * Every live contact, deal and ticket with the contact–deal and contact–ticket associations, plus the deal and
 * ticket pipelines (stage ids mean nothing without them; read once). Per object: list pages (100, and the page
 * carries that object's associations) or search pages (200, no associations). A contact–X association set not
 * carried by a listed end is read through v4 batch reads from its smaller side.
 */
export function hubspotFullFloor(s: HubspotState, writes: HubspotWrites): Floor {
  const { contacts: c, deals: d, tickets: t } = s.live;
  const cands: Candidate[] = [];
  const modes = ['list', 'search'] as const;
  for (const mc of modes)
    for (const md of modes)
      for (const mt of modes) {
        let standard = 2; // deal and ticket pipelines
        let search = 0;
        const parts: string[] = [];
        const read = (kind: string, n: number, mode: 'list' | 'search'): void => {
          if (mode === 'list') standard += pages(n, HS_LIST_PAGE);
          else search += pages(n, HS_SEARCH_PAGE);
          parts.push(`${mode} ${kind}`);
        };
        read('contacts', c, mc);
        read('deals', d, md);
        read('tickets', t, mt);
        const v4 = (other: number): number => Math.max(1, Math.ceil(Math.min(c, other) / HS_ASSOC_BATCH));
        if (mc === 'search' && md === 'search' && d > 0) standard += v4(d);
        if (mc === 'search' && mt === 'search' && t > 0) standard += v4(t);
        const v4Used = mc === 'search' && ((md === 'search' && d > 0) || (mt === 'search' && t > 0));
        cands.push({ strategy: parts.join(', ') + (v4Used ? ' + v4 associations' : '') + ' + 2 pipelines', calls: standard + search, standard, search });
      }
  return floorOf(cands, hubspotWrites(writes));
}

/**
 * A later run: per object one search for records modified since the last run (200 per page, at least one page)
 * and the archived list read whole (100 per page, at least one); modified deals and tickets need their contact
 * links re-read (v4, 1,000 per call). Schema and pipelines do not change between runs: cached, 0 calls. The
 * alternative — a full re-read plus the archived lists — is a candidate too (it wins when nearly all changed).
 */
export function hubspotIncrementalFloor(s: HubspotState, writes: HubspotWrites): Floor {
  const archived = pages(s.archived.contacts, HS_ARCHIVED_PAGE) + pages(s.archived.deals, HS_ARCHIVED_PAGE) + pages(s.archived.tickets, HS_ARCHIVED_PAGE);
  const search = pages(s.modified.contacts, HS_SEARCH_PAGE) + pages(s.modified.deals, HS_SEARCH_PAGE) + pages(s.modified.tickets, HS_SEARCH_PAGE);
  const links = chunks(s.modified.deals, HS_ASSOC_BATCH) + chunks(s.modified.tickets, HS_ASSOC_BATCH);
  const incremental: Candidate = { strategy: 'search modified since last run + archived lists + v4 links of modified deals/tickets', calls: search + archived + links, standard: archived + links, search };
  const full = hubspotFullFloor(s, { updated: { contacts: 0, deals: 0, tickets: 0 }, listsChanged: 0 }).reads;
  const reread: Candidate = { strategy: `full re-read (${full.strategy}) + archived lists`, calls: full.calls + archived, standard: full.standard + archived, search: full.search };
  return floorOf([incremental, reread], hubspotWrites(writes));
}

/**
 * Seconds the calls need at least under the documented budgets (nothing here knows how the calls are scheduled),
 * both spent side by side — a lower bound for any client making these calls: the burst window
 * admits `max` calls per rolling `intervalMs` (the first `max` at once, the next ones an interval later…),
 * search 5 per rolling second. Calls that fit in one window cost no waiting, so a handful of calls floors at 0.
 */
export function hubspotRateFloorSeconds(calls: { standard: number; search: number }, burst: { max: number; intervalMs: number } = HS_BURST): number {
  const windows = (n: number, perWindow: number): number => Math.max(0, Math.ceil(n / perWindow) - 1);
  return Math.max(windows(calls.standard, burst.max) * (burst.intervalMs / 1000), windows(calls.search, HS_SEARCH_PER_SECOND));
}

/**
 * Touchpoints (issue 13): every engagement (calls, emails, meetings, notes, communications, postal mail) and
 * feedback submission with its contact, deal and ticket associations, plus the form conversions contacts hold.
 * Per object, either list pages (100, `associations=contacts,deals,tickets` carries the links: one standard call
 * per 100) or search pages (200, on the 5/s search budget) + v4 batch reads of the three association types
 * (1,000 ids each; none for an empty object). Form conversions: a search of the contacts that have one (200 per
 * page) or a list of every contact (100 per page). The deletions a full pass must learn come from its being
 * complete (what it did not see is gone), so no archived list is needed.
 * Docs: objects guide (list, `associations`), search guide "Limits", associations v4 guide "Limits" (touchpoints.md §1.1–§1.4, §2).
 */
export interface HubspotTouchpointState {
  /** Live records per engagement / feedback object type. */
  live: Record<string, number>;
  /** Contacts holding a form conversion, and all contacts. */
  converted: number;
  contacts: number;
  /** Incremental floors: live records modified since the last run started, archived records (listed whole), contacts converted since. */
  modified?: Record<string, number>;
  archived?: Record<string, number>;
  convertedSince?: number;
}

/** Association types a touchpoint is read with (contacts, deals, tickets): one v4 call each per 1,000 records. */
export const HS_TOUCHPOINT_TARGETS = 3;

interface UnitChoice {
  unit: string;
  mode: 'list' | 'search';
  standard: number;
  search: number;
}

function touchpointUnits(s: HubspotTouchpointState): Array<[UnitChoice, UnitChoice]> {
  const units: Array<[UnitChoice, UnitChoice]> = Object.entries(s.live).map(([unit, n]) => [
    { unit, mode: 'list', standard: pages(n, HS_LIST_PAGE), search: 0 },
    { unit, mode: 'search', standard: HS_TOUCHPOINT_TARGETS * chunks(n, HS_ASSOC_BATCH), search: pages(n, HS_SEARCH_PAGE) },
  ]);
  units.push([
    { unit: 'form conversions', mode: 'list', standard: pages(s.contacts, HS_LIST_PAGE), search: 0 },
    { unit: 'form conversions', mode: 'search', standard: 0, search: pages(s.converted, HS_SEARCH_PAGE) },
  ]);
  return units;
}

function touchpointCandidate(picks: UnitChoice[]): Candidate {
  const standard = picks.reduce((n, p) => n + p.standard, 0);
  const search = picks.reduce((n, p) => n + p.search, 0);
  const listed = picks.filter((p) => p.mode === 'list').map((p) => p.unit);
  const strategy = listed.length === 0 ? 'search + v4 associations for every object' : listed.length === picks.length ? 'list with associations for every object' : `list ${listed.join(', ')}; search + v4 for the rest`;
  return { strategy, calls: standard + search, standard, search };
}

/**
 * Every mix of list / search per object. `reads` is the fewest calls; `fastest` the mix whose rate-limit floor
 * (`hubspotRateFloorSeconds` under `burst`) is lowest, fewest calls among equals: the two budgets run side by side.
 */
export function hubspotTouchpointFloor(s: HubspotTouchpointState, burst: { max: number; intervalMs: number }): Floor & { fastest: Candidate; fastestSeconds: number } {
  const units = touchpointUnits(s);
  const cands: Candidate[] = [];
  for (let mask = 0; mask < 1 << units.length; mask++) cands.push(touchpointCandidate(units.map((u, i) => u[mask & (1 << i) ? 0 : 1])));
  const floor = floorOf(cands, { calls: 0, detail: 'reads only' });
  let fastest = floor.reads;
  let fastestSeconds = hubspotRateFloorSeconds(fastest, burst);
  for (const c of floor.candidates) {
    const t = hubspotRateFloorSeconds(c, burst);
    if (t < fastestSeconds) [fastest, fastestSeconds] = [c, t];
  }
  return { ...floor, candidates: floor.candidates.slice(0, 4), fastest, fastestSeconds };
}

/**
 * A later run: per object one search for what was modified since the last run (200 per page, at least one) with
 * v4 reads of its associations, and the archived list read whole (100 per page, at least one: search never
 * returns deleted records); form conversions: one search of the contacts converted since. Or a full re-read plus
 * the archived lists, when nearly everything changed.
 */
export function hubspotTouchpointIncrementalFloor(s: HubspotTouchpointState, burst: { max: number; intervalMs: number }): Floor {
  let standard = 0;
  let search = pages(s.convertedSince ?? 0, HS_SEARCH_PAGE);
  let archived = 0;
  for (const unit of Object.keys(s.live)) {
    const m = s.modified?.[unit] ?? 0;
    search += pages(m, HS_SEARCH_PAGE);
    standard += HS_TOUCHPOINT_TARGETS * chunks(m, HS_ASSOC_BATCH);
    archived += pages(s.archived?.[unit] ?? 0, HS_ARCHIVED_PAGE);
  }
  const incremental: Candidate = { strategy: 'touchpoints: search modified since last run + v4 links + archived lists + conversions since', calls: standard + archived + search, standard: standard + archived, search };
  const full = hubspotTouchpointFloor(s, burst).reads;
  const reread: Candidate = { strategy: `touchpoints: full re-read (${full.strategy}) + archived lists`, calls: full.calls + archived, standard: full.standard + archived, search: full.search };
  return floorOf([incremental, reread], { calls: 0, detail: 'reads only' });
}

/** A sync floor with the touchpoint reads added (the sync core pulls touchpoints on every run). */
export function withTouchpoints(f: Floor, tp: Candidate): Floor {
  const reads: Candidate = { strategy: `${f.reads.strategy}; ${tp.strategy}`, calls: f.reads.calls + tp.calls, standard: f.reads.standard + tp.standard, search: f.reads.search + tp.search };
  return { calls: f.calls + tp.calls, reads, writes: f.writes, candidates: [reads, ...f.candidates.map((c) => ({ ...c, strategy: `${c.strategy}; ${tp.strategy}`, calls: c.calls + tp.calls, standard: c.standard + tp.standard, search: c.search + tp.search }))] };
}

// ── Salesforce ────────────────────────────────────────────────────────────────────────────────────

export type SalesforceObject = 'Contact' | 'Lead' | 'Opportunity' | 'Case' | 'OpportunityContactRole' | 'OpportunityHistory';

export interface SalesforceState {
  /** Rows each full read must return: live Contacts, unconverted Leads, Opportunities, Cases, contact roles,
   *  and OpportunityHistory when the mapping needs stage history (omit it otherwise). */
  rows: Partial<Record<SalesforceObject, number>>;
  /** Rows changed since the previous run started, deleted ones included (one queryAll per object returns both). */
  modified: Partial<Record<SalesforceObject, number>>;
}

export interface SalesforceWrites {
  /** Records whose owned fields hold other values after the run than before, per object. */
  updated: Partial<Record<'Contact' | 'Lead' | 'Opportunity' | 'Case', number>>;
  /** CampaignMember rows created and deleted. */
  membersAdded: number;
  membersRemoved: number;
  /** Tasks the run created, and tasks it changed (owner follow-ups, issue 14): Collections or Bulk like any write. */
  tasksCreated?: number;
  tasksUpdated?: number;
}

/** One query a read needs: its rows and the rows a REST page can hold (2,000, or 200 with two long-text fields). */
interface QueryRead {
  object: string;
  rows: number;
  pageSize: number;
}

const recordQueries = (rows: Partial<Record<SalesforceObject, number>>): QueryRead[] =>
  (Object.entries(rows) as Array<[SalesforceObject, number]>).map(([object, n]) => ({ object, rows: n, pageSize: SF_QUERY_PAGE }));

const touchpointQueries = (reads: Record<string, SalesforceTouchpointRead>): QueryRead[] =>
  Object.entries(reads).map(([object, r]) => ({ object, rows: r.rows, pageSize: (r.longTextFields ?? 0) >= 2 ? SF_QUERY_PAGE_LONG_TEXT : SF_QUERY_PAGE }));

/**
 * Reads for a set of queries: REST pages (each query at least one), Composite-packed pages, and every subset of
 * objects read by Bulk 2.0 query jobs with the other pages packed five to a Composite call. Queries of any object
 * share Composite calls ("up to 5 … query operations" per call, whatever they read).
 */
function queryCandidates(qs: QueryRead[], allowBulk: boolean, verb = 'query'): Candidate[] {
  const paged = qs.map((q) => ({ ...q, pages: pages(q.rows, q.pageSize) }));
  const total = paged.reduce((n, q) => n + q.pages, 0);
  const rest: Candidate = { strategy: `REST ${verb}, one call per page`, calls: total, standard: total, search: 0 };
  const composite = Math.ceil(total / SF_COMPOSITE_QUERIES);
  const cands: Candidate[] = [rest, { strategy: 'Composite, 5 query pages per call', calls: composite, standard: composite, search: 0 }];
  if (allowBulk && paged.length > 0) {
    for (let mask = 1; mask < 1 << paged.length; mask++) {
      let bulk = 0;
      let left = 0;
      const viaBulk: string[] = [];
      paged.forEach((q, i) => {
        if (mask & (1 << i)) {
          bulk += SF_BULK_QUERY_CALLS;
          viaBulk.push(q.object);
        } else left += q.pages;
      });
      // A subset whose jobs cost no less than its pages never wins: skip it (keeps the list short).
      const calls = bulk + Math.ceil(left / SF_COMPOSITE_QUERIES);
      if (calls > composite) continue;
      cands.push({ strategy: `Bulk 2.0 ${verb} for ${viaBulk.join('+')}, Composite for the rest`, calls, standard: calls, search: 0 });
    }
  }
  return cands;
}

/** Reads for a set of record queries (kept for the record-only breakdown). */
function salesforceReads(rows: Partial<Record<SalesforceObject, number>>, allowBulk: boolean): Candidate[] {
  return queryCandidates(recordQueries(rows), allowBulk);
}

export function salesforceWrites(w: SalesforceWrites): Writes {
  const objects = Object.entries(w.updated).filter(([, n]) => (n ?? 0) > 0) as Array<[string, number]>;
  const tasksCreated = w.tasksCreated ?? 0;
  const tasksUpdated = w.tasksUpdated ?? 0;
  // Collections calls: updates and creates may each mix object types in one call ("The list can contain objects
  // of different types", resources_composite_sobjects_collections_create / _update), deletes; removals first need
  // the CampaignMember ids (a query page per 2,000).
  const lookups = w.membersRemoved > 0 ? pages(w.membersRemoved, SF_QUERY_PAGE) : 0;
  const allUpdates = objects.reduce((n, [, k]) => n + k, 0);
  const plain = chunks(allUpdates + tasksUpdated, SF_COLLECTION) + chunks(w.membersAdded + tasksCreated, SF_COLLECTION) + chunks(w.membersRemoved, SF_COLLECTION) + lookups;
  // Bulk API 2.0 ingest takes insert and delete as well as update ("With Bulk API 2.0, you can insert, update,
  // upsert, or delete large data sets", bulk_api_2_0_ingest), and CampaignMember supports create and delete
  // (object reference, CampaignMember "Supported Calls"): member adds and removals are Bulk candidates too.
  type Op = 'update' | 'insert' | 'delete';
  const jobs: Array<[string, number, Op]> = [
    ...objects.map(([o, n]) => [o, n, 'update'] as [string, number, Op]),
    ...(w.membersAdded > 0 ? [['CampaignMember', w.membersAdded, 'insert'] as [string, number, Op]] : []),
    ...(w.membersRemoved > 0 ? [['CampaignMember', w.membersRemoved, 'delete'] as [string, number, Op]] : []),
    ...(tasksCreated > 0 ? [['Task', tasksCreated, 'insert'] as [string, number, Op]] : []),
    ...(tasksUpdated > 0 ? [['Task', tasksUpdated, 'update'] as [string, number, Op]] : []),
  ];
  let best: Writes = { calls: Infinity, detail: '', plain };
  for (let mask = 0; mask < 1 << jobs.length; mask++) {
    let bulk = 0;
    let updates = 0;
    let adds = 0;
    let removes = 0;
    const viaBulk: string[] = [];
    jobs.forEach(([o, n, op], i) => {
      if (mask & (1 << i)) {
        bulk += SF_BULK_INGEST_CALLS;
        viaBulk.push(op === 'update' && o !== 'Task' ? o : `${o} ${op}`);
      } else if (op === 'update') updates += n;
      else if (op === 'insert') adds += n;
      else removes += n;
    });
    const subrequests = chunks(updates, SF_COLLECTION) + chunks(adds, SF_COLLECTION) + chunks(removes, SF_COLLECTION) + lookups;
    const calls = bulk + Math.ceil(subrequests / SF_COMPOSITE_QUERIES);
    if (calls < best.calls) {
      const tasks = tasksCreated + tasksUpdated > 0 ? `, ${tasksCreated}+${tasksUpdated} tasks created+updated` : '';
      best = { calls, plain, detail: `${allUpdates} records changed, ${w.membersAdded}+${w.membersRemoved} campaign members${tasks}: ${viaBulk.length ? `Bulk 2.0 ingest for ${viaBulk.join('+')}, ` : ''}${subrequests} Collections/lookup subrequest(s) in Composite calls of 5` };
    }
  }
  return best;
}

/** A sync floor and its parts: the record reads alone, the touchpoint reads alone (each its own cheapest), the writes. */
export interface SalesforceSyncFloor extends Floor {
  parts: { records: Candidate; touchpoints: Candidate | null; writes: Writes };
}

function syncFloor(reads: Candidate[], records: Candidate[], touchpoints: Candidate[] | null, writes: Writes): SalesforceSyncFloor {
  const f = floorOf(reads, writes);
  const best = (c: Candidate[]): Candidate => cheapest(c)[0] as Candidate;
  return { ...f, parts: { records: best(records), touchpoints: touchpoints ? best(touchpoints) : null, writes } };
}

/**
 * Every Contact, unconverted Lead, Opportunity, Case and contact role (Case.ContactId and Opportunity.AccountId are
 * fields) — and, when the sync also pulls touchpoints (issue 13: every run does), every touchpoint row
 * (`salesforceTouchpointState`). All their queries share Composite calls and any of them may go by Bulk 2.0.
 */
export function salesforceFullFloor(s: SalesforceState, writes: SalesforceWrites, touchpoints?: Record<string, SalesforceTouchpointRead>): SalesforceSyncFloor {
  const records = recordQueries(s.rows);
  const tp = touchpoints ? touchpointQueries(touchpoints) : [];
  return syncFloor(queryCandidates([...records, ...tp], true), queryCandidates(records, true), touchpoints ? queryCandidates(tp, true, 'queryAll') : null, salesforceWrites(writes));
}

/** A later run: one queryAll per object `WHERE SystemModstamp >= last run` returns changed and deleted rows;
 *  OpportunityHistory only for changed Opportunities (none changed, no query). Touchpoints (`modified` rows per
 *  object since the last run): one queryAll each, likewise. Or a full re-read of the records. */
export function salesforceIncrementalFloor(s: SalesforceState, writes: SalesforceWrites, touchpoints?: Record<string, SalesforceTouchpointRead>): SalesforceSyncFloor {
  const rows: Partial<Record<SalesforceObject, number>> = {};
  for (const o of ['Contact', 'Lead', 'Opportunity', 'Case', 'OpportunityContactRole'] as const) rows[o] = s.modified[o] ?? 0;
  if (s.rows.OpportunityHistory !== undefined && (s.modified.Opportunity ?? 0) > 0) rows.OpportunityHistory = s.modified.OpportunityHistory ?? 0;
  const tp = touchpoints ? touchpointQueries(touchpoints) : [];
  const full = queryCandidates([...recordQueries(s.rows), ...tp], true);
  const incremental = queryCandidates([...recordQueries(rows), ...tp], true).map((c) => ({ ...c, strategy: `changes since last run: ${c.strategy}` }));
  const reads = [...incremental, ...full.map((c) => ({ ...c, strategy: `full re-read: ${c.strategy}` }))];
  const records = [...queryCandidates(recordQueries(rows), true), ...salesforceReads(s.rows, true)];
  return syncFloor(reads, records, touchpoints ? queryCandidates(tp, true, 'queryAll') : null, salesforceWrites(writes));
}

// ── Salesforce touchpoints (issue 13) ─────────────────────────────────────────────────────────────

/** Salesforce: a page holds at most 200 rows when the select has two or more long-text (custom) fields
 *  ("Change the Batch Size in Queries", SOQL and SOSL Reference; salesforce.md §2.1, §11). */
export const SF_QUERY_PAGE_LONG_TEXT = 200;

export interface SalesforceTouchpointRead {
  /** Rows the read must return. Activities count archived rows too: only queryAll (REST or Bulk 2.0
   *  `operation: queryAll`) returns Events and closed Tasks older than 365 days. */
  rows: number;
  /** Long-text fields the read selects (Task.Description, EmailMessage.TextBody…): two or more cap pages at 200. */
  longTextFields?: number;
}

/**
 * Every interaction of every customer, read once: per object (Task, Event, EmailMessage, the people of mail
 * outside Cases through EmailMessageRelation, responded CampaignMembers, and where the org has them survey
 * answers, chats, messaging sessions). Candidates: one REST call per page (2,000 rows, 200 with two long-text
 * fields), Composite (5 query pages per call), and Bulk 2.0 queryAll jobs (3 calls each) for any subset of objects
 * with Composite for the rest. Bulk 2.0 pages have no documented size cap, so its floor reads one result page.
 */
export function salesforceTouchpointFloor(reads: Record<string, SalesforceTouchpointRead>): Floor & { restPages: number } {
  const qs = touchpointQueries(reads);
  const restPages = qs.reduce((n, q) => n + pages(q.rows, q.pageSize), 0);
  return { ...floorOf(queryCandidates(qs, true, 'queryAll'), { calls: 0, detail: 'read only' }), restPages };
}
