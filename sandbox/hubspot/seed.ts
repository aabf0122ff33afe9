/**
 * Turns neutral personas into HubSpot records: contacts, companies (deduplicated by name), deals in
 * one of two pipelines with stage-calculated "date entered/exited" history, tickets in the support pipeline,
 * and the associations between them. All values are strings, datetimes ISO 8601 (hubspot.md §3, §8).
 */
import { DAY_MS } from '../../src/model.ts';
import { DEMO_OWNERS, generatePersonas, type Persona, type PersonaDeal, type PersonaTicket } from '../demo-data.ts';
import { personaTouchpoints, type DemoFormConversions, type PersonaTouchpoints } from '../demo-touchpoints.ts';
import { CALL_DISPOSITIONS, CUSTOM_CALL_DISPOSITION, DEAL_PIPELINES, lifecycleDateProperty, stageDateProperties, type ObjectType, type PipelineDef } from './schema.ts';
import type { PortalStore } from './store.ts';
import { hubspotSide, hubspotTouchpoints, linkedPlan, personalAddress, signupAddress, type LinkedPlan } from '../linked-population.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Contact `numemployees` is a range dropdown. */
function employeeRange(n: number): string {
  if (n < 5) return '1-5';
  if (n < 25) return '5-25';
  if (n < 50) return '25-50';
  if (n < 100) return '50-100';
  if (n < 500) return '100-500';
  if (n < 1000) return '500-1000';
  return '1000+';
}

function setIf(target: Record<string, string>, key: string, value: string | number | null | undefined): void {
  if (value !== null && value !== undefined && value !== '') target[key] = String(value);
}

/** The Salesforce record a persona became, as the linked Salesforce sandbox seeded it (sandbox/linked.ts). */
export interface LinkedSalesforceRecord {
  objectType: 'Contact' | 'Lead';
  id: string;
  accountId: string | null;
}

export interface SeedPortalOptions {
  seed: number;
  count: number;
  now: number;
  /**
   * Seed the HubSpot side of a linked pair (sandbox/linked-population.ts): personas only in Salesforce are left
   * out, those in both keep their marketing side here, and those the integration synced carry the ids of their
   * Salesforce record (the properties exist: the portal has the integration installed).
   */
  linked?: { salesforce: ReadonlyMap<number, LinkedSalesforceRecord> };
}

export function seedPortal(store: PortalStore, opts: SeedPortalOptions): void {
  const companyIds = new Map<string, string>();
  // The reps: one owner each (owners API), created long before the data.
  const ownerIds = DEMO_OWNERS.map((o) => store.addOwner({ ...o, archived: false, createdAt: opts.now - 800 * DAY_MS, updatedAt: opts.now - 30 * DAY_MS }).id);
  const ownerOf = (index: number | null): string | null => (index === null ? null : (ownerIds[index] ?? null));
  for (const persona of generatePersonas(opts)) {
    const plan = opts.linked ? linkedPlan(opts.seed, persona) : null;
    if (plan?.role === 'salesforce_only') continue;
    const p = plan ? hubspotSide(persona, plan) : persona;
    const touch = plan ? hubspotTouchpoints(personaTouchpoints(opts.seed, persona, opts.now), plan) : personaTouchpoints(opts.seed, p, opts.now);
    const contactId = addContact(store, p, opts.now, ownerOf(p.owner), touch.forms, plan && opts.linked ? linkedProperties(p, plan, opts.linked.salesforce.get(p.index)) : undefined);
    if (plan?.hubspotDuplicate && p.email) addSignupDuplicate(store, p, ownerOf(p.owner));
    let companyId: string | null = null;
    if (p.company) {
      companyId = companyIds.get(p.company.name) ?? null;
      if (companyId === null) {
        const props: Record<string, string> = { name: p.company.name, domain: `${p.company.name.toLowerCase().replace(/[^a-z0-9]/g, '')}.example` };
        setIf(props, 'industry', p.company.industry);
        setIf(props, 'numberofemployees', p.company.employees);
        setIf(props, 'country', p.company.country);
        companyId = store.create('companies', props, { createdAt: Math.min(p.createdAt, opts.now - 365 * DAY_MS), updatedAt: opts.now - 30 * DAY_MS }).id;
        companyIds.set(p.company.name, companyId);
      }
      store.associate('contacts', contactId, 'companies', companyId);
    }
    const dealIds = p.deals.map((deal, i) => {
      const dealId = addDeal(store, deal, (p.index + i) % 5 === 4 ? 1 : 0, ownerOf(deal.owner));
      store.associate('contacts', contactId, 'deals', dealId);
      if (companyId) store.associate('deals', dealId, 'companies', companyId);
      return dealId;
    });
    const ticketIds = p.tickets.map((t) => {
      const ticketId = addTicket(store, t, opts.now, ownerOf(t.owner));
      store.associate('contacts', contactId, 'tickets', ticketId);
      return ticketId;
    });
    // Activities are logged by the contact's owner (a shared integration user when it has none).
    addTouchpoints(store, touch, { contactId, dealIds, ticketIds, owner: ownerOf(p.owner) ?? ownerIds[0] ?? null, now: opts.now });
    const contact = store.mustGet('contacts', contactId);
    contact.properties['num_associated_deals'] = String(p.deals.length);
  }
}

