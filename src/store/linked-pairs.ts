/**
 * How a link's customers pair up (issue 16), backend-neutral: the SQLite stream
 * (src/store/linked-customers.ts, synchronous) and the PostgreSQL one (src/store/postgres/links.ts,
 * asynchronous) read pages their own way and pair them with these.
 */
import type { CrmName, Customer, IdentityConflict, IdentityMatch, LinkedCustomer } from '../model.ts';

/** The link's kept identity, held whole while its customers stream. */
export interface LinkIdentity {
  byHubspot: Map<string, IdentityMatch>;
  /** Each record a conflict names → that conflict, per side. */
  conflictOf: Record<CrmName, Map<string, IdentityConflict>>;
  /** Salesforce records already yielded with their HubSpot contact. */
  paired: Set<string>;
}

export function linkIdentity(matches: readonly IdentityMatch[], conflicts: readonly IdentityConflict[]): LinkIdentity {
  const byHubspot = new Map<string, IdentityMatch>();
  for (const m of matches) byHubspot.set(m.hubspot.id, m);
  const conflictOf: Record<CrmName, Map<string, IdentityConflict>> = { hubspot: new Map(), salesforce: new Map() };
  for (const c of conflicts) for (const r of c.records) conflictOf[c.side].set(r.id, c);
  return { byHubspot, conflictOf, paired: new Set() };
}

/** The Salesforce ids a page of HubSpot customers is matched with (one lookup per page). */
export function partnerIds(identity: LinkIdentity, page: readonly Customer[]): string[] {
  return page.flatMap((c) => {
    const m = identity.byHubspot.get(c.contact.id);
    return m ? [m.salesforce.id] : [];
  });
}

/** A page of HubSpot customers, each with its matched Salesforce customer when `partners` holds it. */
export function pairPage(identity: LinkIdentity, page: readonly Customer[], partners: ReadonlyMap<string, Customer>): LinkedCustomer[] {
  const { byHubspot, conflictOf, paired } = identity;
  return page.map((hs) => {
    const m = byHubspot.get(hs.contact.id);
    const sf = m ? partners.get(m.salesforce.id) : undefined;
    // A match whose Salesforce record left the mirror since it was found: the HubSpot side alone.
    if (m && sf) paired.add(sf.contact.id);
    return {
      key: `hubspot:${hs.contact.id}`,
      hubspot: hs,
      salesforce: m && sf ? sf : null,
      match: m && sf ? m : null,
      conflict: conflictOf.hubspot.get(hs.contact.id) ?? (m && sf ? conflictOf.salesforce.get(sf.contact.id) : undefined) ?? null,
    };
  });
}

/** A Salesforce customer on its own (after every HubSpot page); null when it was yielded with its HubSpot contact. */
export function salesforceAlone(identity: LinkIdentity, sf: Customer): LinkedCustomer | null {
  if (identity.paired.has(sf.contact.id)) return null;
  return { key: `salesforce:${sf.contact.id}`, hubspot: null, salesforce: sf, match: null, conflict: identity.conflictOf.salesforce.get(sf.contact.id) ?? null };
}
