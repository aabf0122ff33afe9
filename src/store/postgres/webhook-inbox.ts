/**
 * The webhook event inbox on PostgreSQL (same states and rules as src/store/webhook-inbox.ts): an
 * accepted event is stored with its de-duplication key in one transaction, pending until the recompute
 * that covers it has written back, then done — or failed (dead letter) once its retries are spent.
 * `changes` is a json column: the text comes back exactly as given.
 */
import { z } from 'zod';
import type { InboxEventInput, WebhookEventRow, WebhookEventState } from '../types.ts';
import type { Queryable, Row } from './db.ts';
import { rememberEventKeys } from './installations.ts';
import { num, str, strOrNull } from './row-values.ts';

const STATES = ['pending', 'done', 'failed'] as const;
const COLUMNS = 'id, installation, source, event_key, changes::text AS changes, state, attempts, next_attempt_at, last_error, received_at, updated_at';

function toRow(row: Row): WebhookEventRow {
  return {
    id: num(row, 'id'),
    installation: str(row, 'installation'),
    source: str(row, 'source'),
    eventKey: str(row, 'event_key'),
    changes: str(row, 'changes'),
    state: z.enum(STATES).parse(str(row, 'state')),
    attempts: num(row, 'attempts'),
    nextAttemptAt: num(row, 'next_attempt_at'),
    lastError: strOrNull(row, 'last_error'),
    receivedAt: num(row, 'received_at'),
    updatedAt: num(row, 'updated_at'),
  };
}

/** The caller runs this in one transaction: keys and events land together or not at all. */
export async function acceptWebhookEvents(q: Queryable, source: string, events: readonly InboxEventInput[], at: number): Promise<{ accepted: number; duplicate: number }> {
  const fresh = await rememberEventKeys(q, source, events.map((e) => e.eventKey), at);
  // The first event with a new key is accepted; later ones with the same key are duplicates.
  const accepted = events.filter((e) => fresh.delete(e.eventKey));
  if (accepted.length > 0) {
    await q.query(
      `INSERT INTO webhook_inbox (installation, source, event_key, changes, state, attempts, next_attempt_at, received_at, updated_at)
       SELECT e.installation, $1, e.event_key, e.changes::json, 'pending', 0, $2, $2, $2
       FROM unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS e(installation, event_key, changes, n) ORDER BY e.n`,
      [source, at, accepted.map((e) => e.installation), accepted.map((e) => e.eventKey), accepted.map((e) => e.changes)],
    );
  }
  return { accepted: accepted.length, duplicate: events.length - accepted.length };
}

export async function rememberWebhookEvents(q: Queryable, source: string, keys: readonly string[], at: number): Promise<{ accepted: number; duplicate: number }> {
  const fresh = await rememberEventKeys(q, source, keys, at);
  return { accepted: fresh.size, duplicate: keys.length - fresh.size };
}

export async function countPendingEvents(q: Queryable, installation: string): Promise<number> {
  const r = await q.query("SELECT count(*) AS n FROM webhook_inbox WHERE installation = $1 AND state = 'pending'", [installation]);
  return Number(r.rows[0]?.['n'] ?? 0);
}

export async function dueEvents(q: Queryable, installation: string, at: number, limit: number): Promise<WebhookEventRow[]> {
  const r = await q.query(`SELECT ${COLUMNS} FROM webhook_inbox WHERE installation = $1 AND state = 'pending' AND next_attempt_at <= $2 ORDER BY id LIMIT $3`, [installation, at, limit]);
  return r.rows.map(toRow);
}

export async function pendingInstallations(q: Queryable): Promise<Array<{ installation: string; nextAttemptAt: number }>> {
  const r = await q.query("SELECT installation, min(next_attempt_at) AS next_at FROM webhook_inbox WHERE state = 'pending' GROUP BY installation ORDER BY installation");
  return r.rows.map((row) => ({ installation: str(row, 'installation'), nextAttemptAt: num(row, 'next_at') }));
}

export async function markEventsDone(q: Queryable, ids: readonly number[], at: number): Promise<void> {
  if (ids.length === 0) return;
  await q.query("UPDATE webhook_inbox SET state = 'done', last_error = NULL, updated_at = $1 WHERE id = ANY($2::bigint[]) AND state = 'pending'", [at, ids]);
}

export async function markEventsFailedAttempt(q: Queryable, ids: readonly number[], error: string, nextAttemptAt: number | null, at: number): Promise<void> {
  if (ids.length === 0) return;
  // An id listed twice counts one attempt per mention, as when marked one by one.
  const counts = new Map<number, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const params = [error, at, [...counts.keys()], [...counts.values()]];
  if (nextAttemptAt === null) {
    await q.query(
      `UPDATE webhook_inbox w SET state = 'failed', attempts = w.attempts + 1, last_error = $1, updated_at = $2
       FROM unnest($3::bigint[], $4::int[]) AS x(id, n) WHERE w.id = x.id AND w.state = 'pending'`,
      params,
    );
  } else {
    await q.query(
      `UPDATE webhook_inbox w SET attempts = w.attempts + x.n, last_error = $1, next_attempt_at = $5, updated_at = $2
       FROM unnest($3::bigint[], $4::int[]) AS x(id, n) WHERE w.id = x.id AND w.state = 'pending'`,
      [...params, nextAttemptAt],
    );
  }
}

export async function listEvents(q: Queryable, o: { state?: WebhookEventState; installation?: string; limit: number }): Promise<WebhookEventRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (o.state) {
    params.push(o.state);
    where.push(`state = $${params.length}`);
  }
  if (o.installation) {
    params.push(o.installation);
    where.push(`installation = $${params.length}`);
  }
  params.push(o.limit);
  const r = await q.query(`SELECT ${COLUMNS} FROM webhook_inbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`, params);
  return r.rows.map(toRow);
}

export async function getEvent(q: Queryable, id: number): Promise<WebhookEventRow | undefined> {
  const r = await q.query(`SELECT ${COLUMNS} FROM webhook_inbox WHERE id = $1`, [id]);
  const row = r.rows[0];
  return row ? toRow(row) : undefined;
}

export async function retryEvent(q: Queryable, id: number, at: number): Promise<boolean> {
  const r = await q.query("UPDATE webhook_inbox SET state = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1 WHERE id = $2 AND state = 'failed'", [at, id]);
  return r.rowCount === 1;
}

export async function forgetDoneEventsBefore(q: Queryable, before: number): Promise<number> {
  const r = await q.query("DELETE FROM webhook_inbox WHERE state = 'done' AND updated_at < $1", [before]);
  return r.rowCount ?? 0;
}
