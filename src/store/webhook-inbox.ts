/**
 * The webhook event inbox (migration 5): every accepted event is written here together with its
 * de-duplication key before the CRM is answered, stays pending until the recompute that covers it
 * has written back, and ends done — or failed (the dead letter) once its retries are spent.
 */
import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import { z } from 'zod';
import { int, text, textOrNull } from './row-values.ts';
import type { InboxEventInput, WebhookEventRow, WebhookEventState } from './types.ts';

const STATES = ['pending', 'done', 'failed'] as const;

export function createWebhookInbox(db: DatabaseSync) {
  const insertKey = db.prepare('INSERT OR IGNORE INTO webhook_events (source, event_key, received_at) VALUES (?, ?, ?)');
  const insertEvent = db.prepare(`INSERT INTO webhook_inbox (installation, source, event_key, changes, state, attempts, next_attempt_at, received_at, updated_at)
    VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`);
  const countPending = db.prepare("SELECT count(*) AS n FROM webhook_inbox WHERE installation = ? AND state = 'pending'");
  const selectDue = db.prepare("SELECT * FROM webhook_inbox WHERE installation = ? AND state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?");
  const selectPendingInstallations = db.prepare("SELECT installation, min(next_attempt_at) AS next_at FROM webhook_inbox WHERE state = 'pending' GROUP BY installation ORDER BY installation");
  const markDone = db.prepare("UPDATE webhook_inbox SET state = 'done', last_error = NULL, updated_at = ? WHERE id = ? AND state = 'pending'");
  const markRetry = db.prepare("UPDATE webhook_inbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = 'pending'");
  const markFailed = db.prepare("UPDATE webhook_inbox SET state = 'failed', attempts = attempts + 1, last_error = ?, updated_at = ? WHERE id = ? AND state = 'pending'");
  const selectOne = db.prepare('SELECT * FROM webhook_inbox WHERE id = ?');
  const retry = db.prepare("UPDATE webhook_inbox SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = 'failed'");
  const pruneDone = db.prepare("DELETE FROM webhook_inbox WHERE state = 'done' AND updated_at < ?");

  function toRow(row: Record<string, SQLOutputValue>): WebhookEventRow {
    return {
      id: int(row, 'id'),
      installation: text(row, 'installation'),
      source: text(row, 'source'),
      eventKey: text(row, 'event_key'),
      changes: text(row, 'changes'),
      state: z.enum(STATES).parse(text(row, 'state')),
      attempts: int(row, 'attempts'),
      nextAttemptAt: int(row, 'next_attempt_at'),
      lastError: textOrNull(row, 'last_error'),
      receivedAt: int(row, 'received_at'),
      updatedAt: int(row, 'updated_at'),
    };
  }

  return {
    /** Callers wrap this in a transaction: key and event land together or not at all. */
    accept(source: string, events: InboxEventInput[], at: number): { accepted: number; duplicate: number } {
      let accepted = 0;
      for (const e of events) {
        if (Number(insertKey.run(source, e.eventKey, at).changes) !== 1) continue;
        insertEvent.run(e.installation, source, e.eventKey, e.changes, at, at, at);
        accepted++;
      }
      return { accepted, duplicate: events.length - accepted };
    },
    remember(source: string, keys: string[], at: number): { accepted: number; duplicate: number } {
      let accepted = 0;
      for (const key of keys) accepted += Number(insertKey.run(source, key, at).changes);
      return { accepted, duplicate: keys.length - accepted };
    },
    countPending: (installation: string): number => int(countPending.get(installation) ?? { n: 0 }, 'n'),
    due: (installation: string, at: number, limit: number): WebhookEventRow[] => selectDue.all(installation, at, limit).map(toRow),
    pendingInstallations: () => selectPendingInstallations.all().map((r) => ({ installation: text(r, 'installation'), nextAttemptAt: int(r, 'next_at') })),
    markDone(ids: number[], at: number): void {
      for (const id of ids) markDone.run(at, id);
    },
    markFailedAttempt(ids: number[], error: string, nextAttemptAt: number | null, at: number): void {
      for (const id of ids) {
        if (nextAttemptAt === null) markFailed.run(error, at, id);
        else markRetry.run(error, nextAttemptAt, at, id);
      }
    },
    list(o: { state?: WebhookEventState; installation?: string; limit: number }): WebhookEventRow[] {
      const where: string[] = [];
      const params: Array<string | number> = [];
      if (o.state) {
        where.push('state = ?');
        params.push(o.state);
      }
      if (o.installation) {
        where.push('installation = ?');
        params.push(o.installation);
      }
      const sql = `SELECT * FROM webhook_inbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
      return db.prepare(sql).all(...params, o.limit).map(toRow);
    },
    get(id: number): WebhookEventRow | undefined {
      const row = selectOne.get(id);
      return row ? toRow(row) : undefined;
    },
    retry: (id: number, at: number): boolean => Number(retry.run(at, at, id).changes) === 1,
    pruneDone: (before: number): number => Number(pruneDone.run(before).changes),
  };
}
