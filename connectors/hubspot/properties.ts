/**
 * Which HubSpot properties to request: only those behind the normalized fields the mapping uses, its raw
 * fields, the owned fields, and what the connector needs itself (modified date, stage, merges).
 * Property names: /work/shared/crm-facts/hubspot.md §3.4, §8 and
 * https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide
 */
import type { FieldNeeds } from '../../connectors/port.ts';
import type { ObjectKind } from '../../src/model.ts';

export const OBJECT_TYPE: Record<ObjectKind, 'contacts' | 'deals' | 'tickets'> = { contact: 'contacts', deal: 'deals', ticket: 'tickets' };

/** Contacts expose `lastmodifieddate`; deals and tickets `hs_lastmodifieddate`. */
export const MODIFIED_PROPERTY: Record<ObjectKind, string> = { contact: 'lastmodifieddate', deal: 'hs_lastmodifieddate', ticket: 'hs_lastmodifieddate' };

/** Default property per normalized field (several for `name`). `createdAt` comes free as the top-level `createdAt`. */
export const DEFAULT_PROPERTIES: Record<ObjectKind, Record<string, string[]>> = {
  contact: {
    email: ['email'],
    name: ['firstname', 'lastname'],
    lifecycle: ['lifecyclestage'],
    source: ['hs_analytics_source'],
    country: ['country'],
    industry: ['industry'],
    employees: ['numemployees'],
    // Feedback-survey rollups on the contact (touchpoints.md §3.4): NPS 0–10, CSAT on the 3-point
    // scale of HubSpot's CSAT surveys (0 dissatisfied, 1 neutral, 2 satisfied; §3.3). Current portals
    // list the NPS rating as the number `hs_feedback_last_nps_rating_number` ("Latest NPS survey rating")
    // beside the enumeration `hs_feedback_last_nps_rating`, labelled deprecated; older portals have only
    // the enumeration (property dumps of real portals). The first one the portal has and fills wins.
    npsScore: ['hs_feedback_last_nps_rating_number', 'hs_feedback_last_nps_rating'],
    csat: ['hs_feedback_last_csat_survey_rating'],
    // Identity for linked installations (issue 16; not rule fields, asked for by a linked run only).
    // Secondary addresses, `;`-separated and read-only:
    // https://legacydocs.hubspot.com/docs/methods/contacts/get-secondary-email-addresses-by-vid
    additionalEmails: ['hs_additional_emails'],
    // The Salesforce Contact / Lead id HubSpot's Salesforce integration keeps on the contact. Portals
    // without the integration lack both properties: the catalogue read then reports the field missing
    // and neither is requested (a portal with one of them is asked for that one only).
    integrationIds: ['salesforcecontactid', 'salesforceleadid'],
  },
  deal: {
    name: ['dealname'],
    amount: ['amount'],
    pipeline: ['pipeline'],
    stage: ['dealstage'],
    closedAt: ['closedate'],
  },
  ticket: {
    subject: ['subject'],
    status: ['hs_pipeline_stage'],
    priority: ['hs_ticket_priority'],
    channel: ['source_type'],
    closedAt: ['closed_date'],
    firstResponseAt: ['first_agent_reply_date', 'time_to_first_agent_reply'],
  },
};

/**
 * The record owner, a default property of contacts, deals and tickets: who gets follow-up tasks.
 * https://developers.hubspot.com/docs/api-reference/latest/crm/owners/guide
 */
export const OWNER_PROPERTY = 'hubspot_owner_id';

/**
 * Always needed: cursor property, what `isClosed`/`isWon`/`isOpen` (non-nullable) are computed from, and
 * the owner (`ownerId`).
 */
const INTERNAL: Record<ObjectKind, string[]> = {
  contact: ['lastmodifieddate', 'hs_merged_object_ids', OWNER_PROPERTY],
  deal: ['hs_lastmodifieddate', 'pipeline', 'dealstage', OWNER_PROPERTY],
  ticket: ['hs_lastmodifieddate', 'hs_pipeline', 'hs_pipeline_stage', 'closed_date', OWNER_PROPERTY],
};

