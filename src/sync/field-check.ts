/**
 * Before a run: ask the connector which fields the mapping needs the CRM lacks, and recompile the
 * engine so the rules reading them are disabled (never hold) instead of failing the run. The list of
 * missing fields is kept per installation, so the journey map (which reads only the store) disables
 * the same rules as the last run did.
 */
import type { CrmConnector, FieldAvailability, MissingField } from '../../connectors/port.ts';
import { ParcoursError } from '../errors.ts';
import { TOUCHPOINTS, type DisabledRule } from '../journey/disabled.ts';

export type { DisabledRule };
import { compileEngine, type Engine } from '../journey/engine.ts';
import type { Store } from '../store/index.ts';
import { fieldNeeds } from './field-spec.ts';

const SETTING = 'missing-fields';

export function missingKey(m: MissingField): string {
  return m.raw ? `${m.kind}.raw.${m.field}` : `${m.kind}.${m.field}`;
}

export interface FieldCheck {
  engine: Engine;
  disabled: DisabledRule[];
  availability: FieldAvailability;
}

/**
 * Asks the connector which fields the CRM has and returns the engine to run with. `refresh` reads the
 * schema again instead of using the kept read (full runs, setup, doctor).
 */
export async function checkFields(connector: CrmConnector, engine: Engine, options: { refresh?: boolean; keptFreshMs?: number } = {}): Promise<FieldCheck> {
  const availability = await connector.availableFields(fieldNeeds(engine.mapping), options);
  const missing = [...new Set(availability.missing.map(missingKey))];
  // A connector that cannot read touchpoints: rules on them are off, not "no touchpoint ever".
  if (!connector.pullTouchpoints) missing.push(TOUCHPOINTS);
  missing.sort();
  const checked = missing.length === 0 && engine.missing.size === 0 ? engine : compileEngine(engine.mapping, { missing });
  return { engine: checked, disabled: [...checked.disabled], availability };
}

/** A run that writes needs Parcours's own fields: without them every write would fail. */
export function requireOwnedFields(crm: 'hubspot' | 'salesforce', availability: FieldAvailability): void {
  if (availability.missingOwned.length === 0) return;
  const shown = availability.missingOwned.slice(0, 5).join(', ');
  const more = availability.missingOwned.length > 5 ? ` and ${availability.missingOwned.length - 5} more` : '';
  throw new ParcoursError('CONFIG_INVALID', `Parcours's own fields are missing in the CRM (${shown}${more}): run "parcours setup --crm ${crm}" first`, { crm });
}

export async function rememberMissing(store: Store, installation: string, engine: Engine): Promise<void> {
  await store.setSetting(installation, SETTING, JSON.stringify([...engine.missing]));
}

/** The engine as the last run compiled it: same rules disabled, no call to the CRM. */
export async function withLastMissing(store: Store, installation: string, engine: Engine): Promise<Engine> {
  const missing = await lastMissing(store, installation);
  return missing.length === 0 && engine.missing.size === 0 ? engine : compileEngine(engine.mapping, { missing });
}

/** The missing fields the last run found (none before the first run). */
export async function lastMissing(store: Store, installation: string): Promise<string[]> {
  const raw = await store.getSetting(installation, SETTING);
  if (raw === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