/** The linked persona's e-mail properties and, when the integration synced it, its Salesforce ids. */
function linkedProperties(p: Persona, plan: LinkedPlan, sf: LinkedSalesforceRecord | undefined): Record<string, string> {
  const props: Record<string, string> = {};
  if (plan.role !== 'both') return props;
  if (plan.match === 'additional_email' && p.email) {
    props['email'] = personalAddress(p.email, p.index);
    props['hs_additional_emails'] = p.email;
  }
  if (plan.match === 'integration_ids' && sf) {
    props[sf.objectType === 'Contact' ? 'salesforcecontactid' : 'salesforceleadid'] = sf.id;
    if (sf.accountId) props['salesforceaccountid'] = sf.accountId;
  }
  return props;
}

/**
 * An old sign-up of the same person: another contact (HubSpot keeps `email` unique) whose additional addresses
 * hold the person's work address — two HubSpot records with one e-mail.
 */
function addSignupDuplicate(store: PortalStore, p: Persona, ownerId: string | null): void {
  if (!p.email) return;
  const props: Record<string, string> = { firstname: p.firstName, lastname: p.lastName, email: signupAddress(p.email), hs_additional_emails: p.email, lifecyclestage: 'subscriber' };
  setIf(props, 'hubspot_owner_id', ownerId);
  props[lifecycleDateProperty('subscriber')] = iso(p.createdAt - 200 * DAY_MS);
  store.create('contacts', props, { createdAt: p.createdAt - 200 * DAY_MS, updatedAt: p.createdAt - 200 * DAY_MS });
}

function addContact(store: PortalStore, p: Persona, now: number, ownerId: string | null, forms: DemoFormConversions | null, linked?: Record<string, string>): string {
  const props: Record<string, string> = { firstname: p.firstName, lastname: p.lastName };
  setIf(props, 'hubspot_owner_id', ownerId);
  setIf(props, 'email', p.email);
  setIf(props, 'phone', p.phone);
  setIf(props, 'company', p.company?.name);
  setIf(props, 'country', p.country);
  setIf(props, 'industry', p.company?.industry);
  if (p.company?.employees != null) props['numemployees'] = employeeRange(p.company.employees);
  setIf(props, 'lifecyclestage', p.lifecycle);
  for (const [value, at] of lifecyclePath(p, now)) props[lifecycleDateProperty(value)] = iso(at);
  setIf(props, 'hs_analytics_source', p.source);
  setIf(props, 'hs_feedback_last_nps_rating_number', p.nps);
  setIf(props, 'hs_feedback_last_nps_rating', p.nps);
  setIf(props, 'hs_feedback_last_csat_survey_rating', p.csat);
  if (forms) {
    props['first_conversion_date'] = iso(forms.first.at);
    props['first_conversion_event_name'] = forms.first.name;
    props['recent_conversion_date'] = iso(forms.recent.at);
    props['recent_conversion_event_name'] = forms.recent.name;
    props['num_conversion_events'] = String(forms.count);
    props['num_unique_conversion_events'] = String(forms.first.name === forms.recent.name ? 1 : 2);
  }
  if (linked) Object.assign(props, linked);
  // A portal without a property (see `withoutProperties`) holds no value for it.
  for (const name of Object.keys(props)) if (!store.properties.contacts.has(name)) delete props[name];
  // Last modified: the latest thing that happened to this person, never in the future.
  const activity = [p.createdAt, ...p.deals.map((d) => d.closedAt ?? d.stageEnteredAt), ...p.tickets.map((t) => t.closedAt ?? t.createdAt), forms?.recent.at ?? 0];
  const updatedAt = Math.min(now, Math.max(...activity));
  return store.create('contacts', props, { createdAt: p.createdAt, updatedAt }).id;
}

