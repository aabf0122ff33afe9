/**
 * Issue 11 point 5: the first full sync backfills the stage ledger from the history the CRM already
 * holds, marked as backfilled, so the first journey map shows conversion and durations and says
 * which figures rest on that history.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import type { JourneyMap } from '../../src/report/schema.ts';
import type { StageHistoryRow } from '../../src/store/types.ts';
import { inStore, runCli, runJson, salesforceEnv, storeEnv, type SyncJson } from './cli.ts';

/** Setup, a full sync and two reports through the real CLI: four process starts. */
const FIRST_MAP_TIMEOUT = 120_000;

async function firstSyncAndMap(crm: 'hubspot' | 'salesforce', env: Record<string, string>): Promise<{ map: JourneyMap; html: string; ledger: StageHistoryRow[] }> {
  expect((await runJson(['setup', '--crm', crm], env)).code).toBe(0);
  const full = await runJson<SyncJson>(['sync', '--crm', crm, '--full'], env);
  expect(full.code).toBe(0);
  const dir = mkdtempSync(join(tmpdir(), 'parcours-map-'));
  for (const format of ['json', 'html']) {
    const r = await runCli(['report', '--crm', crm, '--format', format, '--out', join(dir, `map.${format}`)], env);
    expect(r.code, r.stderr).toBe(0);
  }
  const ledger = await inStore(env, (s) => Array.fromAsync(s.iterateStageHistory(`${crm}:default`)));
  return { map: JSON.parse(readFileSync(join(dir, 'map.json'), 'utf8')) as JourneyMap, html: readFileSync(join(dir, 'map.html'), 'utf8'), ledger };
}

function expectHistoryInMap(map: JourneyMap, html: string, movingStages: string[]): void {
  const stages = map.journeys[0]!.stages;
  const byId = new Map(stages.map((s) => [s.id, s]));
  // Customers moved on from the early stages within the period, and stays ended in it: the ledger has a past.
  for (const id of movingStages) {
    const s = byId.get(id)!;
    expect(s.enteredInPeriod, id).toBeGreaterThan(0);
    expect(s.conversionToNext, id).toBeGreaterThan(0);
  }
  expect(stages.some((s) => s.durationSource === 'history' && s.durationDays.n > 0)).toBe(true);
  // …and the map says which figures rest on backfilled history.
  for (const s of stages) {
    expect(s.backfilled.entered).toBeLessThanOrEqual(s.enteredInPeriod);
    expect(s.backfilled.movedOn).toBeLessThanOrEqual(s.movedOn);
    expect(s.backfilled.durations).toBeLessThanOrEqual(s.durationDays.n);
  }
  expect(stages.reduce((n, s) => n + s.backfilled.movedOn, 0)).toBeGreaterThan(0);
  expect(map.journeys[0]!.definitions.backfilled).toMatch(/backfilled/);
  expect(html).toContain('From backfilled history');
  expect(html).toMatch(/data-testid="backfilled-note-default"/);
}

