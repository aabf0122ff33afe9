/**
 * HubSpot objects → canonical records. Property values arrive as strings (dates ISO 8601, some legacy
 * ones epoch ms); anything unparsable becomes null rather than a wrong number.
 */
import type { FieldNeeds } from '../../connectors/port.ts';
import type { ContactRecord, DealRecord, ObjectKind, RawFields, TicketRecord } from '../../src/model.ts';
import { LIFECYCLE_VALUES, lifecycleDateProperty, MODIFIED_PROPERTY, needsLifecycleDates, OWNER_PROPERTY, sourceProperties, stageEnteredProperties } from './properties.ts';
import type { PipelineCatalog } from './pipelines.ts';
import type { CrmObject } from './schemas.ts';

type Props = Record<string, string | null>;

export function parseTime(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value);
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

function parseNumber(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/**
 * Contact `numemployees` is a dropdown of ranges ("500-1000", "1000+"), not a count; a range reads
 * as its lower bound so `employees >= 1000` means "at least 1000". A plain number (an override to a
 * number property) reads as itself.
 */
export function parseEmployeeCount(value: string | null | undefined): number | null {
  const exact = parseNumber(value);
  if (exact !== null || !value) return exact;
  const m = /^\s*([\d,]+)\s*(?:-|\+|$)/.exec(value);
  return m ? Number((m[1] as string).replaceAll(',', '')) : null;
}

function str(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

function rawFields(kind: ObjectKind, props: Props, fields: FieldNeeds): RawFields {
  const raw: RawFields = {};
  for (const name of [...(fields.raw[kind] ?? []), ...(fields.owned[kind] ?? [])]) raw[name] = props[name] ?? null;
  return raw;
}

/**
 * The value behind a normalized field, only if the mapping asked for it (requested properties only):
 * the first of its properties that holds a value (the current name before a deprecated one).
 */
function field(kind: ObjectKind, name: string, props: Props, fields: FieldNeeds): string | null {
  if (!(fields.normalized[kind] ?? []).includes(name)) return null;
  for (const p of sourceProperties(kind, name, fields)) {
    const v = str(props[p]);
    if (v !== null) return v;
  }
  return null;
}

function wants(kind: ObjectKind, name: string, fields: FieldNeeds): boolean {
  return (fields.normalized[kind] ?? []).includes(name);
}

/** When the deal entered a stage: the current `hs_v2_date_entered_*` value, else the legacy `hs_date_entered_*` one. */
export function dateEnteredStage(props: Props, stageId: string): number | null {
  const [current, legacy] = stageEnteredProperties(stageId);
  return parseTime(props[current]) ?? parseTime(props[legacy]);
}

function modifiedAt(kind: ObjectKind, obj: CrmObject): number | null {
  return parseTime(obj.properties[MODIFIED_PROPERTY[kind]]) ?? parseTime(obj.updatedAt);
}

export function toContact(obj: CrmObject, fields: FieldNeeds): ContactRecord {
  const p = obj.properties;
  let name: string | null = null;
  if (wants('contact', 'name', fields)) {
    const override = fields.overrides.contact?.name;
    name = override !== undefined ? str(p[override]) : str([p.firstname, p.lastname].filter((v) => v).join(' ').trim());
  }
  return {
    kind: 'contact',
    id: obj.id,
    objectType: 'contacts',
    raw: rawFields('contact', p, fields),
    updatedAt: modifiedAt('contact', obj),
    ownerId: str(p[OWNER_PROPERTY]),
    createdAt: parseTime(obj.createdAt) ?? parseTime(p.createdate),
    email: field('contact', 'email', p, fields),
    name,
    lifecycle: field('contact', 'lifecycle', p, fields),
    source: field('contact', 'source', p, fields),
    country: field('contact', 'country', p, fields),
    industry: field('contact', 'industry', p, fields),
    employees: parseEmployeeCount(field('contact', 'employees', p, fields)),
    npsScore: parseNumber(field('contact', 'npsScore', p, fields)),
    csat: parseNumber(field('contact', 'csat', p, fields)),
    ...(needsLifecycleDates(fields) ? { lifecycleDates: lifecycleDates(p) } : {}),
    ...(wants('contact', 'additionalEmails', fields) ? { additionalEmails: additionalEmails(p) } : {}),
    ...(wants('contact', 'integrationIds', fields)
      ? { integrationIds: { salesforceContactId: str(p.salesforcecontactid), salesforceLeadId: str(p.salesforceleadid) } }
      : {}),
  };
}

/** `hs_additional_emails`: the contact's secondary addresses, `;`-separated (as stored; identity normalizes). */
function additionalEmails(p: Props): string[] {
  const value = p.hs_additional_emails;
  if (!value) return [];
  return value.split(';').map((s) => s.trim()).filter((s) => s !== '');
}

/** `hs_lifecyclestage_<value>_date` of every lifecycle value the contact reached. */
function lifecycleDates(p: Props): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of LIFECYCLE_VALUES) {
    const t = parseTime(p[lifecycleDateProperty(v)]);
    if (t !== null) out[v] = t;
  }
  return out;
}

