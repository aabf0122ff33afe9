/**
 * The sync core pulls touchpoints after the three kinds, stores each batch with its cursor, hands the
 * saved cursor back on incremental runs (none on full runs), sweeps on a complete full pass, and counts
 * what it pulled per channel. The connector is a port double: the sync core is the unit under test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PullBatch, TouchpointBatch, TouchpointPullOptions } from '../../connectors/port.ts';
import { syncJson, syncText } from '../../src/cli/format.ts';
import { compileEngine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { runSync } from '../../src/sync/run.ts';
import { contact, touchpoint } from '../store/fixtures.ts';
import { portDouble } from './port-double.ts';

const INSTALLATION = 'hubspot:default';
const NOW = Date.parse('2026-11-30T12:00:00Z');

let store: Store | undefined;
afterEach(async () => await store?.close());

async function setup(pages: (o: TouchpointPullOptions) => TouchpointBatch[]) {
  store = openStore(':memory:');
  const engine = compileEngine(loadMapping('mappings/hubspot.yaml'));
  const calls: Array<{ what: string; options?: TouchpointPullOptions }> = [];
  const connector = portDouble({
    async *pull(): AsyncIterable<PullBatch> {
      calls.push({ what: 'pull' });
      yield { kind: 'contact', records: [contact('1'), contact('2')], removed: [] };
    },
    async *pullTouchpoints(options) {
      calls.push({ what: 'pullTouchpoints', options });
      for (const p of pages(options)) yield p;
    },
  });
  for (const s of engine.mapping.segments) await store.setSetting(INSTALLATION, `segment-target:${s.id}`, `list-${s.id}`);
  return { engine, connector, calls, store };
}

describe('runSync pulls touchpoints', () => {
  it('after the three kinds: stores them per customer, counts them per channel, keeps the cursor, sweeps on a complete pass', async () => {
    const t = await setup((o) =>
      o.mode === 'full'
        ? [
            { records: [touchpoint('c1', ['1'], { at: NOW - 5000 }), touchpoint('e1', ['1', '2'], { objectType: 'emails', channel: 'email', at: NOW - 9000 })], removed: [], cursor: { page: 1 }, fullPass: { id: 'p' } },
            { records: [touchpoint('c2', ['2'], { at: NOW - 1000 }), { ...touchpoint('bad', ['2']), channel: 'fax' } as never], removed: [], cursor: { page: 2 }, fullPass: { id: 'p', complete: true } },
          ]
        : [{ records: [touchpoint('m1', ['2'], { objectType: 'meetings', channel: 'meeting', at: NOW - 10 })], removed: [{ objectType: 'calls', id: 'c2' }], cursor: { page: 3 } }],
    );
    // Something the full pass will not see: swept.
    await t.store.applyTouchpointBatch(INSTALLATION, { records: [touchpoint('stale', ['1'])], removed: [] });

    const full = await runSync({ connector: t.connector, store: t.store, engine: t.engine, installation: INSTALLATION, mode: 'full', dryRun: false, now: NOW });
    expect(t.calls.map((c) => c.what)).toEqual(['pull', 'pullTouchpoints']);
    expect(t.calls[1]?.options).toEqual({ mode: 'full' });
    expect(full.touchpoints).toMatchObject({ supported: true, pulled: 3, byChannel: { phone: 2, email: 1 }, swept: 1, rejected: 1 });
    expect(full.touchpoints.rejectedExamples[0]).toMatchObject({ id: 'bad', message: expect.stringContaining('channel') });
    expect((await t.store.touchpointsOf(INSTALLATION, '1')).map((x) => x.id)).toEqual(['e1', 'c1']);
    expect(await t.store.getTouchpointCursor(INSTALLATION)).toEqual({ page: 2 });
    const text = syncText(full).join('\n');
    expect(text).toContain('touchpoints: 3 pulled (phone 2, email 1); 1 removed (1 no longer shown by the CRM); 1 malformed, skipped');
    expect(text).toContain('touchpoint calls/bad: channel');
    expect(syncJson(full)).toMatchObject({ touchpoints: { pulled: 3, byChannel: { phone: 2, email: 1 } } });

    const inc = await runSync({ connector: t.connector, store: t.store, engine: t.engine, installation: INSTALLATION, mode: 'incremental', dryRun: false, now: NOW });
    expect(t.calls[3]?.options).toEqual({ mode: 'incremental', cursor: { page: 2 } });
    expect(inc.touchpoints).toMatchObject({ pulled: 1, byChannel: { meeting: 1 }, removed: 1 });
    expect((await t.store.touchpointsOf(INSTALLATION, '2')).map((x) => x.id)).toEqual(['e1', 'm1']);
    expect(await t.store.getTouchpointCursor(INSTALLATION)).toEqual({ page: 3 });
  });

  it('a connector without touchpoints: nothing pulled, nothing said', async () => {
    const t = await setup(() => []);
    delete (t.connector as { pullTouchpoints?: unknown }).pullTouchpoints;
    const s = await runSync({ connector: t.connector, store: t.store, engine: t.engine, installation: INSTALLATION, mode: 'full', dryRun: true, now: NOW });
    expect(s.touchpoints).toMatchObject({ supported: false, pulled: 0 });
    const text = syncText(s).join('\n');
    expect(text).not.toMatch(/touchpoints: \d+ pulled/);
    // The rules that read touchpoints are off, not "no touchpoint ever" (no follow-up for everyone).
    expect(s.disabled.map((d) => d.rule)).toEqual(expect.arrayContaining(['friction.no_follow_up', 'friction.unanswered_inbound', 'friction.no_show']));
    expect(s.disabled.find((d) => d.rule === 'friction.no_show')).toMatchObject({ needs: ['touchpoints'], fix: expect.stringContaining('does not read touchpoints') });
    // detractor keeps its rollup branches.
    expect(s.disabled.map((d) => d.rule)).not.toContain('friction.detractor');
  });
});
