/**
 * JourneyState → the owned-field values Parcours wants on each record, as CRM-ready strings,
 * and the comparison that decides whether a record must be written.
 */
import type { OwnedField, OwnedFieldSpec } from '../../connectors/port.ts';
import type { Mapping } from '../mapping/ast.ts';
import type { CrmRecord, Customer, JourneyState, ObjectKind } from '../model.ts';

export type Values = Record<string, string | null>;

/**
 * Reason fields hold one line per flag joined with " | "; Salesforce reasons are Text(255) (a Long Text
 * Area would cap query pages at 200 rows), so every CRM gets the same cap. The rule: a reason longer than
 * 255 UTF-16 code units keeps its first 254 (one fewer if that would split a surrogate pair) followed by
 * "…". It is applied before the diff, so the value compared is the value written.
 */
export const REASON_MAX = 255;

export function truncate(s: string, max = REASON_MAX): string {
  if (s.length <= max) return s;
  let cut = max - 1;
  const last = s.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${s.slice(0, cut)}…`;
}

export interface DesiredRecord {
  kind: ObjectKind;
  record: CrmRecord;
  values: Values;
}

/** The values for the contact and for each of its deals and tickets. */
/**
 * The stage reason with what dates the entry (`…; since 2026-10-02, deal entered contractsent`). The
 * rule's part is shortened first, so the entry's evidence survives the cap.
 */
export function withSince(ruleReason: string, since: string, max = REASON_MAX): string {
  const tail = ` (${since})`;
  if (tail.length >= max) return truncate(since, max);
  return `${truncate(ruleReason, max - tail.length)}${tail}`;
}

/** The values for the contact and for each of its deals and tickets; `stageReason` is the full stage reason. */
export function desiredValues(mapping: Mapping, customer: Customer, state: JourneyState, stageEnteredAt: number, stageReason: string = state.stage.reason): DesiredRecord[] {
  const wb = mapping.writeback;
  const out: DesiredRecord[] = [];
  const flagsOn = (kind: ObjectKind, id: string) => state.friction.filter((f) => f.on.kind === kind && f.on.id === id);
  const frictionValues = (names: Partial<Record<OwnedField, string>>, flags: JourneyState['friction']): Values => {
    const v: Values = {};
    const ids = [...new Set(flags.map((f) => f.id))].sort();
    if (names.friction) v[names.friction] = ids.length ? ids.join(';') : null;
    if (names.frictionReason) v[names.frictionReason] = flags.length ? truncate(dedupe(flags.map((f) => f.reason)).join(' | ')) : null;
    return v;
  };
  const c = wb.contact;
  const contactValues: Values = frictionValues(c, flagsOn('contact', customer.contact.id));
  if (c.stage) contactValues[c.stage] = wb.stageValues[state.stage.id] ?? state.stage.id;
  if (c.stageEnteredAt) contactValues[c.stageEnteredAt] = new Date(stageEnteredAt).toISOString();
  if (c.stageReason) contactValues[c.stageReason] = truncate(stageReason);
  if (c.segments) contactValues[c.segments] = state.segments.length ? state.segments.map((s) => s.id).sort().join(';') : null;
  out.push({ kind: 'contact', record: customer.contact, values: contactValues });
  if (Object.keys(wb.deal).some((k) => wb.deal[k as 'friction'])) {
    for (const d of customer.deals) out.push({ kind: 'deal', record: d, values: frictionValues(wb.deal, flagsOn('deal', d.id)) });
  }
  if (Object.keys(wb.ticket).some((k) => wb.ticket[k as 'friction'])) {
    for (const t of customer.tickets) out.push({ kind: 'ticket', record: t, values: frictionValues(wb.ticket, flagsOn('ticket', t.id)) });
  }
  return out;
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

export function currentValue(record: CrmRecord, field: string): string | null {
  const v = record.raw[field];
  if (v === undefined || v === null || v === '') return null;
  return String(v);
}

/** Field types decide equality: multi-selects compare as sets, datetimes as instants to the second. */
export function sameValue(type: OwnedFieldSpec['type'] | undefined, a: string | null, b: string | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  if (type === 'multi') {
    const sa = a.split(';').filter(Boolean).sort().join(';');
    const sb = b.split(';').filter(Boolean).sort().join(';');
    return sa === sb;
  }
  if (type === 'datetime') {
    // To the second: Salesforce stores dateTime values in whole seconds (salesforce.md §11), so a value
    // written with milliseconds reads back without them and must not count as a change.
    const ta = toTime(a);
    const tb = toTime(b);
    return ta !== null && tb !== null && Math.floor(ta / 1000) === Math.floor(tb / 1000);
  }
  return false;
}

export function toTime(v: string): number | null {
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v.replace(/\+0000$/, 'Z'));
  return Number.isFinite(n) ? n : null;
}
