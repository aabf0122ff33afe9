/**
 * The merged view of a linked customer (issue 16): what the engine evaluates when one person is a
 * HubSpot contact and a Salesforce Contact or Lead. Pure.
 *
 * The normalized vocabulary merges both sides: the earliest `createdAt`, the furthest lifecycle, every
 * deal, ticket and touchpoint of both (touchpoints oldest first); other fields HubSpot's value first (the
 * marketing side), else Salesforce's. `contact.raw` is empty: a linked mapping says which side's raw field
 * it reads (`contact.hubspot.raw.x`), through `contact.sides`. Every deal, ticket and touchpoint carries
 * `crm`, so a flag on it is written on the side that holds it.
 */
import type { ContactRecord, CrmName, Customer, LinkedCustomer, TouchpointRecord } from '../model.ts';

/**
 * How far along a lifecycle value is, across both CRMs' standard vocabularies: HubSpot `lifecyclestage`
 * internal values and Salesforce's standard Lead `Status` values (a Lead's `lifecycle`). Unknown
 * values rank lowest, so a known value always wins over a custom one; ties keep HubSpot's.
 */
const LIFECYCLE_RANK: Record<string, number> = {
  other: 0,
  'Closed - Not Converted': 0,
  subscriber: 1,
  lead: 2,
  'Open - Not Contacted': 2,
  marketingqualifiedlead: 3,
  'Working - Contacted': 3,
  salesqualifiedlead: 4,
  opportunity: 5,
  'Closed - Converted': 5,
  customer: 6,
  evangelist: 7,
};

export function lifecycleRank(value: string | null): number {
  if (value === null) return -1;
  return LIFECYCLE_RANK[value] ?? 0;
}

/** The customer the engine evaluates for one linked customer; a one-sided customer is tagged, otherwise unchanged. */
export function mergeLinkedCustomer(lc: LinkedCustomer): Customer {
  const { hubspot, salesforce } = lc;
  if (hubspot && salesforce) return merge(hubspot, salesforce);
  const only = (hubspot ?? salesforce) as Customer;
  return tag(only, hubspot ? 'hubspot' : 'salesforce');
}

/** One side's customer with `crm` on every record, and its own contact as its one side. */
function tag(c: Customer, crm: CrmName): Customer {
  const contact: ContactRecord = { ...c.contact, crm, sides: { [crm]: c.contact } };
  const out: Customer = {
    contact,
    deals: c.deals.map((d) => ({ ...d, crm })),
    tickets: c.tickets.map((t) => ({ ...t, crm })),
  };
  if (c.touchpoints) out.touchpoints = c.touchpoints.map((t) => ({ ...t, crm }));
  return out;
}

function merge(h: Customer, s: Customer): Customer {
  const a = h.contact;
  const b = s.contact;
  const lifecycle = lifecycleRank(b.lifecycle) > lifecycleRank(a.lifecycle) ? b.lifecycle : a.lifecycle;
  const contact: ContactRecord = {
    kind: 'contact',
    id: a.id,
    objectType: a.objectType,
    crm: 'hubspot',
    raw: {},
    updatedAt: maxOf(a.updatedAt, b.updatedAt),
    ownerId: a.ownerId ?? b.ownerId ?? null,
    email: a.email ?? b.email,
    name: a.name ?? b.name,
    createdAt: minOf(a.createdAt, b.createdAt),
    lifecycle,
    source: a.source ?? b.source,
    country: a.country ?? b.country,
    industry: a.industry ?? b.industry,
    employees: a.employees ?? b.employees,
    npsScore: a.npsScore ?? b.npsScore,
    csat: a.csat ?? b.csat,
    sides: { hubspot: a, salesforce: b },
  };
  const dates = a.lifecycleDates ?? b.lifecycleDates;
  if (dates) contact.lifecycleDates = dates;
  const out: Customer = {
    contact,
    deals: [...h.deals.map((d) => ({ ...d, crm: 'hubspot' as const })), ...s.deals.map((d) => ({ ...d, crm: 'salesforce' as const }))],
    tickets: [...h.tickets.map((t) => ({ ...t, crm: 'hubspot' as const })), ...s.tickets.map((t) => ({ ...t, crm: 'salesforce' as const }))],
  };
  if (h.touchpoints || s.touchpoints) out.touchpoints = mergeByTime(h.touchpoints ?? [], s.touchpoints ?? []);
  return out;
}

/** Both lists oldest first (touchpoints without a time first, as the store orders them) → one list, oldest first. */
function mergeByTime(a: readonly TouchpointRecord[], b: readonly TouchpointRecord[]): TouchpointRecord[] {
  const out: TouchpointRecord[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  const at = (t: TouchpointRecord): number => t.at ?? Number.NEGATIVE_INFINITY;
  while (i < a.length && j < b.length) {
    const x = a[i] as TouchpointRecord;
    const y = b[j] as TouchpointRecord;
    if (at(y) < at(x)) {
      out[k++] = { ...y, crm: 'salesforce' };
      j++;
    } else {
      out[k++] = { ...x, crm: 'hubspot' };
      i++;
    }
  }
  while (i < a.length) out[k++] = { ...(a[i++] as TouchpointRecord), crm: 'hubspot' };
  while (j < b.length) out[k++] = { ...(b[j++] as TouchpointRecord), crm: 'salesforce' };
  return out;
}

function minOf(x: number | null, y: number | null): number | null {
  return x === null ? y : y === null ? x : Math.min(x, y);
}

function maxOf(x: number | null, y: number | null): number | null {
  return x === null ? y : y === null ? x : Math.max(x, y);
}
