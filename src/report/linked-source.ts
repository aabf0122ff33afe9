/**
 * The journey map of a linked installation (issue 16): customers from both mirrors as the link's kept identity
 * pairs them (src/store `iterateLinkedCustomers`), each evaluated once from its merged view; the ledger and
 * segment events of a linked person are its HubSpot side's (the same stage and segments go to both sides, so the
 * Salesforce side's rows would count the person twice); one-sided customers keep their own side's rows.
 * While the collector streams, it counts who is linked and which CRM each deal, ticket and touchpoint came from.
 */
import { mergeLinkedCustomer } from '../journey/linked.ts';
import type { CrmName, Customer, JourneyState, LinkedCustomer } from '../model.ts';
import type { ContactStay, LinkRow, Store } from '../store/types.ts';
import type { ReportSource } from './collect.ts';
import type { LinkReport } from './schema.ts';

export interface LinkedReportSource {
  source: ReportSource;
  /** For CollectOptions.onCustomer: counts the customer in the link block. */
  onCustomer(customer: Customer, state: JourneyState): void;
  /** The link block, once the collector has streamed every customer. */
  result(): Promise<LinkReport>;
}

const zero = (): Record<CrmName, number> => ({ hubspot: 0, salesforce: 0 });

export function linkedReportSource(store: Store, link: LinkRow): LinkedReportSource {
  // The identity of each customer the collector is about to evaluate, by merged contact id.
  const identity = new Map<string, LinkedCustomer>();
  const counts = { customers: 0, linked: 0, matchedBy: { 'integration-id': 0, email: 0 }, unlinked: 0, unlinkedBySide: zero(), conflicting: 0 };
  const bySource = new Map<string, LinkReport['bySource'][number]>();
  // Salesforce records paired with a HubSpot contact: their ledger rows are the merged customer's, counted once.
  let paired: Promise<Set<string>> | undefined;
  const pairedSalesforce = async (id: string): Promise<boolean> => {
    paired ??= store.linkMatches(link.id).then((matches) => new Set(matches.map((m) => m.salesforce.id)));
    return (await paired).has(id);
  };

  const source: ReportSource = {
    async *customers() {
      for await (const lc of store.iterateLinkedCustomers(link.id, { touchpoints: true })) {
        const merged = mergeLinkedCustomer(lc);
        identity.set(merged.contact.id, lc);
        yield merged;
        identity.delete(merged.contact.id);
      }
    },
    async *stageHistory() {
      yield* store.iterateStageHistory(link.hubspot);
      for await (const row of store.iterateStageHistory(link.salesforce)) if (!await pairedSalesforce(row.contactId)) yield row;
    },
    async *segmentEvents(since) {
      yield* store.iterateSegmentEvents(link.hubspot, since);
      for await (const e of store.iterateSegmentEvents(link.salesforce, since)) if (!await pairedSalesforce(e.contactId)) yield e;
    },
    async staysOf(ids) {
      const out = new Map<string, ContactStay[]>(await store.stageStaysOf(link.hubspot, ids));
      for (const [id, stays] of await store.stageStaysOf(link.salesforce, ids.filter((x) => !out.has(x)))) out.set(id, stays);
      return out;
    },
    async taskEpisodes() {
      const episodes = [...(await store.allTaskEpisodes(link.hubspot)), ...(await store.allTaskEpisodes(link.salesforce))];
      return episodes.map((e) => ({ action: e.action, flag: e.flag, ownerId: e.fields.ownerId, state: e.state, openedAt: e.openedAt, closedAt: e.closedAt, dueAt: e.fields.dueAt }));
    },
  };

  return {
    source,
    onCustomer(customer, state) {
      const lc = identity.get(customer.contact.id);
      counts.customers++;
      const both = Boolean(lc?.hubspot && lc.salesforce);
      if (both && lc?.match) {
        counts.linked++;
        counts.matchedBy[lc.match.reason]++;
      } else if (lc?.conflict) counts.conflicting++;
      else {
        counts.unlinked++;
        counts.unlinkedBySide[lc?.hubspot ? 'hubspot' : 'salesforce']++;
      }
      const key = `${state.journeyId}\u0000${state.stage.id}`;
      const row = bySource.get(key) ?? { journey: state.journeyId, stage: state.stage.id, customers: 0, linked: 0, deals: zero(), tickets: zero(), touchpoints: zero() };
      row.customers++;
      if (both) row.linked++;
      const fallback: CrmName = lc?.hubspot ? 'hubspot' : 'salesforce';
      for (const d of customer.deals) row.deals[d.crm ?? fallback]++;
      for (const t of customer.tickets) row.tickets[t.crm ?? fallback]++;
      for (const t of customer.touchpoints ?? []) row.touchpoints[t.crm ?? fallback]++;
      bySource.set(key, row);
    },
    async result() {
      return {
        id: link.id,
        hubspot: link.hubspot,
        salesforce: link.salesforce,
        ...counts,
        conflicts: (await store.linkConflicts(link.id)).map((c) => ({ side: c.side, email: c.email, records: c.records.map((r) => ({ objectType: r.objectType, id: r.id })) })),
        bySource: [...bySource.values()],
        definition: 'One customer per person: a HubSpot contact and the Salesforce Contact or Lead the last linked sync matched (by the ids HubSpot\'s Salesforce integration keeps on the contact, else by the same e-mail, HubSpot additional addresses included) count once, evaluated from both records together. A person in one CRM only counts once from that CRM. An e-mail on several records of one CRM is a conflict: those records are not merged and each counts as its own customer. Deals, tickets and touchpoints are counted by the CRM that holds them (HubSpot deals and tickets; Salesforce Opportunities and Cases), in the stage the customer is in now.',
      };
    },
  };
}
