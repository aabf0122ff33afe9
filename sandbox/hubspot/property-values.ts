/**
 * Validates and normalizes property writes the way HubSpot does: unknown properties, read-only
 * values, enumeration options, multi-select `;` syntax (leading `;` appends, `""` clears), numbers,
 * booleans and dates (ISO 8601 or epoch ms, stored back as ISO). Rules: hubspot.md §3.2, §6.
 */
import type { HubspotErrorDetail } from './http-error.ts';
import type { PropertyDef } from './schema.ts';

export interface WriteCheck {
  values: Record<string, string>;
  errors: HubspotErrorDetail[];
}

function detail(name: string, code: string, message: string): HubspotErrorDetail {
  return { message, code, context: { propertyName: [name] } };
}

function parseInstant(v: string): number | null {
  if (/^-?\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

export function checkWrite(
  defs: ReadonlyMap<string, PropertyDef>,
  current: Record<string, string>,
  incoming: Record<string, unknown>,
  /** Live owner ids: `hubspot_owner_id` takes only these (its options are the portal's owners). */
  owners: ReadonlySet<string> = new Set(),
): WriteCheck {
  const values: Record<string, string> = {};
  const errors: HubspotErrorDetail[] = [];
  for (const [name, rawValue] of Object.entries(incoming)) {
    const def = defs.get(name);
    if (!def) {
      errors.push(detail(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`));
      continue;
    }
    if (def.readOnlyValue) {
      errors.push(detail(name, 'READ_ONLY_VALUE', `"${name}" is a read only property; its value cannot be set.`));
      continue;
    }
    const value = rawValue === null || rawValue === undefined ? '' : String(rawValue);
    if (value === '') {
      values[name] = '';
      continue;
    }
    if (name === 'hubspot_owner_id') {
      // An enumeration whose options are the live owners: anything else is refused like any unknown option.
      if (owners.has(value)) values[name] = value;
      else errors.push(detail(name, 'INVALID_OPTION', `${value} was not one of the allowed options: [${[...owners].join(', ')}]`));
      continue;
    }
    const normalized = normalize(def, value, current[name]);
    if ('error' in normalized) errors.push(detail(name, normalized.code, normalized.error));
    else values[name] = normalized.value;
  }
  return { values, errors };
}

function normalize(def: PropertyDef, value: string, existing: string | undefined): { value: string } | { error: string; code: string } {
  switch (def.type) {
    case 'number':
      return Number.isFinite(Number(value)) ? { value } : { error: `${value} was not a valid number.`, code: 'INVALID_DECIMAL' };
    case 'bool':
      return value === 'true' || value === 'false' ? { value } : { error: `${value} was not a valid boolean.`, code: 'INVALID_BOOLEAN' };
    case 'datetime': {
      const t = parseInstant(value);
      return t === null ? { error: `${value} was not a valid long or ISO 8601 date time.`, code: 'INVALID_DATE' } : { value: new Date(t).toISOString() };
    }
    case 'date': {
      const t = parseInstant(value.length === 10 ? `${value}T00:00:00Z` : value);
      if (t === null || t % 86_400_000 !== 0) return { error: `${value} is not at midnight UTC.`, code: 'INVALID_DATE' };
      return { value: new Date(t).toISOString().slice(0, 10) };
    }
    case 'enumeration': {
      const allowed = new Set(def.options.map((o) => o.value));
      const bad = (v: string) => ({
        error: `${v} was not one of the allowed options: [${def.options.map((o) => o.value).join(', ')}]`,
        code: 'INVALID_OPTION',
      });
      if (def.fieldType !== 'checkbox') return allowed.has(value) ? { value } : bad(value);
      const append = value.startsWith(';');
      const parts = value.split(';').filter((p) => p !== '');
      for (const p of parts) if (!allowed.has(p)) return bad(p);
      const merged = append ? [...(existing ? existing.split(';') : []), ...parts] : parts;
      return { value: [...new Set(merged)].join(';') };
    }
    case 'string':
      return value.length > 65_536 ? { error: `value for ${def.name} is longer than 65536 characters`, code: 'INVALID_STRING' } : { value };
  }
}