/** The forward order of HubSpot's default lifecycle stages ('other' stands apart). */
const LIFECYCLE_ORDER = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist'];

/**
 * The lifecycle stages a persona went through, each with the time HubSpot stamped its "Became a … date":
 * from subscriber or lead at creation up to its current stage — opportunity when its first deal
 * opened, customer when its first deal was won, earlier steps spread between.
 */
export function lifecyclePath(p: Persona, now: number): Array<[string, number]> {
  if (p.lifecycle === null) return [];
  if (p.lifecycle === 'other') return [['other', p.createdAt]];
  const last = LIFECYCLE_ORDER.indexOf(p.lifecycle);
  const first = Math.min(last, p.index % 3 === 0 ? 0 : 1);
  const firstDeal = Math.min(...p.deals.map((d) => d.createdAt));
  const firstWin = Math.min(...p.deals.filter((d) => d.outcome === 'won').map((d) => d.closedAt ?? Number.POSITIVE_INFINITY));
  const spread = p.createdAt + Math.round((Math.min(now, Math.max(p.createdAt, now - DAY_MS)) - p.createdAt) * (0.2 + ((p.index * 37) % 60) / 100));
  let reached: number;
  if ((p.lifecycle === 'customer' || p.lifecycle === 'evangelist') && Number.isFinite(firstWin)) reached = p.lifecycle === 'customer' ? firstWin : firstWin + Math.round((now - firstWin) / 2);
  else if (p.lifecycle === 'opportunity' && Number.isFinite(firstDeal)) reached = firstDeal;
  else reached = spread;
  reached = Math.max(p.createdAt, Math.min(reached, now));
  const steps = last - first;
  const path: Array<[string, number]> = [];
  for (let i = first; i <= last; i++) {
    const at = steps === 0 ? p.createdAt : p.createdAt + Math.round(((reached - p.createdAt) * (i - first)) / steps);
    path.push([LIFECYCLE_ORDER[i] as string, at]);
  }
  return path;
}

function addDeal(store: PortalStore, d: PersonaDeal, pipelineIndex: number, ownerId: string | null): string {
  const pipeline: PipelineDef = DEAL_PIPELINES[pipelineIndex] ?? DEAL_PIPELINES[0]!;
  const open = pipeline.stages.filter((s) => s.metadata['isClosed'] === 'false');
  const won = pipeline.stages.find((s) => s.metadata['isClosed'] === 'true' && s.metadata['probability'] === '1.0');
  const lost = pipeline.stages.find((s) => s.metadata['isClosed'] === 'true' && s.metadata['probability'] === '0.0');
  const stage = d.outcome === 'won' ? won : d.outcome === 'lost' ? lost : open[d.step];
  if (!stage) throw new RangeError(`no stage for step ${d.step} in pipeline ${pipeline.id}`);
  const props: Record<string, string> = { dealname: d.name, pipeline: pipeline.id, dealstage: stage.id };
  setIf(props, 'amount', d.amount);
  setIf(props, 'hubspot_owner_id', ownerId);
  // Open deals carry an expected close date, as in real portals: closedate is not proof of closing.
  props['closedate'] = iso(d.closedAt ?? d.stageEnteredAt + 45 * DAY_MS);
  props['hs_is_closed'] = String(d.outcome !== 'open');
  props['hs_is_closed_won'] = String(d.outcome === 'won');
  props['hs_deal_stage_probability'] = stage.metadata['probability'] ?? '0';
  // Stage history: steps 0..maxStep spread between creation and the current stage's entry; each stage
  // is exited when the next one is entered (stage-calculated properties, schema.ts `StageDateNames`).
  const reachedEnd = d.outcome === 'open' ? d.stageEnteredAt : (d.closedAt ?? d.stageEnteredAt);
  const lastOpenStep = d.outcome === 'open' ? d.step : d.maxStep;
  const path: Array<{ id: string; at: number }> = [];
  for (let s = 0; s <= lastOpenStep; s++) {
    const st = open[s];
    if (!st) continue;
    const at = d.outcome === 'open' && s === d.step ? d.stageEnteredAt : d.createdAt + Math.round(((reachedEnd - d.createdAt) * s) / (lastOpenStep + 1));
    path.push({ id: st.id, at });
  }
  if (d.outcome !== 'open') path.push({ id: stage.id, at: d.closedAt ?? d.stageEnteredAt });
  path.forEach((step, i) => {
    const names = stageDateProperties(store.stageDates, step.id);
    for (const n of names.entered) props[n] = iso(step.at);
    const next = path[i + 1];
    if (next) for (const n of names.exited) props[n] = iso(next.at);
  });
  return store.create('deals', props, { createdAt: d.createdAt, updatedAt: Math.max(d.createdAt, reachedEnd) }).id;
}

