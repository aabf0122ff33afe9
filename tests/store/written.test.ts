import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParcoursError } from '../../src/errors.ts';
import { type Store } from '../../src/store/index.ts';
import { INST } from './fixtures.ts';
import { storeBackends } from './backends.ts';

const backends = storeBackends();

describe.each(backends)('written snapshot and audit ($name)', (backend) => {
  let store: Store;
  let run1: number;
  let run2: number;
  beforeEach(async () => {
    store = await backend.open({ now: () => 9_999 });
    run1 = await store.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 100 });
    run2 = await store.startRun({ installation: INST, crm: 'hubspot', mode: 'incremental', dryRun: false, startedAt: 200 });
  });
  afterEach(async () => await store.close());

  it('merges each write into the snapshot and audits every written field', async () => {
    await store.recordWrites(
      INST,
      run1,
      [
        { kind: 'contact', id: '1', before: { parcours_stage: null }, after: { parcours_stage: 'aware', parcours_friction: 'no_reply' } },
        { kind: 'deal', id: '1', before: {}, after: { parcours_stage: 'buying' } },
      ],
      150,
    );
    await store.recordWrites(INST, run2, [
      { kind: 'contact', id: '1', before: { parcours_friction: 'no_reply' }, after: { parcours_friction: null } },
    ]);

    const contacts = await store.getWritten(INST, 'contact', ['1', '2']);
    expect(contacts).toEqual(new Map([['1', { parcours_stage: 'aware', parcours_friction: null }]]));
    expect(await store.getWritten(INST, 'deal', ['1'])).toEqual(new Map([['1', { parcours_stage: 'buying' }]]));
    expect((await store.getWritten('hubspot:other', 'contact', ['1'])).size).toBe(0);

    expect(await store.auditForRun(run1)).toEqual([
      { runId: run1, installation: INST, kind: 'contact', recordId: '1', field: 'parcours_stage', before: null, after: 'aware', at: 150 },
      // A field absent from `before` is audited as previously empty.
      { runId: run1, installation: INST, kind: 'contact', recordId: '1', field: 'parcours_friction', before: null, after: 'no_reply', at: 150 },
      { runId: run1, installation: INST, kind: 'deal', recordId: '1', field: 'parcours_stage', before: null, after: 'buying', at: 150 },
    ]);
    // Without an explicit time the store clock is used.
    expect(await store.auditForRun(run2)).toEqual([
      { runId: run2, installation: INST, kind: 'contact', recordId: '1', field: 'parcours_friction', before: 'no_reply', after: null, at: 9_999 },
    ]);
  });

  it('refuses writes for an unknown run and keeps nothing of the batch', async () => {
    let caught: unknown;
    try {
      await store.recordWrites(INST, 12345, [{ kind: 'contact', id: '1', before: {}, after: { parcours_stage: 'aware' } }]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ParcoursError);
    expect((caught as ParcoursError).code).toBe('STORE_ERROR');
    // Each backend names the broken reference in its own words; the SQLite store names its file too.
    expect((caught as ParcoursError).message).toMatch(/FOREIGN KEY|foreign key constraint/);
    if (backend.name === 'sqlite') expect((caught as ParcoursError).context.file).toBe(':memory:');
    expect((await store.getWritten(INST, 'contact', ['1'])).size).toBe(0);
    expect(await store.auditForRun(12345)).toEqual([]);
  });
});
