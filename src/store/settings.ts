/** Per-installation key/value settings (list ids per segment, campaign ids, encrypted tokens). */
import type { DatabaseSync } from 'node:sqlite';
import { text } from './row-values.ts';

export function createSettings(db: DatabaseSync, now: () => number) {
  const select = db.prepare('SELECT value FROM settings WHERE installation = ? AND key = ?');
  const upsert = db.prepare(`
    INSERT INTO settings (installation, key, value, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (installation, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`);
  const remove = db.prepare('DELETE FROM settings WHERE installation = ? AND key = ?');

  return {
    get(installation: string, key: string): string | undefined {
      const row = select.get(installation, key);
      return row ? text(row, 'value') : undefined;
    },
    set(installation: string, key: string, value: string): void {
      upsert.run(installation, key, value, now());
    },
    delete(installation: string, key: string): void {
      remove.run(installation, key);
    },
  };
}
