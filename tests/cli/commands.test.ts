import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { runCli, tempDb } from '../e2e/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'parcours-cli-'));

describe('parcours mapping check', () => {
  it('accepts both default mappings', async () => {
    for (const crm of ['hubspot', 'salesforce']) {
      const r = await runCli(['mapping', 'check', `mappings/${crm}.yaml`], {});
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`mappings/${crm}.yaml: OK`);
    }
  });

  it('exits 1 and names file, line and path for each problem', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'version: 1\njourneys:\n  - id: default\n    label: J\n    stages:\n      - id: a\n        label: A\n        when:\n          contact.lifecycle: { eqq: lead }\n');
    const r = await runCli(['mapping', 'check', file], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:9 journeys[0].stages[0].when.contact.lifecycle.eqq: unknown operator "eqq"`);
    expect(r.stderr).toMatch(/writeback: required|writeback/);
  });

  it('a sync with a bad mapping fails before any call', async () => {
    const file = join(dir, 'bad2.yaml');
    writeFileSync(file, 'version: 1\njourneys: []\n');
    const r = await runCli(['sync', '--crm', 'hubspot', '--mapping', file], { HUBSPOT_BASE_URL: 'http://127.0.0.1:9', HUBSPOT_ACCESS_TOKEN: 'x', PARCOURS_DB: tempDb() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad2\.yaml:2 journeys:/);
  });
});

describe('parcours explain', () => {
  it('evaluates a customer file and prints the trace', async () => {
    const file = join(dir, 'customer.json');
    writeFileSync(
      file,
      JSON.stringify({
        contact: { id: '42', lifecycle: 'lead', createdAt: '2026-01-01T00:00:00Z' },
        deals: [{
          id: 'd1', name: 'ACME renewal', stage: 'contractsent', isClosed: false, stageEnteredAt: '2026-10-02T09:00:00Z', createdAt: '2026-09-01T00:00:00Z',
          stageHistory: [{ stage: 'contractsent', at: '2026-10-02T09:00:00Z' }, { stage: 'qualifiedtobuy', at: '2026-09-01T00:00:00Z' }],
        }],
      }),
    );
    const r = await runCli(['explain', '--mapping', 'mappings/hubspot.yaml', '--customer', file, '--at', '2026-11-23T12:00:00Z'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('stage: decision — decision: deal "ACME renewal" in stage contractsent since 2026-10-02; lifecycle lead');
    // The entry time and the stays the CRM's dates show, as a first sync would write and backfill them.
    expect(r.stdout).toContain("stage entry by the CRM's dates: since 2026-10-02, deal entered contractsent");
    expect(r.stdout).toMatch(/ {2}2026-01-01 awareness — contact created\n {2}2026-09-01 consideration — deal entered qualifiedtobuy\n {2}2026-10-02 decision — deal entered contractsent/);
    expect(r.stdout).toContain('stalled_deal on deal/d1');
    expect(r.stdout).toMatch(/✔ decision: any of/);
  });

  it('shows a customer file\'s touchpoints, oldest first, and which ones each rule used (text and --json)', async () => {
    const file = join(dir, 'customer-touchpoints.json');
    writeFileSync(
      file,
      JSON.stringify({
        contact: { id: '7', lifecycle: 'lead', createdAt: '2026-01-01T00:00:00Z' },
        // Any order in the file; explain sorts them.
        touchpoints: [
          { id: 'm1', objectType: 'meetings', channel: 'meeting', direction: 'outbound', at: '2026-11-20T10:00:00Z', outcome: 'no_show', rawOutcome: 'NO_SHOW' },
          { id: 'e1', objectType: 'emails', channel: 'email', direction: 'inbound', at: '2026-11-18T08:30:00Z', rawChannel: 'INCOMING_EMAIL' },
          { id: 'e2', objectType: 'emails', channel: 'email', direction: 'outbound', at: '2026-11-19T09:00:00Z', outcome: 'sent' },
        ],
      }),
    );
    const at = ['--at', '2026-11-23T12:00:00Z'];
    const r = await runCli(['explain', '--mapping', 'mappings/hubspot.yaml', '--customer', file, ...at], {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/touchpoints \(3, oldest first\):\n {2}#1 email inbound 2026-11-18 08:30 — emails\/e1\n {2}#2 email outbound 2026-11-19 09:00 \(sent\) — emails\/e2\n {2}#3 meeting outbound 2026-11-20 10:00 \(no_show\) — meetings\/m1/);
    // The reply came 24 h 30 min after the inbound email: unanswered within 24 h.
    expect(r.stdout).toContain('unanswered_inbound: inbound email on 2026-11-18 08:30 with no outbound reply within 24 h');
    expect(r.stdout).toContain('touchpoints the rules used:\n  unanswered_inbound: #1 emails/e1\n  no_show: #3 meetings/m1');
    const j = await runCli(['explain', '--mapping', 'mappings/hubspot.yaml', '--customer', file, ...at, '--json'], {});
    const state = JSON.parse(j.stdout) as { touchpoints: Array<{ id: string }>; touchpointsUsed: Record<string, string[]> };
    expect(state.touchpoints.map((t) => t.id)).toEqual(['e1', 'e2', 'm1']);
    expect(state.touchpointsUsed).toEqual({ unanswered_inbound: ['emails/e1'], no_show: ['meetings/m1'] });
  });

  it('names the bad field of a customer file', async () => {
    const file = join(dir, 'bad-customer.json');
    writeFileSync(file, JSON.stringify({ contact: { id: '1', createdAt: 'yesterday' } }));
    const r = await runCli(['explain', '--customer', file], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('contact.createdAt: not a date: "yesterday"');
  });

  describe('live from the CRM', () => {
    let hs: HubspotSandbox;
    let sf: SalesforceSandbox;
    beforeAll(async () => {
      hs = await startHubspotSandbox({ port: 0, seed: 4, contacts: 40 });
      sf = await startSalesforceSandbox({ port: 0, seed: 4, contacts: 40 });
    });
    afterAll(async () => {
      await hs.close();
      await sf.close();
    });

    it('fetches a HubSpot contact with its deals and tickets', async () => {
      const id = hs.data.ids('contacts').find((c) => hs.data.associated('contacts', c, 'deals').length > 0) as string;
      const r = await runCli(['explain', '--crm', 'hubspot', '--contact', id, '--json'], { HUBSPOT_BASE_URL: hs.url, HUBSPOT_ACCESS_TOKEN: hs.accessToken, PARCOURS_DB: tempDb() });
      expect(r.code).toBe(0);
      const state = JSON.parse(r.stdout) as { contactId: string; stage: { id: string; reason: string } };
      expect(state.contactId).toBe(id);
      expect(state.stage.reason.startsWith(`${state.stage.id}: `)).toBe(true);
    });

    it('fetches a Salesforce contact', async () => {
      const [c] = sf.data.query('SELECT Id FROM Contact LIMIT 1');
      const r = await runCli(['explain', '--crm', 'salesforce', '--contact', String(c?.Id)], { SALESFORCE_INSTANCE_URL: sf.url, SALESFORCE_ACCESS_TOKEN: sf.accessToken, PARCOURS_DB: tempDb() });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`customer Contact/${String(c?.Id)}`);
    });

    it('says which contact does not exist', async () => {
      const r = await runCli(['explain', '--crm', 'hubspot', '--contact', '99999999'], { HUBSPOT_BASE_URL: hs.url, HUBSPOT_ACCESS_TOKEN: hs.accessToken, PARCOURS_DB: tempDb() });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('99999999');
    });
  });
});

describe('configuration errors', () => {
  it('names the missing variable without printing secrets', async () => {
    const r = await runCli(['sync', '--crm', 'salesforce'], { SALESFORCE_CLIENT_SECRET: 'super-secret-value', PARCOURS_DB: tempDb() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Salesforce credentials are missing');
    expect(r.stderr).not.toContain('super-secret-value');
  });
});
