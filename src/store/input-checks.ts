/** Cheap guards on arguments the type system cannot vouch for at runtime (CLI/admin API input). */
import { ParcoursError } from '../errors.ts';
import { OBJECT_KINDS, type ObjectKind } from '../model.ts';

const KINDS: ReadonlySet<string> = new Set(OBJECT_KINDS);

export function checkInstallation(installation: string): void {
  if (typeof installation !== 'string' || installation.length === 0) {
    throw new ParcoursError('INPUT_INVALID', 'installation must be a non-empty string (e.g. hubspot:default)');
  }
}

export function checkKind(kind: string): asserts kind is ObjectKind {
  if (!KINDS.has(kind)) {
    throw new ParcoursError('INPUT_INVALID', `unknown object kind "${kind}" (expected ${OBJECT_KINDS.join(', ')})`, { kind });
  }
}

export function checkTime(at: number, what: string): void {
  if (!Number.isFinite(at)) throw new ParcoursError('INPUT_INVALID', `${what} must be epoch milliseconds`, { value: at });
}
