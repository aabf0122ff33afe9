import { describe, expect, it } from 'vitest';
import type { IdentityConflict, IdentityMatch } from '../../src/model.ts';
import { openStore } from '../../src/store/index.ts';
import { contact, deal } from './fixtures.ts';

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

describe('linked installations in the store (issue 16)', () => {
  it('creates, lists, finds, re-saves and removes a link', () => {
    const store = openStore(':memory:', { now: () => 100 });
    const saved = store.saveLink({ id: 'default', hubspot: HS, salesforce: SF, source: 'env', label: 'Environment' });
    expect(saved).toEqual({ id: 'default', hubspot: HS, salesforce: SF, source: 'env', label: 'Environment', createdAt: 100, updatedAt: 100 });
    expect(store.listLinks().map((l) => l.id)).toEqual(['default']);
    expect(store.getLink('default')?.salesforce).toBe(SF);
    expect(store.linkOf(SF)?.id).toBe('default');
    expect(store.linkOf('hubspot:other')).toBeUndefined();
    expect(store.removeLink('default')).toBe(true);
    expect(store.removeLink('default')).toBe(false);
    expect(store.listLinks()).toEqual([]);
  });

  it('keeps each installation in one link and checks the sides against stored installations', () => {
    const store = openStore(':memory:');
    store.saveLink({ id: 'a', hubspot: HS, salesforce: SF, source: 'admin', label: 'A' });
    expect(() => store.saveLink({ id: 'b', hubspot: HS, salesforce: 'salesforce:other', source: 'admin', label: 'B' })).toThrow(/already in link a/);
    store.saveInstallation({ id: 'sf-oauth', crm: 'salesforce', externalId: '00D1', source: 'oauth', label: 'org', secrets: null });
    expect(() => store.saveLink({ id: 'c', hubspot: 'sf-oauth', salesforce: 'salesforce:x', source: 'admin', label: 'C' })).toThrow(/is a salesforce installation, not hubspot/);
    expect(() => store.saveLink({ id: 'bad id!', hubspot: 'h', salesforce: 's', source: 'admin', label: 'x' })).toThrow(/link id/);
  });

  it('replaces the identity in one go and reads matches and conflicts back; re-pointing a link forgets it', () => {
    const store = openStore(':memory:');
    store.saveLink({ id: 'default', hubspot: HS, salesforce: SF, source: 'env', label: 'Environment' });
    const conflict: IdentityConflict = {
      side: 'salesforce',
      email: 'dup@example.com',
      records: [
        { kind: 'contact', objectType: 'Contact', id: '003A' },
        { kind: 'contact', objectType: 'Lead', id: '00QB' },
      ],
    };
    store.replaceLinkIdentity('default', { matches: [match('1', '003X', 'integration-id'), match('2', '00QY', 'email', 'Lead')], conflicts: [conflict] }, 5);
    expect(store.linkMatches('default')).toEqual([match('1', '003X', 'integration-id'), match('2', '00QY', 'email', 'Lead')]);
    expect(store.linkConflicts('default')).toEqual([conflict]);
    expect(store.linkMatchOf('default', 'salesforce', '00QY')?.hubspot.id).toBe('2');
    expect(store.linkMatchOf('default', 'hubspot', '1')?.reason).toBe('integration-id');
    store.replaceLinkIdentity('default', { matches: [match('1', '003X', 'email')], conflicts: [] }, 6);
    expect(store.linkMatches('default').map((m) => m.reason)).toEqual(['email']);
    expect(store.linkConflicts('default')).toEqual([]);
    // One Salesforce record in two matches is refused, and the identity before stays.
    expect(() => store.replaceLinkIdentity('default', { matches: [match('1', '003X', 'email'), match('2', '003X', 'email')], conflicts: [] }, 7)).toThrow();
    expect(store.linkMatches('default')).toHaveLength(1);
    store.saveLink({ id: 'default', hubspot: HS, salesforce: 'salesforce:other', source: 'env', label: 'Environment' });
    expect(store.linkMatches('default')).toEqual([]);
  });

  it('streams each matched pair once, then each side alone, with conflicts attached', () => {
    const store = openStore(':memory:');
    store.saveLink({ id: 'default', hubspot: HS, salesforce: SF, source: 'env', label: 'Environment' });
    store.applyPullBatch(HS, { kind: 'contact', records: [contact('1'), contact('2'), contact('3')], removed: [] });
    store.applyPullBatch(HS, { kind: 'deal', records: [deal('d1', ['1'])], removed: [] });
    store.applyPullBatch(SF, { kind: 'contact', records: [sfContact('003X'), sfContact('003Y'), sfContact('003Z')], removed: [] });
    store.applyPullBatch(SF, { kind: 'deal', records: [deal('006A', ['003X'], { objectType: 'Opportunity' })], removed: [] });
    store.replaceLinkIdentity('default', {
      matches: [match('1', '003X', 'email')],
      conflicts: [{ side: 'hubspot', email: 'same@example.com', records: [{ kind: 'contact', objectType: 'contacts', id: '2' }, { kind: 'contact', objectType: 'contacts', id: '3' }] }],
    }, 1);
    const seen = [...store.iterateLinkedCustomers('default', { pageSize: 2 })].map((c) => ({
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
    expect(() => [...store.iterateLinkedCustomers('nope')]).toThrow(/no link nope/);
  });

  it('records a converted Lead as an alias of its Contact', () => {
    const store = openStore(':memory:');
    store.applyPullBatch(SF, { kind: 'contact', records: [sfContact('00QL', { objectType: 'Lead' })], removed: [] });
    store.applyPullBatch(SF, {
      kind: 'contact',
      records: [sfContact('003C')],
      removed: [],
      handovers: [{ from: { kind: 'contact', objectType: 'Lead', id: '00QL' }, to: { kind: 'contact', objectType: 'Contact', id: '003C' }, at: 9 }],
    });
    expect(store.resolveAliases(SF, ['00QL', '003C'])).toEqual(new Map([['00QL', '003C']]));
    expect([...store.iterateContacts(SF)].map((c) => c.id)).toEqual(['003C']);
  });
});
