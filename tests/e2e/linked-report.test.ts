/**
 * The linked journey map and explain on the linked sandbox pair (issue 16), the real CLI end to end: after
 * `setup --link` and `sync --link --full`, `report --link` counts each person once and says which CRM each deal,
 * ticket and touchpoint came from; `explain --link --email` shows both records, how they matched, the merged stage.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLinkedSandboxes, type LinkedSandboxes } from '../../sandbox/linked.ts';
import { DAY_MS } from '../../src/model.ts';
import type { JourneyMap } from '../../src/report/index.ts';
import { runCli, salesforceEnv, storeEnv } from './cli.ts';

const norm = (e: unknown): string => String(e ?? '').trim().toLowerCase();

describe('linked map and explain on the linked sandboxes (issue 16)', { timeout: 600_000 }, () => {
  let sb: LinkedSandboxes;
  let env: Record<string, string>;
  let map: JourneyMap;
  let sync: { linked: number; unlinked: number; conflicts: number; customers: number; status: string };
  const out = mkdtempSync(join(tmpdir(), 'parcours-linked-map-'));

  beforeAll(async () => {
    sb = await startLinkedSandboxes({ seed: 11, contacts: 150 });
    env = { HUBSPOT_BASE_URL: sb.hubspot.url, HUBSPOT_ACCESS_TOKEN: sb.hubspot.accessToken, ...salesforceEnv(sb.salesforce), ...storeEnv(), PARCOURS_LINK: 'hubspot,salesforce' };
    const setup = await runCli(['setup', '--link'], env);
    expect(setup.code, setup.stderr).toBe(0);
    const s = await runCli(['sync', '--link', '--full', '--json'], env);
    expect(s.code, s.stderr).toBe(0);
    sync = JSON.parse(s.stdout);
    const r = await runCli(['report', '--link', '--format', 'json', '--out', join(out, 'map.json')], env);
    expect(r.code, r.stderr).toBe(0);
    map = JSON.parse(readFileSync(join(out, 'map.json'), 'utf8')) as JourneyMap;
  }, 600_000);
  afterAll(async () => {
    await sb?.close();
  });

  it('counts each person once: linked, unlinked and conflicting as the linked sync found them', () => {
    expect(map.crm).toBe('linked');
    const link = map.link!;
    expect(link.linked).toBe(sync.linked);
    expect(link.linked).toBeGreaterThan(0);
    expect(link.matchedBy['integration-id']).toBeGreaterThan(0);
    expect(link.matchedBy.email).toBeGreaterThan(0);
    expect(link.unlinkedBySide.hubspot).toBeGreaterThan(0);
    expect(link.unlinkedBySide.salesforce).toBeGreaterThan(0);
    expect(link.conflicts.length).toBe(sync.conflicts);
    expect(link.conflicts.length).toBeGreaterThan(0);
    // Every HubSpot contact and every Salesforce Contact / unconverted Lead is in the map, a linked pair once.
    const hsContacts = sb.hubspot.data.ids('contacts').length;
    const sfPeople = sb.salesforce.data.query('SELECT Id FROM Contact').length + sb.salesforce.data.query('SELECT Id FROM Lead WHERE IsConverted = false').length;
    expect(link.customers).toBe(hsContacts + sfPeople - link.linked);
    expect(map.journeys.reduce((n, j) => n + j.customers, 0)).toBe(link.customers);
    expect(link.linked + link.unlinked + link.conflicting).toBe(link.customers);
  });

  it('says which CRM each deal, ticket and touchpoint came from', () => {
    const sum = (pick: (r: NonNullable<JourneyMap['link']>['bySource'][number]) => number): number => map.link!.bySource.reduce((n, r) => n + pick(r), 0);
    expect(sum((r) => r.deals.salesforce)).toBe(sb.salesforce.data.query('SELECT Id FROM Opportunity').length);
    expect(sum((r) => r.deals.hubspot)).toBe(sb.hubspot.data.ids('deals').length);
    expect(sum((r) => r.tickets.hubspot)).toBeGreaterThan(0);
    expect(sum((r) => r.tickets.salesforce)).toBeGreaterThan(0);
    expect(sum((r) => r.touchpoints.hubspot)).toBeGreaterThan(0);
    expect(sum((r) => r.touchpoints.salesforce)).toBeGreaterThan(0);
    const affected = map.journeys.flatMap((j) => j.mostAffected);
    expect(affected.length).toBeGreaterThan(0);
    for (const r of affected) expect(['hubspot', 'salesforce']).toContain(r.crm);
  });

  it('explains a marketing-qualified lead who bought in Salesforce: both records, the id that matched, purchase', async () => {
    const hs = sb.hubspot.data;
    const sf = sb.salesforce.data;
    // A contact marketing still calls an MQL, linked by the integration's id, with an Opportunity won in the last 90 days.
    const person = hs.ids('contacts').map((id) => hs.getRecord('contacts', id)!).find((c) => {
      const sid = c.properties['salesforcecontactid'];
      if (c.properties['lifecyclestage'] !== 'marketingqualifiedlead' || !sid || !c.properties['email']) return false;
      return sf.query(`SELECT Id FROM OpportunityContactRole WHERE ContactId = '${sid}' AND Opportunity.IsWon = true AND Opportunity.CloseDate >= ${new Date(Date.now() - 80 * DAY_MS).toISOString().slice(0, 10)}`).length > 0;
    });
    expect(person, 'the linked sandbox seeds such a person').toBeDefined();
    const r = await runCli(['explain', '--link', '--email', person!.properties['email']!], env);
    expect(r.code, r.stderr).toBe(0);
    const sid = person!.properties['salesforcecontactid']!;
    expect(r.stdout).toContain(`customer hubspot:${person!.id} — linked by the integration's id: HubSpot salesforcecontactid = ${sid}`);
    expect(r.stdout).toContain(`HubSpot contacts ${person!.id}: ${norm(person!.properties['email'])}`);
    expect(r.stdout).toContain(`Salesforce Contact ${sid}:`);
    expect(r.stdout).toContain('merged evaluation (both records as one customer; written to both):');
    expect(r.stdout).toMatch(/stage: purchase[^\n]*Opportunity/);
  });
});
