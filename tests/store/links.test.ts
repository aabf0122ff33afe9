import { describe, expect, it } from 'vitest';
import type { IdentityConflict, IdentityMatch } from '../../src/model.ts';
import { contact, deal } from './fixtures.ts';
import { storeBackends } from './backends.ts';

const backends = storeBackends();

const HS = 'hubspot:default';
const SF = 'salesforce:default';

function sfContact(id: string, over: Parameters<typeof contact>[1] = {}) {
  return contact(id, { objectType: 'Contact', raw: {}, lifecycle: null, ...over });
}

const match = (hubspot: string, salesforce: string, reason: IdentityMatch['reason'], objectType = 'Contact'): IdentityMatch => ({
  hubspot: { kind: 'contact', objectType: 'contacts', id: hubspot },
  salesforce: { kind: 'contact', objectType, id: salesforce },
  reason,
  email: reason === 'email' ? `${hubspot}@example.com` : null,
});

describe.each(backends)('linked installations in the store (issue 16) ($name)', (backend) => {
  it('creates, lists, finds, re-saves and removes a link', async () => {
    const store = await backend.open({ now: () => 100 });
    const saved = await store.saveLink({ id: 'default', hubspot: HS, salesforce: SF, source: 'env', label: 'Environment' });
    expect(saved).toEqual({ id: 'default', hubspot: HS, salesforce: SF, source: 'env', label: 'Environment', createdAt: 100, updatedAt: 100 });
    expect((await store.listLinks()).map((l) => l.id)).toEqual(['default']);
    expect((await store.getLink('default'))?.salesforce).toBe(SF);
    expect((await store.linkOf(SF))?.id).toBe('default');
    expect(await store.linkOf('hubspot:other')).toBeUndefined();
    expect(await store.removeLink('default')).toBe(true);
    expect(await store.removeLink('default')).toBe(false);
    expect(await store.listLinks()).toEqual([]);
  });

  it('keeps each installation in one link and checks the sides against stored installations', async () => {
    const store = await backend.open();
    await store.saveLink({ id: 'a', hubspot: HS, salesforce: SF, source: 'admin', label: 'A' });
    await expect(store.saveLink({ id: 'b', hubspot: HS, salesforce: 'salesforce:other', source: 'admin', label: 'B' })).rejects.toThrow(/already in link a/);
    await store.saveInstallation({ id: 'sf-oauth', crm: 'salesforce', externalId: '00D1', source: 'oauth', label: 'org', secrets: null });
    await expect(store.saveLink({ id: 'c', hubspot: 'sf-oauth', salesforce: 'salesforce:x', source: 'admin', label: 'C' })).rejects.toThrow(/is a salesforce installation, not hubspot/);
    await expect(store.saveLink({ id: 'bad id!', hubspot: 'h', salesforce: 's', source: 'admin', label: 'x' })).rejects.toThrow(/link id/);
  });

  it('replaces the identity in one go and reads matches and conflicts back; re-pointing a link forgets it', async () => {
    const store = await backend.open();
    await store.saveLink({ id: 'default', hubspot: HS, salesforce: SF, source: 'env', label: 'Environment' });
    const conflict: IdentityConflict = {
      side: 'salesforce',
      email: 'dup@example.com',
      records: [
        { kind: 'contact', objectType: 'Contact', id: '003A' },
        { kind: 'contact', objectType: 'Lead', id: '00QB' },
      ],
    };
    await store.replaceLinkIdentity('default', { matches: [match('1', '003X', 'integration-id'), match('2', '00QY', 'email', 'Lead')], conflicts: [conflict] }, 5);
    expect(await store.linkMatches('default')).toEqual([match('1', '003X', 'integration-id'), match('2', '00QY', 'email', 'Lead')]);
    expect(await store.linkConflicts('default')).toEqual([conflict]);
    expect((await store.linkMatchOf('default', 'salesforce', '00QY'))?.hubspot.id).toBe('2');
    expect((await store.linkMatchOf('default', 'hubspot', '1'))?.reason).toBe('integration-id');
    await store.replaceLinkIdentity('default', { matches: [match('1', '003X', 'email')], conflicts: [] }, 6);
    expect((await store.linkMatches('default')).map((m) => m.reason)).toEqual(['email']);
    expect(await store.linkConflicts('default')).toEqual([]);
    // One Salesforce record in two matches is refused, and the identity before stays.
    await expect(store.replaceLinkIdentity('default', { matches: [match('1', '003X', 'email'), match('2', '003X', 'email')], conflicts: [] }, 7)).rejects.toThrow();
    expect(await store.linkMatches('default')).toHaveLength(1);
    await store.saveLink({ id: 'default', hubspot: HS, salesforce: 'salesforce:other', source: 'env', label: 'Environment' });
    expect(await store.linkMatches('default')).toEqual([]);
  });

  it('streams each matched pair once, then each side alone, with conflicts attached', async () => {
    const store = await backend.open();
    await store.saveLink({ id: 'default', hubspot: HS, salesforce: SF, source: 'env', label: 'Environment' });
    await store.applyPullBatch(HS, { kind: 'contact', records: [contact('1'), contact('2'), contact('3')], removed: [] });
    await store.applyPullBatch(HS, { kind: 'deal', records: [deal('d1', ['1'])], removed: [] });
    await store.applyPullBatch(SF, { kind: 'contact', records: [sfContact('003X'), sfContact('003Y'), sfContact('003Z')], removed: [] });
    await store.applyPullBatch(SF, { kind: 'deal', records: [deal('006A', ['003X'], { objectType: 'Opportunity' })], removed: [] });
    await store.replaceLinkIdentity('default', {
      matches: [match('1', '003X', 'email')],
      conflicts: [{ side: 'hubspot', email: 'same@example.com', records: [{ kind: 'contact', objectType: 'contacts', id: '2' }, { kind: 'contact', objectType: 'contacts', id: '3' }] }],
    }, 1);
    const seen = (await Array.fromAsync(store.iterateLinkedCustomers('default', { pageSize: 2 }))).map((c) => ({
      key: c.key,
      hubspot: c.hubspot?.contact.id ?? null,
      salesforce: c.salesforce?.contact.id ?? null,
      deals: [...(c.hubspot?.deals ?? []), ...(c.salesforce?.deals ?? [])].map((d) => d.id),
      reason: c.match?.reason ?? null,
      conflict: c.conflict?.email ?? null,
    }));
    expect(seen).toEqual([
      { key: 'hubspot:1', hubspot: '1', salesforce: '003X', deals: ['d1', '006A'], reason: 'email', conflict: null },
      { key: 'hubspot:2', hubspot: '2', salesforce: null, deals: [], reason: null, conflict: 'same@example.com' },
      { key: 'hubspot:3', hubspot: '3', salesforce: null, deals: [], reason: null, conflict: 'same@example.com' },
      { key: 'salesforce:003Y', hubspot: null, salesforce: '003Y', deals: [], reason: null, conflict: null },
      { key: 'salesforce:003Z', hubspot: null, salesforce: '003Z', deals: [], reason: null, conflict: null },
    ]);
    await expect(Array.fromAsync(store.iterateLinkedCustomers('nope'))).rejects.toThrow(/no link nope/);
  });

  it('records a converted Lead as an alias of its Contact', async () => {
    const store = await backend.open();
    await store.applyPullBatch(SF, { kind: 'contact', records: [sfContact('00QL', { objectType: 'Lead' })], removed: [] });
    await store.applyPullBatch(SF, {
      kind: 'contact',
      records: [sfContact('003C')],
      removed: [],
      handovers: [{ from: { kind: 'contact', objectType: 'Lead', id: '00QL' }, to: { kind: 'contact', objectType: 'Contact', id: '003C' }, at: 9 }],
    });
    expect(await store.resolveAliases(SF, ['00QL', '003C'])).toEqual(new Map([['00QL', '003C']]));
    expect((await Array.fromAsync(store.iterateContacts(SF))).map((c) => c.id)).toEqual(['003C']);
  });
});
