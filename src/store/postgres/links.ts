/**
 * Linked installations (issue 16) on PostgreSQL: links, the identity the last linked run kept (matches
 * and conflicts), record aliases, and the linked customers stream; same rules as src/store/links.ts and
 * src/store/linked-customers.ts.
 */
import { z } from 'zod';
import { ParcoursError } from '../../errors.ts';
import { CRMS, IDENTITY_REASONS, type CrmName, type Customer, type IdentityConflict, type IdentityMatch, type LinkedCustomer, type RecordRef } from '../../model.ts';
import type { LinkInput, LinkRow } from '../types.ts';
import type { Queryable, Row } from './db.ts';
import { iterateCustomers } from './mirror.ts';
import { jsonb, num, str, strOrNull } from './row-values.ts';

const linkId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'a link id is 1-64 letters, digits, ".", "_", ":" or "-"');
const inputSchema = z.object({
  id: linkId,
  hubspot: z.string().min(1),
  salesforce: z.string().min(1),
  source: z.enum(['env', 'admin']),
  label: z.string().min(1),
});
const refSchema = z.object({ kind: z.literal('contact'), objectType: z.string().min(1), id: z.string().min(1) });
const recordsSchema = z.array(refSchema).min(2);

function toLink(row: Row): LinkRow {
  return {
    id: str(row, 'id'),
    hubspot: str(row, 'hubspot'),
    salesforce: str(row, 'salesforce'),
    source: z.enum(['env', 'admin']).parse(str(row, 'source')),
    label: str(row, 'label'),
    createdAt: num(row, 'created_at'),
    updatedAt: num(row, 'updated_at'),
  };
}

function toMatch(row: Row): IdentityMatch {
  return {
    hubspot: { kind: 'contact', objectType: 'contacts', id: str(row, 'hubspot_id') },
    salesforce: { kind: 'contact', objectType: str(row, 'salesforce_type'), id: str(row, 'salesforce_id') },
    reason: z.enum(IDENTITY_REASONS).parse(str(row, 'reason')),
    email: strOrNull(row, 'email'),
  };
}

function toConflict(row: Row): IdentityConflict {
  let records: RecordRef[];
  try {
    records = recordsSchema.parse(JSON.parse(str(row, 'records')));
  } catch {
    throw new ParcoursError('STORE_ERROR', 'store column link_conflicts.records holds unreadable data', { column: 'link_conflicts.records' });
  }
  return { side: z.enum(CRMS).parse(str(row, 'side')), email: str(row, 'email'), records };
}

const MATCH_COLUMNS = 'hubspot_id, salesforce_type, salesforce_id, reason, email';

/** Creates or replaces a link (keeps created_at); the caller runs it in one transaction. */
export async function saveLink(q: Queryable, input: LinkInput, at: number): Promise<LinkRow> {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) throw new ParcoursError('INPUT_INVALID', `link: ${z.prettifyError(parsed.error)}`);
  const l = parsed.data;
  // An installation the store knows must be of the side's CRM (environment installations may not be saved yet).
  for (const [installation, side] of [[l.hubspot, 'hubspot'], [l.salesforce, 'salesforce']] as const) {
    const r = await q.query('SELECT crm FROM installations WHERE id = $1', [installation]);
    const row = r.rows[0];
    if (row && str(row, 'crm') !== side) {
      throw new ParcoursError('INPUT_INVALID', `installation ${installation} is a ${str(row, 'crm')} installation, not ${side}`, { installation });
    }
  }
  for (const installation of [l.hubspot, l.salesforce]) {
    const others = await q.query('SELECT id FROM links WHERE (hubspot = $1 OR salesforce = $1) AND id <> $2 ORDER BY id LIMIT 1', [installation, l.id]);
    const other = others.rows[0];
    if (other) {
      throw new ParcoursError('INPUT_INVALID', `installation ${installation} is already in link ${str(other, 'id')}: remove that link first`, { installation, link: str(other, 'id') });
    }
  }
  const existing = await getLink(q, l.id);
  // Another pair under the same id: the identity found for the old pair no longer holds.
  if (existing && (existing.hubspot !== l.hubspot || existing.salesforce !== l.salesforce)) await forgetIdentity(q, l.id);
  const r = await q.query(
    `INSERT INTO links (id, hubspot, salesforce, source, label, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
     ON CONFLICT (id) DO UPDATE SET hubspot = excluded.hubspot, salesforce = excluded.salesforce, source = excluded.source,
       label = excluded.label, updated_at = excluded.updated_at
     RETURNING id, hubspot, salesforce, source, label, created_at, updated_at`,
    [l.id, l.hubspot, l.salesforce, l.source, l.label, at],
  );
  return toLink(r.rows[0] as Row);
}

