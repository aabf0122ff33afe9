/**
 * CRM-neutral interactions, survey answers and form conversions for the demo personas (issue 13):
 * what each sandbox CRM turns into its own engagement / activity / survey records.
 *
 * Deterministic per (seed, persona index): its own PRNG stream (salt 4; owners use 3), so adding touchpoints changed
 * nothing in the personas themselves. The channel mix follows the persona's stage — nurture e-mails and
 * LinkedIn messages early, calls and meetings around open deals, onboarding/QBR meetings and support
 * conversations for customers — and, like real portals, carries the awkward cases the friction rules look
 * for: inbound e-mails answered late or never, meeting no-shows, open deals nobody followed up on lately.
 * About 15 interactions and 0.3–0.5 survey answers per persona on average (tests/sandbox-hubspot pin it).
 */
import { DAY_MS, HOUR_MS } from '../src/model.ts';
import { Dice, LATE_STEP, mixSeed, type Persona, type PersonaDeal } from './demo-data.ts';

export type DemoInteractionKind = 'email' | 'call' | 'meeting' | 'note' | 'sms' | 'whatsapp' | 'linkedin' | 'postal';
export type DemoCallOutcome = 'connected' | 'no_answer' | 'busy' | 'voicemail' | 'live_message' | 'wrong_number';
export type DemoMeetingOutcome = 'scheduled' | 'completed' | 'no_show' | 'rescheduled' | 'canceled';
export type DemoEmailOutcome = 'sent' | 'bounced' | 'failed';

export interface DemoInteraction {
  kind: DemoInteractionKind;
  /** Calls and e-mails only: the other kinds carry no direction in the CRMs. */
  direction: 'inbound' | 'outbound' | null;
  at: number;
  outcome: DemoCallOutcome | DemoMeetingOutcome | DemoEmailOutcome | null;
  title: string;
  /** Calls: talk time; meetings: length. */
  durationMs: number | null;
  /** Index into `persona.deals` / `persona.tickets` when the interaction is about one. */
  dealIndex: number | null;
  ticketIndex: number | null;
}

export interface DemoSurveyAnswer {
  /** NPS 0–10; CSAT on HubSpot's 3-point scale 0–2; CES 1–7 (touchpoints.md §3.3). */
  type: 'nps' | 'csat' | 'ces';
  score: number;
  at: number;
  ticketIndex: number | null;
}

export interface DemoFormConversions {
  first: { at: number; name: string };
  recent: { at: number; name: string };
  count: number;
}

export interface PersonaTouchpoints {
  interactions: DemoInteraction[];
  surveys: DemoSurveyAnswer[];
  forms: DemoFormConversions | null;
}

const FORMS = ['Newsletter signup', 'Ebook download: Journey mapping guide', 'Webinar registration', 'Contact us', 'Pricing page form', 'Demo request'] as const;
const NURTURE_SUBJECTS = ['Welcome aboard', 'Your guide to mapping customer journeys', 'Quick question', 'Following up', 'Case study: how teams cut churn'] as const;
const DEAL_SUBJECTS = ['Proposal', 'Next steps', 'Pricing details', 'Contract draft', 'Agenda for our call', 'Re: questions from your team'] as const;
const CUSTOMER_SUBJECTS = ['Onboarding checklist', 'Your quarterly review', 'New features this month', 'Renewal coming up'] as const;

/** Stage the persona is in now, as the journey would place it (a neutral reading of its deals and lifecycle). */
function stageOf(p: Persona): 'awareness' | 'consideration' | 'decision' | 'customer' | 'lost' {
  if (p.deals.some((d) => d.outcome === 'won')) return 'customer';
  if (p.deals.some((d) => d.outcome === 'open' && d.step >= LATE_STEP)) return 'decision';
  if (p.deals.some((d) => d.outcome === 'open') || p.lifecycle === 'marketingqualifiedlead' || p.lifecycle === 'salesqualifiedlead') return 'consideration';
  if (p.deals.length > 0) return 'lost';
  return 'awareness';
}

