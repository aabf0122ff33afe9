/** Typed access to node-postgres result columns (rows come back as `Record<string, unknown>`). */
import { ParcoursError } from '../../errors.ts';
import { badColumn, type Row, type RowReader } from '../rows/reader.ts';

export function str(row: Row, column: string): string {
  const v = row[column];
  if (typeof v !== 'string') throw badColumn(column, 'text');
  return v;
}

export function strOrNull(row: Row, column: string): string | null {
  const v = row[column];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw badColumn(column, 'text or null');
  return v;
}

export function num(row: Row, column: string): number {
  const v = row[column];
  if (typeof v === 'number') return v;
  throw badColumn(column, 'a number');
}

export function numOrNull(row: Row, column: string): number | null {
  const v = row[column];
  return v === null || v === undefined ? null : num(row, column);
}

export function bool(row: Row, column: string): boolean {
  const v = row[column];
  if (typeof v !== 'boolean') throw badColumn(column, 'boolean');
  return v;
}

/** The PostgreSQL side's reader for the shared row decoders (src/store/rows/). */
export const postgresRows: RowReader = { text: str, textOrNull: strOrNull, int: num, intOrNull: numOrNull, bool };

/**
 * JSON text for a jsonb column. jsonb refuses the escape \u0000 (a NUL inside a string), which a CRM
 * text field may hold; it is stored as U+FFFD so one odd record cannot stop every sync of its
 * installation. Only a backslash-escaped NUL is touched (an even run of backslashes before it is text).
 */
export function jsonb(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new ParcoursError('STORE_ERROR', 'store value is not JSON-serializable');
  return jsonbText(text);
}

/** The same, for JSON text already serialized. */
export function jsonbText(text: string): string {
  return text.includes('\\u0000') ? text.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd') : text;
}
