/** The HubSpot connector's owners, tasks and field history against the local sandbox (loopback only). */
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullBatch } from '../../connectors/port.ts';
import { createHubspotConnector } from '../../connectors/hubspot/index.ts';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { needs } from './helpers.ts';

let sandbox: HubspotSandbox;
beforeAll(async () => {
  nock.cleanAll();
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  sandbox = await startHubspotSandbox({ port: 0, contacts: 60 });
});
afterAll(async () => {
  await sandbox?.close();
  nock.enableNetConnect();
});

const connector = () => createHubspotConnector({ accessToken: sandbox.accessToken, baseUrl: sandbox.url, retry: { retries: 2, minTimeoutMs: 1 }, searchPerSecond: 4 });

describe('HubSpot connector: owners and tasks against the sandbox', () => {
  it('pulls ownerId on contacts, deals and tickets from hubspot_owner_id (null where none)', async () => {
    const batches: PullBatch[] = [];
    for await (const b of connector().pull({ objects: ['contact', 'deal', 'ticket'], fields: needs({ normalized: { contact: ['email'] } }), mode: 'full', cursors: {} })) batches.push(b);
    for (const kind of ['contact', 'deal', 'ticket'] as const) {
      const records = batches.filter((b) => b.kind === kind).flatMap((b) => b.records);
      expect(records.length).toBeGreaterThan(0);
      for (const r of records) expect(r.ownerId ?? null).toBe(sandbox.data.getRecord(r.objectType, r.id)!.properties['hubspot_owner_id'] ?? null);
      expect(records.some((r) => r.ownerId !== null)).toBe(true);
    }
    const contacts = batches.filter((b) => b.kind === 'contact').flatMap((b) => b.records);
    expect(contacts.some((r) => r.ownerId === null)).toBe(true);
  });

  it('creates a task on a deal for its owner, reads it, completes it, and removes it', async () => {
    const c = connector();
    const owners = await c.tasks!.owners();
    expect(owners.map((o) => o.id)).toEqual(sandbox.data.owners().map((o) => o.id));
    expect(owners.every((o) => o.active && o.email !== null && o.name !== null)).toBe(true);

    const dealId = sandbox.data.ids('deals').find((id) => sandbox.data.getRecord('deals', id)!.properties['hubspot_owner_id'] !== undefined)!;
    const ownerId = sandbox.data.getRecord('deals', dealId)!.properties['hubspot_owner_id']!;
    const contactId = sandbox.data.associated('deals', dealId, 'contacts')[0]!;
    const dueAt = Date.UTC(2026, 11, 3, 9);
    const fields = { subject: 'Follow up: deal stalled', body: 'In stage for 40 days', status: 'open' as const, priority: 'high' as const, dueAt, ownerId };
    const made = await c.tasks!.create([
      { key: 'stalled_deal:deal:' + dealId, on: { kind: 'deal', objectType: 'deals', id: dealId }, contactId, fields },
      { key: 'bad', on: { kind: 'deal', objectType: 'deals', id: dealId }, contactId: null, fields: { ...fields, ownerId: '12' } },
    ]);
    expect(made.failed).toEqual([{ id: 'bad', code: 'VALIDATION_ERROR', message: expect.stringContaining('hubspot_owner_id'), retryable: false }]);
    expect(made.created).toHaveLength(1);
    const taskId = made.created[0]!.id;
    expect(sandbox.data.associated('tasks', taskId, 'deals')).toEqual([dealId]);
    expect(sandbox.data.associated('tasks', taskId, 'contacts')).toEqual([contactId]);

    expect((await c.tasks!.read([taskId])).get(taskId)).toEqual(fields);
    // A rep edits the task in HubSpot: the read shows it.
    sandbox.data.updateRecord('tasks', taskId, { hs_task_subject: 'Called, waiting' });
    expect((await c.tasks!.read([taskId])).get(taskId)?.subject).toBe('Called, waiting');

    expect(await c.tasks!.update([{ id: taskId, fields: { status: 'completed' } }])).toEqual({ written: [taskId], failed: [] });
    expect(sandbox.data.getRecord('tasks', taskId)!.properties['hs_task_status']).toBe('COMPLETED');
    expect((await c.tasks!.read([taskId])).get(taskId)?.status).toBe('completed');

    expect(await c.tasks!.remove([taskId])).toEqual({ removed: [taskId], failed: [] });
    expect((await c.tasks!.read([taskId])).has(taskId)).toBe(false);
    // Removing again is not an error.
    expect(await c.tasks!.remove([taskId])).toEqual({ removed: [taskId], failed: [] });
  });

  it('fieldHistory reads the stage history reps see, oldest first', async () => {
    const c = connector();
    await c.ensureSchema({ group: { name: 'parcours', label: 'Parcours' }, fields: [{ kind: 'contact', field: 'stage', name: 'parcours_stage', label: 'Stage', type: 'enumeration', options: [{ value: 'onboarding', label: 'Onboarding' }, { value: 'retention', label: 'Retention' }] }], segments: [] });
    const id = sandbox.data.ids('contacts')[3]!;
    const ref = { kind: 'contact' as const, objectType: 'contacts', id };
    expect(await c.fieldHistory!(ref, 'parcours_stage')).toEqual([]);
    await c.push([{ ref, values: { parcours_stage: 'onboarding' } }]);
    await c.push([{ ref, values: { parcours_stage: 'retention' } }]);
    const history = await c.fieldHistory!(ref, 'parcours_stage');
    expect(history.map((h) => [h.value, h.source])).toEqual([
      ['onboarding', 'API'],
      ['retention', 'API'],
    ]);
    expect(history[0]!.at).toBeLessThanOrEqual(history[1]!.at);
  });

  it('doctor reports the owners check, and its failure when the token lacks the scope', async () => {
    const spec = { group: { name: 'parcours', label: 'Parcours' }, fields: [], segments: [] };
    expect((await connector().doctor(spec)).find((x) => x.id === 'hubspot.owners')).toMatchObject({ ok: true, detail: expect.stringContaining('4 active owner') });
    const local = await startHubspotSandbox({ contacts: 1, withoutScopes: ['crm.objects.owners.read'] });
    try {
      const c = createHubspotConnector({ accessToken: local.accessToken, baseUrl: local.url, retry: { retries: 0, minTimeoutMs: 1 } });
      expect((await c.doctor(spec)).find((x) => x.id === 'hubspot.owners')).toMatchObject({ ok: false, fix: expect.stringContaining('crm.objects.owners.read') });
    } finally {
      await local.close();
    }
  });
});
