/**
 * Canonical customers for the engine benchmark: seeded, streamed, shaped like a real funnel
 * (most contacts without deals, some with open or won deals, some with tickets).
 */
import { mulberry32 } from '../sandbox/demo-data.ts';
import { DAY_MS, HOUR_MS, type Customer, type DealRecord, type TicketRecord } from '../src/model.ts';


const LIFECYCLES = ['subscriber', 'lead', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'other', null];
const STAGES = ['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent'];
const COUNTRIES = ['France', 'Germany', 'United States', 'Canada', 'Brazil', 'Japan', null];

export function* benchCustomers(count: number, seed: number, now: number): Generator<Customer> {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  for (let i = 0; i < count; i++) {
    const id = String(1000 + i);
    const deals: DealRecord[] = [];
    const tickets: TicketRecord[] = [];
    const nDeals = rnd() < 0.7 ? 0 : 1 + Math.floor(rnd() * 3);
    for (let d = 0; d < nDeals; d++) {
      const r = rnd();
      const isClosed = r < 0.5;
      const isWon = isClosed && r < 0.3;
      const closedAt = isClosed ? now - Math.floor(rnd() * 400) * DAY_MS : null;
      const step = Math.floor(rnd() * STAGES.length);
      deals.push({
        kind: 'deal', id: `${id}-d${d}`, objectType: 'deals', raw: {}, updatedAt: null, name: `Deal ${i}/${d}`,
        amount: Math.floor(rnd() * 20000), pipeline: 'default', stage: isClosed ? (isWon ? 'closedwon' : 'closedlost') : (STAGES[step] as string),
        isClosed, isWon, createdAt: now - 500 * DAY_MS, stageEnteredAt: closedAt ?? now - Math.floor(rnd() * 60) * DAY_MS, closedAt,
        stagesReached: STAGES.slice(0, step + 1), contactIds: [id],
      });
    }
    const nTickets = rnd() < 0.75 ? 0 : 1 + Math.floor(rnd() * 4);
    for (let t = 0; t < nTickets; t++) {
      const createdAt = now - Math.floor(rnd() * 60 * 24) * HOUR_MS;
      const isOpen = rnd() < 0.3;
      tickets.push({
        kind: 'ticket', id: `${id}-t${t}`, objectType: 'tickets', raw: {}, updatedAt: null, subject: `Ticket ${i}/${t}`, status: isOpen ? '1' : '4',
        isOpen, priority: 'LOW', channel: pick(['EMAIL', 'CHAT', 'PHONE']), createdAt, closedAt: isOpen ? null : createdAt + 5 * HOUR_MS,
        firstResponseAt: rnd() < 0.2 ? null : createdAt + Math.floor(rnd() * 48) * HOUR_MS, contactIds: [id],
      });
    }
    yield {
      contact: {
        kind: 'contact', id, objectType: 'contacts', raw: {}, updatedAt: null, email: `c${i}@example.com`, name: `Customer ${i}`,
        createdAt: now - Math.floor(rnd() * 700) * DAY_MS, lifecycle: pick(LIFECYCLES), source: 'ORGANIC_SEARCH', country: pick(COUNTRIES),
        industry: null, employees: rnd() < 0.1 ? 5000 : 50, npsScore: rnd() < 0.3 ? Math.floor(rnd() * 11) : null, csat: null,
      },
      deals,
      tickets,
    };
  }
}