async function forgetIdentity(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM link_matches WHERE link_id = $1', [id]);
  await q.query('DELETE FROM link_conflicts WHERE link_id = $1', [id]);
}

export async function getLink(q: Queryable, id: string): Promise<LinkRow | undefined> {
  const r = await q.query('SELECT * FROM links WHERE id = $1', [id]);
  const row = r.rows[0];
  return row ? toLink(row) : undefined;
}

export async function listLinks(q: Queryable): Promise<LinkRow[]> {
  const r = await q.query('SELECT * FROM links ORDER BY id');
  return r.rows.map(toLink);
}

export async function linkOf(q: Queryable, installation: string): Promise<LinkRow | undefined> {
  const r = await q.query('SELECT * FROM links WHERE hubspot = $1 OR salesforce = $1 ORDER BY id LIMIT 1', [installation]);
  const row = r.rows[0];
  return row ? toLink(row) : undefined;
}

/** The caller runs it in one transaction. */
export async function removeLink(q: Queryable, id: string): Promise<boolean> {
  await forgetIdentity(q, id);
  const r = await q.query('DELETE FROM links WHERE id = $1', [id]);
  return (r.rowCount ?? 0) > 0;
}

/** Replaces the link's matches and conflicts; the caller runs it in one transaction. */
export async function replaceLinkIdentity(q: Queryable, id: string, matches: readonly IdentityMatch[], conflicts: readonly IdentityConflict[], at: number): Promise<void> {
  if (!(await getLink(q, id))) throw new ParcoursError('NOT_FOUND', `no link ${id}`, { link: id });
  for (const m of matches) {
    if (m.salesforce.objectType !== 'Contact' && m.salesforce.objectType !== 'Lead') {
      throw new ParcoursError('INPUT_INVALID', `a match pairs a HubSpot contact with a Salesforce Contact or Lead, not ${m.salesforce.objectType}`, { link: id });
    }
  }
  const conflictRecords = conflicts.map((c) => {
    const records = recordsSchema.safeParse(c.records.map((r) => ({ kind: r.kind, objectType: r.objectType, id: r.id })));
    if (!records.success) throw new ParcoursError('INPUT_INVALID', `a conflict names two or more contact records (${c.side} ${c.email})`, { link: id });
    return jsonb(records.data);
  });
  await forgetIdentity(q, id);
  if (matches.length > 0) {
    await q.query(
      `INSERT INTO link_matches (link_id, hubspot_id, salesforce_type, salesforce_id, reason, email, matched_at)
       SELECT $1, m.hubspot_id, m.salesforce_type, m.salesforce_id, m.reason, m.email, $2
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS m(hubspot_id, salesforce_type, salesforce_id, reason, email)`,
      [id, at, matches.map((m) => m.hubspot.id), matches.map((m) => m.salesforce.objectType), matches.map((m) => m.salesforce.id), matches.map((m) => m.reason), matches.map((m) => m.email)],
    );
  }
  if (conflicts.length > 0) {
    await q.query(
      `INSERT INTO link_conflicts (link_id, side, email, records, found_at)
       SELECT $1, c.side, c.email, c.records::jsonb, $2 FROM unnest($3::text[], $4::text[], $5::text[]) AS c(side, email, records)`,
      [id, at, conflicts.map((c) => c.side), conflicts.map((c) => c.email), conflictRecords],
    );
  }
}

export async function linkMatches(q: Queryable, id: string): Promise<IdentityMatch[]> {
  const r = await q.query(`SELECT ${MATCH_COLUMNS} FROM link_matches WHERE link_id = $1 ORDER BY hubspot_id`, [id]);
  return r.rows.map(toMatch);
}

export async function linkConflicts(q: Queryable, id: string): Promise<IdentityConflict[]> {
  const r = await q.query('SELECT side, email, records::text AS records FROM link_conflicts WHERE link_id = $1 ORDER BY side, email', [id]);
  return r.rows.map(toConflict);
}

