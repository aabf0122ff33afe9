/**
 * What both backends share to read a result row: the row (column name → value, as either driver returns
 * it) and typed column access. Each backend supplies one `RowReader` (src/store/row-values.ts for SQLite,
 * src/store/postgres/row-values.ts for PostgreSQL) because the drivers differ on integers, booleans and
 * nulls; the decoders in this folder take one and are written once.
 */
import { ParcoursError } from '../../errors.ts';

export type Row = Readonly<Record<string, unknown>>;

export interface RowReader {
  text(row: Row, column: string): string;
  textOrNull(row: Row, column: string): string | null;
  int(row: Row, column: string): number;
  intOrNull(row: Row, column: string): number | null;
  bool(row: Row, column: string): boolean;
}

export function badColumn(column: string, expected: string): ParcoursError {
  return new ParcoursError('STORE_ERROR', `store column ${column} is not ${expected}`, { column });
}
