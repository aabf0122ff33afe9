/**
 * `doctor --link` (issue 16) against the linked sandbox pair: each side's own preflight (ids prefixed by side), the
 * link's identity, and the echo check — a value Parcours wrote on one side arriving on the other without Parcours.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLinkedSandboxes, type LinkedSandboxes } from '../../sandbox/linked.ts';
import { openStore } from '../../src/store/index.ts';
import { salesforceEnv, tempDb } from '../e2e/cli.ts';
import { contact } from '../store/fixtures.ts';
import { runCli } from './in-process.ts';

describe('parcours doctor --link', () => {
  let sb: LinkedSandboxes;
  let env: Record<string, string>;
  beforeAll(async () => {
    sb = await startLinkedSandboxes({ seed: 5, contacts: 30 });
    const db = tempDb();
    env = { PARCOURS_DB: db, PARCOURS_LINK: 'hubspot,salesforce', HUBSPOT_BASE_URL: sb.hubspot.url, HUBSPOT_ACCESS_TOKEN: sb.hubspot.accessToken, ...salesforceEnv(sb.salesforce) };
    // What two linked runs left in the store: one pair; Parcours wrote "decision" then "purchase" on both sides,
    // and the Salesforce side shows "decision" again — copied back from HubSpot by the integration.
    const store = openStore(db);
    try {
      await store.saveLink({ id: 'default', hubspot: 'hubspot:default', salesforce: 'salesforce:default', source: 'env', label: 'PARCOURS_LINK' });
      await store.replaceLinkIdentity('default', { matches: [{ hubspot: { kind: 'contact', objectType: 'contacts', id: '101' }, salesforce: { kind: 'contact', objectType: 'Contact', id: '003A' }, reason: 'integration-id', email: null }], conflicts: [] }, 1000);
      await store.applyPullBatch('hubspot:default', { kind: 'contact', records: [contact('101', { raw: { parcours_stage: 'purchase' } })], removed: [], cursor: { after: '101' } });
      await store.applyPullBatch('salesforce:default', { kind: 'contact', records: [contact('003A', { objectType: 'Contact', raw: { Parcours_Stage__c: 'decision' } })], removed: [], cursor: { after: '003A' } });
      for (const [installation, crm, id, field] of [['hubspot:default', 'hubspot', '101', 'parcours_stage'], ['salesforce:default', 'salesforce', '003A', 'Parcours_Stage__c']] as const) {
        const r1 = await store.startRun({ installation, crm, mode: 'full', dryRun: false, startedAt: 100 });
        await store.recordWrites(installation, r1, [{ kind: 'contact', id, before: {}, after: { [field]: 'decision' } }], 110);
        const r2 = await store.startRun({ installation, crm, mode: 'incremental', dryRun: false, startedAt: 200 });
        await store.recordWrites(installation, r2, [{ kind: 'contact', id, before: { [field]: 'decision' }, after: { [field]: 'purchase' } }], 210);
      }
    } finally {
      await store.close();
    }
  }, 120_000);
  afterAll(async () => {
    await sb?.close();
  });

  it('checks both sides and warns of the echo with the records and the fix', async () => {
    const r = await runCli(['doctor', '--link', '--json'], env);
    expect(r.stderr).toBe('');
    const checks = JSON.parse(r.stdout) as Array<{ id: string; ok: boolean; warning?: boolean; detail: string; fix?: string; examples?: string[] }>;
    const ids = checks.map((c) => c.id);
    expect(ids.some((i) => i.startsWith('hubspot.'))).toBe(true);
    expect(ids.some((i) => i.startsWith('salesforce.'))).toBe(true);
    expect(checks.find((c) => c.id === 'link.identity')?.detail).toBe('link default: 1 linked customers, 0 conflicts at the last linked run');
    const echo = checks.find((c) => c.id === 'link.echo');
    expect(echo).toMatchObject({ warning: true });
    expect(echo?.detail).toContain('1 owned field value arrived on one side that Parcours did not write there but wrote on the other side (of 1 linked customers)');
    expect(echo?.fix).toContain("Don't sync");
    expect(echo?.examples?.[0]).toContain('salesforce Contact 003A Parcours_Stage__c = "decision" (Parcours wrote "purchase" there; it wrote this on hubspot contacts 101 parcours_stage');
  }, 120_000);

  it('setup --link provisions both sides, each with its own names', async () => {
    const r = await runCli(['setup', '--link', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { link: string; hubspot: { created: string[] }; salesforce: { created: string[] } };
    expect(j.link).toBe('default');
    expect(j.hubspot.created.join(' ')).toContain('parcours_stage');
    expect(j.salesforce.created.join(' ')).toContain('Parcours_Stage__c');
    const again = await runCli(['setup', '--link'], env);
    expect(again.stdout).toMatch(/setup hubspot: 0 created/);
    expect(again.stdout).toMatch(/setup salesforce: 0 created/);
  }, 120_000);

  it('refuses --crm and --link together', async () => {
    const r = await runCli(['doctor', '--link', '--crm', 'hubspot'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--crm and --link: give one');
  });
});