function addTicket(store: PortalStore, t: PersonaTicket, now: number, ownerId: string | null): string {
  const props: Record<string, string> = {
    subject: t.subject,
    content: t.description,
    hs_pipeline: '0',
    hs_pipeline_stage: t.closedAt !== null ? '4' : t.firstResponseAt === null ? '1' : t.createdAt % 2 === 0 ? '2' : '3',
    hs_ticket_priority: t.priority,
    // HubSpot's source_type has no WEB; web submissions arrive as FORM.
    source_type: t.channel === 'WEB' ? 'FORM' : t.channel,
  };
  setIf(props, 'hubspot_owner_id', ownerId);
  if (t.closedAt !== null) props['closed_date'] = iso(t.closedAt);
  if (t.firstResponseAt !== null) {
    props['first_agent_reply_date'] = iso(t.firstResponseAt);
    props['time_to_first_agent_reply'] = String(t.firstResponseAt - t.createdAt);
  }
  const updatedAt = Math.min(now, Math.max(t.createdAt, t.firstResponseAt ?? 0, t.closedAt ?? 0));
  return store.create('tickets', props, { createdAt: t.createdAt, updatedAt }).id;
}

const CALL_STATUS: Record<string, string> = { connected: 'COMPLETED', voicemail: 'COMPLETED', live_message: 'COMPLETED', wrong_number: 'COMPLETED', no_answer: 'NO_ANSWER', busy: 'BUSY' };
const COMMUNICATION_CHANNEL: Record<string, string> = { sms: 'SMS', whatsapp: 'WHATS_APP', linkedin: 'LINKEDIN_MESSAGE' };
const SURVEY_NAMES = { nps: 'Customer loyalty survey', csat: 'Support satisfaction survey', ces: 'Customer effort survey' } as const;

/**
 * HubSpot's own bands (touchpoints.md §3.3): NPS 0–6 / 7–8 / 9–10, CES 1–3 / 4–5 / 6–7, CSAT 0 / 1 / 2.
 * https://knowledge.hubspot.com/customer-feedback/survey-response-properties
 */
export function responseGroup(type: 'nps' | 'csat' | 'ces', score: number): 'DETRACTOR' | 'PASSIVE' | 'PROMOTER' {
  const [passive, promoter] = type === 'nps' ? [7, 9] : type === 'ces' ? [4, 6] : [1, 2];
  return score >= promoter ? 'PROMOTER' : score >= passive ? 'PASSIVE' : 'DETRACTOR';
}

/**
 * One persona's interactions as engagement records (calls, emails, meetings, notes, communications,
 * postal mail) and its survey answers as feedback submissions, each associated with the contact and with
 * the deal or ticket it was about. Property names and values: touchpoints.md §1.2, §3.2.
 */
