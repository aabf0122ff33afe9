/**
 * The customers of a linked installation (issue 16), from the two mirrors and the identity the last
 * linked run kept: each matched pair once (both sides), then every other record of each side alone.
 * Streams a page of HubSpot customers at a time with their matched Salesforce customers (one lookup
 * per page); only the link's match and conflict maps are held whole. Pairing: src/store/linked-pairs.ts.
 */
import type { Customer, LinkedCustomer } from '../model.ts';
import { linkIdentity, pairPage, partnerIds, salesforceAlone } from './linked-pairs.ts';
import type { Links } from './links.ts';
import type { Mirror } from './mirror.ts';
import type { LinkRow } from './types.ts';

export function* linkedCustomers(mirror: Mirror, links: Links, link: LinkRow, pageSize: number, withTouchpoints: boolean): Generator<LinkedCustomer> {
  const identity = linkIdentity(links.matches(link.id), links.conflicts(link.id));
  let page: Customer[] = [];
  const flush = function* (): Generator<LinkedCustomer> {
    const wanted = partnerIds(identity, page);
    const partners = new Map<string, Customer>();
    if (wanted.length > 0) for (const sf of mirror.iterateCustomers(link.salesforce, pageSize, wanted, withTouchpoints)) partners.set(sf.contact.id, sf);
    yield* pairPage(identity, page, partners);
    page = [];
  };
  for (const hs of mirror.iterateCustomers(link.hubspot, pageSize, undefined, withTouchpoints)) {
    page.push(hs);
    if (page.length >= pageSize) yield* flush();
  }
  yield* flush();
  for (const sf of mirror.iterateCustomers(link.salesforce, pageSize, undefined, withTouchpoints)) {
    const alone = salesforceAlone(identity, sf);
    if (alone) yield alone;
  }
}
