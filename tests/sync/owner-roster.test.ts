/**
 * The kept owner roster's freshness rules (src/sync/owner-roster.ts): kept for an hour, read again when a
 * task wants an owner or fallback it does not name. Whole-run behaviour: tests/sync/tasks.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { CrmTasks } from '../../connectors/port.ts';
import type { DesiredTask } from '../../src/journey/actions.ts';
import { memorySchemaCache } from '../../src/http/kept-schema.ts';
import { ROSTER_FRESH_MS, rosterFor } from '../../src/sync/owner-roster.ts';

const T0 = Date.parse('2026-12-01T09:00:00Z');

function crm() {
  const users = [{ id: 'u1', email: 'Ana@Example.com', name: 'Ana', active: true }, { id: 'u2', email: 'bo@example.com', name: 'Bo', active: false }];
  let reads = 0;
  const tasks = { owners: async () => (reads++, users.map((u) => ({ ...u }))) } as unknown as CrmTasks;
  return { tasks, users, reads: () => reads };
}

const want = (owner: DesiredTask['owner'], fallback: string | null = null): DesiredTask => ({ key: 'k', owner, fallback } as DesiredTask);

describe('owner roster freshness', () => {
  it('is kept for ROSTER_FRESH_MS and read again once that old', async () => {
    const c = crm();
    const cache = memorySchemaCache();
    const owner = want({ id: 'u1', via: 'deal.owner' });
    expect((await rosterFor(c.tasks, cache, [owner], T0)).fresh).toBe(true);
    const kept = await rosterFor(c.tasks, cache, [owner], T0 + ROSTER_FRESH_MS - 1);
    expect(kept.fresh).toBe(false);
    expect(c.reads()).toBe(1);
    expect((await rosterFor(c.tasks, cache, [owner], T0 + ROSTER_FRESH_MS)).fresh).toBe(true);
    expect(c.reads()).toBe(2);
  });

  it('an owner it lists as inactive is settled by a fallback it resolves (email, any case); an unresolved fallback is read again', async () => {
    const c = crm();
    const cache = memorySchemaCache();
    await rosterFor(c.tasks, cache, [], T0);
    expect((await rosterFor(c.tasks, cache, [want({ id: 'u2', via: 'deal.owner' }, 'ana@example.com')], T0 + 1)).fresh).toBe(false);
    expect((await rosterFor(c.tasks, cache, [want({ id: 'u2', via: 'deal.owner' })], T0 + 1)).fresh).toBe(false);
    expect((await rosterFor(c.tasks, cache, [want({ id: 'fallback@example.com', via: 'fallback_owner' })], T0 + 1)).fresh).toBe(true);
    expect((await rosterFor(c.tasks, cache, [want({ id: 'u2', via: 'deal.owner' }, 'new@example.com')], T0 + 2)).fresh).toBe(true);
    expect(c.reads()).toBe(3);
  });

  it('an owner missing from the read that wanted it (Salesforce lists active Users only) does not make the next run read again', async () => {
    const c = crm();
    const cache = memorySchemaCache();
    const left = want({ id: 'u9', via: 'deal.owner' });
    expect((await rosterFor(c.tasks, cache, [left], T0)).fresh).toBe(true);
    const kept = await rosterFor(c.tasks, cache, [left], T0 + 1);
    expect(kept.fresh).toBe(false);
    expect(kept.byId.has('u9')).toBe(false);
    // Another owner nobody has seen yet: read again.
    expect((await rosterFor(c.tasks, cache, [left, want({ id: 'u10', via: 'deal.owner' })], T0 + 2)).fresh).toBe(true);
    expect(c.reads()).toBe(2);
  });

  it('without a cache, every call reads', async () => {
    const c = crm();
    await rosterFor(c.tasks, undefined, [], T0);
    await rosterFor(c.tasks, undefined, [], T0);
    expect(c.reads()).toBe(2);
  });
});
