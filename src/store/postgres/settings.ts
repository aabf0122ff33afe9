/** Per-installation key/value settings and the admin's single-use install links, on PostgreSQL. */
import type { Queryable } from './db.ts';
import { str } from './row-values.ts';

export async function getSetting(q: Queryable, installation: string, key: string): Promise<string | undefined> {
  const r = await q.query('SELECT value FROM settings WHERE installation = $1 AND key = $2', [installation, key]);
  const row = r.rows[0];
  return row ? str(row, 'value') : undefined;
}

export async function setSetting(q: Queryable, installation: string, key: string, value: string, at: number): Promise<void> {
  await q.query(
    `INSERT INTO settings (installation, key, value, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (installation, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    [installation, key, value, at],
  );
}

export async function deleteSetting(q: Queryable, installation: string, key: string): Promise<void> {
  await q.query('DELETE FROM settings WHERE installation = $1 AND key = $2', [installation, key]);
}

export async function saveInstallLink(q: Queryable, tokenHash: string, crm: string, expiresAt: number, at: number): Promise<void> {
  // Links expired a day ago are of no use to anyone.
  await q.query('DELETE FROM install_links WHERE expires_at < $1', [at - 86_400_000]);
  await q.query('INSERT INTO install_links (token_hash, crm, expires_at, used_at, created_at) VALUES ($1, $2, $3, NULL, $4)', [tokenHash, crm, expiresAt, at]);
}

/** Marks the link used (one statement: single use under concurrent callers); the crm it was issued for. */
export async function useInstallLink(q: Queryable, tokenHash: string, at: number): Promise<string | undefined> {
  const r = await q.query('UPDATE install_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at >= $1 RETURNING crm', [at, tokenHash]);
  const row = r.rows[0];
  return row ? str(row, 'crm') : undefined;
}
