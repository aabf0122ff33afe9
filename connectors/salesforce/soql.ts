/**
 * SOQL text we emit. It stays inside a small subset (SELECT … FROM … WHERE … ORDER BY … LIMIT, comparison
 * operators, IN, AND/OR, literals) that both Salesforce and the Parcours sandbox understand.
 * Literal rules: https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm
 */

/** Quoted string literal: backslash and single quote escaped. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function inList(values: readonly string[]): string {
  return `(${values.map(quote).join(', ')})`;
}

/** dateTime literal, unquoted, to the second (`2026-01-01T00:00:00Z`). */
export function dateTimeLiteral(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Salesforce field names are identifiers (plus one-level parent paths); reject anything else before it reaches a query. */
export function assertFieldName(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$/.test(name)) throw new Error(`not a Salesforce field name: ${name}`);
  return name;
}

export function select(fields: Iterable<string>, from: string, where?: string, orderBy?: string): string {
  const list = [...new Set(fields)].map(assertFieldName).join(', ');
  return `SELECT ${list} FROM ${from}${where ? ` WHERE ${where}` : ''}${orderBy ? ` ORDER BY ${orderBy}` : ''}`;
}

/** Splits ids so one GET query URL stays far under Salesforce's 16 KB URI limit (≈ 27 encoded chars per id). */
export const IDS_PER_QUERY = 300;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
