import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParcoursError } from '../../src/errors.ts';
import { type RunMode, type Store } from '../../src/store/index.ts';
import { INST } from './fixtures.ts';
import { storeBackends } from './backends.ts';

const backends = storeBackends();

async function codeOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ParcoursError) return err.code;
    throw err;
  }
  return 'no error';
}

describe.each(backends)('runs ($name)', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open();
  });
  afterEach(async () => await store.close());

  it('starts, finishes and lists runs newest first', async () => {
    const a = await store.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: true, startedAt: 1_000 });
    const b = await store.startRun({ installation: 'salesforce:default', crm: 'salesforce', mode: 'webhook', dryRun: false, startedAt: 2_000 });
    expect(await store.getRun(a)).toEqual({
      id: a, installation: INST, crm: 'hubspot', mode: 'full', dryRun: true,
      startedAt: 1_000, finishedAt: null, status: 'running', summary: null,
    });
    const summary = { counts: { written: 3, failed: 1 }, apiCalls: { total: 7 }, failures: [{ id: '9', code: 'CRM_VALIDATION' }] };
    await store.finishRun(a, { finishedAt: 1_500, status: 'partial', summary });
    expect(await store.getRun(a)).toMatchObject({ finishedAt: 1_500, status: 'partial', summary });

    expect((await store.listRuns()).map((r) => r.id)).toEqual([b, a]);
    expect((await store.listRuns({ limit: 1 })).map((r) => r.id)).toEqual([b]);
    expect((await store.listRuns({ installation: INST })).map((r) => r.id)).toEqual([a]);
    expect(await store.getRun(9999)).toBeUndefined();
  });

  it('validates run input and unknown ids', async () => {
    expect(await codeOf(() => store.startRun({ installation: INST, crm: 'pipedrive' as 'hubspot', mode: 'full', dryRun: false, startedAt: 1 }))).toBe('INPUT_INVALID');
    expect(await codeOf(() => store.startRun({ installation: INST, crm: 'hubspot', mode: 'nightly' as RunMode, dryRun: false, startedAt: 1 }))).toBe('INPUT_INVALID');
    expect(await codeOf(() => store.finishRun(42, { finishedAt: 2, status: 'succeeded', summary: {} }))).toBe('NOT_FOUND');
    const id = await store.startRun({ installation: INST, crm: 'hubspot', mode: 'incremental', dryRun: false, startedAt: 1 });
    expect(await codeOf(() => store.finishRun(id, { finishedAt: 2, status: 'running' as 'failed', summary: {} }))).toBe('INPUT_INVALID');
  });
});

describe.each(backends)('failures ($name)', (backend) => {
  let store: Store;
  let run1: number;
  let run2: number;
  beforeEach(async () => {
    store = await backend.open();
    run1 = await store.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 1 });
    run2 = await store.startRun({ installation: INST, crm: 'hubspot', mode: 'incremental', dryRun: false, startedAt: 2 });
  });
  afterEach(async () => await store.close());

  it('queues failed records, counts attempts, clears them, and keeps the per-run log', async () => {
    await store.recordFailures(INST, run1, [
      { kind: 'contact', id: '1', code: 'CRM_VALIDATION', message: 'INVALID_OPTION parcours_stage' },
      { kind: 'deal', id: '5', code: 'RATE_LIMITED', message: '429' },
    ], 10);
    await store.recordFailures(INST, run2, [{ kind: 'contact', id: '1', code: 'CRM_UNAVAILABLE', message: '503' }], 20);

    expect(await store.pendingFailures(INST)).toEqual([
      { kind: 'contact', id: '1', code: 'CRM_UNAVAILABLE', message: '503', attempts: 2, runId: run2, lastFailedAt: 20 },
      { kind: 'deal', id: '5', code: 'RATE_LIMITED', message: '429', attempts: 1, runId: run1, lastFailedAt: 10 },
    ]);
    expect(await store.pendingFailures('hubspot:other')).toEqual([]);

    await store.clearFailures(INST, [{ kind: 'contact', id: '1' }, { kind: 'ticket', id: 'nope' }]);
    expect((await store.pendingFailures(INST)).map((f) => f.id)).toEqual(['5']);

    expect((await store.failuresForRun(run1)).map((f) => [f.kind, f.id, f.code, f.at])).toEqual([
      ['contact', '1', 'CRM_VALIDATION', 10],
      ['deal', '5', 'RATE_LIMITED', 10],
    ]);
    expect(await store.failuresForRun(run2)).toHaveLength(1);
  });
});

describe.each(backends)('settings ($name)', (backend) => {
  it('stores strings per installation and key', async () => {
    const store = await backend.open();
    expect(await store.getSetting(INST, 'list:vip')).toBeUndefined();
    await store.setSetting(INST, 'list:vip', '101');
    await store.setSetting(INST, 'list:vip', '102');
    await store.setSetting('salesforce:default', 'list:vip', '701xx0000000001AAA');
    expect(await store.getSetting(INST, 'list:vip')).toBe('102');
    expect(await store.getSetting('salesforce:default', 'list:vip')).toBe('701xx0000000001AAA');
    await store.deleteSetting(INST, 'list:vip');
    expect(await store.getSetting(INST, 'list:vip')).toBeUndefined();
    await store.close();
  });
});
