import { describe, expect, it } from 'vitest';
import { createActions, type TaskEpisodeRow } from '../../src/report/analytics/actions.ts';
import { collectJourneyMap, JourneyMapSchema, renderCsvTables, renderHtml, storeSource } from '../../src/report/index.ts';
import { DAY_MS } from '../../src/model.ts';
import { engine, INST, NOW, seedStore } from './seed.ts';

const period = { from: NOW - 90 * DAY_MS, to: NOW };
const flags = [{ id: 'stalled_deal', label: 'Stalled deal' }, { id: 'unresolved_ticket', label: 'Unresolved ticket' }];
const row = (p: Partial<TaskEpisodeRow>): TaskEpisodeRow => ({ action: 'a', flag: 'stalled_deal', ownerId: 'rep-1', state: 'open', openedAt: NOW - 10 * DAY_MS, closedAt: null, dueAt: NOW + DAY_MS, ...p });

describe('the actions block of the journey map', () => {
  it('counts opened, completed, open and overdue per flag and per owner, with the median days to completion', () => {
    const a = createActions(flags, period, NOW);
    a.add(row({})); // open, not yet due
    a.add(row({ dueAt: NOW - DAY_MS })); // open, overdue
    a.add(row({ state: 'completed', openedAt: NOW - 10 * DAY_MS, closedAt: NOW - 8 * DAY_MS })); // 2 days
    a.add(row({ state: 'done_by_owner', ownerId: 'rep-2', openedAt: NOW - 20 * DAY_MS, closedAt: NOW - 14 * DAY_MS })); // 6 days
    a.add(row({ state: 'left_open', flag: 'unresolved_ticket', ownerId: 'rep-2', closedAt: NOW - DAY_MS }));
    a.add(row({ state: 'completed', openedAt: NOW - 200 * DAY_MS, closedAt: NOW - 100 * DAY_MS })); // before the period
    a.add(row({ state: 'deleted', closedAt: NOW })); // removed by a rollback: not counted
    const r = a.result();
    expect([r.opened, r.completed, r.open, r.overdue, r.medianDaysToCompletion]).toEqual([5, 2, 2, 1, 4]);
    expect(r.byFlag.map((g) => [g.id, g.opened, g.completed, g.open, g.overdue, g.medianDaysToCompletion])).toEqual([
      ['stalled_deal', 4, 2, 2, 1, 4],
      ['unresolved_ticket', 1, 0, 0, 0, null],
    ]);
    expect(r.byOwner.map((g) => [g.id, g.opened, g.completed, g.open, g.overdue, g.medianDaysToCompletion])).toEqual([
      ['rep-1', 3, 1, 2, 1, 2],
      ['rep-2', 2, 1, 0, 0, 6],
    ]);
  });

  it('comes from the store into the JSON, HTML and CSV of the map', async () => {
    const store = await seedStore();
    try {
      const runId = await store.startRun({ installation: INST, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: NOW });
      const fields = { subject: 's', body: 'b', status: 'open' as const, priority: 'high' as const, dueAt: NOW - DAY_MS, ownerId: '501' };
      await store.openTaskEpisodes(INST, runId, NOW - 3 * DAY_MS, [{ action: 'follow_up_stalled_deal', kind: 'deal', recordId: 'd1', contactId: 'c1', flag: 'stalled_deal', taskId: 't1', fields }]);
      const map = await collectJourneyMap({ crm: 'hubspot', engine, source: storeSource(store, INST), now: NOW });
      expect(JourneyMapSchema.parse(map).actions).toMatchObject({ opened: 1, open: 1, overdue: 1, completed: 0, byOwner: [{ id: '501', overdue: 1 }] });
      const html = renderHtml(map);
      expect(html).toContain('data-testid="actions-owner-501" data-opened="1" data-completed="0" data-open="1" data-overdue="1"');
      expect(html).toContain('data-testid="actions-flag-stalled_deal" data-opened="1"');
      const csv = renderCsvTables(map)['actions.csv'];
      expect(csv?.split('\r\n')).toContain('owner,501,501,1,0,1,1,');
    } finally {
      await store.close();
    }
  });
});
