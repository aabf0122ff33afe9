/**
 * The public shape of the embedded store: one synchronous facade over node:sqlite.
 * Everything is keyed by installation (`hubspot:default`, `salesforce:org-00D…`), so several
 * portals/orgs can share one file.
 */
import type { ContactLinks, Cursor, PullBatch } from '../../connectors/port.ts';
import type { CrmName, CrmRecord, Customer, ObjectKind } from '../model.ts';

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
}

export interface CurrentStage {
  journeyId: string;
  stage: string;
  enteredAt: number;
}

export interface StageHistoryRow {
  contactId: string;
  journeyId: string;
  stage: string;
  enteredAt: number;
  leftAt: number | null;
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
  /** `env`: credentials come from the environment; `oauth`: installed through the OAuth flow. */
  source: 'env' | 'oauth';
  label: string;
  secrets: string | null;
  createdAt: number;
  updatedAt: number;
}

export type InstallationInput = Omit<InstallationRow, 'createdAt' | 'updatedAt'>;

export interface OauthStateRow {
  crm: CrmName;
  /** Caller's payload (sealed where secret). */
  data: string;
  expiresAt: number;
}

export interface Store {
  /** Idempotent. */
  close(): void;
  /**
   * Runs `fn` in one transaction (a savepoint when nested). `fn` must be synchronous:
   * a returned promise is rejected, since the transaction would commit before it settles.
   */
  transaction<T>(fn: () => T): T;

  // mirror
  /** Records upsert, contact-side links, removals (with their links), then the cursor: one transaction. */
  applyPullBatch(installation: string, batch: PullBatch): void;
  getCursors(installation: string): Partial<Record<ObjectKind, Cursor>>;
  resetCursors(installation: string): void;
  countRecords(installation: string): RecordCounts;
  getRecord(installation: string, kind: ObjectKind, id: string): CrmRecord | undefined;
  /** Which of these ids are in the mirror (e.g. to drop segment members whose contact is gone). */
  existingIds(installation: string, kind: ObjectKind, ids: string[]): Set<string>;
  /**
   * Streams customers (contact + linked deals + tickets) in contact-id order (binary string order),
   * `pageSize` contacts per query; never loads all. Links to records not in the mirror are skipped.
   */
  iterateCustomers(installation: string, opts?: { contactIds?: string[]; pageSize?: number }): Iterable<Customer>;
  /** Contacts linked to these deals/tickets (to find customers affected by a change), sorted, unique. */
  contactsLinkedTo(installation: string, refs: Array<{ kind: 'deal' | 'ticket'; id: string }>): string[];

  // written snapshot + audit
  getWritten(installation: string, kind: ObjectKind, ids: string[]): Map<string, FieldValues>;
  /** Merges `after` into each record's snapshot and appends one audit row per written field; one transaction. */
  recordWrites(installation: string, runId: number, writes: RecordWrite[], at?: number): void;
  auditForRun(runId: number): AuditRow[];

  // stage history
  /** Open stage per contact; with several journeys and no `journeyId`, the most recently entered wins. */
  currentStages(installation: string, contactIds: string[], journeyId?: string): Map<string, CurrentStage>;
  /** Closes the open row and opens a new one; recording the current stage again is a no-op. */
  recordStageChanges(installation: string, changes: StageChange[]): void;
  iterateStageHistory(installation: string, opts?: { journeyId?: string }): Iterable<StageHistoryRow>;

  // segments
  getSegmentMembers(installation: string, segmentId: string): Set<string>;
  /** Adds/removes members; only actual transitions produce entered/exited events. */
  applyMembership(installation: string, segmentId: string, added: string[], removed: string[], at: number): void;
  /** Events with `at >= since`, in time order. */
  iterateSegmentEvents(installation: string, since?: number): Iterable<SegmentEvent>;

  // runs
  startRun(r: { installation: string; crm: CrmName; mode: RunMode; dryRun: boolean; startedAt: number }): number;
  finishRun(id: number, r: { finishedAt: number; status: Exclude<RunStatus, 'running'>; summary: unknown }): void;
  /** Newest first; default limit 50. */
  listRuns(opts?: { installation?: string; limit?: number }): RunRow[];
  getRun(id: number): RunRow | undefined;

  // failures
  /** Upserts the retry queue (attempts + 1) and appends to the per-run failure log. */
  recordFailures(installation: string, runId: number, failures: FailureInput[], at?: number): void;
  pendingFailures(installation: string): PendingFailure[];
  clearFailures(installation: string, refs: Array<{ kind: ObjectKind; id: string }>): void;
  failuresForRun(runId: number): FailureLogRow[];

  // settings (values arrive already encrypted where secret; stored as given)
  getSetting(installation: string, key: string): string | undefined;
  setSetting(installation: string, key: string, value: string): void;
  deleteSetting(installation: string, key: string): void;

  // installations, OAuth states, webhook event ids
  /** Creates or replaces an installation (keeps created_at). */
  saveInstallation(input: InstallationInput): void;
  /** Replaces the sealed secrets (e.g. a refreshed or rotated token). */
  setInstallationSecrets(id: string, sealed: string | null): void;
  getInstallation(id: string): InstallationRow | undefined;
  listInstallations(): InstallationRow[];
  findInstallation(crm: CrmName, externalId: string): InstallationRow | undefined;
  /** True once any installation holds sealed secrets (the service then needs its key to start). */
  hasSealedSecrets(): boolean;
  saveOauthState(nonce: string, crm: CrmName, data: string, expiresAt: number): void;
  /** Single use: returns the state once (if not expired) and deletes it. */
  takeOauthState(nonce: string): OauthStateRow | undefined;
  /** Records a webhook event key; false when it was already seen (a retry or a replay). */
  rememberWebhookEvent(source: string, key: string, at: number): boolean;
  forgetWebhookEventsBefore(at: number): number;
}

export type { ContactLinks, Cursor, PullBatch };
