/** Typed access to node:sqlite result columns (SQLOutputValue is a union). */
import type { SQLOutputValue } from 'node:sqlite';
import { ParcoursError } from '../errors.ts';

type Row = Record<string, SQLOutputValue>;

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

function badColumn(column: string, expected: string): ParcoursError {
  return new ParcoursError('STORE_ERROR', `store column ${column} is not ${expected}`, { column });
}
