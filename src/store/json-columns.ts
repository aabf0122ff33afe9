/**
 * Reading JSON columns back: the file may have been edited or written by another version,
 * so each column is checked with zod before it becomes a typed value.
 */
import { z } from 'zod';
import type { Cursor } from '../../connectors/port.ts';
import { ParcoursError } from '../errors.ts';
import { OBJECT_KINDS, type CrmRecord, type ObjectKind } from '../model.ts';
import type { FieldValues } from './types.ts';

// Only the envelope is checked: records were typed when stored, and a full schema per row
// would dominate the cost of streaming a million customers.
const recordEnvelope = z.looseObject({ kind: z.enum(OBJECT_KINDS), id: z.string() });
const cursorSchema = z.record(z.string(), z.unknown());
const fieldValuesSchema = z.record(z.string(), z.string().nullable());

function parseJson(text: unknown, column: string): unknown {
  if (typeof text !== 'string') throw corrupt(column, 'not text');
  try {
    return JSON.parse(text);
  } catch {
    throw corrupt(column, 'invalid JSON');
  }
}

function corrupt(column: string, why: string): ParcoursError {
  return new ParcoursError('STORE_ERROR', `store column ${column} holds unreadable data (${why})`, { column });
}

export function readRecord(text: unknown, kind: ObjectKind, id: string): CrmRecord {
  const parsed = recordEnvelope.safeParse(parseJson(text, 'mirror_records.json'));
  if (!parsed.success || parsed.data.kind !== kind || parsed.data.id !== id) {
    throw new ParcoursError('STORE_ERROR', `store mirror row ${kind} ${id} does not hold that record`, { recordId: id, kind });
  }
  return parsed.data as unknown as CrmRecord;
}

export function readCursor(text: unknown): Cursor {
  const parsed = cursorSchema.safeParse(parseJson(text, 'cursors.cursor'));
  if (!parsed.success) throw corrupt('cursors.cursor', 'not an object');
  return parsed.data;
}

export function readFieldValues(text: unknown): FieldValues {
  const parsed = fieldValuesSchema.safeParse(parseJson(text, 'written.vals'));
  if (!parsed.success) throw corrupt('written.vals', 'not a map of string|null');
  return parsed.data;
}

export function readSummary(text: unknown): unknown {
  return text === null || text === undefined ? null : parseJson(text, 'runs.summary');
}