export async function linkMatchOf(q: Queryable, id: string, side: CrmName, recordId: string): Promise<IdentityMatch | undefined> {
  const column = side === 'hubspot' ? 'hubspot_id' : 'salesforce_id';
  const r = await q.query(`SELECT ${MATCH_COLUMNS} FROM link_matches WHERE link_id = $1 AND ${column} = $2`, [id, recordId]);
  const row = r.rows[0];
  return row ? toMatch(row) : undefined;
}

/** Each id that became another record → the record it is now (chains followed up to 8 steps; cycles cut). */
export async function resolveAliases(q: Queryable, installation: string, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let frontier = [...new Set(ids)];
  const origin = new Map(frontier.map((id) => [id, id]));
  for (let depth = 0; frontier.length > 0 && depth < 8; depth++) {
    const next: string[] = [];
    const nextOrigin = new Map<string, string>();
    const r = await q.query('SELECT from_id, to_id FROM record_aliases WHERE installation = $1 AND from_id = ANY($2::text[])', [installation, frontier]);
    for (const row of r.rows) {
      const from = str(row, 'from_id');
      const to = str(row, 'to_id');
      const first = origin.get(from) as string;
      out.set(first, to);
      next.push(to);
      nextOrigin.set(to, first);
    }
    frontier = next;
    origin.clear();
    for (const [k, v] of nextOrigin) origin.set(k, v);
  }
  return out;
}

/**
 * The link's customers from both mirrors and its kept identity: each matched pair once (both sides),
 * then every other record of each side alone. A page of HubSpot customers at a time with their matched
 * Salesforce customers (one lookup per page); only the match and conflict maps are held whole.
 */
export async function* iterateLinkedCustomers(q: Queryable, link: LinkRow, pageSize: number, withTouchpoints: boolean): AsyncGenerator<LinkedCustomer> {
  const bySalesforce = new Map<string, IdentityMatch>();
  const byHubspot = new Map<string, IdentityMatch>();
  for (const m of await linkMatches(q, link.id)) {
    byHubspot.set(m.hubspot.id, m);
    bySalesforce.set(m.salesforce.id, m);
  }
  const conflictOf: Record<CrmName, Map<string, IdentityConflict>> = { hubspot: new Map(), salesforce: new Map() };
  for (const c of await linkConflicts(q, link.id)) for (const r of c.records) conflictOf[c.side].set(r.id, c);
  // Salesforce records already yielded with their HubSpot contact.
  const paired = new Set<string>();

  let page: Customer[] = [];
  const flush = async function* (): AsyncGenerator<LinkedCustomer> {
    const wanted = page.flatMap((c) => {
      const m = byHubspot.get(c.contact.id);
      return m ? [m.salesforce.id] : [];
    });
    const partners = new Map<string, Customer>();
    if (wanted.length > 0) for await (const sf of iterateCustomers(q, link.salesforce, pageSize, wanted, withTouchpoints)) partners.set(sf.contact.id, sf);
    for (const hs of page) {
      const m = byHubspot.get(hs.contact.id);
      const sf = m ? partners.get(m.salesforce.id) : undefined;
      // A match whose Salesforce record left the mirror since it was found: the HubSpot side alone.
      if (m && sf) paired.add(sf.contact.id);
      yield {
        key: `hubspot:${hs.contact.id}`,
        hubspot: hs,
        salesforce: m && sf ? sf : null,
        match: m && sf ? m : null,
        conflict: conflictOf.hubspot.get(hs.contact.id) ?? (m && sf ? conflictOf.salesforce.get(sf.contact.id) : undefined) ?? null,
      };
    }
    page = [];
  };
  for await (const hs of iterateCustomers(q, link.hubspot, pageSize, undefined, withTouchpoints)) {
    page.push(hs);
    if (page.length >= pageSize) yield* flush();
  }
  yield* flush();
  for await (const sf of iterateCustomers(q, link.salesforce, pageSize, undefined, withTouchpoints)) {
    if (paired.has(sf.contact.id)) continue;
    yield { key: `salesforce:${sf.contact.id}`, hubspot: null, salesforce: sf, match: null, conflict: conflictOf.salesforce.get(sf.contact.id) ?? null };
  }
}
