/**
 * The store on PostgreSQL (issue 15): the same `Store` as the SQLite backend, over a node-postgres
 * pool. `openPostgresStore` migrates the database (under an advisory lock) and returns the facade; each
 * method that the interface calls "one transaction" runs BEGIN … COMMIT on one pooled client, the others
 * are single statements (or keyset pages) on any pooled connection.
 */
import type { Handover, PullBatch, TouchpointBatch } from '../../../connectors/port.ts';
import { ParcoursError } from '../../errors.ts';
import { CRMS, type CrmName, type RecordRef } from '../../model.ts';
import { checkInstallation, checkKind, checkTime } from '../input-checks.ts';
import { DEFAULT_PAGE_SIZE } from '../mirror.ts';
import type { AppliedPull, Store } from '../types.ts';
import { createPool, describeDatabase, inTransaction, toStoreError, type Queryable } from './db.ts';
import * as failures from './failures.ts';
import { handOver } from './handover.ts';
import * as installations from './installations.ts';
import * as kept from './kept-outcomes.ts';
import * as links from './links.ts';
import { migratePostgres } from './migrations.ts';
import * as mirror from './mirror.ts';
import * as runs from './runs.ts';
import * as segments from './segments.ts';
import * as settings from './settings.ts';
import * as history from './stage-history.ts';
import * as tasks from './tasks.ts';
import * as touchpoints from './touchpoints.ts';
import * as inbox from './webhook-inbox.ts';
import * as written from './written.ts';

export { PG_MIGRATIONS, migratePostgres, pgSchemaVersion, type PgMigration } from './migrations.ts';

