/** Single-use install links issued by the admin (migration 5): only a hash of each link's token is kept. */
import type { DatabaseSync } from 'node:sqlite';
import { text } from './row-values.ts';

export function createInstallLinks(db: DatabaseSync, now: () => number) {
  const insert = db.prepare('INSERT INTO install_links (token_hash, crm, expires_at, used_at, created_at) VALUES (?, ?, ?, NULL, ?)');
  const use = db.prepare('UPDATE install_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at >= ? RETURNING crm');
  const prune = db.prepare('DELETE FROM install_links WHERE expires_at < ?');
  return {
    save(tokenHash: string, crm: string, expiresAt: number): void {
      const at = now();
      // Links expired a day ago are of no use to anyone.
      prune.run(at - 86_400_000);
      insert.run(tokenHash, crm, expiresAt, at);
    },
    use(tokenHash: string, at: number): string | undefined {
      const row = use.get(at, tokenHash, at);
      return row ? text(row, 'crm') : undefined;
    },
  };
}
