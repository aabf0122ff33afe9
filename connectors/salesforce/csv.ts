/**
 * RFC 4180 CSV for Bulk API 2.0 (comma, LF, double-quote quoting). Small enough to own rather than
 * add a dependency: quoted fields may hold commas, quotes ("") and newlines.
 * Bulk 2.0 conventions: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_prepare_csv.htm
 */

/** Parses CSV text into rows of strings keyed by the header row. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const rows = parseRows(text);
  const header = rows.shift();
  if (!header) return [];
  return rows
    .filter((r) => !(r.length === 1 && r[0] === ''))
    .map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

function parseRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += ch;
      }
      i += 1;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
    } else field += ch;
    i += 1;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function cell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Serialises rows for an ingest upload. `null` becomes `#N/A` (Bulk 2.0's "set to null");
 * `undefined` stays empty (field left unchanged).
 */
export function toCsv(columns: readonly string[], rows: ReadonlyArray<Record<string, string | null | undefined>>): string {
  const lines = [columns.map(cell).join(',')];
  for (const r of rows) lines.push(columns.map((c) => { const v = r[c]; return v === null ? '#N/A' : v === undefined ? '' : cell(v); }).join(','));
  return `${lines.join('\n')}\n`;
}
