/**
 * A new customer's CRM, as it comes: a Salesforce org with standard fields only (no CSAT, NPS or
 * first-response field) and a HubSpot portal that never ran a CSAT survey. The default mappings run
 * clean on both; the rules that need the missing fields are reported disabled, and everything else
 * is written. The real CLI against the sandboxes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { startSalesforceSandbox, type SalesforceSandbox, servedRequests } from '../../sandbox/salesforce/index.ts';
import { runCli, runJson, salesforceEnv, storeEnv, type SyncJson, tempDb } from './cli.ts';

type Disabled = Array<{ rule: string; needs: string[]; fix: string }>;
type Summary = SyncJson & { disabled: Disabled };

/**
 * Calls that changed the CRM: accepted non-GET requests (token requests are not writes to the org; a
 * Tooling create refused with DUPLICATE_DEVELOPER_NAME changes nothing).
 */
const writes = (calls: Array<{ method: string; path: string; status: number }>) => calls.filter((c) => c.method !== 'GET' && !c.path.includes('/oauth2/') && c.status < 300);

describe('a standard Salesforce org with the default mapping', () => {
  let sb: SalesforceSandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    sb = await startSalesforceSandbox({ port: 0, seed: 31, contacts: 120 });
    env = { ...salesforceEnv(sb), ...storeEnv() };
  });
  afterAll(async () => {
    await sb.close();
  });

  // The connector reads touchpoints (issue 13): slow_first_response and detractor run from them on this
  // org (first outbound EmailMessage on the Case; survey answers where the org has Surveys), the touchpoint
  // flags run, and only the KPIs that need the missing fields stay off.
  const EXPECTED: Disabled = [
    { rule: 'kpis.satisfaction_per_stage', needs: ['contact.csat'], fix: 'map contact.csat to your survey field in mappings/salesforce.yaml' },
    { rule: 'kpis.nps', needs: ['contact.npsScore'], fix: 'map contact.npsScore to your survey field in mappings/salesforce.yaml' },
    { rule: 'kpis.first_contact_resolution', needs: ['ticket.firstResponseAt'], fix: 'map ticket.firstResponseAt to your first-response date field in mappings/salesforce.yaml' },
  ];

  it('the org has no survey or first-response field', () => {
    const contact = sb.data.query('SELECT Id FROM Contact LIMIT 1')[0] as Record<string, unknown>;
    expect(Object.keys(sb.data.get('Contact', String(contact.Id)) ?? {})).not.toContain('CSAT__c');
  });

  it('setup provisions, reports the disabled rules, and a second setup makes zero writes', { timeout: 90_000 }, async () => {
    const first = await runJson<{ created: string[]; disabled: Disabled }>(['setup', '--crm', 'salesforce'], env);
    expect(first.code).toBe(0);
    expect(first.json.created.length).toBeGreaterThan(0);
    expect(first.json.disabled).toEqual(EXPECTED);

    const before = sb.calls.length;
    const second = await runCli(['setup', '--crm', 'salesforce'], env);
    expect(second.code).toBe(0);
    expect(writes(servedRequests(sb.calls.slice(before)))).toEqual([]);
    expect(second.stdout).toContain('kpis.nps needs contact.npsScore — fix: map contact.npsScore to your survey field in mappings/salesforce.yaml');
    expect(second.stdout).not.toContain('friction.detractor needs');
  });

  it('doctor passes and lists each disabled rule with its fix', async () => {
    const doctor = await runJson<Array<{ id: string; ok: boolean; warning?: boolean; fix?: string }>>(['doctor', '--crm', 'salesforce'], env);
    expect(doctor.code).toBe(0);
    const warnings = doctor.json.filter((c) => c.warning);
    expect(warnings.map((w) => w.id)).toEqual(EXPECTED.map((d) => `rules.disabled.${d.rule}`));
    expect(warnings[1]?.fix).toBe(EXPECTED[1]?.fix);
  });

  it('sync writes every customer with the rest of the rules; the second sync makes zero writes', { timeout: 90_000 }, async () => {
    const first = await runJson<Summary>(['sync', '--crm', 'salesforce'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.json.status).toBe('succeeded');
    expect(first.json.failed).toEqual([]);
    expect(first.json.disabled).toEqual(EXPECTED);
    const customers = [...sb.data.query('SELECT Id, Parcours_Stage__c, Parcours_Friction__c FROM Contact'), ...sb.data.query('SELECT Id, Parcours_Stage__c, Parcours_Friction__c FROM Lead WHERE IsConverted = false')];
    expect(customers.length).toBe(120);
    expect(customers.every((r) => typeof r.Parcours_Stage__c === 'string')).toBe(true);
    // Rules on standard fields hold where they should. Without a first-response field, slow_first_response is
    // measured from the first outbound EmailMessage on the Case; without Surveys, no answer makes a detractor.
    const flags = customers.flatMap((r) => String(r.Parcours_Friction__c ?? '').split(';').filter(Boolean));
    expect(flags).toContain('unresolved_ticket');
    expect(flags).toContain('slow_first_response');
    expect(flags).not.toContain('detractor');

    const before = sb.calls.length;
    const second = await runJson<Summary>(['sync', '--crm', 'salesforce'], env);
    expect(second.code).toBe(0);
    expect(second.json.written).toBe(0);
    expect(second.json.disabled).toEqual(EXPECTED);
    expect(writes(servedRequests(sb.calls.slice(before)))).toEqual([]);

    const text = await runCli(['runs', '--id', String(second.json.runId)], env);
    expect(text.stdout).toContain(`disabled:  ${EXPECTED.length} rules off`);
    expect(text.stdout).toContain('kpis.nps needs contact.npsScore — fix: map contact.npsScore to your survey field in mappings/salesforce.yaml');
  });

  it('the journey map says which rules are off and leaves their KPIs without a figure', { timeout: 90_000 }, async () => {
    const out = join(tempDb(), '..', 'map.json');
    const r = await runCli(['report', '--crm', 'salesforce', '--format', 'json', '--out', out], env);
    expect(r.code).toBe(0);
    const map = JSON.parse(readFileSync(out, 'utf8')) as { disabled: Disabled; journeys: Array<{ kpis: Array<{ id: string; value: number | null; disabled?: { needs: string[] } }>; friction: Array<{ id: string; customers: number }> }> };
    expect(map.disabled).toEqual(EXPECTED);
    const kpis = map.journeys[0]?.kpis ?? [];
    expect(kpis.find((k) => k.id === 'nps')).toMatchObject({ value: null, disabled: { needs: ['contact.npsScore'] } });
    expect(kpis.find((k) => k.id === 'checkout_abandonment')?.disabled).toBeUndefined();
    const html = join(tempDb(), '..', 'map.html');
    expect((await runCli(['report', '--crm', 'salesforce', '--format', 'html', '--out', html], env)).code).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('data-testid="disabled-kpis.nps"');
  });
});

