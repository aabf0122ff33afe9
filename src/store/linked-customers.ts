/**
 * The customers of a linked installation (issue 16), from the two mirrors and the identity the last
 * linked run kept: each matched pair once (both sides), then every other record of each side alone.
 * Streams a page of HubSpot customers at a time with their matched Salesforce customers (one lookup
 * per page); only the link's match and conflict maps are held whole.
 */
import type { CrmName, Customer, IdentityConflict, IdentityMatch, LinkedCustomer } from '../model.ts';
import type { Links } from './links.ts';
import type { Mirror } from './mirror.ts';
import type { LinkRow } from './types.ts';

export function* linkedCustomers(mirror: Mirror, links: Links, link: LinkRow, pageSize: number, withTouchpoints: boolean): Generator<LinkedCustomer> {
  const bySalesforce = new Map<string, IdentityMatch>();
  const byHubspot = new Map<string, IdentityMatch>();
  for (const m of links.matches(link.id)) {
    byHubspot.set(m.hubspot.id, m);
    bySalesforce.set(m.salesforce.id, m);
  }
  const conflictOf: Record<CrmName, Map<string, IdentityConflict>> = { hubspot: new Map(), salesforce: new Map() };
  for (const c of links.conflicts(link.id)) for (const r of c.records) conflictOf[c.side].set(r.id, c);
  // Salesforce records already yielded with their HubSpot contact.
  const paired = new Set<string>();

  let page: Customer[] = [];
  const flush = function* (): Generator<LinkedCustomer> {
    const wanted = page.flatMap((c) => {
      const m = byHubspot.get(c.contact.id);
      return m ? [m.salesforce.id] : [];
    });
    const partners = new Map<string, Customer>();
    if (wanted.length > 0) for (const sf of mirror.iterateCustomers(link.salesforce, pageSize, wanted, withTouchpoints)) partners.set(sf.contact.id, sf);
    for (const hs of page) {
      const m = byHubspot.get(hs.contact.id);
      const sf = m ? partners.get(m.salesforce.id) : undefined;
      // A match whose Salesforce record left the mirror since it was found: the HubSpot side alone.
      if (m && sf) paired.add(sf.contact.id);
      yield {
        key: `hubspot:${hs.contact.id}`,
        hubspot: hs,
        salesforce: m && sf ? sf : null,
        match: m && sf ? m : null,
        conflict: conflictOf.hubspot.get(hs.contact.id) ?? (m && sf ? conflictOf.salesforce.get(sf.contact.id) : undefined) ?? null,
      };
    }
    page = [];
  };
  for (const hs of mirror.iterateCustomers(link.hubspot, pageSize, undefined, withTouchpoints)) {
    page.push(hs);
    if (page.length >= pageSize) yield* flush();
  }
  yield* flush();
  for (const sf of mirror.iterateCustomers(link.salesforce, pageSize, undefined, withTouchpoints)) {
    if (paired.has(sf.contact.id)) continue;
    yield { key: `salesforce:${sf.contact.id}`, hubspot: null, salesforce: sf, match: null, conflict: conflictOf.salesforce.get(sf.contact.id) ?? null };
  }
}