export interface OpenPostgresStoreOptions {
  /** Clock for stored_at/updated_at bookkeeping and default audit times (tests pin it). */
  now?: () => number;
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

/**
 * Ids travel as text arrays, and node-postgres turns any value into text: what SQLite refuses to bind (an
 * object where an id goes) is refused here before anything is written, as a named input error.
 */
function checkId(value: unknown, what: string): void {
  if (typeof value !== 'string') throw new ParcoursError('INPUT_INVALID', `${what} must be a string`, { value: typeof value });
}

/** Connects to `url` (postgres://…), migrates the database to the latest schema and returns the store. */
export async function openPostgresStore(url: string, options: OpenPostgresStoreOptions = {}): Promise<Store> {
  const now = options.now ?? Date.now;
  const database = describeDatabase(url);
  if (options.poolSize !== undefined && (!Number.isInteger(options.poolSize) || options.poolSize < 1)) {
    throw new ParcoursError('INPUT_INVALID', 'poolSize must be a positive integer', { poolSize: options.poolSize });
  }
  let pool: ReturnType<typeof createPool>;
  try {
    pool = createPool(url, options.poolSize);
  } catch (err) {
    throw toStoreError(err, database, 'open');
  }
  try {
    await inTransaction(pool, (q) => migratePostgres(q, now()));
  } catch (err) {
    await pool.end().catch(() => {});
    const e = toStoreError(err, database, 'migrate');
    e.context['operation'] ??= 'migrate';
    e.context['database'] ??= database;
    throw e;
  }
  return buildStore(pool, database, now);
}

function buildStore(pool: ReturnType<typeof createPool>, database: string, now: () => number): Store {
  let closing: Promise<void> | null = null;

  async function guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toStoreError(err, database, operation);
    }
  }

  const tx = <T>(operation: string, fn: (q: Queryable) => Promise<T>): Promise<T> => guard(operation, () => inTransaction(pool, fn));

  /** Streams: the generator's own errors (a failed page) become STORE_ERROR too. */
  async function* guardStream<T>(operation: string, make: () => Promise<AsyncIterable<T>> | AsyncIterable<T>): AsyncGenerator<T> {
    let source: AsyncIterable<T>;
    try {
      source = await make();
    } catch (err) {
      throw toStoreError(err, database, operation);
    }
    const it = source[Symbol.asyncIterator]();
    try {
      for (;;) {
        let step: IteratorResult<T>;
        try {
          step = await it.next();
        } catch (err) {
          throw toStoreError(err, database, operation);
        }
        if (step.done) return;
        yield step.value;
      }
    } finally {
      await it.return?.();
    }
  }

  function checkPullBatch(installation: string, batch: PullBatch): void {
    checkInstallation(installation);
    checkKind(batch.kind);
    for (const ref of batch.removed) {
      checkKind(ref.kind);
      checkId(ref.id, 'removed record id');
    }
    for (const h of batch.handovers ?? []) {
      checkKind(h.from.kind);
      checkKind(h.to.kind);
      checkId(h.from.id, 'hand-over from id');
      checkId(h.to.id, 'hand-over to id');
    }
  }

  /** One pull batch on a transaction's client, in the SQLite facade's order. */
  async function applyPull(q: Queryable, installation: string, batch: PullBatch): Promise<AppliedPull> {
    await kept.unsealKeptOutcomes(q, installation);
    const pass = batch.fullPass?.id ?? null;
    await mirror.upsertRecords(q, installation, batch.kind, batch.records, pass, now());
    if (batch.links) await mirror.applyContactLinks(q, installation, batch.links);
    const handedOver: Handover[] = await handOver(q, installation, batch.handovers ?? []);
    // Removal after links, so a removed contact never keeps links re-added in the same batch.
    // A record handed over has become another one: it leaves the mirror too.
    const leaving: RecordRef[] = [...batch.removed, ...(batch.handovers ?? []).map((h) => h.from)];
    const removed = await mirror.removeRecords(q, installation, leaving);
    // A complete full pass has seen every record of its kind the CRM still shows: the rest goes.
    const swept = pass !== null && batch.fullPass?.complete ? await mirror.removeRecords(q, installation, await mirror.unseen(q, installation, batch.kind, pass)) : [];
    // What Parcours last wrote on the swept records, read before the snapshots are forgotten.
    const snapshots = await written.getWritten(q, installation, batch.kind, swept.map((r) => r.id));
    const sweptWritten = swept.flatMap((ref) => {
      const values = snapshots.get(ref.id);
      return values ? [{ ref, written: values }] : [];
    });
    await written.forgetWritten(q, installation, [...leaving, ...swept]);
    await failures.clearFailures(q, installation, [...leaving, ...swept]);
    // Last: the cursor only moves once everything it covers is stored.
    if (batch.cursor !== undefined) await mirror.saveCursor(q, installation, batch.kind, batch.cursor, now());
    return { removed: [...removed, ...swept], swept, sweptWritten, handedOver };
  }

  const store: Store = {
    close() {
      closing ??= guard('close', () => pool.end());
      return closing;
    },

    async applyPullBatch(installation, batch) {
      return guard('applyPullBatch', async () => {
        checkPullBatch(installation, batch);
        return tx('applyPullBatch', (q) => applyPull(q, installation, batch));
      });
    },

    async applyPullBatches(installation, batches) {
      return guard('applyPullBatches', async () => {
        for (const batch of batches) checkPullBatch(installation, batch);
        return tx('applyPullBatches', async (q) => {
          const out: AppliedPull[] = [];
          for (const batch of batches) out.push(await applyPull(q, installation, batch));
          return out;
        });
      });
    },

    async applyTouchpointBatch(installation, batch: TouchpointBatch) {
      return guard('applyTouchpointBatch', async () => {
        checkInstallation(installation);
        if (!Array.isArray(batch.records) || !Array.isArray(batch.removed)) {
          throw new ParcoursError('INPUT_INVALID', 'a touchpoint batch needs records and removed lists');
        }
        for (const r of batch.removed) {
          checkId(r.objectType, 'removed touchpoint objectType');
          checkId(r.id, 'removed touchpoint id');
        }
        return tx('applyTouchpointBatch', async (q) => {
          await kept.unsealKeptOutcomes(q, installation);
          const pass = batch.fullPass?.id ?? null;
          const { stored, rejected } = await touchpoints.upsertTouchpoints(q, installation, batch.records, pass, now());
          const removed = await touchpoints.removeTouchpoints(q, installation, batch.removed);
          const swept = pass !== null && batch.fullPass?.complete ? await touchpoints.sweepTouchpoints(q, installation, pass) : 0;
          // Last: the cursor only moves once everything it covers is stored.
          if (batch.cursor !== undefined) await touchpoints.saveTouchpointCursor(q, installation, batch.cursor, now());
          return { stored, rejected, removed, swept };
        });
      });
    },

    getTouchpointCursor: (installation) => guard('getTouchpointCursor', () => touchpoints.getTouchpointCursor(pool, installation)),
    countTouchpoints: (installation) => guard('countTouchpoints', () => touchpoints.countTouchpoints(pool, installation)),
    touchpointsOf: (installation, contactId) =>
      guard('touchpointsOf', async () => (await touchpoints.touchpointsOfContacts(pool, installation, [contactId])).get(contactId) ?? []),
    contactsOfTouchpoints: (installation, refs) => guard('contactsOfTouchpoints', () => touchpoints.contactsOfTouchpoints(pool, installation, refs)),

    keptOutcomeSeal: (installation) => guard('keptOutcomeSeal', () => kept.keptOutcomeSeal(pool, installation)),
    keptOutcomeRows: (installation, page) => guard('keptOutcomeRows', () => kept.keptOutcomeRows(pool, installation, page.after ?? '', page.limit)),
    keepOutcomes: (installation, fingerprint, rows, options) =>
      guard('keepOutcomes', async () => {
        checkInstallation(installation);
        return { gone: await tx('keepOutcomes', (q) => kept.keepOutcomes(q, installation, fingerprint, rows, options.replace, options.goneAmong, now())) };
      }),

    getCursors: (installation) => guard('getCursors', () => mirror.getCursors(pool, installation)),
    resetCursors: (installation) =>
      tx('resetCursors', async (q) => {
        await mirror.resetCursors(q, installation);
        await touchpoints.resetTouchpointCursor(q, installation);
      }),
    countRecords: (installation) => guard('countRecords', () => mirror.countRecords(pool, installation)),

    getRecord: (installation, kind, id) =>
      guard('getRecord', async () => {
        checkKind(kind);
        return mirror.getRecord(pool, installation, kind, id);
      }),

    existingIds: (installation, kind, ids) =>
      guard('existingIds', async () => {
        checkKind(kind);
        return mirror.existingIds(pool, installation, kind, ids);
      }),

    iterateCustomers(installation, opts = {}) {
      const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
      return guardStream('iterateCustomers', () => {
        if (!Number.isInteger(pageSize) || pageSize < 1) {
          throw new ParcoursError('INPUT_INVALID', 'iterateCustomers pageSize must be a positive integer', { pageSize });
        }
        return mirror.iterateCustomers(pool, installation, pageSize, opts.contactIds, opts.touchpoints ?? true);
      });
    },

    contactsLinkedTo: (installation, refs) => guard('contactsLinkedTo', () => mirror.contactsLinkedTo(pool, installation, refs)),

    getWritten: (installation, kind, ids) =>
      guard('getWritten', async () => {
        checkKind(kind);
        return written.getWritten(pool, installation, kind, ids);
      }),

    recordWrites: (installation, runId, writes, at = now()) =>
      guard('recordWrites', async () => {
        checkInstallation(installation);
        checkTime(at, 'recordWrites at');
        for (const w of writes) checkKind(w.kind);
        await tx('recordWrites', (q) => written.recordWrites(q, installation, runId, writes, at));
      }),

    auditForRun: (runId) => guard('auditForRun', () => written.auditForRun(pool, runId)),
    auditOfRecords: (installation, kind, ids) => guard('auditOfRecords', () => written.auditOfRecords(pool, installation, kind, ids)),

    currentStages: (installation, contactIds, journeyId) => guard('currentStages', () => history.currentStages(pool, installation, contactIds, journeyId)),

    recordStageChanges: (installation, changes, runId) =>
      guard('recordStageChanges', async () => {
        checkInstallation(installation);
        for (const c of changes) checkTime(c.at, 'stage change at');
        await tx('recordStageChanges', async (q) => {
          await kept.unsealKeptOutcomes(q, installation);
          await history.recordStageChanges(q, installation, changes, runId ?? null);
        });
      }),

    undoStageChanges: (installation, runId) =>
      tx('undoStageChanges', async (q) => {
        await kept.unsealKeptOutcomes(q, installation);
        return history.undoStageChanges(q, installation, runId);
      }),
    stageStaysOf: (installation, contactIds) => guard('stageStaysOf', () => history.stageStaysOf(pool, installation, contactIds)),
    iterateStageHistory: (installation, opts = {}) => guardStream('iterateStageHistory', () => history.iterateStageHistory(pool, installation, opts.journeyId)),

    getSegmentMembers: (installation, segmentId) => guard('getSegmentMembers', () => segments.segmentMembers(pool, installation, segmentId)),

    applyMembership: (installation, segmentId, added, removed, at, runId) =>
      guard('applyMembership', async () => {
        checkInstallation(installation);
        checkTime(at, 'membership at');
        await tx('applyMembership', (q) => segments.applyMembership(q, installation, segmentId, added, removed, at, runId ?? null));
      }),

    membershipMovesOfRun: (installation, runId) => guard('membershipMovesOfRun', () => segments.membershipMovesOfRun(pool, installation, runId)),
    undoMembershipMoves: (installation, moves) => tx('undoMembershipMoves', (q) => segments.undoMembershipMoves(q, installation, moves)),
    iterateSegmentEvents: (installation, since = Number.MIN_SAFE_INTEGER) =>
      guardStream('iterateSegmentEvents', () => segments.iterateSegmentEvents(pool, installation, since)),

    startRun: (r) => guard('startRun', () => runs.startRun(pool, r)),
    finishRun: (id, r) => guard('finishRun', () => runs.finishRun(pool, id, r)),
    listRuns: (opts = {}) => guard('listRuns', () => runs.listRuns(pool, opts)),
    getRun: (id) => guard('getRun', () => runs.getRun(pool, id)),

    openTaskEpisodes: (installation, runId, at, episodes) =>
      guard('openTaskEpisodes', async () => {
        checkInstallation(installation);
        checkTime(at, 'task opened at');
        for (const e of episodes) checkKind(e.kind);
        return tx('openTaskEpisodes', (q) => tasks.openTaskEpisodes(q, installation, runId, at, episodes));
      }),
    openTaskEpisodesOf: (installation, page) => guard('openTaskEpisodesOf', () => tasks.openTaskEpisodesOf(pool, installation, page)),
    allTaskEpisodes: (installation) => guard('allTaskEpisodes', () => tasks.allTaskEpisodes(pool, installation)),
    taskEpisodesOfRun: (installation, runId) => guard('taskEpisodesOfRun', () => tasks.taskEpisodesOfRun(pool, installation, runId)),
    endTaskEpisode: (episode, state, runId, at, note, write) =>
      guard('endTaskEpisode', async () => {
        checkTime(at, 'task closed at');
        await tx('endTaskEpisode', (q) => tasks.endTaskEpisode(q, episode, state, runId, at, note, write));
      }),
    reopenTaskEpisode: (episode, runId, at, fields) => tx('reopenTaskEpisode', (q) => tasks.reopenTaskEpisode(q, episode, runId, at, fields)),
    taskAuditForRun: (runId) => guard('taskAuditForRun', () => tasks.taskAuditForRun(pool, runId)),
    ownTaskIds: (installation, ids) => guard('ownTaskIds', () => tasks.ownTaskIds(pool, installation, ids)),

    recordFailures: (installation, runId, list, at = now()) =>
      guard('recordFailures', async () => {
        checkInstallation(installation);
        checkTime(at, 'recordFailures at');
        for (const f of list) checkKind(f.kind);
        await tx('recordFailures', (q) => failures.recordFailures(q, installation, runId, list, at));
      }),
    pendingFailures: (installation) => guard('pendingFailures', () => failures.pendingFailures(pool, installation)),
    clearFailures: (installation, refs) => guard('clearFailures', () => failures.clearFailures(pool, installation, refs)),
    failuresForRun: (runId) => guard('failuresForRun', () => failures.failuresForRun(pool, runId)),

    getSetting: (installation, key) => guard('getSetting', () => settings.getSetting(pool, installation, key)),
    setSetting: (installation, key, value) =>
      guard('setSetting', async () => {
        checkInstallation(installation);
        await settings.setSetting(pool, installation, key, value, now());
      }),
    deleteSetting: (installation, key) => guard('deleteSetting', () => settings.deleteSetting(pool, installation, key)),

    saveInstallation: (input) => tx('saveInstallation', (q) => installations.saveInstallation(q, input, now())),
    setInstallationSecrets: (id, sealed) => guard('setInstallationSecrets', () => installations.setInstallationSecrets(pool, id, sealed, now())),
    getInstallation: (id) => guard('getInstallation', () => installations.getInstallation(pool, id)),
    listInstallations: () => guard('listInstallations', () => installations.listInstallations(pool)),
    findInstallation: (crm, externalId) => guard('findInstallation', () => installations.findInstallation(pool, crm, externalId)),
    hasSealedSecrets: () => guard('hasSealedSecrets', () => installations.hasSealedSecrets(pool)),
    removeInstallation: (id) => tx('removeInstallation', (q) => installations.removeInstallation(q, id)),
    saveOauthState: (nonce, crm, data, expiresAt) => tx('saveOauthState', (q) => installations.saveOauthState(q, nonce, crm, data, expiresAt, now())),
    takeOauthState: (nonce) => guard('takeOauthState', () => installations.takeOauthState(pool, nonce, now())),
    rememberWebhookEvent: (source, key, at) =>
      guard('rememberWebhookEvent', async () => {
        checkTime(at, 'webhook event at');
        return (await installations.rememberEventKeys(pool, source, [key], at)).size === 1;
      }),
    forgetWebhookEventsBefore: (at) => guard('forgetWebhookEventsBefore', () => installations.forgetWebhookEventsBefore(pool, at)),
    setWebhookSecret: (id, secret) => guard('setWebhookSecret', () => installations.setWebhookSecret(pool, id, secret, now())),
    installationsWithWebhookSecret: (crm) => guard('installationsWithWebhookSecret', () => installations.installationsWithWebhookSecret(pool, crm)),

    acceptWebhookEvents: (source, events, at) =>
      guard('acceptWebhookEvents', async () => {
        checkTime(at, 'webhook event at');
        for (const e of events) checkInstallation(e.installation);
        return tx('acceptWebhookEvents', (q) => inbox.acceptWebhookEvents(q, source, events, at));
      }),
    rememberWebhookEvents: (source, keys, at) =>
      guard('rememberWebhookEvents', async () => {
        checkTime(at, 'webhook event at');
        return inbox.rememberWebhookEvents(pool, source, keys, at);
      }),
    countPendingEvents: (installation) => guard('countPendingEvents', () => inbox.countPendingEvents(pool, installation)),
    dueEvents: (installation, at, limit) => guard('dueEvents', () => inbox.dueEvents(pool, installation, at, limit)),
    pendingInstallations: () => guard('pendingInstallations', () => inbox.pendingInstallations(pool)),
    markEventsDone: (ids, at) => guard('markEventsDone', () => inbox.markEventsDone(pool, ids, at)),
    markEventsFailedAttempt: (ids, error, nextAttemptAt, at) => guard('markEventsFailedAttempt', () => inbox.markEventsFailedAttempt(pool, ids, error, nextAttemptAt, at)),
    listEvents: (o) => guard('listEvents', () => inbox.listEvents(pool, o)),
    getEvent: (id) => guard('getEvent', () => inbox.getEvent(pool, id)),
    retryEvent: (id, at) => guard('retryEvent', () => inbox.retryEvent(pool, id, at)),
    forgetDoneEventsBefore: (at) => guard('forgetDoneEventsBefore', () => inbox.forgetDoneEventsBefore(pool, at)),

    saveLink: (input) => tx('saveLink', (q) => links.saveLink(q, input, now())),
    getLink: (id) => guard('getLink', () => links.getLink(pool, id)),
    listLinks: () => guard('listLinks', () => links.listLinks(pool)),
    linkOf: (installation) => guard('linkOf', () => links.linkOf(pool, installation)),
    removeLink: (id) => tx('removeLink', (q) => links.removeLink(q, id)),
    replaceLinkIdentity: (id, identity, at) =>
      guard('replaceLinkIdentity', async () => {
        checkTime(at, 'identity found at');
        await tx('replaceLinkIdentity', (q) => links.replaceLinkIdentity(q, id, identity.matches, identity.conflicts, at));
      }),
    linkMatches: (id) => guard('linkMatches', () => links.linkMatches(pool, id)),
    linkConflicts: (id) => guard('linkConflicts', () => links.linkConflicts(pool, id)),
    linkMatchOf: (id, side, recordId) => guard('linkMatchOf', () => links.linkMatchOf(pool, id, side, recordId)),
    resolveAliases: (installation, ids) => guard('resolveAliases', () => links.resolveAliases(pool, installation, ids)),
    iterateContacts(installation, opts = {}) {
      const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
      return guardStream('iterateContacts', () => mirror.iterateContacts(pool, installation, pageSize));
    },
    iterateLinkedCustomers(id, opts = {}) {
      const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
      return guardStream('iterateLinkedCustomers', async () => {
        const link = await links.getLink(pool, id);
        if (!link) throw new ParcoursError('NOT_FOUND', `no link ${id}`, { link: id });
        return links.iterateLinkedCustomers(pool, link, pageSize, opts.touchpoints ?? true);
      });
    },

    saveInstallLink: (tokenHash, crm, expiresAt) =>
      tx('saveInstallLink', async (q) => {
        checkTime(expiresAt, 'install link expiry');
        await settings.saveInstallLink(q, tokenHash, crm, expiresAt, now());
      }),
    useInstallLink: (tokenHash, at) =>
      guard('useInstallLink', async () => {
        const crm = await settings.useInstallLink(pool, tokenHash, at);
        return (CRMS as readonly string[]).includes(crm ?? '') ? (crm as CrmName) : undefined;
      }),
  };
  return store;
}
