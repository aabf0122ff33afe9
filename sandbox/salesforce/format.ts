/**
 * Value formats on the wire. Datetimes serialize as `2026-01-01T00:00:00.000+0000`, dates as
 * `YYYY-MM-DD` (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_valid_date_formats.htm).
 * Internally a datetime is epoch ms, a date is its `YYYY-MM-DD` string.
 */
export function sfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function sfDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$/;

/** Parses the datetime forms Salesforce accepts in JSON writes, CSV and SOQL literals; null if not one. */
export function parseDateTime(s: string): number | null {
  const m = DATETIME_RE.exec(s);
  if (!m) return null;
  const zone = m[8] === 'Z' ? 'Z' : `${m[8]!.slice(0, 3)}:${m[8]!.slice(-2)}`;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}${zone}`);
  return Number.isNaN(ms) ? null : ms;
}

export function isDate(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));
}
