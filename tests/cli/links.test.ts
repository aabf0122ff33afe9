/** `parcours link` and `parcours links list|conflicts|remove` (issue 16), the real CLI on a store of its own. */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { tempDb } from '../e2e/cli.ts';
import { runCli } from './in-process.ts';

describe('parcours link / links', () => {
  it('links the environment installations, lists the link, refuses a second link of the same installation', async () => {
    const db = tempDb();
    const env = { PARCOURS_DB: db };
    const made = await runCli(['link', '--hubspot', 'hubspot:default', '--salesforce', 'salesforce:default', '--id', 'acme', '--label', 'ACME', '--json'], env);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ id: 'acme', hubspot: 'hubspot:default', salesforce: 'salesforce:default', source: 'admin', label: 'ACME', matches: 0, conflicts: 0 });
    const list = await runCli(['links', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('acme  hubspot:default + salesforce:default  (admin, ACME)  0 linked customers, 0 conflicts');
    const again = await runCli(['link', '--hubspot', 'hubspot:default', '--salesforce', 'salesforce:default', '--id', 'other'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('installation hubspot:default is already in link "acme"');
    const removed = await runCli(['links', 'remove', 'acme'], env);
    expect(removed.code).toBe(0);
    expect((await runCli(['links', 'list', '--json'], env)).stdout.trim()).toBe('[]');
  });

  it('names the installation that does not exist, or is of the other CRM', async () => {
    const env = { PARCOURS_DB: tempDb() };
    const unknown = await runCli(['link', '--hubspot', 'hubspot:nope', '--salesforce', 'salesforce:default'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error [NOT_FOUND]: hubspot: no installation "hubspot:nope" (hubspot installations: hubspot:default)');
    const crossed = await runCli(['link', '--hubspot', 'salesforce:default', '--salesforce', 'salesforce:default'], env);
    expect(crossed.code).toBe(1);
    expect(crossed.stderr).toContain('hubspot: installation "salesforce:default" is a salesforce installation');
    const missing = await runCli(['link', '--hubspot', 'hubspot:default'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("required option '--salesforce <installation>' not specified");
  });

  it('--link without an id is the environment link, which needs PARCOURS_LINK', async () => {
    const db = tempDb();
    const none = await runCli(['links', 'conflicts'], { PARCOURS_DB: db });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('--link without an id means the environment link, and PARCOURS_LINK is not set');
    const unknownId = await runCli(['links', 'conflicts', '--link', 'nope'], { PARCOURS_DB: db });
    expect(unknownId.code).toBe(1);
    expect(unknownId.stderr).toContain('--link: no link "nope"');
    // The conflicts a linked run kept, as a linked run stores them.
    const store = openStore(db);
    try {
      await store.saveLink({ id: 'default', hubspot: 'hubspot:default', salesforce: 'salesforce:default', source: 'env', label: 'PARCOURS_LINK' });
      await store.replaceLinkIdentity('default', {
        matches: [],
        conflicts: [{ side: 'salesforce', email: 'ana@example.com', records: [{ kind: 'contact', objectType: 'Contact', id: '003000000000001AAA' }, { kind: 'contact', objectType: 'Lead', id: '00Q000000000002AAA' }] }],
      }, Date.now());
    } finally {
      await store.close();
    }
    const r = await runCli(['links', 'conflicts'], { PARCOURS_DB: db, PARCOURS_LINK: 'hubspot,salesforce' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('link default: 1 conflict');
    expect(r.stdout).toContain('salesforce ana@example.com: Contact 003000000000001AAA, Lead 00Q000000000002AAA — evaluated per record, not merged');
    const json = JSON.parse((await runCli(['links', 'conflicts', '--link', 'default', '--json'], { PARCOURS_DB: db })).stdout);
    expect(json.conflicts).toHaveLength(1);
    expect(json.conflicts[0].records.map((x: { id: string }) => x.id)).toEqual(['003000000000001AAA', '00Q000000000002AAA']);
  });
});
