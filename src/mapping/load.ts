import { readFileSync } from 'node:fs';
import { MappingError } from '../errors.ts';
import type { Mapping } from './ast.ts';
import { parseMapping } from './parse.ts';

/** Reads and parses a mapping file; every problem is reported at once, before anything runs. */
export function loadMapping(file: string): Mapping {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new MappingError([{ file, line: null, path: '', message: `cannot read mapping: ${reason}` }]);
  }
  return parseMapping(source, file);
}
