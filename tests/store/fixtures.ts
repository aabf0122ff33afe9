/** Canonical record builders for store tests. */
import type { ContactRecord, DealRecord, TicketRecord, TouchpointRecord } from '../../src/model.ts';

export const INST = 'hubspot:default';

export function contact(id: string, over: Partial<ContactRecord> = {}): ContactRecord {
  return {
    kind: 'contact',
    id,
    objectType: 'contacts',
    raw: { lifecyclestage: 'lead' },
    updatedAt: 1_700_000_000_000,
    email: `${id}@example.com`,
    name: `Contact ${id}`,
    createdAt: 1_690_000_000_000,
    lifecycle: 'lead',
    source: 'ORGANIC_SEARCH',
    country: 'France',
    industry: null,
    employees: null,
    npsScore: null,
    csat: null,
    ...over,
  };
}

export function deal(id: string, contactIds: string[], over: Partial<DealRecord> = {}): DealRecord {
  return {
    kind: 'deal',
    id,
    objectType: 'deals',
    raw: {},
    updatedAt: 1_700_000_000_000,
    name: `Deal ${id}`,
    amount: 1000,
    pipeline: 'default',
    stage: 'appointmentscheduled',
    isClosed: false,
    isWon: false,
    createdAt: 1_690_000_000_000,
    stageEnteredAt: null,
    closedAt: null,
    stagesReached: ['appointmentscheduled'],
    contactIds,
    ...over,
  };
}

export function ticket(id: string, contactIds: string[], over: Partial<TicketRecord> = {}): TicketRecord {
  return {
    kind: 'ticket',
    id,
    objectType: 'tickets',
    raw: {},
    updatedAt: 1_700_000_000_000,
    subject: `Ticket ${id}`,
    status: '1',
    isOpen: true,
    priority: 'HIGH',
    channel: 'EMAIL',
    createdAt: 1_690_000_000_000,
    closedAt: null,
    firstResponseAt: null,
    contactIds,
    ...over,
  };
}

export function touchpoint(id: string, contactIds: string[], over: Partial<TouchpointRecord> = {}): TouchpointRecord {
  return {
    kind: 'touchpoint',
    id,
    objectType: 'calls',
    raw: {},
    updatedAt: 1_700_000_000_000,
    channel: 'phone',
    rawChannel: 'CALL',
    direction: 'inbound',
    at: 1_700_000_000_000,
    outcome: 'connected',
    rawOutcome: 'f240bbac-87c9-4f6e-bf70-924b57d47db7',
    contactIds,
    dealIds: [],
    ticketIds: [],
    survey: null,
    ...over,
  };
}