/**
 * HubSpot's default lifecycle values (hubspot.md §8). Each has a read-only "Became a … date" property
 * `hs_lifecyclestage_<value>_date`, set when the contact enters that value (hubspot.md §13, CONFIRMED;
 * https://knowledge.hubspot.com/contacts/use-lifecycle-stages). HubSpot leaves out requested properties
 * a portal does not have, so a portal that removed a default value costs nothing.
 */
export const LIFECYCLE_VALUES = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'] as const;

export function lifecycleDateProperty(value: string): string {
  return `hs_lifecyclestage_${value}_date`;
}

/** Lifecycle dates are evidence for `lifecyclestage` only: not when an admin points `lifecycle` at another property. */
export function needsLifecycleDates(fields: FieldNeeds): boolean {
  return (fields.normalized.contact ?? []).includes('lifecycleDates') && fields.overrides.contact?.lifecycle === undefined;
}

/**
 * The stage-calculated "Date entered <stage>" properties of a deal stage, current name first:
 * `hs_v2_date_entered_<stageId>` on current portals, `hs_date_entered_<stageId>` on older ones
 * (knowledge.hubspot.com "Use stage calculated properties"; /work/shared/crm-facts/hubspot.md §13).
 * Both are requested: HubSpot silently leaves out a property the portal does not have, so a portal with
 * only one of them answers with that one, and the value is picked per stage (`dateEnteredStage` in translate.ts).
 */
export function stageEnteredProperties(stageId: string): [current: string, legacy: string] {
  return [`hs_v2_date_entered_${stageId}`, `hs_date_entered_${stageId}`];
}

/** The CRM property (or properties) behind one normalized field, honouring admin overrides. */
export function sourceProperties(kind: ObjectKind, field: string, fields: FieldNeeds): string[] {
  const override = fields.overrides[kind]?.[field];
  if (override !== undefined) return [override];
  return DEFAULT_PROPERTIES[kind][field] ?? [];
}

/** True when deals need the "date entered" properties of every known stage (stageEnteredAt without override, stagesReached or stageHistory). */
export function needsStageHistory(fields: FieldNeeds): boolean {
  const wanted = new Set(fields.normalized.deal ?? []);
  return wanted.has('stagesReached') || wanted.has('stageHistory') || (wanted.has('stageEnteredAt') && fields.overrides.deal?.stageEnteredAt === undefined);
}

/**
 * The "date entered" names to request for one stage: both, unless the portal's deal properties are known
 * (the properties read of `availableFields`) and have one of them, then only what it has. A stage the
 * read does not know (created since) gets both.
 */
export function stageEnteredToRequest(stageId: string, dealProperties?: ReadonlySet<string>): string[] {
  const names = stageEnteredProperties(stageId);
  const present = dealProperties ? names.filter((n) => dealProperties.has(n)) : [];
  return present.length > 0 ? present : names;
}

export function propertiesFor(kind: ObjectKind, fields: FieldNeeds, dealStageIds: string[] = [], dealProperties?: ReadonlySet<string>): string[] {
  const names = new Set<string>(INTERNAL[kind]);
  for (const field of fields.normalized[kind] ?? []) for (const p of sourceProperties(kind, field, fields)) names.add(p);
  if (kind === 'contact' && needsLifecycleDates(fields)) for (const v of LIFECYCLE_VALUES) names.add(lifecycleDateProperty(v));
  if (kind === 'deal') {
    const override = fields.overrides.deal?.stageEnteredAt;
    if (override !== undefined && (fields.normalized.deal ?? []).includes('stageEnteredAt')) names.add(override);
    if (needsStageHistory(fields)) for (const id of dealStageIds) for (const p of stageEnteredToRequest(id, dealProperties)) names.add(p);
  }
  for (const p of fields.raw[kind] ?? []) names.add(p);
  for (const p of fields.owned[kind] ?? []) names.add(p);
  return [...names];
}
