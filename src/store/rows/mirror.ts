/**
 * The mirror, backend-neutral: how one page of contact rows and the page's linked deal and ticket rows
 * become customers (the hot path of every stream: it allocates only the customers themselves), and the
 * record counts. Each backend reads its rows its own way (src/store/mirror.ts, src/store/postgres/mirror.ts).
 */import type { ContactRecord, Customer, DealRecord, TicketRecord, TouchpointRecord } from '../../model.ts';
import { readRecord } from '../json-columns.ts';
import type { RecordCounts } from '../types.ts';
import type { Row, RowReader } from './reader.ts';

/**
 * Customers for one page of contacts: `contactRows` (id, json) in id order, `linkedRows` (contact_id,
 * kind, id, json) ordered by contact id, `touched` the page's touchpoints per contact (null: not read).
 */
export function assembleCustomers(r: RowReader, contactRows: readonly Row[], linkedRows: readonly Row[], touched: Map<string, TouchpointRecord[]> | null): Customer[] {
  const byContact = new Map<string, Customer>();
  const page: Customer[] = [];
  for (const row of contactRows) {
    const id = r.text(row, 'id');
    const customer: Customer = { contact: readRecord(row['json'], 'contact', id) as ContactRecord, deals: [], tickets: [] };
    if (touched) customer.touchpoints = touched.get(id) ?? [];
    byContact.set(id, customer);
    page.push(customer);
  }
  for (const row of linkedRows) {
    // Links may name a contact that is not mirrored (yet); it is not a customer then.
    const customer = byContact.get(r.text(row, 'contact_id'));
    if (!customer) continue;
    const kind = r.text(row, 'kind') as 'deal' | 'ticket';
    const record = readRecord(row['json'], kind, r.text(row, 'id'));
    if (kind === 'deal') customer.deals.push(record as DealRecord);
    else customer.tickets.push(record as TicketRecord);
  }
  return page;
}

/** Record counts from rows (kind, n) of a count per kind. */
export function countsByKind(r: RowReader, rows: Iterable<Row>): RecordCounts {
  const counts: RecordCounts = { contacts: 0, deals: 0, tickets: 0 };
  for (const row of rows) {
    const n = r.int(row, 'n');
    const kind = r.text(row, 'kind');
    if (kind === 'contact') counts.contacts = n;
    else if (kind === 'deal') counts.deals = n;
    else if (kind === 'ticket') counts.tickets = n;
  }
  return counts;
}
