/**
 * The population of a LINKED pair of sandbox CRMs (issue 16): one company running marketing in HubSpot
 * and sales and service in Salesforce, joined by HubSpot's Salesforce integration. CRM-neutral: each
 * sandbox reads the same plan for a persona and seeds its own side.
 *
 * Deterministic per (seed, persona index) on its own PRNG stream (salt 7), so the personas themselves,
 * and the standalone sandboxes, are exactly as before. Of the personas:
 *  - about 63 % are in both CRMs, 27 % only in HubSpot, 10 % only in Salesforce — so about 70 % of the
 *    HubSpot contacts are also in Salesforce (as a Contact, or as an unconverted Lead early in the funnel);
 *  - of those in both, about 45 % carry the integration's ids on the HubSpot contact (`salesforcecontactid` /
 *    `salesforceleadid`), the rest match by e-mail only: the same address (Salesforce `Email` sometimes in
 *    other letter case), or Salesforce's address being one of the contact's `hs_additional_emails`;
 *  - on fixed cadences (so a few hundred personas always have some), a duplicate e-mail on one side: a
 *    second Salesforce Lead with the person's address, or a second HubSpot contact holding it as an
 *    additional address (an old sign-up). Those persons match by e-mail only, so the duplicate is a conflict.
 * The journey is split as such companies split it: awareness and consideration in HubSpot (lifecycle, forms,
 * marketing e-mails), decision and purchase in Salesforce (Opportunities), post-purchase in Salesforce Cases
 * or HubSpot tickets. The HubSpot lifecycle of a person whose deals live in Salesforce stays where marketing
 * left it for two in three (`marketingqualifiedlead` / `salesqualifiedlead`): the integration does not
 * move it when an Opportunity is won.
 */
import { Dice, mixSeed, type Lifecycle, type Persona } from './demo-data.ts';
import type { DemoInteraction, PersonaTouchpoints } from './demo-touchpoints.ts';

export type LinkedRole = 'both' | 'hubspot_only' | 'salesforce_only';

export interface LinkedPlan {
  role: LinkedRole;
  /** How the HubSpot contact finds its Salesforce record (role `both` only). */
  match: 'integration_ids' | 'email' | 'additional_email' | null;
  /** Salesforce's `Email` in other letter case than HubSpot's (matching is case-insensitive). */
  salesforceEmailCase: boolean;
  /** Salesforce also holds a second record (a Lead) with this person's e-mail. */
  salesforceDuplicate: boolean;
  /** HubSpot also holds a second contact with this person's e-mail among its additional addresses. */
  hubspotDuplicate: boolean;
  /** Where the person's support tickets live (role `both`): HubSpot tickets or Salesforce Cases. */
  ticketsIn: 'hubspot' | 'salesforce';
}

/** Duplicate cadences: about one persona in 89 each (2 of 200, 33 of 3,000). */
const SF_DUPLICATE_AT = 5;
const HS_DUPLICATE_AT = 44;
const CADENCE = 89;

export function linkedPlan(seed: number, p: Pick<Persona, 'index' | 'email'>): LinkedPlan {
  const d = new Dice(mixSeed(seed, p.index, 7));
  const roll = d.next();
  const matchRoll = d.next();
  const caseRoll = d.next();
  const ticketRoll = d.next();
  const base: LinkedPlan = {
    role: roll < 0.1 ? 'salesforce_only' : roll < 0.37 ? 'hubspot_only' : 'both',
    match: null,
    salesforceEmailCase: false,
    salesforceDuplicate: false,
    hubspotDuplicate: false,
    ticketsIn: ticketRoll < 0.4 ? 'hubspot' : 'salesforce',
  };
  const dupSf = p.email !== null && p.index % CADENCE === SF_DUPLICATE_AT;
  const dupHs = p.email !== null && p.index % CADENCE === HS_DUPLICATE_AT;
  if (dupSf || dupHs) return { ...base, role: 'both', match: 'email', salesforceDuplicate: dupSf, hubspotDuplicate: dupHs };
  if (base.role !== 'both') return base;
  // Without an e-mail only the integration's ids can join the two records.
  const match = p.email === null || matchRoll < 0.45 ? 'integration_ids' : matchRoll < 0.85 ? 'email' : 'additional_email';
  return { ...base, match, salesforceEmailCase: match === 'email' && caseRoll < 0.3 };
}

/** Which deals and tickets each CRM holds for a persona in both, and the lifecycle HubSpot shows. */
export function hubspotSide(p: Persona, plan: LinkedPlan): Persona {
  if (plan.role !== 'both') return p;
  return { ...p, deals: [], tickets: plan.ticketsIn === 'hubspot' ? p.tickets : [], lifecycle: hubspotLifecycle(p) };
}

export function salesforceSide(p: Persona, plan: LinkedPlan): Persona {
  if (plan.role !== 'both') return p;
  return { ...p, tickets: plan.ticketsIn === 'salesforce' ? p.tickets : [] };
}

/** Marketing's view: a person whose deals live in Salesforce is, for two in three, still the lead marketing handed over. */
function hubspotLifecycle(p: Persona): Lifecycle | null {
  if (p.deals.length === 0) return p.lifecycle;
  const k = p.index % 3;
  if (k === 0) return p.lifecycle;
  return k === 1 ? 'marketingqualifiedlead' : 'salesqualifiedlead';
}

/**
 * The HubSpot side of a linked persona's interactions: the ones about its deals (which live in Salesforce)
 * and about tickets that are Cases stay out — Salesforce logs its own for those records.
 */
export function hubspotTouchpoints(t: PersonaTouchpoints, plan: LinkedPlan): PersonaTouchpoints {
  if (plan.role !== 'both') return t;
  const keep = (i: Pick<DemoInteraction, 'dealIndex' | 'ticketIndex'>): boolean => i.dealIndex === null && (i.ticketIndex === null || plan.ticketsIn === 'hubspot');
  return { interactions: t.interactions.filter(keep), surveys: t.surveys.filter((s) => s.ticketIndex === null || plan.ticketsIn === 'hubspot'), forms: t.forms };
}

/** `Alice.Martin12@Acme-Labs.com`: the same address as HubSpot's, typed with capitals in Salesforce. */
export function otherCase(email: string): string {
  return email.replace(/(^|[.@-])([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

/** The personal address a person gave HubSpot first when its work address is only an additional one. */
export function personalAddress(email: string, index: number): string {
  const local = email.split('@')[0] ?? `person${index}`;
  return `${local}.home@${['gmail.com', 'outlook.com', 'proton.me'][index % 3]}`;
}

/** The old sign-up of a HubSpot duplicate: another address, the person's work address among its additional ones. */
export function signupAddress(email: string): string {
  const local = email.split('@')[0] ?? 'someone';
  return `${local}.signup@yahoo.fr`;
}
