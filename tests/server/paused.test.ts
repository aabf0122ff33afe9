/**
 * A paused installation (after a rollback): the scheduler skips it and the webhook worker does not
 * apply its changes, each saying why in the log, until it is resumed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readEnv } from '../../src/config.ts';
import { createJobs, type Jobs } from '../../src/server/jobs.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { startScheduler } from '../../src/server/scheduler.ts';
import { createWorkQueue } from '../../src/server/work-queue.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { pauseInstallation, resumeInstallation } from '../../src/sync/pause.ts';
import { capturingLogger, waitFor } from './harness.ts';

let store: Store | undefined;
afterEach(async () => await store?.close());

async function twoInstallations(): Promise<Store> {
  store = openStore(':memory:');
  for (const id of ['hubspot:a', 'hubspot:b']) await store.saveInstallation({ id, crm: 'hubspot', externalId: null, source: 'env', label: id, secrets: null });
  await pauseInstallation(store, 'hubspot:a', { since: Date.UTC(2026, 10, 30, 12), reason: 'rollback of run 7', runId: 7, rollbackRunId: 8 });
  return store;
}

describe('service: a paused installation', () => {
  it('is skipped by the scheduler, which logs why and how to resume', async () => {
    const s = await twoInstallations();
    const synced: string[] = [];
    const jobs = { sync: async (id: string) => void synced.push(id) } as unknown as Jobs;
    const { log, lines } = capturingLogger();
    const scheduler = startScheduler({ store: s, jobs, log, everyMs: 10, nightlyAt: '03:00', now: Date.now });
    try {
      expect(await waitFor(() => synced.filter((id) => id === 'hubspot:b').length >= 2, 5_000)).toBe(true);
      expect(synced).not.toContain('hubspot:a');
      const skipped = lines.map((l) => JSON.parse(l) as { msg: string; installation?: string }).find((l) => l.installation === 'hubspot:a');
      expect(skipped?.msg).toContain('scheduled sync skipped: hubspot:a is paused since 2026-11-30T12:00:00.000Z (rollback of run 7)');
      expect(skipped?.msg).toContain('parcours resume --crm hubspot');
      await resumeInstallation(s, 'hubspot:a');
      expect(await waitFor(() => synced.includes('hubspot:a'), 5_000)).toBe(true);
    } finally {
      scheduler.stop();
    }
  });

  it('is not synced at all by a scheduler whose two schedules are off', async () => {
    const s = await twoInstallations();
    const synced: string[] = [];
    const jobs = { sync: async (id: string) => void synced.push(id) } as unknown as Jobs;
    const { log } = capturingLogger();
    vi.useFakeTimers({ now: Date.UTC(2026, 11, 1, 2, 59) });
    try {
      const off = startScheduler({ store: s, jobs, log, everyMs: null, nightlyAt: null, now: Date.now });
      await vi.advanceTimersByTimeAsync(2 * 86_400_000);
      off.stop();
      expect(synced).toEqual([]);
      // The same two days with the nightly run on: it fires twice, for the installation not paused.
      const nightly = startScheduler({ store: s, jobs, log, everyMs: null, nightlyAt: '03:00', now: Date.now });
      await vi.advanceTimersByTimeAsync(2 * 86_400_000);
      nightly.stop();
      expect(synced).toEqual(['hubspot:b', 'hubspot:b']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not apply webhook changes, and says so', async () => {
    const s = await twoInstallations();
    const { log, lines } = capturingLogger();
    const errors: unknown[] = [];
    const queue = createWorkQueue({ onError: (_id, e) => errors.push(e) });
    let connectorsAsked = 0;
    const jobs = createJobs({
      env: readEnv({ PARCOURS_DB: ':memory:' }),
      store: s,
      queue,
      connectors: { connectorFor: async () => (connectorsAsked++, Promise.reject(new Error('no connector in this test'))) },
      metrics: createMetrics(),
      log,
      now: Date.now,
      batchWindowMs: 1,
      retry: { retries: 0, factor: 2, minTimeoutMs: 1, maxTimeoutMs: 1 },
    });
    await s.acceptWebhookEvents('hubspot', [{ installation: 'hubspot:a', eventKey: 'e1', changes: JSON.stringify({ records: [], contactIds: ['101'], oldestEventAt: null }) }], Date.now());
    jobs.eventsArrived('hubspot:a');
    expect(await waitFor(() => lines.some((l) => l.includes('webhook changes skipped')), 5_000)).toBe(true);
    await queue.idle();
    expect(connectorsAsked).toBe(0);
    expect(errors).toEqual([]);
    expect(lines.join('\n')).toContain('webhook changes skipped: hubspot:a is paused');
    expect(await s.listRuns()).toEqual([]);
  });
});
