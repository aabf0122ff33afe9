import type { ContactRecord, Customer, DealRecord, TicketRecord, TouchpointRecord } from '../../src/model.ts';
import { DAY_MS, HOUR_MS } from '../../src/model.ts';

export const NOW = Date.parse('2026-11-23T12:00:00Z');
export const daysAgo = (d: number): number => NOW - d * DAY_MS;
export const hoursAgo = (h: number): number => NOW - h * HOUR_MS;

let seq = 0;
export function contact(p: Partial<ContactRecord> = {}): ContactRecord {
  return {
    kind: 'contact', id: `c${++seq}`, objectType: 'contacts', raw: {}, updatedAt: null, email: 'a@example.com', name: 'Ada',
    createdAt: daysAgo(400), lifecycle: 'lead', source: null, country: null, industry: null, employees: null,
    npsScore: null, csat: null, ...p,
  };
}
export function deal(p: Partial<DealRecord> = {}): DealRecord {
  return {
    kind: 'deal', id: `d${++seq}`, objectType: 'deals', raw: {}, updatedAt: null, name: 'ACME renewal', amount: 5000,
    pipeline: 'default', stage: 'appointmentscheduled', isClosed: false, isWon: false, createdAt: daysAgo(60),
    stageEnteredAt: daysAgo(5), closedAt: null, stagesReached: [], contactIds: [], ...p,
  };
}
export function won(closedDaysAgo: number, p: Partial<DealRecord> = {}): DealRecord {
  return deal({ stage: 'closedwon', isClosed: true, isWon: true, closedAt: daysAgo(closedDaysAgo), stageEnteredAt: daysAgo(closedDaysAgo), ...p });
}
export function ticket(p: Partial<TicketRecord> = {}): TicketRecord {
  return {
    kind: 'ticket', id: `t${++seq}`, objectType: 'tickets', raw: {}, updatedAt: null, subject: 'Login broken', status: '1',
    isOpen: false, priority: 'LOW', channel: 'EMAIL', createdAt: daysAgo(100), closedAt: daysAgo(99),
    firstResponseAt: daysAgo(100) + HOUR_MS, contactIds: [], ...p,
  };
}
export function customer(c: Partial<ContactRecord> = {}, deals: DealRecord[] = [], tickets: TicketRecord[] = []): Customer {
  return { contact: contact(c), deals, tickets };
}

/** A touchpoint at `at` (default: a connected inbound call a day ago). */
export function touchpoint(p: Partial<TouchpointRecord> = {}): TouchpointRecord {
  return {
    kind: 'touchpoint', id: `tp${++seq}`, objectType: 'calls', raw: {}, updatedAt: null, channel: 'phone', rawChannel: 'CALL',
    direction: 'inbound', at: daysAgo(1), outcome: 'connected', rawOutcome: null, contactIds: [], dealIds: [], ticketIds: [],
    survey: null, ...p,
  };
}

/** A survey answer (HubSpot feedback submission by default). */
export function answer(type: 'nps' | 'csat' | 'ces', score: number, scale: { min: number; max: number }, at: number): TouchpointRecord {
  return touchpoint({
    objectType: 'feedback_submissions', channel: 'survey', rawChannel: type.toUpperCase(), direction: 'inbound', at, outcome: null,
    survey: { type, score, scale, sentiment: null },
  });
}

/** The customer with these touchpoints, sorted oldest first as the store gives them. */
export function withTouchpoints(c: Customer, touchpoints: TouchpointRecord[]): Customer {
  return { ...c, touchpoints: [...touchpoints].sort((a, b) => (a.at ?? -1) - (b.at ?? -1)) };
}
