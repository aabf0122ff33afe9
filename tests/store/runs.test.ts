import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParcoursError } from '../../src/errors.ts';
import { openStore, type RunMode, type Store } from '../../src/store/index.ts';
import { INST } from './fixtures.ts';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ParcoursError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('runs', () => {
  let store: Store;
  beforeEach(() => {
    store = openStore(':memory:');
  });
  afterEach(() => store.close());

  it('starts, finishes and lists runs newest first', () => {
    const a = store.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: true, startedAt: 1_000 });
    const b = store.startRun({ installation: 'salesforce:default', crm: 'salesforce', mode: 'webhook', dryRun: false, startedAt: 2_000 });
    expect(store.getRun(a)).toEqual({
      id: a, installation: INST, crm: 'hubspot', mode: 'full', dryRun: true,
      startedAt: 1_000, finishedAt: null, status: 'running', summary: null,
    });
    const summary = { counts: { written: 3, failed: 1 }, apiCalls: { total: 7 }, failures: [{ id: '9', code: 'CRM_VALIDATION' }] };
    store.finishRun(a, { finishedAt: 1_500, status: 'partial', summary });
    expect(store.getRun(a)).toMatchObject({ finishedAt: 1_500, status: 'partial', summary });

    expect(store.listRuns().map((r) => r.id)).toEqual([b, a]);
    expect(store.listRuns({ limit: 1 }).map((r) => r.id)).toEqual([b]);
    expect(store.listRuns({ installation: INST }).map((r) => r.id)).toEqual([a]);
    expect(store.getRun(9999)).toBeUndefined();
  });

  it('validates run input and unknown ids', () => {
    expect(codeOf(() => store.startRun({ installation: INST, crm: 'pipedrive' as 'hubspot', mode: 'full', dryRun: false, startedAt: 1 }))).toBe('INPUT_INVALID');
    expect(codeOf(() => store.startRun({ installation: INST, crm: 'hubspot', mode: 'nightly' as RunMode, dryRun: false, startedAt: 1 }))).toBe('INPUT_INVALID');
    expect(codeOf(() => store.finishRun(42, { finishedAt: 2, status: 'succeeded', summary: {} }))).toBe('NOT_FOUND');
    const id = store.startRun({ installation: INST, crm: 'hubspot', mode: 'incremental', dryRun: false, startedAt: 1 });
    expect(codeOf(() => store.finishRun(id, { finishedAt: 2, status: 'running' as 'failed', summary: {} }))).toBe('INPUT_INVALID');
  });
});

describe('failures', () => {
  let store: Store;
  let run1: number;
  let run2: number;
  beforeEach(() => {
    store = openStore(':memory:');
    run1 = store.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 1 });
    run2 = store.startRun({ installation: INST, crm: 'hubspot', mode: 'incremental', dryRun: false, startedAt: 2 });
  });
  afterEach(() => store.close());

  it('queues failed records, counts attempts, clears them, and keeps the per-run log', () => {
    store.recordFailures(INST, run1, [
      { kind: 'contact', id: '1', code: 'CRM_VALIDATION', message: 'INVALID_OPTION parcours_stage' },
      { kind: 'deal', id: '5', code: 'RATE_LIMITED', message: '429' },
    ], 10);
    store.recordFailures(INST, run2, [{ kind: 'contact', id: '1', code: 'CRM_UNAVAILABLE', message: '503' }], 20);

    expect(store.pendingFailures(INST)).toEqual([
      { kind: 'contact', id: '1', code: 'CRM_UNAVAILABLE', message: '503', attempts: 2, runId: run2, lastFailedAt: 20 },
      { kind: 'deal', id: '5', code: 'RATE_LIMITED', message: '429', attempts: 1, runId: run1, lastFailedAt: 10 },
    ]);
    expect(store.pendingFailures('hubspot:other')).toEqual([]);

    store.clearFailures(INST, [{ kind: 'contact', id: '1' }, { kind: 'ticket', id: 'nope' }]);
    expect(store.pendingFailures(INST).map((f) => f.id)).toEqual(['5']);

    expect(store.failuresForRun(run1).map((f) => [f.kind, f.id, f.code, f.at])).toEqual([
      ['contact', '1', 'CRM_VALIDATION', 10],
      ['deal', '5', 'RATE_LIMITED', 10],
    ]);
    expect(store.failuresForRun(run2)).toHaveLength(1);
  });
});

describe('settings', () => {
  it('stores strings per installation and key', () => {
    const store = openStore(':memory:');
    expect(store.getSetting(INST, 'list:vip')).toBeUndefined();
    store.setSetting(INST, 'list:vip', '101');
    store.setSetting(INST, 'list:vip', '102');
    store.setSetting('salesforce:default', 'list:vip', '701xx0000000001AAA');
    expect(store.getSetting(INST, 'list:vip')).toBe('102');
    expect(store.getSetting('salesforce:default', 'list:vip')).toBe('701xx0000000001AAA');
    store.deleteSetting(INST, 'list:vip');
    expect(store.getSetting(INST, 'list:vip')).toBeUndefined();
    store.close();
  });
});
