import { describe, expect, it } from 'vitest';
import { contactEmails, matchIdentities, normalizeEmail } from '../../src/journey/identity.ts';
import type { ContactRecord } from '../../src/model.ts';

function hs(id: string, email: string | null, over: Partial<ContactRecord> = {}): ContactRecord {
  return {
    kind: 'contact', id, objectType: 'contacts', raw: {}, updatedAt: null, email, name: null, createdAt: null, lifecycle: null,
    source: null, country: null, industry: null, employees: null, npsScore: null, csat: null, ...over,
  };
}
const sf = (id: string, email: string | null, objectType: 'Contact' | 'Lead' = 'Contact'): ContactRecord => hs(id, email, { objectType });
const ids = (salesforceContactId: string | null, salesforceLeadId: string | null = null) => ({ integrationIds: { salesforceContactId, salesforceLeadId } });

describe('identity across a linked pair (issue 16)', () => {
  it('normalizes addresses: trimmed, lower case, empty is none; additional addresses after the primary, each once', () => {
    expect(normalizeEmail('  Ada@Example.COM ')).toBe('ada@example.com');
    expect(normalizeEmail('   ')).toBeNull();
    expect(normalizeEmail(null)).toBeNull();
    expect(contactEmails(hs('1', 'A@x.io', { additionalEmails: ['b@x.io', ' a@X.io', ''] }))).toEqual(['a@x.io', 'b@x.io']);
  });

  it('matches by the integration ids first, and they win over a different e-mail match', () => {
    const { matches } = matchIdentities(
      [hs('1', 'ada@x.io', ids('003B')), hs('2', 'bob@x.io')],
      [sf('003A', 'ada@x.io'), sf('003B', 'other@x.io'), sf('003C', 'BOB@x.io ')],
    );
    expect(matches).toEqual([
      { hubspot: { kind: 'contact', objectType: 'contacts', id: '1' }, salesforce: { kind: 'contact', objectType: 'Contact', id: '003B' }, reason: 'integration-id', email: null },
      { hubspot: { kind: 'contact', objectType: 'contacts', id: '2' }, salesforce: { kind: 'contact', objectType: 'Contact', id: '003C' }, reason: 'email', email: 'bob@x.io' },
    ]);
  });

  it('uses the Lead id when there is no Contact id, and follows a converted Lead to its Contact', () => {
    const lead = matchIdentities([hs('1', null, ids(null, '00QL'))], [sf('00QL', null, 'Lead')]);
    expect(lead.matches.map((m) => [m.salesforce.objectType, m.salesforce.id, m.reason])).toEqual([['Lead', '00QL', 'integration-id']]);
    const converted = matchIdentities([hs('1', null, ids(null, '00QL'))], [sf('003C', null)], { aliases: new Map([['00QL', '003C']]) });
    expect(converted.matches.map((m) => [m.salesforce.id, m.reason])).toEqual([['003C', 'integration-id']]);
    // An id naming a record the mirror does not hold falls back to the e-mail.
    const stale = matchIdentities([hs('1', 'ada@x.io', ids('003GONE'))], [sf('003A', 'ada@x.io')]);
    expect(stale.matches.map((m) => [m.salesforce.id, m.reason])).toEqual([['003A', 'email']]);
  });

  it('matches an additional HubSpot address to a Salesforce Email', () => {
    const { matches } = matchIdentities([hs('1', 'home@x.io', { additionalEmails: ['work@corp.io'] })], [sf('00QW', 'Work@Corp.io', 'Lead')]);
    expect(matches.map((m) => [m.hubspot.id, m.salesforce.id, m.email])).toEqual([['1', '00QW', 'work@corp.io']]);
  });

  it('reports one address on several records of a side as a conflict and merges none of them by e-mail', () => {
    const r = matchIdentities(
      [hs('1', 'dup@x.io'), hs('2', 'DUP@x.io'), hs('3', 'solo@x.io'), hs('4', 'twin@x.io')],
      [sf('003A', 'dup@x.io'), sf('003B', 'solo@x.io'), sf('003T', 'twin@x.io'), sf('00QT', 'twin@x.io', 'Lead')],
    );
    expect(r.matches.map((m) => [m.hubspot.id, m.salesforce.id])).toEqual([['3', '003B']]);
    expect(r.conflicts).toEqual([
      { side: 'hubspot', email: 'dup@x.io', records: [{ kind: 'contact', objectType: 'contacts', id: '1' }, { kind: 'contact', objectType: 'contacts', id: '2' }] },
      { side: 'salesforce', email: 'twin@x.io', records: [{ kind: 'contact', objectType: 'Contact', id: '003T' }, { kind: 'contact', objectType: 'Lead', id: '00QT' }] },
    ]);
  });

  it('an integration-id match stands for a record in a conflict; each Salesforce record is matched once', () => {
    const r = matchIdentities([hs('1', 'dup@x.io', ids('003A')), hs('2', 'dup@x.io', ids('003A'))], [sf('003A', 'dup@x.io')]);
    expect(r.matches.map((m) => [m.hubspot.id, m.salesforce.id, m.reason])).toEqual([['1', '003A', 'integration-id']]);
    expect(r.conflicts.map((c) => [c.side, c.email])).toEqual([['hubspot', 'dup@x.io']]);
  });

  it('never matches on anything but ids and addresses', () => {
    const r = matchIdentities([hs('1', null, { name: 'Ada Lovelace' }), hs('2', 'ada@x.io')], [sf('003A', null), sf('003B', 'ada@y.io')]);
    expect(r.matches).toEqual([]);
    expect(r.conflicts).toEqual([]);
  });
});
