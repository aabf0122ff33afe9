/**
 * The public shape of the embedded store: one synchronous facade over node:sqlite.
 * Everything is keyed by installation (`hubspot:default`, `salesforce:org-00D…`), so several
 * portals/orgs can share one file.
 */
import type { ContactLinks, Cursor, Handover, PullBatch, TaskFields, TouchpointBatch } from '../../connectors/port.ts';
import type { ContactRecord, CrmName, CrmRecord, Customer, IdentityConflict, IdentityMatch, LinkedCustomer, ObjectKind, RecordRef, TouchpointRecord } from '../model.ts';

export const RUN_MODES = ['full', 'incremental', 'webhook', 'rollback'] as const;
export type RunMode = (typeof RUN_MODES)[number];

export const RUN_STATUSES = ['running', 'succeeded', 'partial', 'failed', 'stopped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Owned field values by CRM field name (`parcours_stage`, `Parcours_Stage__c`); null = cleared. */
export type FieldValues = Record<string, string | null>;

export interface RunRow {
  id: number;
  installation: string;
  crm: CrmName;
  mode: RunMode;
  dryRun: boolean;
  startedAt: number;
  finishedAt: number | null;
  status: RunStatus;
  /** Whatever the sync passed to finishRun (counts, api calls, failures); null while running. */
  summary: unknown;
}

export interface AuditRow {
  runId: number;
  installation: string;
  kind: ObjectKind;
  recordId: string;
  field: string;
  before: string | null;
  after: string | null;
  at: number;
}

export interface RecordWrite {
  kind: ObjectKind;
  id: string;
  /** CRM values before the write (the rollback image). */
  before: FieldValues;
  /** Values written; only these fields are audited and merged into the snapshot. */
  after: FieldValues;
}

export interface StageChange {
  contactId: string;
  journeyId: string;
  stage: string;
  at: number;
  /** What dates `at` (`deal entered contractsent`, `first observed by Parcours…`); null: not said. */
  basis?: string | null;
  /** Dated from the CRM's history of a time before Parcours saw the customer, not observed by a sync. */
  backfilled?: boolean;
}

/** What undoing one run's stage ledger did. */
export interface StageUndo {
  /** Stays the run opened that were removed (the stay it closed reopened). */
  undone: number;
  /** Stays kept because a later run moved the customer on. */
  kept: Array<{ contactId: string; journeyId: string; reason: string }>;
}

/** One segment entry or exit a run made. */
export interface MembershipMove {
  eventId: number;
  segmentId: string;
  contactId: string;
  type: 'entered' | 'exited';
}

export interface CurrentStage {
  journeyId: string;
  stage: string;
  enteredAt: number;
  /** What dated the entry; null for rows recorded before bases were kept. */
  basis: string | null;
}

export interface StageHistoryRow {
  contactId: string;
  journeyId: string;
  stage: string;
  enteredAt: number;
  leftAt: number | null;
  /** The stay's entry rests on the CRM's history (backfilled on first sight), not on a sync's observation. */
  backfilled: boolean;
}

/** One stay of a contact in a journey's stage: [enteredAt, leftAt), open when leftAt is null. */
export interface ContactStay {
  journeyId: string;
  stage: string;
  enteredAt: number;
  leftAt: number | null;
  /** Dated from the CRM's history on first sight (the evidence before Parcours saw the customer is in the ledger). */
  backfilled: boolean;
}

export interface SegmentEvent {
  segmentId: string;
  contactId: string;
  type: 'entered' | 'exited';
  at: number;
}

export interface FailureInput {
  kind: ObjectKind;
  id: string;
  code: string;
  message: string;
}

export interface PendingFailure extends FailureInput {
  attempts: number;
  runId: number;
  lastFailedAt: number;
}

export interface FailureLogRow extends FailureInput {
  runId: number;
  installation: string;
  at: number;
}

/** What a pull batch changed beyond upserts. */
export interface AppliedPull {
  /** Records that left the mirror (reported removed, handed over, or swept); ones already absent are not listed. */
  removed: RecordRef[];
  /** Of `removed`: those a completed full pass did not see. */
  swept: RecordRef[];
  /** Of `swept`: those Parcours had written on, with its last written values (the snapshot, now forgotten). */
  sweptWritten: Array<{ ref: RecordRef; written: FieldValues }>;
  /** Hand-overs that moved something (ledger rows, memberships, segment events). */
  handedOver: Handover[];
}

/** What a touchpoint batch changed. */
export interface AppliedTouchpoints {
  /** Records stored (as validated). */
  stored: TouchpointRecord[];
  /** Records refused (malformed), each with why; the rest of the batch was stored. */
  rejected: Array<{ objectType: string | null; id: string | null; message: string }>;
  /** Reported removals that were in the store. */
  removed: number;
  /** Touchpoints a completed full pass did not see, removed. */
  swept: number;
}

export interface RecordCounts {
  contacts: number;
  deals: number;
  tickets: number;
}

/** A connected portal/org. `secrets` is sealed (encrypted) by the service; never a plaintext token. */
export interface InstallationRow {
  id: string;
  crm: CrmName;
  /** HubSpot portal (hub) id or Salesforce org id; null when unknown (e.g. an environment token). */
  externalId: string | null;
  /**
   * `env`: credentials come from the environment; `oauth`: installed through the OAuth flow; `token`: added
   * by an admin with a HubSpot token or Salesforce connected-app credentials (`POST /api/installations`).
   */
  source: InstallationSource;
  label: string;
  secrets: string | null;
  /** Secret part of this installation's Salesforce outbound-message URL (null until created). */
  webhookSecret: string | null;
  createdAt: number;
  updatedAt: number;
}

export const INSTALLATION_SOURCES = ['env', 'oauth', 'token'] as const;
export type InstallationSource = (typeof INSTALLATION_SOURCES)[number];

export type InstallationInput = Omit<InstallationRow, 'createdAt' | 'updatedAt' | 'webhookSecret'>;

export type WebhookEventState = 'pending' | 'done' | 'failed';

/** An accepted webhook event in the inbox (migration 5). */
export interface WebhookEventRow {
  id: number;
  installation: string;
  source: string;
  eventKey: string;
  /** JSON of the records/customers to recompute. */
  changes: string;
  state: WebhookEventState;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  receivedAt: number;
  updatedAt: number;
}

export interface InboxEventInput {
  installation: string;
  eventKey: string;
  changes: string;
}

export interface OauthStateRow {
  crm: CrmName;
  /** Caller's payload (sealed where secret). */
  data: string;
  expiresAt: number;
}

/**
 * A linked installation (issue 16): one HubSpot and one Salesforce installation whose customers are read
 * as one. Each installation is in at most one link. `env`: the environment's pair (`PARCOURS_LINK`);
 * `admin`: made with `parcours link` / `POST /api/links`.
 */
export interface LinkRow {
  id: string;
  /** HubSpot installation id (`hubspot:default`, an OAuth installation id). */
  hubspot: string;
  /** Salesforce installation id. */
  salesforce: string;
  source: 'env' | 'admin';
  label: string;
  createdAt: number;
  updatedAt: number;
}

export type LinkInput = Omit<LinkRow, 'createdAt' | 'updatedAt'>;

export type TaskEpisodeState = 'open' | 'completed' | 'done_by_owner' | 'left_open' | 'gone' | 'deleted';
export type TaskWriteOp = 'create' | 'complete' | 'reopen' | 'delete';

/** A task Parcours created, from its creation to the end of the problem that caused it. */
export interface TaskEpisode {
  id: number;
  installation: string;
  action: string;
  kind: ObjectKind;
  recordId: string;
  contactId: string | null;
  /** The flag whose episode opened the task (null for a stage-only action). */
  flag: string | null;
  taskId: string;
  /** What Parcours last wrote on the task: the CRM showing exactly this means "unedited". */
  fields: TaskFields;
  state: TaskEpisodeState;
  openedRun: number;
  openedAt: number;
  closedRun: number | null;
  closedAt: number | null;
  /** Why it ended as it did (`edited by a person: subject`), when that needs saying. */
  note: string | null;
}

export interface NewTaskEpisode {
  action: string;
  kind: ObjectKind;
  recordId: string;
  contactId: string | null;
  flag: string | null;
  taskId: string;
  fields: TaskFields;
}

export interface TaskAuditRow {
  runId: number;
  installation: string;
  taskId: string;
  episodeId: number;
  op: TaskWriteOp;
  before: TaskFields | null;
  after: TaskFields | null;
  at: number;
}

/** One customer's kept outcome: `validUntil` null = until its records change; `outcome` (JSON) null = evaluate again. */
export interface KeptOutcomeRow {
  contactId: string;
  validUntil: number | null;
  outcome: string | null;
}

/**
 * The store every caller sees: one interface, two backends chosen at startup (`src/store/open.ts`) —
 * embedded SQLite (node:sqlite, the default) and PostgreSQL (`PARCOURS_DATABASE_URL`, issue 15). Every
 * method is asynchronous because PostgreSQL is; each method that says "one transaction" is atomic on both.
 */
export interface Store {
  /** Idempotent. */
  close(): Promise<void>;

  // mirror
  /**
   * Records upsert (marked with the batch's full pass), contact-side links, hand-overs, removals (with
   * their links), the sweep of a completed full pass, then the cursor: one transaction.
   */
  applyPullBatch(installation: string, batch: PullBatch): Promise<AppliedPull>;
  /** Several batches (one customer's contact, deals and tickets) in one transaction, in order. */
  applyPullBatches(installation: string, batches: readonly PullBatch[]): Promise<AppliedPull[]>;
  /**
   * Touchpoints upsert (marked with the batch's full pass; each one's contact links replaced; malformed
   * ones skipped and returned), removals, the sweep of a completed full pass, then the touchpoint
   * cursor: one transaction.
   */
  applyTouchpointBatch(installation: string, batch: TouchpointBatch): Promise<AppliedTouchpoints>;
  /** The one touchpoint cursor of the installation (undefined: never pulled, or reset by a full run). */
  getTouchpointCursor(installation: string): Promise<Cursor | undefined>;
  countTouchpoints(installation: string): Promise<number>;
  /** One contact's touchpoints, oldest first. */
  touchpointsOf(installation: string, contactId: string): Promise<TouchpointRecord[]>;
  /** Contacts these touchpoints are linked to now (to find customers a touchpoint change affects), sorted, unique. */
  contactsOfTouchpoints(installation: string, refs: ReadonlyArray<{ objectType: string; id: string }>): Promise<string[]>;

  // outcomes kept between runs (src/sync/kept-outcomes.ts)
  /**
   * The fingerprint the kept outcomes were sealed with, or null when the seal is broken (`applyPullBatch(es)`,
   * `applyTouchpointBatch`, `recordStageChanges` and `undoStageChanges` break it in their own transaction) or
   * nothing was ever kept.
   */
  keptOutcomeSeal(installation: string): Promise<string | null>;
  /**
   * A page of kept rows in contact id order (binary, as stored), after `after`. Rows change only by
   * `keepOutcomes`, so a run that checked the seal before its pull may page through them while it pulls.
   */
  keptOutcomeRows(installation: string, page: { after?: string; limit: number }): Promise<KeptOutcomeRow[]>;
  /**
   * Upserts these rows (after deleting every row first when `replace`), deletes rows of customers no longer in
   * the mirror (among `goneAmong` only, when given: the customers that may have left since the rows were
   * sealed), and seals them with `fingerprint`: one transaction. Answers how many rows were gone.
   */
  keepOutcomes(installation: string, fingerprint: string, rows: readonly KeptOutcomeRow[], options: { replace: boolean; goneAmong?: readonly string[] }): Promise<{ gone: number }>;
  getCursors(installation: string): Promise<Partial<Record<ObjectKind, Cursor>>>;
  /** Forgets every cursor of the installation, the touchpoint cursor included (a full run starts over). */
  resetCursors(installation: string): Promise<void>;
  countRecords(installation: string): Promise<RecordCounts>;
  getRecord(installation: string, kind: ObjectKind, id: string): Promise<CrmRecord | undefined>;
  /** Which of these ids are in the mirror (e.g. to drop segment members whose contact is gone). */
  existingIds(installation: string, kind: ObjectKind, ids: string[]): Promise<Set<string>>;
  /**
   * Streams customers (contact + linked deals + tickets, and their touchpoints oldest first unless
   * `touchpoints: false`) in contact-id order (binary string order), `pageSize` contacts per query;
   * never loads all. Links to records not in the mirror are skipped.
   */
  iterateCustomers(installation: string, opts?: { contactIds?: string[]; pageSize?: number; touchpoints?: boolean }): AsyncIterable<Customer>;
  /** Contacts linked to these deals/tickets (to find customers affected by a change), sorted, unique. */
  contactsLinkedTo(installation: string, refs: Array<{ kind: 'deal' | 'ticket'; id: string }>): Promise<string[]>;

  // written snapshot + audit
  getWritten(installation: string, kind: ObjectKind, ids: string[]): Promise<Map<string, FieldValues>>;
  /** Merges `after` into each record's snapshot and appends one audit row per written field; one transaction. */
  recordWrites(installation: string, runId: number, writes: RecordWrite[], at?: number): Promise<void>;
  auditForRun(runId: number): Promise<AuditRow[]>;
  /** Every field write audited on these records, oldest first (echo checks of linked installations). */
  auditOfRecords(installation: string, kind: ObjectKind, ids: readonly string[]): Promise<AuditRow[]>;

  // stage history
  /** Open stage per contact; with several journeys and no `journeyId`, the most recently entered wins. */
  currentStages(installation: string, contactIds: string[], journeyId?: string): Promise<Map<string, CurrentStage>>;
  /**
   * Closes the open row and opens a new one; recording the current stage again is a no-op. `runId`
   * (the run that saw the change) lets a rollback undo it.
   */
  recordStageChanges(installation: string, changes: StageChange[], runId?: number): Promise<void>;
  /** Undoes one run's ledger changes that no later run superseded; one transaction. */
  undoStageChanges(installation: string, runId: number): Promise<StageUndo>;
  iterateStageHistory(installation: string, opts?: { journeyId?: string }): AsyncIterable<StageHistoryRow>;
  /** The stays of these contacts (every journey), oldest first per contact: a page of customers at a time. */
  stageStaysOf(installation: string, contactIds: readonly string[]): Promise<Map<string, ContactStay[]>>;

  // segments
  getSegmentMembers(installation: string, segmentId: string): Promise<Set<string>>;
  /** Adds/removes members; only actual transitions produce entered/exited events. */
  applyMembership(installation: string, segmentId: string, added: string[], removed: string[], at: number, runId?: number): Promise<void>;
  /** One run's membership moves that no later event superseded (`total`: all the run's moves). */
  membershipMovesOfRun(installation: string, runId: number): Promise<{ moves: MembershipMove[]; total: number }>;
  /** Reverts moves whose CRM side was reverted: members leave or come back, the moves' events are deleted. */
  undoMembershipMoves(installation: string, moves: MembershipMove[]): Promise<void>;
  /** Events with `at >= since`, in time order. */
  iterateSegmentEvents(installation: string, since?: number): AsyncIterable<SegmentEvent>;

  // runs
  startRun(r: { installation: string; crm: CrmName; mode: RunMode; dryRun: boolean; startedAt: number }): Promise<number>;
  finishRun(id: number, r: { finishedAt: number; status: Exclude<RunStatus, 'running'>; summary: unknown }): Promise<void>;
  /** Newest first; default limit 50. */
  listRuns(opts?: { installation?: string; limit?: number }): Promise<RunRow[]>;
  getRun(id: number): Promise<RunRow | undefined>;

  // follow-up tasks (issue 14)
  /** Opens one episode per created task and audits the creates; one transaction. */
  openTaskEpisodes(installation: string, runId: number, at: number, episodes: NewTaskEpisode[]): Promise<TaskEpisode[]>;
  /** Open episodes in id order; `page`: those after `afterId`, at most `limit` (a run reads them in pages while its pull waits). */
  openTaskEpisodesOf(installation: string, page?: { afterId?: number; limit: number }): Promise<TaskEpisode[]>;
  allTaskEpisodes(installation: string): Promise<TaskEpisode[]>;
  /** Episodes a run opened, and episodes it ended. */
  taskEpisodesOfRun(installation: string, runId: number): Promise<{ opened: TaskEpisode[]; closed: TaskEpisode[] }>;
  /** Ends an episode; `write` (complete / delete) is audited with the fields before and after. */
  endTaskEpisode(episode: TaskEpisode, state: Exclude<TaskEpisodeState, 'open'>, runId: number, at: number, note: string | null, write?: { op: TaskWriteOp; after: TaskFields | null }): Promise<void>;
  /** Rollback: open again with these fields; false when another episode is open for the same action and record. */
  reopenTaskEpisode(episode: TaskEpisode, runId: number, at: number, fields: TaskFields): Promise<boolean>;
  taskAuditForRun(runId: number): Promise<TaskAuditRow[]>;
  /** Which of these CRM ids are tasks Parcours created (they are not customer touchpoints). */
  ownTaskIds(installation: string, ids: string[]): Promise<Set<string>>;

  // failures
  /** Upserts the retry queue (attempts + 1) and appends to the per-run failure log. */
  recordFailures(installation: string, runId: number, failures: FailureInput[], at?: number): Promise<void>;
  pendingFailures(installation: string): Promise<PendingFailure[]>;
  clearFailures(installation: string, refs: Array<{ kind: ObjectKind; id: string }>): Promise<void>;
  failuresForRun(runId: number): Promise<FailureLogRow[]>;

  // settings (values arrive already encrypted where secret; stored as given)
  getSetting(installation: string, key: string): Promise<string | undefined>;
  setSetting(installation: string, key: string, value: string): Promise<void>;
  deleteSetting(installation: string, key: string): Promise<void>;

  // installations, OAuth states, webhook event ids
  /** Creates or replaces an installation (keeps created_at). */
  saveInstallation(input: InstallationInput): Promise<void>;
  /** Replaces the sealed secrets (e.g. a refreshed or rotated token). */
  setInstallationSecrets(id: string, sealed: string | null): Promise<void>;
  getInstallation(id: string): Promise<InstallationRow | undefined>;
  listInstallations(): Promise<InstallationRow[]>;
  findInstallation(crm: CrmName, externalId: string): Promise<InstallationRow | undefined>;
  /**
   * Removes the installation row (its sealed secrets and webhook secret with it) and the sealed values kept
   * for it in settings, in one transaction. Its mirror, runs, audit and ledgers stay (see README). False when unknown.
   */
  removeInstallation(id: string): Promise<boolean>;
  /** True once any installation holds sealed secrets (the service then needs its key to start). */
  hasSealedSecrets(): Promise<boolean>;
  saveOauthState(nonce: string, crm: CrmName, data: string, expiresAt: number): Promise<void>;
  /** Single use: returns the state once (if not expired) and deletes it. */
  takeOauthState(nonce: string): Promise<OauthStateRow | undefined>;
  /** Records a webhook event key; false when it was already seen (a retry or a replay). */
  rememberWebhookEvent(source: string, key: string, at: number): Promise<boolean>;
  forgetWebhookEventsBefore(at: number): Promise<number>;
  setWebhookSecret(id: string, secret: string): Promise<void>;
  /** Every installation of a CRM that has a webhook secret (the caller compares in constant time). */
  installationsWithWebhookSecret(crm: CrmName): Promise<InstallationRow[]>;

  // the webhook event inbox
  /**
   * In one transaction: records each event's de-duplication key and, for new ones, its inbox row.
   * Returns how many were new (the rest were already seen).
   */
  acceptWebhookEvents(source: string, events: InboxEventInput[], at: number): Promise<{ accepted: number; duplicate: number }>;
  /** Records de-duplication keys only (events that need no recompute, or overflow). */
  rememberWebhookEvents(source: string, keys: string[], at: number): Promise<{ accepted: number; duplicate: number }>;
  countPendingEvents(installation: string): Promise<number>;
  /** Pending events due by `at`, oldest first. */
  dueEvents(installation: string, at: number, limit: number): Promise<WebhookEventRow[]>;
  /** Installations with pending events and the earliest due time of each. */
  pendingInstallations(): Promise<Array<{ installation: string; nextAttemptAt: number }>>;
  markEventsDone(ids: number[], at: number): Promise<void>;
  /** Another attempt failed: pending again at `nextAttemptAt`, or failed (dead letter) when null. */
  markEventsFailedAttempt(ids: number[], error: string, nextAttemptAt: number | null, at: number): Promise<void>;
  listEvents(o: { state?: WebhookEventState; installation?: string; limit: number }): Promise<WebhookEventRow[]>;
  getEvent(id: number): Promise<WebhookEventRow | undefined>;
  /** A dead-lettered event back to pending, attempts reset. False when it is not failed. */
  retryEvent(id: number, at: number): Promise<boolean>;
  forgetDoneEventsBefore(at: number): Promise<number>;

  // linked installations (issue 16)
  /**
   * Creates or replaces a link (keeps created_at). INPUT_INVALID when an installation is already in another
   * link, or a stored installation is of the other CRM. Re-pointing an id at another pair forgets its identity.
   */
  saveLink(input: LinkInput): Promise<LinkRow>;
  getLink(id: string): Promise<LinkRow | undefined>;
  listLinks(): Promise<LinkRow[]>;
  /** The link an installation is in, if any. */
  linkOf(installation: string): Promise<LinkRow | undefined>;
  /** Removes the link and its identity; the two installations' mirrors, ledgers and runs stay. False when unknown. */
  removeLink(id: string): Promise<boolean>;
  /** Replaces the link's matches and conflicts with what a linked run found; one transaction. */
  replaceLinkIdentity(id: string, identity: { matches: readonly IdentityMatch[]; conflicts: readonly IdentityConflict[] }, at: number): Promise<void>;
  /** The matches the last linked run kept, by HubSpot contact id. */
  linkMatches(id: string): Promise<IdentityMatch[]>;
  /** The conflicts the last linked run found (one e-mail on several records of one side), by side and e-mail. */
  linkConflicts(id: string): Promise<IdentityConflict[]>;
  /** The match holding this record of that side, if any. */
  linkMatchOf(id: string, side: CrmName, recordId: string): Promise<IdentityMatch | undefined>;
  /** Ids that became another record (converted Leads, recorded from hand-overs) → the record they are now. */
  resolveAliases(installation: string, ids: readonly string[]): Promise<Map<string, string>>;
  /** Contact records only, in id order, a page at a time (identity input; no deals, tickets or touchpoints). */
  iterateContacts(installation: string, opts?: { pageSize?: number }): AsyncIterable<ContactRecord>;
  /**
   * The link's customers from both mirrors and its kept identity: each matched pair once (both sides), then
   * every other record of each side alone (unlinked or in a conflict). Streams like `iterateCustomers`.
   */
  iterateLinkedCustomers(id: string, opts?: { pageSize?: number; touchpoints?: boolean }): AsyncIterable<LinkedCustomer>;

  // install links
  saveInstallLink(tokenHash: string, crm: CrmName, expiresAt: number): Promise<void>;
  /** Single use: marks the link used; the crm it was issued for, or undefined when unknown, used or expired. */
  useInstallLink(tokenHash: string, at: number): Promise<CrmName | undefined>;
}

/**
 * The SQLite backend's synchronous facade: the same methods answered synchronously (node:sqlite is
 * synchronous), plus the nested transaction runner its own tests exercise. `src/store/index.ts` wraps it
 * into a `Store`.
 */
export type SyncStore = {
  [K in keyof Store]: (...args: Parameters<Store[K]>) => Synced<ReturnType<Store[K]>>;
} & {
  /** Runs `fn` in one transaction (a savepoint when nested). `fn` must be synchronous. */
  transaction<T>(fn: () => T): T;
};
type Synced<R> = R extends Promise<infer X> ? X : R extends AsyncIterable<infer X> ? Iterable<X> : R;

export type { ContactLinks, Cursor, PullBatch };
