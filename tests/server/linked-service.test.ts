/**
 * Issue 16 in the service: an installation in a link is synced as the link. A sync asked for either side, a
 * sync of the link (`POST /api/links/:id/sync`) and a webhook event on either side all run the linked sync, so
 * the same stage lands on both records — never a one-sided evaluation the other CRM contradicts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { DAY_MS } from '../../src/model.ts';
import { startServer, type ParcoursServer } from '../../src/server/index.ts';
import { scheduledInstallations } from '../../src/server/jobs.ts';
import { addSalesforceIntegrationProperties } from '../e2e/cli.ts';
import { ADMIN_TOKEN, admin, capturingLogger, outboundMessage, postOutbound, salesforceEnv, salesforceWebhookUrlOf, tempDb } from './harness.ts';

const sfDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

interface LinkView {
  id: string;
  hubspot: string;
  salesforce: string;
}

describe('a linked pair run by the service (issue 16)', { timeout: 240_000 }, () => {
  let hs: HubspotSandbox;
  let sf: SalesforceSandbox;
  let srv: ParcoursServer;
  let link: LinkView;
  const logs = capturingLogger();
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    hs = await startHubspotSandbox({ port: 0, seed: 51, contacts: 12 });
    sf = await startSalesforceSandbox({ port: 0, seed: 52, contacts: 12 });
    await addSalesforceIntegrationProperties(hs);
    // Ada: a marketing-qualified lead in HubSpot who bought in Salesforce 10 days ago (matched by e-mail).
    ids.adaHs = hs.data.createRecord('contacts', { email: 'ada@service.test', firstname: 'Ada', lastname: 'Linked', lifecyclestage: 'marketingqualifiedlead' }).id;
    ids.adaSf = sf.data.create('Contact', { FirstName: 'Ada', LastName: 'Linked', Email: 'ada@service.test' });
    const opp = sf.data.create('Opportunity', { Name: 'Ada platform', StageName: 'Closed Won', CloseDate: sfDate(Date.now() - 10 * DAY_MS), Amount: 12000 });
    sf.data.create('OpportunityContactRole', { OpportunityId: opp, ContactId: ids.adaSf, IsPrimary: true });
    // Eve: the same, except her Opportunity is still open; it is won later, and Salesforce says so by outbound message.
    ids.eveHs = hs.data.createRecord('contacts', { email: 'eve@service.test', firstname: 'Eve', lastname: 'Linked', lifecyclestage: 'marketingqualifiedlead' }).id;
    ids.eveSf = sf.data.create('Contact', { FirstName: 'Eve', LastName: 'Linked', Email: 'eve@service.test' });
    ids.eveOpp = sf.data.create('Opportunity', { Name: 'Eve platform', StageName: 'Prospecting', CloseDate: sfDate(Date.now() + 30 * DAY_MS), Amount: 9000 });
    sf.data.create('OpportunityContactRole', { OpportunityId: ids.eveOpp, ContactId: ids.eveSf, IsPrimary: true });

    srv = await startServer({
      port: 0,
      schedule: false,
      log: logs.log,
      env: {
        PARCOURS_DB: tempDb(),
        PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN,
        PARCOURS_WEBHOOK_BATCH: '20ms',
        PARCOURS_LINK: 'hubspot,salesforce',
        HUBSPOT_BASE_URL: hs.url,
        HUBSPOT_ACCESS_TOKEN: hs.accessToken,
        ...salesforceEnv(sf),
      },
    });
    const links = (await (await admin(srv.url, '/api/links')).json()) as LinkView[];
    expect(links).toHaveLength(1);
    link = links[0] as LinkView;
  }, 120_000);
  afterAll(async () => {
    await srv?.close();
    await hs?.close();
    await sf?.close();
  });

  it('syncs the link when one side is asked: the Salesforce win lands on the HubSpot contact too', async () => {
    const res = await admin(srv.url, `/api/installations/${encodeURIComponent(link.salesforce)}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'full', wait: true }) });
    expect(res.status).toBe(200);
    const side = (await res.json()) as { crm: string; installation: string; status: string };
    // The answer is the side that was asked for; the run was the link's (both sides ran, one journey).
    expect(side).toMatchObject({ crm: 'salesforce', installation: link.salesforce, status: 'succeeded' });
    expect(sf.data.get('Contact', ids.adaSf as string)?.Parcours_Stage__c).toBe('purchase');
    expect(hs.data.getRecord('contacts', ids.adaHs as string)?.properties.parcours_stage).toBe('purchase');
    expect(hs.data.getRecord('contacts', ids.eveHs as string)?.properties.parcours_stage).toBe(sf.data.get('Contact', ids.eveSf as string)?.Parcours_Stage__c);
    const runs = (await (await admin(srv.url, '/api/runs?limit=10')).json()) as Array<{ installation: string; mode: string }>;
    expect(runs.filter((r) => r.mode === 'full').map((r) => r.installation).sort()).toEqual([link.hubspot, link.salesforce].sort());
    // Each side's API budget, as its last response told it, is kept for the next job (issue 15).
    for (const id of [link.hubspot, link.salesforce]) {
      const kept = JSON.parse((await srv.store.getSetting(id, 'budget-state')) ?? 'null') as { at: number; daily?: { limit: number; remaining: number } } | null;
      expect(kept?.daily?.limit).toBeGreaterThan(0);
      expect(kept?.daily?.remaining).toBeLessThan(kept?.daily?.limit as number);
    }
  });

  it('POST /api/links/:id/sync runs the linked sync and answers its summary; a re-run writes nothing', async () => {
    const res = await admin(srv.url, `/api/links/${link.id}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'incremental', wait: true }) });
    expect(res.status).toBe(200);
    const s = (await res.json()) as { link: string; status: string; linked: number; hubspot: { written: number }; salesforce: { written: number } };
    expect(s).toMatchObject({ link: link.id, status: 'succeeded' });
    expect(s.linked).toBeGreaterThanOrEqual(2);
    expect([s.hubspot.written, s.salesforce.written]).toEqual([0, 0]);
    expect((await admin(srv.url, '/api/links/nope/sync', { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('applies a Salesforce webhook event to both records through the linked sync', async () => {
    sf.data.update('Opportunity', ids.eveOpp as string, { StageName: 'Closed Won', CloseDate: sfDate(Date.now() - DAY_MS) });
    const detail = (await (await admin(srv.url, `/api/installations/${encodeURIComponent(link.salesforce)}`)).json()) as { externalId: string };
    const hook = await salesforceWebhookUrlOf(srv.url, link.salesforce);
    const res = await postOutbound(hook, outboundMessage(detail.externalId, [{ id: '04l5e00000Lk7QzAAJ', type: 'Opportunity', recordId: ids.eveOpp as string }]));
    expect(res.status).toBe(200);
    await srv.idle();
    expect(sf.data.get('Contact', ids.eveSf as string)?.Parcours_Stage__c).toBe('purchase');
    expect(hs.data.getRecord('contacts', ids.eveHs as string)?.properties.parcours_stage).toBe('purchase');
    const events = (await (await admin(srv.url, `/api/events?installation=${encodeURIComponent(link.salesforce)}`)).json()) as Array<{ state: string }>;
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.state === 'done')).toBe(true);
    // No one-sided webhook run: the event was applied by an incremental run on each side.
    const runs = (await (await admin(srv.url, '/api/runs?limit=20')).json()) as Array<{ installation: string; mode: string }>;
    expect(runs.filter((r) => r.mode === 'webhook')).toEqual([]);
  });

  it('schedules a link once: its Salesforce side is covered by its HubSpot side', async () => {
    const rows = await scheduledInstallations(srv.store, logs.log, 'incremental');
    expect(rows.map((r) => r.id)).toEqual([link.hubspot]);
  });
});
