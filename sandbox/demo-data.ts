/**
 * CRM-neutral demo customers for the sandboxes: deterministic for a seed, streamed one at a time.
 *
 * Each persona gets its own PRNG derived from (seed, index), so persona N does not depend on the
 * ones before it and the generator holds nothing but a counter. Companies are a shared catalogue
 * derived from (seed, companyIndex), so several personas work at the same company with the same
 * industry, size and country.
 *
 * The mix is a funnel: many awareness contacts, fewer qualified leads, fewer open deals, fewer
 * customers; durations are spread on both sides of every threshold the default journey uses
 * (30 days in stage, 90 days since purchase, 24 h first reply, 7 days open ticket...).
 */
import { DAY_MS, HOUR_MS } from '../src/model.ts';

export const LIFECYCLES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];

export const SOURCES = [
  'ORGANIC_SEARCH',
  'PAID_SEARCH',
  'EMAIL_MARKETING',
  'SOCIAL_MEDIA',
  'REFERRALS',
  'DIRECT_TRAFFIC',
  'OFFLINE',
  'PAID_SOCIAL',
] as const;
export type Source = (typeof SOURCES)[number];

export const TICKET_CHANNELS = ['EMAIL', 'CHAT', 'PHONE', 'FORM', 'WEB'] as const;
export type TicketChannel = (typeof TICKET_CHANNELS)[number];
export const TICKET_PRIORITIES = ['LOW', 'MEDIUM', 'HIGH'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

/** Steps of the neutral deal ladder: 0-1 early (qualify), 2-4 late (present, decide, contract). */
export const DEAL_STEPS = 5;
export const LATE_STEP = 2;

export interface PersonaCompany {
  name: string;
  industry: string | null;
  employees: number | null;
  country: string | null;
}

/**
 * The sales and support reps who own records (HubSpot owners, Salesforce Users). Neutral: each sandbox
 * gives them its own ids.
 */
export interface DemoOwner {
  firstName: string;
  lastName: string;
  email: string;
}

export const DEMO_OWNERS: readonly DemoOwner[] = [
  { firstName: 'Camille', lastName: 'Laurent', email: 'camille.laurent@parcours-demo.example' },
  { firstName: 'Jonas', lastName: 'Weber', email: 'jonas.weber@parcours-demo.example' },
  { firstName: 'Amara', lastName: 'Diallo', email: 'amara.diallo@parcours-demo.example' },
  { firstName: 'Kenji', lastName: 'Sato', email: 'kenji.sato@parcours-demo.example' },
];

export interface PersonaDeal {
  name: string;
  amount: number | null;
  createdAt: number;
  outcome: 'open' | 'won' | 'lost';
  /** Current step (open) or the step the deal was at when it closed. */
  step: number;
  /** Highest step ever reached. */
  maxStep: number;
  /** When the deal entered its current stage (for closed deals: the close time). */
  stageEnteredAt: number;
  closedAt: number | null;
  /** Index into DEMO_OWNERS; null = no owner (records without one exercise the fallback owner). */
  owner: number | null;
}

export interface PersonaTicket {
  subject: string;
  description: string;
  channel: TicketChannel;
  priority: TicketPriority;
  createdAt: number;
  firstResponseAt: number | null;
  closedAt: number | null;
  /** Index into DEMO_OWNERS; null = no owner. */
  owner: number | null;
}

export interface Persona {
  index: number;
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  company: PersonaCompany | null;
  country: string | null;
  createdAt: number;
  lifecycle: Lifecycle | null;
  source: Source | null;
  /** 0..10 */
  nps: number | null;
  /**
   * Last CSAT answer on the 3-point scale of HubSpot's CSAT surveys: 0 dissatisfied, 1 neutral,
   * 2 satisfied (touchpoints.md §3.3).
   */
  csat: number | null;
  deals: PersonaDeal[];
  tickets: PersonaTicket[];
  /** Index into DEMO_OWNERS; null = no owner. */
  owner: number | null;
}

export interface PersonaOptions {
  seed: number;
  count: number;
  /** Epoch ms every generated date is relative to. */
  now: number;
}

/** mulberry32: tiny, fast, good enough for demo data, and identical on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes two integers into one 32-bit seed so (seed, index) streams do not overlap. */
export function mixSeed(seed: number, index: number, salt: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(salt, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export class Dice {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }
  /** Picks a key by relative weight. */
  weighted<T extends string>(weights: ReadonlyArray<readonly [T, number]>): T {
    const total = weights.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [value, w] of weights) {
      r -= w;
      if (r < 0) return value;
    }
    const last = weights[weights.length - 1];
    if (last === undefined) throw new RangeError('weighted pick from an empty list');
    return last[0];
  }
  /** A duration in days, in [min, max], as ms. */
  days(min: number, max: number): number {
    return Math.round((min + this.next() * (max - min)) * DAY_MS);
  }
}

const FIRST_NAMES = [
  'Alice', 'Bruno', 'Chloé', 'David', 'Emma', 'Farid', 'Grace', 'Hugo', 'Inès', 'Jonas', 'Karin', 'Liam',
  'Maya', 'Nora', 'Omar', 'Paula', 'Quentin', 'Rosa', 'Samir', 'Tess', 'Umar', 'Vera', 'Wei', 'Ximena',
  'Yusuf', 'Zoë', 'Aiko', 'Björn', 'Carmen', 'Dmitri', 'Elena', 'François', 'Giulia', 'Hana', 'Ivan',
  'José', 'Kofi', 'Lena', 'Mateo', 'Niamh', 'Olga', 'Priya', 'Raúl', 'Sofia', 'Tomás', 'Ulla',
] as const;
const LAST_NAMES = [
  'Martin', 'Bernard', 'Dubois', 'Müller', 'Schmidt', 'García', 'Fernández', 'Rossi', 'Bianchi', 'Smith',
  'Johnson', 'Brown', 'Nguyen', 'Kowalski', 'Novák', 'Jansen', 'de Vries', 'Andersson', 'Nielsen', 'Silva',
  'Santos', "O'Brien", 'Murphy', 'Tanaka', 'Kim', 'Okafor', 'Haddad', 'Petrov', 'Lefèvre', 'Moreau',
] as const;
const COMPANY_STEMS = [
  'Acme', 'Borealis', 'Cobalt', 'Dune', 'Ember', 'Fjord', 'Granite', 'Helix', 'Iris', 'Juniper', 'Kestrel',
  'Lumen', 'Meridian', 'Nimbus', 'Orchid', 'Pioneer', 'Quartz', 'Rivet', 'Summit', 'Tundra', 'Umbra',
  'Vertex', 'Willow', 'Xenon', 'Yarrow', 'Zephyr',
] as const;
const COMPANY_SUFFIXES = ['Labs', 'Systems', 'GmbH', 'SAS', 'Ltd', 'Group', 'Logistics', 'Health', 'Foods', 'Studio'] as const;
// HubSpot's company `industry` enumeration uses values like these; neutral here, the sandbox passes them through.
const INDUSTRIES = [
  'COMPUTER_SOFTWARE', 'RETAIL', 'HOSPITAL_HEALTH_CARE', 'FINANCIAL_SERVICES', 'LOGISTICS_AND_SUPPLY_CHAIN',
  'FOOD_BEVERAGES', 'MARKETING_AND_ADVERTISING', 'CONSTRUCTION', 'EDUCATION_MANAGEMENT', 'AUTOMOTIVE',
] as const;
const COUNTRIES = [
  'France', 'Germany', 'United States', 'United Kingdom', 'Spain', 'Italy', 'Netherlands', 'Canada',
  'Brazil', 'Japan', 'Sweden', 'Belgium',
] as const;
const DEAL_PRODUCTS = ['Annual plan', 'Onboarding package', 'Seats expansion', 'Pilot', 'Renewal', 'Support add-on', 'Enterprise licence'] as const;
const TICKET_SUBJECTS = [
  'Cannot log in', 'Invoice question', 'Export fails', 'Feature request: dark mode', 'Password reset not received',
  'Order not delivered', 'Refund request', 'Integration error', 'Slow dashboard', 'Change billing address',
  'Checkout page error', 'Cancel subscription',
] as const;
const TICKET_SENTENCES = [
  'I tried again this morning and got the same result.',
  'This is blocking our team.',
  'Could you tell me when this will be fixed?',
  'We followed the steps in the help article.',
  'Screenshot attached.',
  'It worked fine last week.',
  'Please call me back when you can.',
] as const;

const DOMAIN_TLDS = ['com', 'io', 'fr', 'de', 'co.uk', 'es', 'it', 'nl'] as const;

/** Size of the shared company catalogue for `count` personas (about four people per company). */
export function companyCatalogSize(count: number): number {
  return Math.max(8, Math.ceil(count / 4));
}

/** The company with index `k` in the catalogue for `seed`: same name, size and country wherever it appears. */
export function companyAt(seed: number, k: number): PersonaCompany {
  const d = new Dice(mixSeed(seed, k, 2));
  const stem = COMPANY_STEMS[k % COMPANY_STEMS.length] ?? 'Acme';
  const suffix = d.pick(COMPANY_SUFFIXES);
  // A numeric tail keeps names unique across the catalogue once stems repeat.
  const round = Math.floor(k / COMPANY_STEMS.length);
  const name = round === 0 ? `${stem} ${suffix}` : `${stem} ${suffix} ${round + 1}`;
  const sizeBand = d.weighted([
    ['tiny', 30],
    ['small', 30],
    ['mid', 22],
    ['large', 12],
    ['unknown', 6],
  ] as const);
  const employees =
    sizeBand === 'tiny' ? d.int(1, 10)
    : sizeBand === 'small' ? d.int(11, 200)
    : sizeBand === 'mid' ? d.int(201, 999)
    : sizeBand === 'large' ? d.int(1000, 50_000)
    : null;
  return {
    name,
    industry: d.chance(0.9) ? d.pick(INDUSTRIES) : null,
    employees,
    country: d.chance(0.95) ? d.pick(COUNTRIES) : null,
  };
}

/** Email-safe ASCII slug: drops accents and anything not a-z0-9. */
function slug(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

type Archetype = 'awareness' | 'consideration' | 'decision' | 'lost' | 'new_customer' | 'old_customer';

// Funnel weights: awareness ≫ consideration > decision > customers.
const ARCHETYPES: ReadonlyArray<readonly [Archetype, number]> = [
  ['awareness', 40],
  ['consideration', 17],
  ['decision', 11],
  ['lost', 8],
  ['new_customer', 9],
  ['old_customer', 15],
];

export function* generatePersonas(opts: PersonaOptions): Generator<Persona> {
  if (!Number.isInteger(opts.count) || opts.count < 0) throw new RangeError(`count must be a non-negative integer, got ${opts.count}`);
  const catalog = companyCatalogSize(opts.count);
  for (let index = 0; index < opts.count; index++) {
    yield personaAt(opts.seed, index, opts.now, catalog);
  }
}

/** One persona, computed from (seed, index) alone. */
export function personaAt(seed: number, index: number, now: number, catalogSize: number): Persona {
  const d = new Dice(mixSeed(seed, index, 1));
  const firstName = d.pick(FIRST_NAMES);
  const lastName = d.pick(LAST_NAMES);
  const company = d.chance(0.85) ? companyAt(seed, d.int(0, catalogSize - 1)) : null;
  const country = company?.country ?? (d.chance(0.7) ? d.pick(COUNTRIES) : null);
  const archetype = d.weighted(ARCHETYPES);

  // Awkward records on fixed cadences, so every data set of a few hundred has some.
  const missingEmail = index % 97 === 41;
  const ancient = index % 211 === 17;

  const domain = company ? `${slug(company.name)}.${d.pick(DOMAIN_TLDS)}` : d.pick(['gmail.com', 'outlook.com', 'proton.me', 'yahoo.fr'] as const);
  const email = missingEmail ? null : `${slug(firstName)}.${slug(lastName)}${index}@${domain}`;
  const phone = d.chance(0.6) ? `+${d.int(1, 49)} ${d.int(100, 999)} ${d.int(100, 999)} ${d.int(1000, 9999)}` : null;

  let createdAt: number;
  if (ancient) createdAt = Date.UTC(1999, d.int(0, 11), d.int(1, 28), d.int(0, 23), d.int(0, 59));
  else if (archetype === 'awareness' || archetype === 'consideration') {
    // About a quarter of early contacts are new leads (≤ 30 days).
    createdAt = now - (d.chance(0.28) ? d.days(0.05, 29) : d.days(31, 900));
  } else createdAt = now - d.days(120, 1100);

  const deals: PersonaDeal[] = [];
  const dealName = (): string => `${company?.name ?? `${firstName} ${lastName}`} – ${d.pick(DEAL_PRODUCTS)}`;
  const amount = (big: boolean): number | null =>
    d.chance(0.05) ? null : big ? d.int(10_000, 120_000) : Math.round(d.int(300, 9_900) / 10) * 10;
  // Open deals sit in their stage both under and over 30 days (stalled_deal).
  const openDeal = (late: boolean): PersonaDeal => {
    const step = late ? d.int(LATE_STEP, DEAL_STEPS - 1) : d.int(0, LATE_STEP - 1);
    const inStage = d.chance(0.45) ? d.days(31, 120) : d.days(0.5, 29);
    const stageEnteredAt = Math.max(createdAt, now - inStage);
    const dealCreated = Math.max(createdAt, stageEnteredAt - d.days(0, 60));
    return { name: dealName(), amount: amount(d.chance(0.2)), createdAt: dealCreated, outcome: 'open', step, maxStep: step, stageEnteredAt, closedAt: null, owner: null };
  };
  const closedDeal = (outcome: 'won' | 'lost', closedAgo: number, maxStep: number): PersonaDeal => {
    const closedAt = Math.max(createdAt + HOUR_MS, now - closedAgo);
    const dealCreated = Math.max(createdAt, closedAt - d.days(3, 150));
    const step = outcome === 'won' ? DEAL_STEPS - 1 : maxStep;
    return { name: dealName(), amount: amount(outcome === 'won' && d.chance(0.3)), createdAt: dealCreated, outcome, step, maxStep, stageEnteredAt: closedAt, closedAt, owner: null };
  };

  let lifecycle: Lifecycle | null;
  switch (archetype) {
    case 'awareness':
      {
        const pick = d.weighted([['subscriber', 35], ['lead', 45], ['other', 8], ['none', 12]] as const);
        lifecycle = pick === 'none' ? null : pick;
      }
      break;
    case 'consideration':
      lifecycle = d.chance(0.5) ? 'marketingqualifiedlead' : 'salesqualifiedlead';
      if (d.chance(0.5)) deals.push(openDeal(false));
      break;
    case 'decision':
      lifecycle = d.chance(0.75) ? 'opportunity' : 'salesqualifiedlead';
      deals.push(openDeal(d.chance(0.8)));
      break;
    case 'lost': {
      lifecycle = d.pick(['lead', 'salesqualifiedlead', 'opportunity', 'other'] as const);
      // Half lost after reaching a late step, most of those within 90 days (abandoned_checkout).
      const maxStep = d.chance(0.55) ? d.int(LATE_STEP, DEAL_STEPS - 1) : d.int(0, LATE_STEP - 1);
      deals.push(closedDeal('lost', d.chance(0.7) ? d.days(1, 89) : d.days(91, 400), maxStep));
      break;
    }
    case 'new_customer':
      lifecycle = d.chance(0.85) ? 'customer' : 'opportunity';
      deals.push(closedDeal('won', d.days(1, 89), DEAL_STEPS - 1));
      if (d.chance(0.25)) deals.push(closedDeal('won', d.days(120, 700), DEAL_STEPS - 1));
      break;
    case 'old_customer':
      lifecycle = d.chance(0.2) ? 'evangelist' : 'customer';
      deals.push(closedDeal('won', d.days(91, 800), DEAL_STEPS - 1));
      if (d.chance(0.3)) deals.push(closedDeal('won', d.days(91, 800), DEAL_STEPS - 1));
      if (d.chance(0.15)) deals.push(openDeal(d.chance(0.5)));
      if (d.chance(0.1)) deals.push(closedDeal('lost', d.days(1, 300), d.int(0, DEAL_STEPS - 1)));
      break;
  }

  const tickets = makeTickets(d, index, createdAt, now, archetype);
  // Owners come from their own stream (salt 3), so adding them left every other generated value as it was.
  const owners = new Dice(mixSeed(seed, index, 3));
  const owner = ownerOf(owners, index);
  for (const deal of deals) deal.owner = owners.chance(0.8) ? owner : ownerOf(owners, index + 1);
  for (const ticket of tickets) ticket.owner = ownerOf(owners, index + 2);
  const isCustomerish = archetype === 'new_customer' || archetype === 'old_customer';
  const nps = d.chance(isCustomerish ? 0.6 : 0.15) ? d.weighted([['low', 25], ['mid', 25], ['high', 50]] as const) : null;
  return {
    index,
    firstName,
    lastName,
    email,
    phone,
    company,
    country,
    createdAt,
    lifecycle,
    source: d.chance(0.88) ? d.pick(SOURCES) : null,
    nps: nps === null ? null : nps === 'low' ? d.int(0, 6) : nps === 'mid' ? d.int(7, 8) : d.int(9, 10),
    csat: d.chance(isCustomerish ? 0.45 : 0.1) ? Number(d.weighted([['0', 18], ['1', 20], ['2', 62]] as const)) : null,
    deals,
    tickets,
    owner,
  };
}

/** One owner of DEMO_OWNERS, or none on a fixed cadence (about one record in 13). */
function ownerOf(d: Dice, index: number): number | null {
  const pick = d.int(0, DEMO_OWNERS.length - 1);
  return index % 13 === 5 ? null : pick;
}

function makeTickets(d: Dice, index: number, createdAt: number, now: number, archetype: Archetype): PersonaTicket[] {
  const customerish = archetype === 'new_customer' || archetype === 'old_customer';
  const pattern = d.weighted([
    ['none', customerish ? 35 : 75],
    ['few', customerish ? 45 : 20],
    ['burst', customerish ? 20 : 5], // ≥ 3 tickets in the last 30 days (repeat_contact)
  ] as const);
  const longDescription = index % 331 === 29;
  if (pattern === 'none' && !longDescription) return [];
  const count = pattern === 'burst' ? d.int(3, 5) : pattern === 'few' ? d.int(1, 2) : 1;
  const lifeMs = Math.max(DAY_MS, now - createdAt);
  const tickets: PersonaTicket[] = [];
  for (let i = 0; i < count; i++) {
    const ageMs = pattern === 'burst' ? d.days(0.1, 28) : Math.min(lifeMs, d.chance(0.4) ? d.days(0.1, 20) : d.days(8, 400));
    const ticketCreated = now - ageMs;
    // First replies: mostly within 24 h, some later, some never (slow_first_response).
    const reply = d.weighted([['fast', 65], ['slow', 22], ['none', 13]] as const);
    let firstResponseAt = reply === 'fast' ? ticketCreated + d.int(5 * 60_000, 23 * HOUR_MS) : reply === 'slow' ? ticketCreated + d.int(25 * HOUR_MS, 6 * DAY_MS) : null;
    if (firstResponseAt !== null && firstResponseAt > now) firstResponseAt = null;
    // Open tickets both younger and older than 7 days (unresolved_ticket).
    const closed = reply !== 'none' && d.chance(0.7);
    let closedAt = closed ? Math.max(firstResponseAt ?? ticketCreated, ticketCreated + d.int(HOUR_MS, 10 * DAY_MS)) : null;
    if (closedAt !== null && closedAt > now) closedAt = null;
    const subject = d.pick(TICKET_SUBJECTS);
    tickets.push({
      subject,
      description: longDescription && i === 0 ? longText(d, 12_000) : `${subject}. ${d.pick(TICKET_SENTENCES)} ${d.pick(TICKET_SENTENCES)}`,
      channel: d.pick(TICKET_CHANNELS),
      priority: d.weighted([['LOW', 40], ['MEDIUM', 40], ['HIGH', 20]] as const),
      createdAt: ticketCreated,
      firstResponseAt,
      closedAt,
      owner: null,
    });
  }
  return tickets;
}

/** A pasted log or e-mail thread: the kind of description that breaks naive field limits. */
function longText(d: Dice, minChars: number): string {
  const parts: string[] = [];
  let length = 0;
  while (length < minChars) {
    const line = `[${String(d.int(0, 23)).padStart(2, '0')}:${String(d.int(0, 59)).padStart(2, '0')}] ${d.pick(TICKET_SENTENCES)}`;
    parts.push(line);
    length += line.length + 1;
  }
  return parts.join('\n');
}