describe('a HubSpot portal without the CSAT survey rollup', () => {
  let sb: HubspotSandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    sb = await startHubspotSandbox({ port: 0, seed: 13, contacts: 120, withoutProperties: { contacts: ['hs_feedback_last_csat_survey_rating'] } });
    env = { HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: sb.accessToken, ...storeEnv() };
  });
  afterAll(async () => {
    await sb.close();
  });

  it('reports the rules on contact.csat disabled and writes the rest', { timeout: 90_000 }, async () => {
    expect((await runCli(['setup', '--crm', 'hubspot'], env)).code).toBe(0);
    const r = await runJson<Summary>(['sync', '--crm', 'hubspot'], env);
    expect(r.code).toBe(0);
    expect(r.json.status).toBe('succeeded');
    expect(r.json.failed).toEqual([]);
    const NO_TOUCHPOINTS = 'this CRM connector does not read touchpoints: the touchpoint rules count as not holding';
    // detractor keeps its NPS branch (an "any" drops only the branches the portal cannot feed).
    expect(r.json.disabled).toEqual([
      ...(r.json.touchpoints?.supported ? [] : ['no_follow_up', 'unanswered_inbound', 'no_show'].map((id) => ({ rule: `friction.${id}`, needs: ['touchpoints'], fix: NO_TOUCHPOINTS }))),
      { rule: 'kpis.satisfaction_per_stage', needs: ['contact.csat'], fix: 'map contact.csat to your survey field in mappings/hubspot.yaml' },
    ]);
    const contacts = sb.data.ids('contacts').map((id) => sb.data.getRecord('contacts', id)?.properties ?? {});
    expect(contacts.every((p) => Boolean(p.parcours_stage))).toBe(true);
    // Detractors by NPS are flagged; the CSAT branch is off, so no one is flagged by CSAT alone.
    const npsDetractor = (p: Record<string, string | undefined>) => p.hs_feedback_last_nps_rating !== undefined && p.hs_feedback_last_nps_rating !== '' && Number(p.hs_feedback_last_nps_rating) <= 6;
    const flagged = (p: Record<string, string | undefined>) => (p.parcours_friction ?? '').split(';').includes('detractor');
    expect(contacts.some(npsDetractor)).toBe(true);
    expect(contacts.filter(npsDetractor).every(flagged)).toBe(true);
    expect(contacts.some((p) => (p.parcours_friction ?? '').split(';').includes('unresolved_ticket'))).toBe(true);

    const text = await runCli(['sync', '--crm', 'hubspot'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('kpis.satisfaction_per_stage needs contact.csat — fix: map contact.csat to your survey field in mappings/hubspot.yaml');
    expect(text.stdout).not.toContain('friction.detractor needs');
  });
});
