/**
 * Accepted webhook events live in the store's inbox until their write-back lands. This module holds
 * what the jobs need to process them: the retry policy (p-retry's semantics, persisted so it survives
 * restarts: `retries` further attempts after the first, delay = min(minTimeout × factor^(n−1), maxTimeout)
 * before attempt n+1, https://github.com/sindresorhus/p-retry#options) and merging events into one batch.
 */
import { z } from 'zod';
import { OBJECT_KINDS } from '../model.ts';
import type { WebhookEventRow } from '../store/index.ts';
import type { ChangeBatch } from './work-queue.ts';

export interface EventRetryPolicy {
  /** Attempts after the first one; then the events go to the dead-letter list. */
  retries: number;
  factor: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
}

/**
 * At most this many events go into one recompute; a backlog drains in several, each writing back as
 * it ends, so the first customers of a burst are not held until the last one is re-read (at 100 calls
 * / 10 s, re-reading 1,000 customers takes minutes). 200 fills two HubSpot batch updates (100 each) or
 * one Salesforce Collections call (200).
 */
export const EVENTS_PER_RECOMPUTE = 200;

/** When the next attempt may run after `failedAttempts` failures, or null once the retries are spent. */
export function nextAttemptAt(policy: EventRetryPolicy, failedAttempts: number, now: number): number | null {
  if (failedAttempts > policy.retries) return null;
  return now + Math.min(policy.minTimeoutMs * policy.factor ** (failedAttempts - 1), policy.maxTimeoutMs);
}

const RecordRefSchema = z.object({ kind: z.enum(OBJECT_KINDS), objectType: z.string().min(1), id: z.string().min(1) });
export const StoredChangesSchema = z.object({
  records: z.array(RecordRefSchema).default([]),
  contactIds: z.array(z.string().min(1)).default([]),
  oldestEventAt: z.number().nullable().default(null),
});

export function serializeChanges(c: Partial<ChangeBatch>): string {
  return JSON.stringify({ records: c.records ?? [], contactIds: c.contactIds ?? [], oldestEventAt: c.oldestEventAt ?? null });
}

/** One batch for the events; records and customers appear once each. */
export function mergeEvents(rows: WebhookEventRow[]): ChangeBatch {
  const records = new Map<string, ChangeBatch['records'][number]>();
  const contactIds = new Set<string>();
  let oldestEventAt: number | null = null;
  for (const row of rows) {
    const c = StoredChangesSchema.parse(JSON.parse(row.changes));
    for (const r of c.records) records.set(`${r.kind}:${r.id}`, r);
    for (const id of c.contactIds) contactIds.add(id);
    if (c.oldestEventAt !== null) oldestEventAt = Math.min(oldestEventAt ?? c.oldestEventAt, c.oldestEventAt);
  }
  return { records: [...records.values()], contactIds: [...contactIds], oldestEventAt };
}

/** What the admin API shows of an event. */
export function publicEvent(row: WebhookEventRow) {
  const { changes, ...rest } = row;
  return { ...rest, changes: StoredChangesSchema.parse(JSON.parse(changes)) };
}
