/** Typed access to node:sqlite result columns (SQLOutputValue is a union; integers may come back as bigint). */
import { badColumn, type Row, type RowReader } from './rows/reader.ts';

export function text(row: Row, column: string): string {
  const v = row[column];
  if (typeof v !== 'string') throw badColumn(column, 'text');
  return v;
}

export function textOrNull(row: Row, column: string): string | null {
  const v = row[column];
  if (v === null) return null;
  if (typeof v !== 'string') throw badColumn(column, 'text or null');
  return v;
}

export function int(row: Row, column: string): number {
  const v = row[column];
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw badColumn(column, 'integer');
}

export function intOrNull(row: Row, column: string): number | null {
  return row[column] === null ? null : int(row, column);
}

/** SQLite has no boolean: the store writes 0 or 1. */
export function bool(row: Row, column: string): boolean {
  return int(row, column) === 1;
}

/** The SQLite side's reader for the shared row decoders (src/store/rows/). */
export const sqliteRows: RowReader = { text, textOrNull, int, intOrNull, bool };
