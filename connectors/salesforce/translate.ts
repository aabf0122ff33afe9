/**
 * Salesforce rows → canonical records. Rows come flat (`Account.Industry` as one key) from both REST
 * (JSON, typed values, parents nested → flattened here) and Bulk API 2.0 (CSV, every value a string,
 * empty = null). Timestamps arrive as `2026-01-01T00:00:00.000+0000`, dates as `2026-01-01`.
 */
import type { ContactRecord, DealRecord, RawFields, StageEntryEvidence, TicketRecord } from '../../src/model.ts';
import type { ObjectPlan } from './field-plan.ts';

export type FlatRow = Record<string, string | number | boolean | null>;

/** REST record → flat row: drops `attributes`, flattens one-level parents (`Account: null` → nulls). */
export function flattenRest(record: Record<string, unknown>): FlatRow {
  const out: FlatRow = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === 'attributes') continue;
    if (value !== null && typeof value === 'object') {
      for (const [sub, v] of Object.entries(value as Record<string, unknown>)) {
        if (sub !== 'attributes') out[`${key}.${sub}`] = scalar(v);
      }
    } else out[key] = scalar(value);
  }
  return out;
}

/** Bulk CSV row → flat row (empty string = null, per Bulk 2.0 results). */
export function flattenCsv(row: Record<string, string>): FlatRow {
  const out: FlatRow = {};
  for (const [k, v] of Object.entries(row)) out[k] = v === '' ? null : v;
  return out;
}

function scalar(v: unknown): string | number | boolean | null {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
}

function first(row: FlatRow, plan: ObjectPlan, field: string): string | number | boolean | null {
  for (const source of plan.sources[field] ?? []) {
    const v = row[source];
    if (v !== null && v !== undefined && v !== '') return v;
  }
  return null;
}

export function asText(v: string | number | boolean | null | undefined): string | null {
  return v === null || v === undefined ? null : String(v);
}

export function asNumber(v: string | number | boolean | null | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export function asBool(v: string | number | boolean | null | undefined): boolean {
  return v === true || v === 'true';
}

/** Epoch ms of a Salesforce dateTime or date (dates are midnight UTC). */
export function asTime(v: string | number | boolean | null | undefined): number | null {
  if (typeof v !== 'string') return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * The record's owner: a User id (`005…`). A queue (`00G…`, Leads and Cases) is no one a task can be for,
 * so it reads as no owner (the core falls back to the configured owner).
 */
export function ownerOf(row: FlatRow): string | null {
  const id = asText(row.OwnerId);
  return id === null || id === '' || id.startsWith('00G') ? null : id;
}

function rawOf(row: FlatRow, plan: ObjectPlan): RawFields {
  const raw: RawFields = {};
  for (const name of plan.raw) raw[name] = row[name] ?? null;
  return raw;
}

export function toContact(row: FlatRow, plan: ObjectPlan): ContactRecord {
  return {
    kind: 'contact',
    id: String(row.Id),
    objectType: plan.object,
    raw: rawOf(row, plan),
    updatedAt: asTime(row.SystemModstamp),
    ownerId: ownerOf(row),
    email: asText(first(row, plan, 'email')),
    name: asText(first(row, plan, 'name')),
    createdAt: asTime(first(row, plan, 'createdAt')),
    lifecycle: asText(first(row, plan, 'lifecycle')),
    source: asText(first(row, plan, 'source')),
    country: asText(first(row, plan, 'country')),
    industry: asText(first(row, plan, 'industry')),
    employees: asNumber(first(row, plan, 'employees')),
    npsScore: asNumber(first(row, plan, 'npsScore')),
    csat: asNumber(first(row, plan, 'csat')),
  };
}

export function toDeal(row: FlatRow, plan: ObjectPlan, links: { contactIds: string[]; stagesReached: string[]; stageHistory?: StageEntryEvidence[] }): DealRecord {
  const isClosed = asBool(row.IsClosed);
  return {
    kind: 'deal',
    id: String(row.Id),
    objectType: 'Opportunity',
    raw: rawOf(row, plan),
    updatedAt: asTime(row.SystemModstamp),
    ownerId: ownerOf(row),
    name: asText(first(row, plan, 'name')),
    amount: asNumber(first(row, plan, 'amount')),
    pipeline: asText(first(row, plan, 'pipeline')),
    stage: asText(first(row, plan, 'stage')),
    isClosed,
    isWon: asBool(row.IsWon),
    createdAt: asTime(first(row, plan, 'createdAt')),
    stageEnteredAt: asTime(first(row, plan, 'stageEnteredAt')),
    // CloseDate is the *expected* close date while open; it only means "closed at" once closed.
    closedAt: isClosed ? asTime(first(row, plan, 'closedAt')) : null,
    stagesReached: links.stagesReached,
    ...(plan.stageHistory && links.stageHistory ? { stageHistory: links.stageHistory } : {}),
    contactIds: links.contactIds,
  };
}

export function toTicket(row: FlatRow, plan: ObjectPlan): TicketRecord {
  const contactId = asText(row.ContactId);
  return {
    kind: 'ticket',
    id: String(row.Id),
    objectType: 'Case',
    raw: rawOf(row, plan),
    updatedAt: asTime(row.SystemModstamp),
    ownerId: ownerOf(row),
    subject: asText(first(row, plan, 'subject')),
    status: asText(first(row, plan, 'status')),
    isOpen: !asBool(row.IsClosed),
    priority: asText(first(row, plan, 'priority')),
    channel: asText(first(row, plan, 'channel')),
    createdAt: asTime(first(row, plan, 'createdAt')),
    closedAt: asTime(first(row, plan, 'closedAt')),
    firstResponseAt: asTime(first(row, plan, 'firstResponseAt')),
    contactIds: contactId ? [contactId] : [],
  };
}