function addTouchpoints(store: PortalStore, touch: PersonaTouchpoints, ctx: { contactId: string; dealIds: string[]; ticketIds: string[]; owner: string | null; now: number }): void {
  let n = 0;
  const create = (type: ObjectType, at: number, props: Record<string, string>, links: { deal: number | null; ticket: number | null }): void => {
    // Logged when it happened; a meeting booked ahead was logged when it was booked (as long before now as it is ahead).
    const createdAt = at <= ctx.now ? at : ctx.now - (at - ctx.now);
    const rec = store.create(type, props, { createdAt, updatedAt: Math.min(ctx.now, createdAt + 60_000), owned: true });
    store.associate(type, rec.id, 'contacts', ctx.contactId);
    const deal = links.deal === null ? undefined : ctx.dealIds[links.deal];
    const ticket = links.ticket === null ? undefined : ctx.ticketIds[links.ticket];
    if (deal !== undefined) store.associate(type, rec.id, 'deals', deal);
    if (ticket !== undefined) store.associate(type, rec.id, 'tickets', ticket);
    n++;
  };
  for (const i of touch.interactions) {
    const base: Record<string, string> = { hs_timestamp: iso(i.at) };
    if (ctx.owner !== null) base['hubspot_owner_id'] = ctx.owner;
    const links = { deal: i.dealIndex, ticket: i.ticketIndex };
    switch (i.kind) {
      case 'call': {
        const outcome = i.outcome ?? 'connected';
        // Now and then a portal-defined outcome (its own GUID): readers fall back on hs_call_status.
        const disposition = n % 41 === 7 ? CUSTOM_CALL_DISPOSITION : CALL_DISPOSITIONS[outcome as keyof typeof CALL_DISPOSITIONS];
        create('calls', i.at, {
          ...base,
          hs_call_title: i.title,
          hs_call_direction: i.direction === 'inbound' ? 'INBOUND' : 'OUTBOUND',
          hs_call_status: CALL_STATUS[outcome] ?? 'COMPLETED',
          hs_call_disposition: disposition,
          hs_call_duration: String(i.durationMs ?? 0),
        }, links);
        break;
      }
      case 'email': {
        const props: Record<string, string> = { ...base, hs_email_subject: i.title, hs_email_direction: i.direction === 'inbound' ? 'INCOMING_EMAIL' : 'EMAIL' };
        if (i.direction === 'outbound') props['hs_email_status'] = (i.outcome ?? 'sent').toUpperCase();
        create('emails', i.at, props, links);
        break;
      }
      case 'meeting':
        create('meetings', i.at, {
          ...base,
          hs_meeting_title: i.title,
          hs_meeting_start_time: iso(i.at),
          hs_meeting_end_time: iso(i.at + (i.durationMs ?? 30 * 60_000)),
          hs_meeting_outcome: (i.outcome ?? 'scheduled').toUpperCase(),
        }, links);
        break;
      case 'note':
        create('notes', i.at, { ...base, hs_note_body: i.title }, links);
        break;
      case 'postal':
        create('postal_mail', i.at, { ...base, hs_postal_mail_body: i.title }, links);
        break;
      default:
        create('communications', i.at, { ...base, hs_communication_channel_type: COMMUNICATION_CHANNEL[i.kind] ?? 'SMS', hs_communication_logged_from: 'CRM', hs_communication_body: i.title }, links);
    }
  }
  for (const s of touch.surveys) {
    const ticket = s.ticketIndex === null ? undefined : ctx.ticketIds[s.ticketIndex];
    const props: Record<string, string> = {
      hs_survey_type: s.type.toUpperCase(),
      hs_survey_name: SURVEY_NAMES[s.type],
      hs_survey_id: String({ nps: 11, csat: 12, ces: 13 }[s.type]),
      hs_survey_channel: 'EMAIL',
      hs_submission_timestamp: iso(s.at),
      hs_value: String(s.score),
      hs_response_group: responseGroup(s.type, s.score),
      hs_contact_id: ctx.contactId,
    };
    if (ticket !== undefined) props['hs_ticket_id'] = ticket;
    create('feedback_submissions', s.at, props, { deal: null, ticket: s.ticketIndex });
  }
}