class Builder {
  readonly out: DemoInteraction[] = [];
  private readonly d: Dice;
  private readonly now: number;
  constructor(d: Dice, now: number) {
    this.d = d;
    this.now = now;
  }

  add(i: Omit<DemoInteraction, 'durationMs' | 'dealIndex' | 'ticketIndex'> & Partial<Pick<DemoInteraction, 'durationMs' | 'dealIndex' | 'ticketIndex'>>): void {
    if (i.at > this.now && i.kind !== 'meeting') return; // only meetings are booked ahead
    this.out.push({ durationMs: null, dealIndex: null, ticketIndex: null, ...i });
  }

  /** An outbound e-mail; some get an inbound reply, and an inbound message is sometimes left waiting. */
  emailThread(at: number, subject: string, ctx: { dealIndex?: number | null }): void {
    const d = this.d;
    const outcome: DemoEmailOutcome = d.weighted([['sent', 96], ['bounced', 3], ['failed', 1]] as const);
    this.add({ kind: 'email', direction: 'outbound', at, outcome, title: subject, dealIndex: ctx.dealIndex ?? null });
    if (outcome !== 'sent' || !d.chance(0.35)) return;
    const replyAt = at + d.int(20 * 60_000, 3 * DAY_MS);
    this.add({ kind: 'email', direction: 'inbound', at: replyAt, outcome: null, title: `Re: ${subject}`, dealIndex: ctx.dealIndex ?? null });
    // Our answer to their reply: mostly within a day, some late, some never (unanswered_inbound).
    const answer = d.weighted([['fast', 72], ['late', 14], ['never', 14]] as const);
    if (answer === 'never') return;
    const backAt = replyAt + (answer === 'fast' ? d.int(10 * 60_000, 20 * HOUR_MS) : d.int(26 * HOUR_MS, 5 * DAY_MS));
    this.add({ kind: 'email', direction: 'outbound', at: backAt, outcome: 'sent', title: `Re: ${subject}`, dealIndex: ctx.dealIndex ?? null });
  }

  call(at: number, direction: 'inbound' | 'outbound', title: string, ctx: { dealIndex?: number | null; ticketIndex?: number | null }): void {
    const d = this.d;
    const outcome: DemoCallOutcome =
      direction === 'inbound'
        ? d.weighted([['connected', 88], ['no_answer', 12]] as const)
        : d.weighted([['connected', 55], ['no_answer', 22], ['voicemail', 13], ['busy', 5], ['live_message', 3], ['wrong_number', 2]] as const);
    const durationMs = outcome === 'connected' ? d.int(2, 45) * 60_000 : outcome === 'voicemail' || outcome === 'live_message' ? d.int(20, 90) * 1000 : 0;
    this.add({ kind: 'call', direction, at, outcome, title, durationMs, dealIndex: ctx.dealIndex ?? null, ticketIndex: ctx.ticketIndex ?? null });
  }

  meeting(at: number, title: string, ctx: { dealIndex?: number | null }): void {
    const d = this.d;
    const outcome: DemoMeetingOutcome = at > this.now ? 'scheduled' : d.weighted([['completed', 76], ['no_show', 10], ['rescheduled', 6], ['canceled', 8]] as const);
    this.add({ kind: 'meeting', direction: null, at, outcome, title, durationMs: d.pick([30, 30, 45, 60] as const) * 60_000, dealIndex: ctx.dealIndex ?? null });
  }

  simple(kind: 'note' | 'sms' | 'whatsapp' | 'linkedin' | 'postal', at: number, title: string, dealIndex: number | null = null): void {
    this.add({ kind, direction: null, at, outcome: null, title, dealIndex });
  }
}

/** A time uniformly in [from, to] (to clamped to now). */
function between(d: Dice, from: number, to: number): number {
  return to <= from ? from : from + Math.floor(d.next() * (to - from));
}

