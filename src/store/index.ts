/**
 * The embedded store: the only module that touches SQLite. `openStore` opens (or creates) the
 * file, upgrades its schema, and returns the `Store` every caller uses; underneath it is one synchronous
 * facade over the small table modules (`openSyncStore`, node:sqlite being synchronous).
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Handover, PullBatch, TouchpointBatch } from '../../connectors/port.ts';
import { ParcoursError } from '../errors.ts';
import { CRMS, type CrmName, type ObjectKind, type RecordRef } from '../model.ts';
import { createTransactionRunner, openDatabase, toStoreError } from './connection.ts';
import { createCursors } from './cursors.ts';
import { createFailures } from './failures.ts';
import { createHandover } from './handover.ts';
import { checkInstallation, checkKind, checkTime } from './input-checks.ts';
import { createInstallations } from './installations.ts';
import { createKeptOutcomes } from './kept-outcomes.ts';
import { migrate } from './migrations.ts';
import { createMirror, DEFAULT_PAGE_SIZE } from './mirror.ts';
import { createRuns } from './runs.ts';
import { createSegments } from './segments.ts';
import { createSettings } from './settings.ts';
import { createStageHistory } from './stage-history.ts';
import { createTouchpoints } from './touchpoints.ts';
import { createTasks } from './tasks.ts';
import type { Store, SyncStore } from './types.ts';
import { createInstallLinks } from './install-links.ts';
import { linkedCustomers } from './linked-customers.ts';
import { createLinks } from './links.ts';
import { createWebhookInbox } from './webhook-inbox.ts';
import { createWritten } from './written.ts';

export type * from './types.ts';
export { RUN_MODES, RUN_STATUSES } from './types.ts';
export { MIGRATIONS, migrate, schemaVersion, type Migration } from './migrations.ts';

export interface OpenStoreOptions {
  /** Clock for stored_at/updated_at bookkeeping and default audit times (tests pin it). */
  now?: () => number;
}

/** Opens `path` (parent directory created; `':memory:'` for tests) and migrates it to the latest schema. */
export function openStore(path: string, options: OpenStoreOptions = {}): Store {
  return asyncStore(openSyncStore(path, options));
}

/** The streaming methods: answered as async generators over the facade's lazy iterables. */
const STREAMING = new Set<keyof Store>(['iterateCustomers', 'iterateStageHistory', 'iterateSegmentEvents', 'iterateContacts', 'iterateLinkedCustomers']);

/**
 * The synchronous facade as a `Store`. Each method runs synchronously when called, as before (so nothing
 * interleaves inside one), and answers a settled promise; streams yield as the facade reads its pages.
 */
function asyncStore(sync: SyncStore): Store {
  const store: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(sync) as Array<[keyof SyncStore, (...args: unknown[]) => unknown]>) {
    if (name === 'transaction') continue;
    store[name] = STREAMING.has(name)
      ? async function* stream(...args: unknown[]) {
          yield* method(...args) as Iterable<unknown>;
        }
      : async (...args: unknown[]) => method(...args);
  }
  return store as unknown as Store;
}

/** The SQLite facade itself (its own tests; `openStore` wraps it). */
export function openSyncStore(path: string, options: OpenStoreOptions = {}): SyncStore {
  const now = options.now ?? Date.now;
  let db: DatabaseSync;
  try {
    db = openDatabase(path);
  } catch (err) {
    throw toStoreError(err, path, 'open');
  }
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw withFile(toStoreError(err, path, 'migrate'), path);
  }
  return buildStore(db, path, now);
}