/** Ids of contacts merged into this one (`hs_merged_object_ids`, `;`-separated): they no longer exist. */
export function mergedAwayIds(obj: CrmObject): string[] {
  const value = obj.properties.hs_merged_object_ids;
  if (!value) return [];
  return value.split(';').map((s) => s.trim()).filter((s) => s !== '' && s !== obj.id);
}

export function toDeal(obj: CrmObject, fields: FieldNeeds, pipelines: PipelineCatalog, contactIds: string[]): DealRecord {
  const p = obj.properties;
  const pipeline = str(p.pipeline);
  const stage = str(p.dealstage);
  const info = pipelines.stage(pipeline, stage);
  // Unknown stage (pipeline deleted since?): fall back on HubSpot's default closed stage ids.
  const isClosed = info?.isClosed ?? (stage === 'closedwon' || stage === 'closedlost');
  const isWon = info?.isWon ?? stage === 'closedwon';
  const entered: Array<[string, number]> = [];
  for (const id of pipelines.stageIds()) {
    const t = dateEnteredStage(p, id);
    if (t !== null) entered.push([id, t]);
  }
  entered.sort((a, b) => a[1] - b[1]);
  let stageEnteredAt: number | null = null;
  if (wants('deal', 'stageEnteredAt', fields)) {
    const override = fields.overrides.deal?.stageEnteredAt;
    stageEnteredAt = override !== undefined ? parseTime(p[override]) : stage !== null ? dateEnteredStage(p, stage) : null;
  }
  return {
    kind: 'deal',
    id: obj.id,
    objectType: 'deals',
    raw: rawFields('deal', p, fields),
    updatedAt: modifiedAt('deal', obj),
    ownerId: str(p[OWNER_PROPERTY]),
    name: field('deal', 'name', p, fields),
    amount: parseNumber(field('deal', 'amount', p, fields)),
    pipeline: wants('deal', 'pipeline', fields) ? pipeline : null,
    stage: wants('deal', 'stage', fields) ? stage : null,
    isClosed,
    isWon,
    createdAt: parseTime(obj.createdAt) ?? parseTime(p.createdate),
    stageEnteredAt,
    closedAt: parseTime(field('deal', 'closedAt', p, fields)),
    stagesReached: wants('deal', 'stagesReached', fields) ? entered.map(([id]) => id) : [],
    ...(wants('deal', 'stageHistory', fields) ? { stageHistory: entered.map(([stage, at]) => ({ stage, at })) } : {}),
    contactIds,
  };
}

export function toTicket(obj: CrmObject, fields: FieldNeeds, pipelines: PipelineCatalog, contactIds: string[]): TicketRecord {
  const p = obj.properties;
  const info = pipelines.stage(str(p.hs_pipeline), str(p.hs_pipeline_stage));
  const createdAt = parseTime(obj.createdAt) ?? parseTime(p.createdate);
  let firstResponseAt: number | null = null;
  if (wants('ticket', 'firstResponseAt', fields)) {
    const override = fields.overrides.ticket?.firstResponseAt;
    if (override !== undefined) firstResponseAt = parseTime(p[override]);
    else {
      firstResponseAt = parseTime(p.first_agent_reply_date);
      // `time_to_first_agent_reply` is a duration in milliseconds from creation.
      const elapsed = parseNumber(p.time_to_first_agent_reply);
      if (firstResponseAt === null && elapsed !== null && createdAt !== null) firstResponseAt = createdAt + elapsed;
    }
  }
  return {
    kind: 'ticket',
    id: obj.id,
    objectType: 'tickets',
    raw: rawFields('ticket', p, fields),
    updatedAt: modifiedAt('ticket', obj),
    ownerId: str(p[OWNER_PROPERTY]),
    subject: field('ticket', 'subject', p, fields),
    status: field('ticket', 'status', p, fields),
    // Stage metadata decides; with no known stage, a ticket without a close date is open.
    isOpen: info ? !info.isClosed : parseTime(p.closed_date) === null,
    priority: field('ticket', 'priority', p, fields),
    channel: field('ticket', 'channel', p, fields),
    createdAt,
    closedAt: parseTime(field('ticket', 'closedAt', p, fields)),
    firstResponseAt,
    contactIds,
  };
}