function dealActivity(b: Builder, d: Dice, deal: PersonaDeal, i: number, now: number): void {
  const start = deal.createdAt;
  // Open deals: some were followed up lately, others not for weeks (no_follow_up in `decision`).
  const end = deal.closedAt ?? (d.chance(0.55) ? now - d.days(0, 10) : Math.max(start, now - d.days(15, 60)));
  const late = deal.maxStep >= LATE_STEP;
  const ctx = { dealIndex: i };
  const span = Math.max(HOUR_MS, end - start);
  for (let k = d.int(2, late ? 5 : 3); k > 0; k--) b.call(between(d, start, start + span), 'outbound', d.pick(['Discovery call', 'Follow-up call', 'Check-in call'] as const), ctx);
  for (let k = d.int(2, late ? 6 : 4); k > 0; k--) b.emailThread(between(d, start, start + span), d.pick(DEAL_SUBJECTS), ctx);
  b.meeting(between(d, start, start + span / 2), 'Discovery meeting', ctx);
  if (late) b.meeting(between(d, start + span / 2, start + span), d.pick(['Product demo', 'Proposal review', 'Decision meeting'] as const), ctx);
  // A meeting booked ahead on some open deals.
  if (deal.outcome === 'open' && d.chance(0.25)) b.meeting(now + d.days(1, 10), 'Next steps', ctx);
  for (let k = d.int(1, 3); k > 0; k--) b.simple('note', between(d, start, start + span), 'Call notes', i);
  if (late && d.chance(0.5)) b.simple(d.pick(['sms', 'whatsapp'] as const), between(d, start, start + span), 'Quick reminder about tomorrow', i);
  if (deal.outcome === 'won' && d.chance(0.4)) b.simple('postal', (deal.closedAt ?? end) + d.days(1, 7), 'Signed contract and welcome pack', i);
}

/**
 * The interactions, survey answers and form conversions of one persona. `seed` is the data set's seed
 * (the same one `generatePersonas` used).
 */
export function personaTouchpoints(seed: number, p: Persona, now: number): PersonaTouchpoints {
  const d = new Dice(mixSeed(seed, p.index, 4));
  const b = new Builder(d, now);
  const stage = stageOf(p);
  // History kept to the last 18 months: older interactions are rare in what a portal shows per contact.
  const from = Math.max(p.createdAt, now - 540 * DAY_MS);
  const life = Math.max(HOUR_MS, now - from);

  // Nurture: outbound e-mails, a LinkedIn message, a first call attempt.
  const nurtureEnd = Math.min(now, from + life * (stage === 'awareness' ? 1 : 0.4));
  for (let k = d.int(stage === 'awareness' ? 2 : 1, stage === 'awareness' ? 5 : 3); k > 0; k--) b.emailThread(between(d, from, nurtureEnd), d.pick(NURTURE_SUBJECTS), {});
  if (d.chance(0.3)) b.simple('linkedin', between(d, from, nurtureEnd), 'Connection note');
  if (d.chance(stage === 'awareness' ? 0.3 : 0.6)) b.call(between(d, from, nurtureEnd), 'outbound', 'Intro call', {});
  if (d.chance(0.15)) b.call(between(d, from, nurtureEnd), 'inbound', 'Question about pricing', {});

  p.deals.forEach((deal, i) => dealActivity(b, d, deal, i, now));

  // Customers: onboarding, reviews, check-ins.
  const won = p.deals.filter((x) => x.outcome === 'won').map((x) => x.closedAt ?? x.stageEnteredAt);
  if (won.length > 0) {
    const since = Math.min(...won);
    b.meeting(since + d.days(2, 14), 'Onboarding kick-off', {});
    for (let t = since + d.days(80, 130); t < now; t += d.days(80, 130)) b.meeting(t, 'Quarterly business review', {});
    for (let k = d.int(1, 4); k > 0; k--) b.emailThread(between(d, since, now), d.pick(CUSTOMER_SUBJECTS), {});
    if (d.chance(0.3)) b.simple('whatsapp', between(d, since, now), 'Quick question about invoices');
    if (d.chance(0.5)) b.simple('note', between(d, since, now), 'Account notes');
  }

  // Support conversations: the customer writes or calls, we answer at the ticket's first response time.
  // Chat tickets live in the CRM's inbox (conversations), not in its activity records.
  p.tickets.forEach((t, i) => {
    const ctx = { ticketIndex: i };
    if (t.channel === 'PHONE') b.call(t.createdAt, 'inbound', t.subject, ctx);
    else if (t.channel !== 'CHAT') b.add({ kind: 'email', direction: 'inbound', at: t.createdAt, outcome: null, title: t.subject, ticketIndex: i });
    if (t.firstResponseAt !== null) {
      if (t.channel === 'PHONE' && d.chance(0.5)) b.call(t.firstResponseAt, 'outbound', `Re: ${t.subject}`, ctx);
      else b.add({ kind: 'email', direction: 'outbound', at: t.firstResponseAt, outcome: 'sent', title: `Re: ${t.subject}`, ticketIndex: i });
    }
    if (t.closedAt !== null && d.chance(0.5)) b.add({ kind: 'email', direction: 'outbound', at: t.closedAt, outcome: 'sent', title: `Resolved: ${t.subject}`, ticketIndex: i });
  });

  return { interactions: b.out.sort((x, y) => x.at - y.at), surveys: surveys(d, p, from, now), forms: forms(d, p, stage, now) };
}

