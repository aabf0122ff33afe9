/**
 * Linked installations (issue 16) on PostgreSQL: links, the identity the last linked run kept (matches
 * and conflicts), record aliases, and the linked customers stream; same rules as src/store/links.ts and
 * src/store/linked-customers.ts.
 */
import { ParcoursError } from '../../errors.ts';
import type { CrmName, Customer, IdentityConflict, IdentityMatch, LinkedCustomer } from '../../model.ts';
import { linkIdentity, pairPage, partnerIds, salesforceAlone } from '../linked-pairs.ts';
import { aliasWalk, checkLinkIdentity, linkRows, parseLinkInput } from '../rows/links.ts';
import type { LinkInput, LinkRow } from '../types.ts';
import type { Queryable, Row } from './db.ts';
import { iterateCustomers } from './mirror.ts';
import { jsonbText, postgresRows, str } from './row-values.ts';

const decode = linkRows(postgresRows);

const MATCH_COLUMNS = 'hubspot_id, salesforce_type, salesforce_id, reason, email';

/** Creates or replaces a link (keeps created_at); the caller runs it in one transaction. */
export async function saveLink(q: Queryable, input: LinkInput, at: number): Promise<LinkRow> {
  const l = parseLinkInput(input);
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
  return decode.link(r.rows[0] as Row);
}

async function forgetIdentity(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM link_matches WHERE link_id = $1', [id]);
  await q.query('DELETE FROM link_conflicts WHERE link_id = $1', [id]);
}

export async function getLink(q: Queryable, id: string): Promise<LinkRow | undefined> {
  const r = await q.query('SELECT * FROM links WHERE id = $1', [id]);
  const row = r.rows[0];
  return row ? decode.link(row) : undefined;
}

export async function listLinks(q: Queryable): Promise<LinkRow[]> {
  const r = await q.query('SELECT * FROM links ORDER BY id');
  return r.rows.map(decode.link);
}

export async function linkOf(q: Queryable, installation: string): Promise<LinkRow | undefined> {
  const r = await q.query('SELECT * FROM links WHERE hubspot = $1 OR salesforce = $1 ORDER BY id LIMIT 1', [installation]);
  const row = r.rows[0];
  return row ? decode.link(row) : undefined;
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
  // jsonb refuses an escaped NUL: made storable as for every jsonb column.
  const conflictRecords = checkLinkIdentity(id, matches, conflicts).map(jsonbText);
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
  return r.rows.map(decode.match);
}

export async function linkConflicts(q: Queryable, id: string): Promise<IdentityConflict[]> {
  const r = await q.query('SELECT side, email, records::text AS records FROM link_conflicts WHERE link_id = $1 ORDER BY side, email', [id]);
  return r.rows.map(decode.conflict);
}

export async function linkMatchOf(q: Queryable, id: string, side: CrmName, recordId: string): Promise<IdentityMatch | undefined> {
  const column = side === 'hubspot' ? 'hubspot_id' : 'salesforce_id';
  const r = await q.query(`SELECT ${MATCH_COLUMNS} FROM link_matches WHERE link_id = $1 AND ${column} = $2`, [id, recordId]);
  const row = r.rows[0];
  return row ? decode.match(row) : undefined;
}

/** Each id that became another record → the record it is now (chains followed up to 8 steps; cycles cut). */
export async function resolveAliases(q: Queryable, installation: string, ids: readonly string[]): Promise<Map<string, string>> {
  const walk = aliasWalk(postgresRows, ids);
  for (let f = walk.frontier(); f.length > 0; f = walk.frontier()) {
    walk.follow((await q.query('SELECT from_id, to_id FROM record_aliases WHERE installation = $1 AND from_id = ANY($2::text[])', [installation, f])).rows);
  }
  return walk.resolved;
}

/**
 * The link's customers from both mirrors and its kept identity: each matched pair once (both sides),
 * then every other record of each side alone. A page of HubSpot customers at a time with their matched
 * Salesforce customers (one lookup per page); only the match and conflict maps are held whole.
 */
export async function* iterateLinkedCustomers(q: Queryable, link: LinkRow, pageSize: number, withTouchpoints: boolean): AsyncGenerator<LinkedCustomer> {
  const identity = linkIdentity(await linkMatches(q, link.id), await linkConflicts(q, link.id));
  let page: Customer[] = [];
  const flush = async function* (): AsyncGenerator<LinkedCustomer> {
    const wanted = partnerIds(identity, page);
    const partners = new Map<string, Customer>();
    if (wanted.length > 0) for await (const sf of iterateCustomers(q, link.salesforce, pageSize, wanted, withTouchpoints)) partners.set(sf.contact.id, sf);
    yield* pairPage(identity, page, partners);
    page = [];
  };
  for await (const hs of iterateCustomers(q, link.hubspot, pageSize, undefined, withTouchpoints)) {
    page.push(hs);
    if (page.length >= pageSize) yield* flush();
  }
  yield* flush();
  for await (const sf of iterateCustomers(q, link.salesforce, pageSize, undefined, withTouchpoints)) {
    const alone = salesforceAlone(identity, sf);
    if (alone) yield alone;
  }
}
