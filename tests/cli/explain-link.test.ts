/** `explain --link --email` (issue 16): both records, how they were matched, and the merged evaluation. */
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { tempDb } from '../e2e/cli.ts';
import { seedLinkedStore } from '../report/linked-fixture.ts';
import { runCli } from './in-process.ts';

const NOW = Date.UTC(2026, 10, 30, 12);
// The stage rules of the HubSpot default read the normalized vocabulary only, which the merged view provides.
const MAPPING = ['--mapping', 'mappings/hubspot.yaml', '--at', new Date(NOW).toISOString()];

describe('parcours explain --link', () => {
  const db = tempDb();
  const env = { PARCOURS_DB: db, PARCOURS_LINK: 'hubspot,salesforce' };
  beforeAll(async () => {
    const store = openStore(db);
    try {
      await seedLinkedStore(store, NOW);
    } finally {
      await store.close();
    }
  });

  it('shows both records, the integration id that matched them, and the merged stage (purchase, citing the Opportunity)', async () => {
    const r = await runCli(['explain', '--link', '--email', ' ANA@example.com ', ...MAPPING], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('customer hubspot:101 — linked by the integration\'s id: HubSpot salesforcecontactid = 003A');
    expect(r.stdout).toContain('HubSpot contacts 101: ana@example.com; lifecycle marketingqualifiedlead');
    expect(r.stdout).toContain('Salesforce Contact 003A: Ana@Example.com');
    expect(r.stdout).toContain('deal Opportunity 006A "Ana – Annual plan": Closed Won, won');
    expect(r.stdout).toContain('merged evaluation (both records as one customer; written to both):');
    expect(r.stdout).toMatch(/stage: purchase.*Ana – Annual plan/);
  });

  it('says an e-mail match (an additional HubSpot address) and a one-sided customer', async () => {
    const cleo = await runCli(['explain', '--link', 'default', '--email', 'cleo@example.com', '--json', ...MAPPING], env);
    expect(cleo.code).toBe(0);
    const j = JSON.parse(cleo.stdout);
    expect(j.customers).toHaveLength(1);
    expect(j.customers[0]).toMatchObject({ key: 'hubspot:103', matched: 'linked by e-mail: cleo@example.com on both records', match: { reason: 'email' } });
    const dan = await runCli(['explain', '--link', '--email', 'dan@example.com', ...MAPPING], env);
    expect(dan.stdout).toContain('customer salesforce:003D — not linked: only in Salesforce');
    expect(dan.stdout).toContain('evaluation (this record alone):');
  });

  it('shows a conflict unmerged: each record evaluated on its own', async () => {
    const r = await runCli(['explain', '--link', '--email', 'eve@example.com', '--json', ...MAPPING], env);
    const j = JSON.parse(r.stdout);
    expect(j.customers.map((c: { key: string }) => c.key).sort()).toEqual(['salesforce:003E', 'salesforce:00QE']);
    for (const c of j.customers) {
      expect(c.hubspot).toBeNull();
      expect(c.matched).toContain('not merged: eve@example.com is on 2 salesforce records (Contact 003E, Lead 00QE)');
    }
  });

  it('names what is missing', async () => {
    const none = await runCli(['explain', '--link', '--email', 'nobody@example.com', ...MAPPING], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no customer of link default has the e-mail nobody@example.com');
    const noEmail = await runCli(['explain', '--link', ...MAPPING], env);
    expect(noEmail.code).toBe(1);
    expect(noEmail.stderr).toContain('explain --link needs --email <address>');
  });
});
