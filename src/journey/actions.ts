/**
 * Desired follow-up tasks (issue 14): from one customer's JourneyState, the tasks that should be open
 * now — one per (action, record) — with owner, subject, body, priority and due time.
 * Pure: the sync decides what to create and close by comparing these with the tasks it opened before.
 */
import { actionTarget } from '../mapping/actions.ts';
import type { ActionDef, Mapping } from '../mapping/ast.ts';
import { DAY_MS, type ContactRecord, type Customer, type DealRecord, type JourneyState, type RecordRef, type Severity, type TicketRecord } from '../model.ts';
import { newContext } from './context.ts';
import { compileTemplate, type CompiledTemplate } from './reasons.ts';

/** Who gets the task: an id (or the fallback as written: an id or an email), or why nobody. */
export type TaskOwner = { id: string; via: ActionDef['owner'] | 'fallback_owner' } | { id: null; why: string };

export interface DesiredTask {
  /** `<action>:<record kind>:<record id>`: one open task per key. */
  key: string;
  action: string;
  flag: string | null;
  /** The record the task is about. */
  on: RecordRef;
  contactId: string;
  owner: TaskOwner;
  /** The action's fallback owner (id or email), for an owner the CRM reports inactive. */
  fallback: string | null;
  subject: string;
  body: string;
  priority: Severity;
  dueAt: number;
  closeWhenCleared: boolean;
}

/** Salesforce Task.Subject holds 255 characters; HubSpot takes more, but one limit keeps both alike. */
const SUBJECT_MAX = 255;

interface CompiledAction {
  def: ActionDef;
  target: 'contact' | 'deal' | 'ticket';
  severity: Severity | null;
  subject: CompiledTemplate;
  body: CompiledTemplate;
}

export type ActionPlanner = (customer: Customer, state: JourneyState, now: number, clock?: { horizon: number }) => DesiredTask[];

export function compileActions(mapping: Mapping): ActionPlanner {
  const compiled: CompiledAction[] = mapping.actions.map((def) => {
    const flag = def.onFlag === null ? undefined : mapping.friction.find((f) => f.id === def.onFlag);
    return { def, target: actionTarget(flag), severity: flag?.severity ?? null, subject: compileTemplate(def.subject), body: compileTemplate(def.body) };
  });
  if (compiled.length === 0) return () => [];
  return (customer, state, now, clock) => {
    const out: DesiredTask[] = [];
    for (const a of compiled) {
      if (a.def.onStage !== null && state.stage.id !== a.def.onStage) continue;
      const hits: Array<{ on: RecordRef; reason: string }> =
        a.def.onFlag === null
          ? [{ on: { kind: 'contact', objectType: customer.contact.objectType, id: customer.contact.id }, reason: state.stage.reason }]
          : state.friction.filter((f) => f.id === a.def.onFlag && f.on.kind === a.target).map((f) => ({ on: f.on, reason: f.reason }));
      for (const hit of hits) {
        const record = recordOf(customer, hit.on);
        if (!record) continue;
        const ctx = newContext(now, customer.contact, customer.deals, customer.tickets);
        if (record.kind === 'deal') ctx.deal = record;
        if (record.kind === 'ticket') ctx.ticket = record;
        ctx.journey.stage = state.stage.id;
        ctx.vars = { flag: a.def.onFlag ?? '', reason: hit.reason };
        const subject = a.subject(ctx);
        out.push({
          key: `${a.def.id}:${hit.on.kind}:${hit.on.id}`,
          action: a.def.id,
          flag: a.def.onFlag,
          on: hit.on,
          contactId: customer.contact.id,
          owner: ownerOf(a.def, customer.contact, record),
          fallback: a.def.fallbackOwner,
          subject: subject.length > SUBJECT_MAX ? `${subject.slice(0, SUBJECT_MAX - 1)}…` : subject,
          body: a.body(ctx),
          priority: a.def.priority ?? a.severity ?? 'medium',
          dueAt: dueAt(now, a.def.dueInDays, a.def.businessDays),
          closeWhenCleared: a.def.closeWhenCleared,
        });
        if (clock && ctx.horizon < clock.horizon) clock.horizon = ctx.horizon;
      }
    }
    return out;
  };
}

function recordOf(customer: Customer, ref: RecordRef): ContactRecord | DealRecord | TicketRecord | undefined {
  if (ref.kind === 'contact') return customer.contact.id === ref.id ? customer.contact : undefined;
  if (ref.kind === 'deal') return customer.deals.find((d) => d.id === ref.id);
  return customer.tickets.find((t) => t.id === ref.id);
}

function ownerOf(def: ActionDef, contact: ContactRecord, record: ContactRecord | DealRecord | TicketRecord): TaskOwner {
  const source = def.owner === 'contact.owner' ? contact : record;
  const id = source.ownerId;
  if (id) return { id, via: def.owner };
  if (def.fallbackOwner !== null) return { id: def.fallbackOwner, via: 'fallback_owner' };
  const what = `${source.kind} ${source.id}`;
  return { id: null, why: id === undefined ? `the owner of ${what} was not read from the CRM, and the action has no fallback_owner` : `${what} has no owner, and the action has no fallback_owner` };
}

/** `days` after `now`; with `business`, Saturdays and Sundays (UTC) are not counted. */
export function dueAt(now: number, days: number, business: boolean): number {
  if (!business) return now + days * DAY_MS;
  let t = now;
  for (let left = days; left > 0; ) {
    t += DAY_MS;
    const weekday = new Date(t).getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return t;
}
