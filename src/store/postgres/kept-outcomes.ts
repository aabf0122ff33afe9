/**
 * Outcomes kept between runs on PostgreSQL: the same rows and seal as the SQLite side
 * (src/store/kept-outcomes.ts), written set-based. The outcome is plain text: it is only ever read back whole.
 */
import type { KeptOutcomeRow } from '../types.ts';
import type { Queryable } from './db.ts';
import { numOrNull, str, strOrNull } from './row-values.ts';

const CHUNK = 5_000;

export async function keptOutcomeSeal(q: Queryable, installation: string): Promise<string | null> {
  const r = await q.query('SELECT fingerprint FROM kept_outcome_seals WHERE installation = $1', [installation]);
  const row = r.rows[0];
  return row ? str(row, 'fingerprint') : null;
}

/** Ids compare in binary order (COLLATE "C"), as on SQLite. */
export async function keptOutcomeRows(q: Queryable, installation: string, after: string, limit: number): Promise<KeptOutcomeRow[]> {
  const r = await q.query('SELECT contact_id, valid_until, outcome FROM kept_outcomes WHERE installation = $1 AND contact_id > $2 ORDER BY contact_id LIMIT $3', [installation, after, limit]);
  return r.rows.map((x) => ({ contactId: str(x, 'contact_id'), validUntil: numOrNull(x, 'valid_until'), outcome: strOrNull(x, 'outcome') }));
}

/** Call inside a transaction. */
export async function keepOutcomes(q: Queryable, installation: string, fingerprint: string, rows: readonly KeptOutcomeRow[], replace: boolean, goneAmong: readonly string[] | undefined, at: number): Promise<number> {
  if (replace) await q.query('DELETE FROM kept_outcomes WHERE installation = $1', [installation]);
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    await q.query(
      `INSERT INTO kept_outcomes (installation, contact_id, valid_until, outcome)
       SELECT $1, r.contact_id, r.valid_until, r.outcome FROM unnest($2::text[], $3::bigint[], $4::text[]) AS r(contact_id, valid_until, outcome)
       ON CONFLICT (installation, contact_id) DO UPDATE SET valid_until = excluded.valid_until, outcome = excluded.outcome`,
      [installation, part.map((r) => r.contactId), part.map((r) => r.validUntil), part.map((r) => r.outcome)],
    );
  }
  // Customers gone from the mirror since their row was written (removed, handed over, swept).
  const gone = await q.query(
    `DELETE FROM kept_outcomes k WHERE k.installation = $1 AND ($2::text[] IS NULL OR k.contact_id = ANY($2::text[]))
       AND NOT EXISTS (SELECT 1 FROM mirror_records m WHERE m.installation = $1 AND m.kind = 'contact' AND m.id = k.contact_id)`,
    [installation, goneAmong === undefined ? null : [...goneAmong]],
  );
  await q.query(
    `INSERT INTO kept_outcome_seals (installation, fingerprint, sealed_at) VALUES ($1, $2, $3)
     ON CONFLICT (installation) DO UPDATE SET fingerprint = excluded.fingerprint, sealed_at = excluded.sealed_at`,
    [installation, fingerprint, at],
  );
  return gone.rowCount ?? 0;
}

/** The mirror or the ledger changed: what was kept may no longer hold. */
export async function unsealKeptOutcomes(q: Queryable, installation: string): Promise<void> {
  await q.query('DELETE FROM kept_outcome_seals WHERE installation = $1', [installation]);
}
