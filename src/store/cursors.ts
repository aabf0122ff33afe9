/** Pull cursors per (installation, object kind): opaque JSON owned by each connector. */
import type { DatabaseSync } from 'node:sqlite';
import type { Cursor } from '../../connectors/port.ts';
import type { ObjectKind } from '../model.ts';
import { readCursor } from './json-columns.ts';
import { text } from './row-values.ts';

export function createCursors(db: DatabaseSync, now: () => number) {
  const upsert = db.prepare(`
    INSERT INTO cursors (installation, kind, cursor, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (installation, kind) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`);
  const selectAll = db.prepare('SELECT kind, cursor FROM cursors WHERE installation = ?');
  const deleteAll = db.prepare('DELETE FROM cursors WHERE installation = ?');

  return {
    save(installation: string, kind: ObjectKind, cursor: Cursor): void {
      upsert.run(installation, kind, JSON.stringify(cursor), now());
    },
    getAll(installation: string): Partial<Record<ObjectKind, Cursor>> {
      const out: Partial<Record<ObjectKind, Cursor>> = {};
      for (const row of selectAll.all(installation)) out[text(row, 'kind') as ObjectKind] = readCursor(row['cursor']);
      return out;
    },
    reset(installation: string): void {
      deleteAll.run(installation);
    },
  };
}
