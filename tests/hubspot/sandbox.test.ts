/** Integration against the local HubSpot sandbox (loopback only): the nock suite is the acceptance, this checks the pieces fit. */
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmConnector, Cursor, JourneyFieldSpec, PullBatch } from '../../connectors/port.ts';
import { createHubspotConnector, minimumCalls } from '../../connectors/hubspot/index.ts';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import type { ObjectKind } from '../../src/model.ts';
import { needs } from './helpers.ts';

let sandbox: HubspotSandbox;
beforeAll(async () => {
  nock.cleanAll();
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  sandbox = await startHubspotSandbox({ port: 0, contacts: 50 });
});
afterAll(async () => {
  await sandbox?.close();
  nock.enableNetConnect();
});

const fields = needs({ normalized: { contact: ['email', 'lifecycle'], deal: ['stage', 'amount'], ticket: ['subject'] }, owned: { contact: ['parcours_stage'] } });
const objects: ObjectKind[] = ['contact', 'deal', 'ticket'];

async function pullAll(c: CrmConnector, mode: 'full' | 'incremental', cursors: Partial<Record<ObjectKind, Cursor>>) {
  const batches: PullBatch[] = [];
  for await (const b of c.pull({ objects, fields, mode, cursors })) batches.push(b);
  const next = { ...cursors };
  for (const b of batches) if (b.cursor) next[b.kind] = b.cursor;
  return { batches, cursors: next };
}

describe('against the HubSpot sandbox', () => {
  it('full sync, schema, push, then an unchanged re-run at the minimum call count', async () => {
    // Searches paced at 4/s under the sandbox's 5/s: this test counts calls (a 429 would add one), and on a loaded
    // machine request arrivals bunch; pacing itself is tested in faults.test.ts.
    const c = createHubspotConnector({ accessToken: sandbox.accessToken, baseUrl: sandbox.url, retry: { retries: 2, minTimeoutMs: 1 }, overlapMs: 5_000, searchPerSecond: 4 });
    const full = await pullAll(c, 'full', {});
    const contacts = full.batches.filter((b) => b.kind === 'contact').flatMap((b) => b.records);
    const deals = full.batches.filter((b) => b.kind === 'deal').flatMap((b) => b.records);
    const tickets = full.batches.filter((b) => b.kind === 'ticket').flatMap((b) => b.records);
    expect(contacts.length).toBeGreaterThan(0);
    expect(c.stats().total).toBe(minimumCalls({ contacts: contacts.length, deals: deals.length, tickets: tickets.length }, 'full'));

    const spec: JourneyFieldSpec = {
      group: { name: 'parcours', label: 'Parcours' },
      fields: [{ kind: 'contact', field: 'stage', name: 'parcours_stage', label: 'Journey stage', type: 'enumeration', options: [{ value: 'active', label: 'Active' }] }],
      segments: [{ id: 'vip', name: 'VIP' }],
    };
    const schema = await c.ensureSchema(spec);
    expect(schema.segmentTargets.vip).toBeTruthy();
    const again = await c.ensureSchema(spec);
    expect([...again.created, ...again.updated]).toEqual([]);

    const first = contacts[0];
    if (!first) throw new Error('no contact');
    const report = await c.push([{ ref: { kind: 'contact', objectType: 'contacts', id: first.id }, values: { parcours_stage: 'active' } }]);
    expect(report.failed).toEqual([]);
    const current = await c.readCurrent([{ kind: 'contact', objectType: 'contacts', id: first.id }], ['parcours_stage']);
    expect(current.get(first.id)).toEqual({ parcours_stage: 'active' });

    // Let the write age past the watermark, then an unchanged incremental run costs the minimum.
    const settled = await pullAll(c, 'incremental', full.cursors);
    // Same instance: its search pacer knows the calls just made (the sandbox enforces 5 searches/s too).
    const before = c.stats();
    await pullAll(c, 'incremental', settled.cursors);
    const after = c.stats();
    expect(after.rateLimited).toBe(before.rateLimited);
    expect(after.total - before.total).toBe(minimumCalls({ contacts: 0, deals: 0, tickets: 0 }, 'unchanged'));
  });
});

describe('a full pass by search against the sandbox', () => {
  it('reads every record once across the result cap, including one created during the pass', async () => {
    const sb = await startHubspotSandbox({ port: 0, contacts: 1_200, seed: 9 });
    try {
      // A cap of 400 here (HubSpot's is 10,000) forces three keyset windows.
      const c = createHubspotConnector({ accessToken: sb.accessToken, baseUrl: sb.url, retry: { retries: 2, minTimeoutMs: 1 }, searchWindowCap: 400 });
      const read: string[] = [];
      let created: string | null = null;
      for await (const b of c.pull({ objects: ['contact'], fields: needs({ normalized: { contact: ['email'] } }), mode: 'full', cursors: {} })) {
        read.push(...b.records.map((r) => r.id));
        if (created === null) created = sb.data.createRecord('contacts', { email: 'late@example.com' }).id;
      }
      const expected = sb.data.ids('contacts');
      expect(expected).toContain(created);
      expect([...read].sort()).toEqual([...expected].sort());
      expect(new Set(read).size).toBe(read.length);
      // One page per 200 records; a 429 (request arrivals bunch on a loaded machine) is retried and counted apart.
      const stats = c.stats();
      expect((stats.byEndpoint['objects.contacts.search'] ?? 0) - stats.rateLimited).toBe(Math.ceil(expected.length / 200));
    } finally {
      await sb.close();
    }
  });
});
