/**
 * Issue 11 point 4: the stage-entry time written on the first sync is the CRM's evidence (deal stage
 * entry, lifecycle-stage date, creation), with the reason saying which — not the moment of the sync.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { runJson, storeEnv, type SyncJson } from './cli.ts';

const day = (iso: string | undefined): string => new Date(iso as string).toISOString().slice(0, 10);

describe('stage-entry time from evidence (HubSpot, real CLI against the sandbox)', () => {
  let sb: HubspotSandbox;
  let env: Record<string, string>;
  let startedAt: number;

  beforeAll(async () => {
    sb = await startHubspotSandbox({ port: 0, seed: 5, contacts: 200 });
    env = { HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: sb.accessToken, ...storeEnv() };
    expect((await runJson(['setup', '--crm', 'hubspot'], env)).code).toBe(0);
    startedAt = Date.now();
    const full = await runJson<SyncJson>(['sync', '--crm', 'hubspot', '--full'], env);
    expect(full.code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await sb.close();
  });

  const contacts = () => sb.data.ids('contacts').map((id) => sb.data.getRecord('contacts', id)!);

  it('spreads entry dates over the CRM history instead of stamping the sync moment on everyone', () => {
    const all = contacts();
    const entered = all.map((c) => Date.parse(c.properties.parcours_stage_entered_at as string));
    expect(entered.every((t) => Number.isFinite(t))).toBe(true);
    const atSync = entered.filter((t) => t >= startedAt).length;
    expect(atSync).toBe(0);
    expect(new Set(entered).size).toBeGreaterThan(all.length * 0.8);
  });

  it('dates a lifecycle-based stage by the lifecycle-stage date, and says so', () => {
    const lifecycleOnly = contacts().filter(
      (c) => sb.data.associated('contacts', c.id, 'deals').length === 0 && c.properties.lifecyclestage === 'marketingqualifiedlead',
    );
    expect(lifecycleOnly.length).toBeGreaterThan(3);
    for (const c of lifecycleOnly) {
      expect(c.properties.parcours_stage).toBe('consideration');
      const became = c.properties.hs_lifecyclestage_marketingqualifiedlead_date;
      expect(Date.parse(c.properties.parcours_stage_entered_at as string)).toBe(Date.parse(became as string));
      expect(c.properties.parcours_stage_reason).toContain(`since ${day(became)}, lifecycle stage marketingqualifiedlead`);
    }
  });

  it('dates a deal-based stage by the deal entering the first stage of it, and says so', () => {
    // Decision = an open deal in one of these (mappings/hubspot.yaml); it began when the deal entered the first of them.
    const decisionStages = ['presentationscheduled', 'decisionmakerboughtin', 'contractsent'];
    const checked = contacts().filter((c) => {
      const deals = sb.data.associated('contacts', c.id, 'deals').map((id) => sb.data.getRecord('deals', id)!);
      // Lifecycle opportunity or later would place the contact in decision (or further) on its own date.
      if (deals.length !== 1 || ['opportunity', 'customer', 'evangelist'].includes(String(c.properties.lifecyclestage))) return false;
      const d = deals[0]!;
      if (d.properties.dealstage !== 'contractsent') return false;
      const [stage, entered] = decisionStages
        .map((s) => [s, d.properties[`hs_v2_date_entered_${s}`] ?? d.properties[`hs_date_entered_${s}`]] as const)
        .filter(([, at]) => at)
        .sort((a, b) => Date.parse(a[1] as string) - Date.parse(b[1] as string))[0]!;
      expect(c.properties.parcours_stage).toBe('decision');
      expect(Date.parse(c.properties.parcours_stage_entered_at as string)).toBe(Date.parse(entered as string));
      expect(c.properties.parcours_stage_reason).toContain(`since ${day(entered)}, deal entered ${stage}`);
      return true;
    });
    expect(checked.length).toBeGreaterThan(0);
  });

  it('dates a stage the customer later reaches by its own evidence, not by the sync that saw it', async () => {
    const c = contacts().find((x) => sb.data.associated('contacts', x.id, 'deals').length === 0 && x.properties.lifecyclestage === 'lead')!;
    expect(c.properties.parcours_stage).toBe('awareness');
    sb.data.updateRecord('contacts', c.id, { lifecyclestage: 'opportunity' });
    const became = sb.data.getRecord('contacts', c.id)!.properties.hs_lifecyclestage_opportunity_date as string;
    expect(became).toBeTruthy();
    const r = await runJson<SyncJson>(['sync', '--crm', 'hubspot'], env);
    expect(r.code).toBe(0);
    const after = sb.data.getRecord('contacts', c.id)!;
    expect(after.properties.parcours_stage).toBe('decision');
    expect(Date.parse(after.properties.parcours_stage_entered_at as string)).toBe(Date.parse(became));
    expect(after.properties.parcours_stage_reason).toContain(`since ${day(became)}, lifecycle stage opportunity`);
  });
});