describe('the first map has a history: HubSpot', () => {
  let sb: HubspotSandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    sb = await startHubspotSandbox({ port: 0, seed: 9, contacts: 200 });
    env = { HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: sb.accessToken, ...storeEnv() };
  });
  afterAll(async () => {
    await sb.close();
  });

  it('backfills the ledger from lifecycle-stage and deal stage-entry dates, and the map shows conversion', async () => {
    const { map, html, ledger } = await firstSyncAndMap('hubspot', env);
    expectHistoryInMap(map, html, ['awareness', 'consideration', 'decision']);

    // A contact that went subscriber/lead → MQL with no deal: its two stays, dated by HubSpot, backfilled.
    const contact = sb.data.ids('contacts').map((id) => sb.data.getRecord('contacts', id)!).find(
      (c) => c.properties.lifecyclestage === 'marketingqualifiedlead' && sb.data.associated('contacts', c.id, 'deals').length === 0
        && sb.data.associated('contacts', c.id, 'tickets').length === 0 && c.properties.hs_lifecyclestage_lead_date,
    )!;
    expect(ledger.filter((r) => r.contactId === contact.id)).toEqual([
      { contactId: contact.id, journeyId: 'default', stage: 'awareness', enteredAt: Date.parse(contact.properties.hs_lifecyclestage_lead_date as string), leftAt: Date.parse(contact.properties.hs_lifecyclestage_marketingqualifiedlead_date as string), backfilled: true },
      { contactId: contact.id, journeyId: 'default', stage: 'consideration', enteredAt: Date.parse(contact.properties.hs_lifecyclestage_marketingqualifiedlead_date as string), leftAt: null, backfilled: true },
    ]);
  }, FIRST_MAP_TIMEOUT);

  it('records later changes as observed, not backfilled', async () => {
    const c = sb.data.ids('contacts').map((id) => sb.data.getRecord('contacts', id)!).find(
      (x) => x.properties.parcours_stage === 'awareness' && sb.data.associated('contacts', x.id, 'deals').length === 0,
    )!;
    sb.data.updateRecord('contacts', c.id, { lifecyclestage: 'marketingqualifiedlead' });
    expect((await runJson<SyncJson>(['sync', '--crm', 'hubspot'], env)).code).toBe(0);
    const rows = (await inStore(env, (s) => Array.fromAsync(s.iterateStageHistory('hubspot:default')))).filter((r) => r.contactId === c.id);
    expect(rows.at(-1)).toMatchObject({ stage: 'consideration', leftAt: null, backfilled: false });
    expect(rows.at(-2)).toMatchObject({ stage: 'awareness', backfilled: true });
  });
});

describe('the first map has a history: Salesforce', () => {
  let sb: SalesforceSandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    sb = await startSalesforceSandbox({ port: 0, seed: 21, contacts: 200 });
    env = { ...salesforceEnv(sb), ...storeEnv() };
  });
  afterAll(async () => {
    await sb.close();
  });

  it('backfills the ledger from OpportunityHistory and creation dates, and the map shows conversion', async () => {
    const { map, html, ledger } = await firstSyncAndMap('salesforce', env);
    // Salesforce Leads keep no status history and the sandbox's recent Contacts have no opportunity yet: few leave awareness in 90 days.
    expectHistoryInMap(map, html, ['consideration', 'decision']);

    // A Contact with one open opportunity: awareness from its creation, then the stages its OpportunityHistory dates.
    const open = sb.data.query('SELECT Id, StageName FROM Opportunity WHERE IsClosed = false');
    const withOne = open.map((o) => ({ opp: String(o.Id), contacts: sb.data.query(`SELECT ContactId FROM OpportunityContactRole WHERE OpportunityId = '${String(o.Id)}'`) }))
      .find((x) => x.contacts.length === 1 && ledger.filter((r) => r.contactId === String(x.contacts[0]!.ContactId)).length >= 2)!;
    expect(withOne).toBeDefined();
    const contactId = String(withOne.contacts[0]!.ContactId);
    const history = sb.data.query(`SELECT StageName, CreatedDate FROM OpportunityHistory WHERE OpportunityId = '${withOne.opp}' ORDER BY CreatedDate`);
    const historyTimes = new Set(history.map((h) => Date.parse(String(h.CreatedDate))));
    const created = Date.parse(String(sb.data.query(`SELECT CreatedDate FROM Contact WHERE Id = '${contactId}'`)[0]!.CreatedDate));
    const rows = ledger.filter((r) => r.contactId === contactId);
    expect(rows[0]).toMatchObject({ stage: 'awareness', enteredAt: created, backfilled: true });
    for (const r of rows.slice(1)) {
      expect(r.backfilled).toBe(true);
      expect(historyTimes.has(r.enteredAt)).toBe(true);
    }
    expect(rows.at(-1)?.leftAt).toBeNull();
  }, FIRST_MAP_TIMEOUT);
});
