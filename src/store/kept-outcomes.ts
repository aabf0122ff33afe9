/**
 * Outcomes kept between runs (src/sync/kept-outcomes.ts), on SQLite. One row per customer, and one seal per
 * installation naming the mapping they were evaluated with. Every change to what an evaluation reads (the
 * mirror's records and links, touchpoints, the stage ledger) breaks the seal in the same transaction, so rows
 * are only ever read back while nothing they came from has changed.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { KeptOutcomeRow } from './types.ts';
import { intOrNull, text, textOrNull } from './row-values.ts';

export function createKeptOutcomes(db: DatabaseSync, now: () => number) {
  const selectSeal = db.prepare('SELECT fingerprint FROM kept_outcome_seals WHERE installation = ?');
  const selectPage = db.prepare('SELECT contact_id, valid_until, outcome FROM kept_outcomes WHERE installation = ? AND contact_id > ? ORDER BY contact_id LIMIT ?');
  const deleteSeal = db.prepare('DELETE FROM kept_outcome_seals WHERE installation = ?');
  const deleteRows = db.prepare('DELETE FROM kept_outcomes WHERE installation = ?');
  const upsertRow = db.prepare(`
    INSERT INTO kept_outcomes (installation, contact_id, valid_until, outcome) VALUES (?, ?, ?, ?)
    ON CONFLICT (installation, contact_id) DO UPDATE SET valid_until = excluded.valid_until, outcome = excluded.outcome`);
  // Customers gone from the mirror since their row was written (removed, handed over, swept).
  const deleteGone = db.prepare(`
    DELETE FROM kept_outcomes WHERE installation = ? AND contact_id NOT IN (
      SELECT id FROM mirror_records WHERE installation = ? AND kind = 'contact')`);
  const deleteGoneOne = db.prepare(`
    DELETE FROM kept_outcomes WHERE installation = ? AND contact_id = ? AND NOT EXISTS (
      SELECT 1 FROM mirror_records WHERE installation = ? AND kind = 'contact' AND id = ?)`);
  const upsertSeal = db.prepare(`
    INSERT INTO kept_outcome_seals (installation, fingerprint, sealed_at) VALUES (?, ?, ?)
    ON CONFLICT (installation) DO UPDATE SET fingerprint = excluded.fingerprint, sealed_at = excluded.sealed_at`);

  return {
    seal(installation: string): string | null {
      const seal = selectSeal.get(installation);
      return seal ? text(seal, 'fingerprint') : null;
    },
    page(installation: string, after: string, limit: number): KeptOutcomeRow[] {
      return selectPage.all(installation, after, limit).map((r) => ({ contactId: text(r, 'contact_id'), validUntil: intOrNull(r, 'valid_until'), outcome: textOrNull(r, 'outcome') }));
    },
    /** Call inside a transaction. */
    keep(installation: string, fingerprint: string, rows: readonly KeptOutcomeRow[], replace: boolean, goneAmong?: readonly string[]): number {
      if (replace) deleteRows.run(installation);
      for (const r of rows) upsertRow.run(installation, r.contactId, r.validUntil, r.outcome);
      let gone = 0;
      if (goneAmong === undefined) gone = Number(deleteGone.run(installation, installation).changes);
      else for (const id of goneAmong) gone += Number(deleteGoneOne.run(installation, id, installation, id).changes);
      upsertSeal.run(installation, fingerprint, now());
      return gone;
    },
    /** The mirror or the ledger changed: what was kept may no longer hold. */
    unseal(installation: string): void {
      deleteSeal.run(installation);
    },
  };
}