/**
 * Survey answers. The latest NPS and CSAT answers are the persona's rollups (what the contact shows as
 * "last NPS/CSAT"); some personas answered NPS earlier too (often in another stage); closed tickets get a
 * CES answer now and then.
 */
function surveys(d: Dice, p: Persona, from: number, now: number): DemoSurveyAnswer[] {
  const out: DemoSurveyAnswer[] = [];
  if (p.nps !== null) {
    const at = now - d.days(1, 120);
    if (d.chance(0.2)) out.push({ type: 'nps', score: d.int(0, 10), at: between(d, from, Math.max(from, at - 30 * DAY_MS)), ticketIndex: null });
    out.push({ type: 'nps', score: p.nps, at: Math.max(from, at), ticketIndex: null });
  }
  const closed = p.tickets.map((t, i) => ({ t, i })).filter((x) => x.t.closedAt !== null);
  if (p.csat !== null) {
    const last = closed.at(-1);
    out.push({ type: 'csat', score: p.csat, at: last ? (last.t.closedAt as number) + d.int(HOUR_MS, 2 * DAY_MS) : now - d.days(1, 90), ticketIndex: last ? last.i : null });
  }
  for (const { t, i } of closed.slice(0, -1)) {
    if (d.chance(0.25)) out.push({ type: 'ces', score: Number(d.weighted([['1', 8], ['2', 8], ['3', 10], ['4', 14], ['5', 20], ['6', 22], ['7', 18]] as const)), at: (t.closedAt as number) + d.int(HOUR_MS, DAY_MS), ticketIndex: i });
  }
  return out.filter((s) => s.at <= now).sort((a, b) => a.at - b.at);
}

/** First and most recent form conversion, as the contact record holds them (with the number of conversions). */
function forms(d: Dice, p: Persona, stage: ReturnType<typeof stageOf>, now: number): DemoFormConversions | null {
  const inbound = p.source !== null && p.source !== 'OFFLINE';
  if (!inbound || !d.chance(0.7)) return null;
  const first = { at: Math.min(now, p.createdAt + d.int(0, 10 * 60_000)), name: d.pick(FORMS.slice(0, 4)) };
  const count = stage === 'awareness' ? d.int(1, 2) : d.int(1, 5);
  if (count === 1) return { first, recent: first, count };
  const name = stage === 'consideration' || stage === 'decision' ? d.pick(['Demo request', 'Pricing page form'] as const) : d.pick(FORMS);
  return { first, recent: { at: between(d, first.at + HOUR_MS, now), name }, count };
}