function buildStore(db: DatabaseSync, file: string, now: () => number): SyncStore {
  const tx = createTransactionRunner(db);
  const touchpoints = createTouchpoints(db, now);
  const mirror = createMirror(db, now, touchpoints);
  const cursors = createCursors(db, now);
  const written = createWritten(db);
  const history = createStageHistory(db);
  const segments = createSegments(db);
  const runs = createRuns(db);
  const failures = createFailures(db);
  const settings = createSettings(db, now);
  const installations = createInstallations(db, now);
  const inbox = createWebhookInbox(db);
  const installLinks = createInstallLinks(db, now);
  const handover = createHandover(db);
  const tasks = createTasks(db);
  const links = createLinks(db, now);
  const kept = createKeptOutcomes(db, now);
  let closed = false;

  function guard<T>(operation: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw withFile(toStoreError(err, file, operation), file);
    }
  }

  /** Generators run their body lazily, so errors surface during iteration: guard each step. */
  function* guardIterable<T>(operation: string, make: () => Iterator<T>): Generator<T> {
    const it = guard(operation, make);
    try {
      for (;;) {
        const step = guard(operation, () => it.next());
        if (step.done) return;
        yield step.value;
      }
    } finally {
      it.return?.();
    }
  }

  const facade: SyncStore = {
    close() {
      if (closed) return;
      closed = true;
      guard('close', () => db.close());
    },

    transaction<T>(fn: () => T): T {
      // Errors thrown by fn itself pass through unchanged (ParcoursErrors stay as they are).
      return guard('transaction', () => tx.run(fn));
    },

    applyPullBatch(installation: string, batch: PullBatch) {
      return guard('applyPullBatch', () => {
        checkInstallation(installation);
        checkKind(batch.kind);
        for (const ref of batch.removed) checkKind(ref.kind);
        for (const h of batch.handovers ?? []) {
          checkKind(h.from.kind);
          checkKind(h.to.kind);
        }
        return tx.run(() => {
          kept.unseal(installation);
          const pass = batch.fullPass?.id ?? null;
          mirror.upsertRecords(installation, batch.kind, batch.records, pass);
          if (batch.links) mirror.applyContactLinks(installation, batch.links);
          const handedOver: Handover[] = [];
          for (const h of batch.handovers ?? []) {
            const moved = handover.handOver(installation, h.from.id, h.to.id) + touchpoints.handOver(installation, h.from.id, h.to.id);
            // Ids other records still hold (HubSpot's salesforceleadid) follow the record on (issue 16).
            links.recordAlias(installation, h.from.id, h.to.id, h.at);
            if (moved > 0) handedOver.push(h);
          }
          // Removal after links, so a removed contact never keeps links re-added in the same batch.
          // A record handed over has become another one: it leaves the mirror too.
          const leaving: RecordRef[] = [...batch.removed, ...(batch.handovers ?? []).map((h) => h.from)];
          const removed = mirror.removeRecords(installation, leaving);
          // A complete full pass has seen every record of its kind the CRM still shows: the rest goes.
          const swept = pass !== null && batch.fullPass?.complete ? mirror.removeRecords(installation, mirror.unseen(installation, batch.kind, pass)) : [];
          // What Parcours last wrote on the swept records, read before the snapshots are forgotten.
          const snapshots = written.get(installation, batch.kind, swept.map((r) => r.id));
          const sweptWritten = swept.flatMap((ref) => {
            const values = snapshots.get(ref.id);
            return values ? [{ ref, written: values }] : [];
          });
          written.forget(installation, [...leaving, ...swept]);
          failures.clear(installation, [...leaving, ...swept]);
          // Last: the cursor only moves once everything it covers is stored.
          if (batch.cursor !== undefined) cursors.save(installation, batch.kind, batch.cursor);
          return { removed: [...removed, ...swept], swept, sweptWritten, handedOver };
        });
      });
    },

    applyPullBatches(installation: string, batches: readonly PullBatch[]) {
      return guard('applyPullBatches', () => tx.run(() => batches.map((batch) => facade.applyPullBatch(installation, batch))));
    },

    applyTouchpointBatch(installation: string, batch: TouchpointBatch) {
      return guard('applyTouchpointBatch', () => {
        checkInstallation(installation);
        if (!Array.isArray(batch.records) || !Array.isArray(batch.removed)) {
          throw new ParcoursError('INPUT_INVALID', 'a touchpoint batch needs records and removed lists');
        }
        return tx.run(() => {
          kept.unseal(installation);
          const pass = batch.fullPass?.id ?? null;
          const { stored, rejected } = touchpoints.upsert(installation, batch.records, pass);
          const removed = touchpoints.remove(installation, batch.removed);
          const swept = pass !== null && batch.fullPass?.complete ? touchpoints.sweep(installation, pass) : 0;
          // Last: the cursor only moves once everything it covers is stored.
          if (batch.cursor !== undefined) touchpoints.saveCursor(installation, batch.cursor);
          return { stored, rejected, removed, swept };
        });
      });
    },

    getTouchpointCursor: (installation) => guard('getTouchpointCursor', () => touchpoints.cursor(installation)),
    countTouchpoints: (installation) => guard('countTouchpoints', () => touchpoints.count(installation)),
    touchpointsOf: (installation, contactId) => guard('touchpointsOf', () => touchpoints.ofContacts(installation, [contactId]).get(contactId) ?? []),
    contactsOfTouchpoints: (installation, refs) => guard('contactsOfTouchpoints', () => touchpoints.contactsOf(installation, refs)),

    keptOutcomeSeal: (installation) => guard('keptOutcomeSeal', () => kept.seal(installation)),
    keptOutcomeRows: (installation, page) => guard('keptOutcomeRows', () => kept.page(installation, page.after ?? '', page.limit)),
    keepOutcomes(installation, fingerprint, rows, options) {
      return guard('keepOutcomes', () => {
        checkInstallation(installation);
        return { gone: tx.run(() => kept.keep(installation, fingerprint, rows, options.replace, options.goneAmong)) };
      });
    },

    getCursors: (installation) => guard('getCursors', () => cursors.getAll(installation)),
    resetCursors: (installation) =>
      guard('resetCursors', () =>
        tx.run(() => {
          cursors.reset(installation);
          touchpoints.resetCursor(installation);
        }),
      ),
    countRecords: (installation) => guard('countRecords', () => mirror.countRecords(installation)),

    getRecord(installation: string, kind: ObjectKind, id: string) {
      return guard('getRecord', () => {
        checkKind(kind);
        return mirror.getRecord(installation, kind, id);
      });
    },

    existingIds(installation: string, kind: ObjectKind, ids: string[]) {
      return guard('existingIds', () => {
        checkKind(kind);
        return mirror.existingIds(installation, kind, ids);
      });
    },

    iterateCustomers(installation, opts = {}) {
      const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
      return guardIterable('iterateCustomers', () => {
        if (!Number.isInteger(pageSize) || pageSize < 1) {
          throw new ParcoursError('INPUT_INVALID', 'iterateCustomers pageSize must be a positive integer', { pageSize });
        }
        return mirror.iterateCustomers(installation, pageSize, opts.contactIds, opts.touchpoints ?? true);
      });
    },

    contactsLinkedTo: (installation, refs) => guard('contactsLinkedTo', () => mirror.contactsLinkedTo(installation, refs)),

    getWritten(installation, kind, ids) {
      return guard('getWritten', () => {
        checkKind(kind);
        return written.get(installation, kind, ids);
      });
    },

    recordWrites(installation, runId, writes, at = now()) {
      guard('recordWrites', () => {
        checkInstallation(installation);
        checkTime(at, 'recordWrites at');
        for (const w of writes) checkKind(w.kind);
        tx.run(() => written.record(installation, runId, writes, at));
      });
    },

    auditForRun: (runId) => guard('auditForRun', () => written.auditForRun(runId)),
    auditOfRecords: (installation, kind, ids) => guard('auditOfRecords', () => written.auditOfRecords(installation, kind, ids)),

    currentStages: (installation, contactIds, journeyId) =>
      guard('currentStages', () => history.current(installation, contactIds, journeyId)),

    recordStageChanges(installation, changes, runId) {
      guard('recordStageChanges', () => {
        checkInstallation(installation);
        for (const c of changes) checkTime(c.at, 'stage change at');
        tx.run(() => {
          kept.unseal(installation);
          history.record(installation, changes, runId ?? null);
        });
      });
    },

    undoStageChanges: (installation, runId) =>
      guard('undoStageChanges', () =>
        tx.run(() => {
          kept.unseal(installation);
          return history.undoRun(installation, runId);
        })),

    stageStaysOf: (installation, contactIds) => guard('stageStaysOf', () => history.staysOf(installation, contactIds)),
    iterateStageHistory: (installation, opts = {}) =>
      guardIterable('iterateStageHistory', () => history.iterate(installation, opts.journeyId)),

    getSegmentMembers: (installation, segmentId) => guard('getSegmentMembers', () => segments.members(installation, segmentId)),

    applyMembership(installation, segmentId, added, removed, at, runId) {
      guard('applyMembership', () => {
        checkInstallation(installation);
        checkTime(at, 'membership at');
        tx.run(() => segments.apply(installation, segmentId, added, removed, at, runId ?? null));
      });
    },

    membershipMovesOfRun: (installation, runId) => guard('membershipMovesOfRun', () => segments.runMoves(installation, runId)),
    undoMembershipMoves: (installation, moves) => guard('undoMembershipMoves', () => tx.run(() => segments.undoMoves(installation, moves))),

    iterateSegmentEvents: (installation, since = Number.MIN_SAFE_INTEGER) =>
      guardIterable('iterateSegmentEvents', () => segments.events(installation, since)),

    startRun: (r) => guard('startRun', () => runs.start(r)),
    finishRun: (id, r) => guard('finishRun', () => runs.finish(id, r)),
    listRuns: (opts = {}) => guard('listRuns', () => runs.list(opts)),
    getRun: (id) => guard('getRun', () => runs.get(id)),

    openTaskEpisodes(installation, runId, at, episodes) {
      return guard('openTaskEpisodes', () => {
        checkInstallation(installation);
        checkTime(at, 'task opened at');
        for (const e of episodes) checkKind(e.kind);
        return tx.run(() => tasks.open(installation, runId, at, episodes));
      });
    },
    openTaskEpisodesOf: (installation, page) => guard('openTaskEpisodesOf', () => tasks.openEpisodes(installation, page)),
    allTaskEpisodes: (installation) => guard('allTaskEpisodes', () => tasks.allEpisodes(installation)),
    taskEpisodesOfRun: (installation, runId) => guard('taskEpisodesOfRun', () => ({ opened: tasks.openedBy(installation, runId), closed: tasks.closedBy(installation, runId) })),
    endTaskEpisode(episode, state, runId, at, note, write) {
      guard('endTaskEpisode', () => {
        checkTime(at, 'task closed at');
        tx.run(() => tasks.end(episode, state, runId, at, note, write));
      });
    },
    reopenTaskEpisode: (episode, runId, at, fields) => guard('reopenTaskEpisode', () => tx.run(() => tasks.reopen(episode, runId, at, fields))),
    taskAuditForRun: (runId) => guard('taskAuditForRun', () => tasks.auditForRun(runId)),
    ownTaskIds: (installation, ids) => guard('ownTaskIds', () => tasks.ownTaskIds(installation, ids)),

    recordFailures(installation, runId, list, at = now()) {
      guard('recordFailures', () => {
        checkInstallation(installation);
        checkTime(at, 'recordFailures at');
        for (const f of list) checkKind(f.kind);
        tx.run(() => failures.record(installation, runId, list, at));
      });
    },

    pendingFailures: (installation) => guard('pendingFailures', () => failures.pending(installation)),

    clearFailures(installation, refs) {
      guard('clearFailures', () => tx.run(() => failures.clear(installation, refs)));
    },

    failuresForRun: (runId) => guard('failuresForRun', () => failures.forRun(runId)),

    getSetting: (installation, key) => guard('getSetting', () => settings.get(installation, key)),
    setSetting(installation, key, value) {
      guard('setSetting', () => {
        checkInstallation(installation);
        settings.set(installation, key, value);
      });
    },
    deleteSetting: (installation, key) => guard('deleteSetting', () => settings.delete(installation, key)),

    saveInstallation: (input) => guard('saveInstallation', () => installations.upsert(input)),
    setInstallationSecrets: (id, sealed) => guard('setInstallationSecrets', () => installations.setSecrets(id, sealed)),
    getInstallation: (id) => guard('getInstallation', () => installations.get(id)),
    listInstallations: () => guard('listInstallations', () => installations.list()),
    findInstallation: (crm, externalId) => guard('findInstallation', () => installations.byExternalId(crm, externalId)),
    hasSealedSecrets: () => guard('hasSealedSecrets', () => installations.hasSealedSecrets()),
    removeInstallation: (id) => guard('removeInstallation', () => tx.run(() => installations.remove(id))),
    saveOauthState: (nonce, crm, data, expiresAt) => guard('saveOauthState', () => installations.saveState(nonce, crm, data, expiresAt)),
    takeOauthState: (nonce) => guard('takeOauthState', () => installations.takeState(nonce)),
    rememberWebhookEvent(source, key, at) {
      return guard('rememberWebhookEvent', () => {
        checkTime(at, 'webhook event at');
        return installations.rememberEvent(source, key, at);
      });
    },
    forgetWebhookEventsBefore: (at) => guard('forgetWebhookEventsBefore', () => installations.forgetEventsBefore(at)),
    setWebhookSecret: (id, secret) => guard('setWebhookSecret', () => installations.setWebhookSecret(id, secret)),
    installationsWithWebhookSecret: (crm) => guard('installationsWithWebhookSecret', () => installations.withWebhookSecret(crm)),

    acceptWebhookEvents(source, events, at) {
      return guard('acceptWebhookEvents', () => {
        checkTime(at, 'webhook event at');
        for (const e of events) checkInstallation(e.installation);
        return tx.run(() => inbox.accept(source, events, at));
      });
    },
    rememberWebhookEvents(source, keys, at) {
      return guard('rememberWebhookEvents', () => {
        checkTime(at, 'webhook event at');
        return tx.run(() => inbox.remember(source, keys, at));
      });
    },
    countPendingEvents: (installation) => guard('countPendingEvents', () => inbox.countPending(installation)),
    dueEvents: (installation, at, limit) => guard('dueEvents', () => inbox.due(installation, at, limit)),
    pendingInstallations: () => guard('pendingInstallations', () => inbox.pendingInstallations()),
    markEventsDone: (ids, at) => guard('markEventsDone', () => tx.run(() => inbox.markDone(ids, at))),
    markEventsFailedAttempt: (ids, error, nextAttemptAt, at) => guard('markEventsFailedAttempt', () => tx.run(() => inbox.markFailedAttempt(ids, error, nextAttemptAt, at))),
    listEvents: (o) => guard('listEvents', () => inbox.list(o)),
    getEvent: (id) => guard('getEvent', () => inbox.get(id)),
    retryEvent: (id, at) => guard('retryEvent', () => inbox.retry(id, at)),
    forgetDoneEventsBefore: (at) => guard('forgetDoneEventsBefore', () => inbox.pruneDone(at)),

    saveLink: (input) => guard('saveLink', () => tx.run(() => links.save(input))),
    getLink: (id) => guard('getLink', () => links.get(id)),
    listLinks: () => guard('listLinks', () => links.list()),
    linkOf: (installation) => guard('linkOf', () => links.of(installation)),
    removeLink: (id) => guard('removeLink', () => tx.run(() => links.remove(id))),
    replaceLinkIdentity(id, identity, at) {
      guard('replaceLinkIdentity', () => {
        checkTime(at, 'identity found at');
        tx.run(() => links.replaceIdentity(id, identity.matches, identity.conflicts, at));
      });
    },
    linkMatches: (id) => guard('linkMatches', () => links.matches(id)),
    linkConflicts: (id) => guard('linkConflicts', () => links.conflicts(id)),
    linkMatchOf: (id, side, recordId) => guard('linkMatchOf', () => links.matchOf(id, side, recordId)),
    resolveAliases: (installation, ids) => guard('resolveAliases', () => links.resolveAliases(installation, ids)),
    iterateContacts(installation, opts = {}) {
      const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
      return guardIterable('iterateContacts', () => mirror.iterateContacts(installation, pageSize));
    },
    iterateLinkedCustomers(id, opts = {}) {
      const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
      return guardIterable('iterateLinkedCustomers', () => {
        const link = links.get(id);
        if (!link) throw new ParcoursError('NOT_FOUND', `no link ${id}`, { link: id });
        return linkedCustomers(mirror, links, link, pageSize, opts.touchpoints ?? true);
      });
    },

    saveInstallLink(tokenHash, crm, expiresAt) {
      guard('saveInstallLink', () => {
        checkTime(expiresAt, 'install link expiry');
        installLinks.save(tokenHash, crm, expiresAt);
      });
    },
    useInstallLink: (tokenHash, at) => guard('useInstallLink', () => {
      const crm = installLinks.use(tokenHash, at);
      return (CRMS as readonly string[]).includes(crm ?? '') ? (crm as CrmName) : undefined;
    }),
  };
  return facade;
}

/** Every STORE_ERROR names the file it concerns; other errors (the caller's own) are left alone. */
function withFile(err: ParcoursError, file: string): ParcoursError {
  if (err.code === 'STORE_ERROR' && err.context.file === undefined) err.context.file = file;
  return err;
}
