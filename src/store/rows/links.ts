/**
 * Links (issue 16), backend-neutral: the input checks of a saved link and of a linked run's identity,
 * and the row decoders of links, link_matches and link_conflicts. SQL stays in src/store/links.ts and
 * src/store/postgres/links.ts.
 */
import { z } from 'zod';
import { ParcoursError } from '../../errors.ts';
import { CRMS, IDENTITY_REASONS, type IdentityConflict, type IdentityMatch, type RecordRef } from '../../model.ts';
import type { LinkInput, LinkRow } from '../types.ts';
import type { Row, RowReader } from './reader.ts';

const linkId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'a link id is 1-64 letters, digits, ".", "_", ":" or "-"');
const linkSource = z.enum(['env', 'admin']);
const inputSchema = z.object({
  id: linkId,
  hubspot: z.string().min(1),
  salesforce: z.string().min(1),
  source: linkSource,
  label: z.string().min(1),
});
const refSchema = z.object({ kind: z.literal('contact'), objectType: z.string().min(1), id: z.string().min(1) });
const recordsSchema = z.array(refSchema).min(2);
const identityReason = z.enum(IDENTITY_REASONS);
const crm = z.enum(CRMS);

/** A link to save, checked (INPUT_INVALID naming what is wrong). */
export function parseLinkInput(input: LinkInput): LinkInput {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) throw new ParcoursError('INPUT_INVALID', `link: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * A linked run's identity for link `id`, checked before anything is replaced: each match pairs a HubSpot
 * contact with a Salesforce Contact or Lead, each conflict names two or more contact records. Returns
 * each conflict's records as stored (JSON text, only the ref fields).
 */
export function checkLinkIdentity(id: string, matches: readonly IdentityMatch[], conflicts: readonly IdentityConflict[]): string[] {
  for (const m of matches) {
    if (m.salesforce.objectType !== 'Contact' && m.salesforce.objectType !== 'Lead') {
      throw new ParcoursError('INPUT_INVALID', `a match pairs a HubSpot contact with a Salesforce Contact or Lead, not ${m.salesforce.objectType}`, { link: id });
    }
  }
  return conflicts.map((c) => {
    const records = recordsSchema.safeParse(c.records.map((r) => ({ kind: r.kind, objectType: r.objectType, id: r.id })));
    if (!records.success) throw new ParcoursError('INPUT_INVALID', `a conflict names two or more contact records (${c.side} ${c.email})`, { link: id });
    return JSON.stringify(records.data);
  });
}

/** Decoders of links rows (all columns), link_matches rows (hubspot_id, salesforce_type, salesforce_id, reason, email) and link_conflicts rows (side, email, records as JSON text). */
export function linkRows(r: RowReader) {
  return {
    link(row: Row): LinkRow {
      return {
        id: r.text(row, 'id'),
        hubspot: r.text(row, 'hubspot'),
        salesforce: r.text(row, 'salesforce'),
        source: linkSource.parse(r.text(row, 'source')),
        label: r.text(row, 'label'),
        createdAt: r.int(row, 'created_at'),
        updatedAt: r.int(row, 'updated_at'),
      };
    },

    match(row: Row): IdentityMatch {
      return {
        hubspot: { kind: 'contact', objectType: 'contacts', id: r.text(row, 'hubspot_id') },
        salesforce: { kind: 'contact', objectType: r.text(row, 'salesforce_type'), id: r.text(row, 'salesforce_id') },
        reason: identityReason.parse(r.text(row, 'reason')),
        email: r.textOrNull(row, 'email'),
      };
    },

    conflict(row: Row): IdentityConflict {
      let records: RecordRef[];
      try {
        records = recordsSchema.parse(JSON.parse(r.text(row, 'records')));
      } catch {
        throw new ParcoursError('STORE_ERROR', 'store column link_conflicts.records holds unreadable data', { column: 'link_conflicts.records' });
      }
      return { side: crm.parse(r.text(row, 'side')), email: r.text(row, 'email'), records };
    },
  };
}

/** Alias chains are followed this many steps at most (a cycle stops there too). */
const ALIAS_DEPTH = 8;

/**
 * Resolving record aliases, one lookup per step of the chains: each backend looks up `frontier()`
 * (rows: from_id, to_id) and hands the rows to `follow`, until the frontier is empty; `resolved` then
 * maps each id that became another record to the record it is now.
 */
export function aliasWalk(r: RowReader, ids: readonly string[]) {
  const resolved = new Map<string, string>();
  let frontier = [...new Set(ids)];
  // The id each frontier id was reached from.
  const origin = new Map(frontier.map((id) => [id, id]));
  let depth = 0;
  return {
    resolved,
    frontier: (): readonly string[] => (depth < ALIAS_DEPTH ? frontier : []),
    follow(rows: Iterable<Row>): void {
      const next: string[] = [];
      const nextOrigin = new Map<string, string>();
      for (const row of rows) {
        const from = r.text(row, 'from_id');
        const to = r.text(row, 'to_id');
        const first = origin.get(from) as string;
        resolved.set(first, to);
        next.push(to);
        nextOrigin.set(to, first);
      }
      frontier = next;
      origin.clear();
      for (const [k, v] of nextOrigin) origin.set(k, v);
      depth++;
    },
  };
}
