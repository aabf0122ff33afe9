/**
 * An incremental pull after many deals changed reads their roles and stage history through the parent relationship's
 * window (`Opportunity.SystemModstamp`), not 300 ids a query: the real connector against the sandbox org.
 */
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cursor, PullBatch } from '../../connectors/port.ts';
import { createSalesforceConnector } from '../../connectors/salesforce/index.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { needs } from './fixtures.ts';

let sb: SalesforceSandbox;
beforeAll(async () => {
  nock.cleanAll();
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  sb = await startSalesforceSandbox({ port: 0, seed: 21, contacts: 2_000, seedTouchpoints: false });
});
afterAll(async () => {
  await sb?.close();
  nock.enableNetConnect();
});

const fields = needs({ normalized: { contact: [], deal: ['stage', 'stagesReached', 'contactIds'] as never, ticket: [] } });

describe('incremental deal links of many changed deals', () => {
  it('reads the roles and history of more than 300 changed deals by their parent window, with the same links as the org shows', async () => {
    const c = createSalesforceConnector({ instanceUrl: sb.url, accessToken: sb.accessToken, apiVersion: '66.0', pollIntervalMs: 5, retry: { retries: 1, minTimeoutMs: 1 } });
    let cursor: Cursor | undefined;
    for await (const b of c.pull({ objects: ['deal'], fields, mode: 'full', cursors: {} })) if (b.cursor) cursor = b.cursor;
    const deals = sb.data.query('SELECT Id FROM Opportunity WHERE IsClosed = false').map((r) => String(r.Id)).slice(0, 400);
    expect(deals.length).toBeGreaterThan(300);
    for (const id of deals) sb.data.update('Opportunity', id, { StageName: 'Negotiation/Review' });
    const contact = String(sb.data.query('SELECT Id FROM Contact LIMIT 1')[0]?.Id);
    sb.data.create('OpportunityContactRole', { OpportunityId: deals[0], ContactId: contact, IsPrimary: false });

    const before = sb.calls.length;
    const batches: PullBatch[] = [];
    for await (const b of c.pull({ objects: ['deal'], fields, mode: 'incremental', cursors: { deal: cursor as Cursor } })) batches.push(b);
    const records = new Map(batches.flatMap((b) => b.records).map((r) => [r.id, r]));
    for (const id of deals) expect(records.has(id)).toBe(true);
    // Links as the org has them: every role's contact, and the stage just entered in the history.
    const roles = sb.data.query(`SELECT OpportunityId, ContactId FROM OpportunityContactRole`);
    for (const id of deals) {
      const r = records.get(id) as unknown as { contactIds: string[]; stagesReached?: string[] };
      const expected = roles.filter((x) => x.OpportunityId === id).map((x) => String(x.ContactId));
      if (expected.length > 0) expect(new Set(r.contactIds)).toEqual(new Set(expected));
      expect(r.stagesReached).toContain('Negotiation/Review');
    }
    expect((records.get(deals[0] as string) as unknown as { contactIds: string[] }).contactIds).toContain(contact);
    // Roles and history: one read each through the window (2,000 rows a page), not ⌈400 / 300⌉ = 2 queries each.
    const queries = sb.calls.slice(before).flatMap((x) => x.subrequests ?? [x]).filter((x) => x.path.endsWith('/query'));
    const roleless = deals.filter((id) => !roles.some((x) => x.OpportunityId === id)).length;
    expect(queries.length).toBeLessThanOrEqual(2 + Math.ceil(roleless / 300));
  });
});
