/**
 * RFC 4180 CSV for Bulk API 2.0 (comma, LF, double-quote quoting). Small enough to own rather than
 * add a dependency: quoted fields may hold commas, quotes ("") and newlines.
 * Bulk 2.0 conventions: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_prepare_csv.htm
 */

/** Parses CSV text into rows of strings keyed by the header row. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  for (const chunk of parseCsvChunks(text, Number.MAX_SAFE_INTEGER)) out.push(...chunk);
  return out;
}

/**
 * The same, `size` rows at a time: a Bulk results page may hold a whole object (hundreds of thousands of rows in
 * one call), and a caller that stores each chunk before asking for the next never holds them all parsed at once.
 */
export function* parseCsvChunks(text: string, size: number): Generator<Array<Record<string, string>>> {
  let header: string[] | null = null;
  let chunk: Array<Record<string, string>> = [];
  for (const r of csvRows(text)) {
    if (header === null) {
      header = r;
      continue;
    }
    if (r.length === 1 && r[0] === '') continue;
    const row: Record<string, string> = {};
    for (let i = 0; i < header.length; i++) row[header[i] as string] = r[i] ?? '';
    chunk.push(row);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Rows of fields. Unquoted fields are slices of the text; a quoted one is unescaped ("" → ") once. */
function* csvRows(text: string): Generator<string[]> {
  const n = text.length;
  let i = 0;
  let row: string[] = [];
  while (i < n) {
    let field: string;
    if (text.charCodeAt(i) === 34 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) {
          j = n;
          break;
        }
        if (text.charCodeAt(q + 1) === 34) {
          escaped = true;
          j = q + 2;
          continue;
        }
        j = q;
        break;
      }
      field = text.slice(i + 1, j);
      if (escaped) field = field.replaceAll('""', '"');
      i = j + 1;
      // Anything between the closing quote and the delimiter is kept, as a lenient parser would.
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === 44 || c === 10 || c === 13) break;
        field += text[i];
        i++;
      }
    } else {
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 44 || c === 10 || c === 13) break;
        j++;
      }
      field = text.slice(i, j);
      i = j;
    }
    row.push(field);
    if (i >= n) break;
    const c = text.charCodeAt(i);
    i++;
    if (c === 44 /* , */) {
      // A trailing comma ends the row with an empty field.
      if (i >= n) row.push('');
      continue;
    }
    if (c === 13 && text.charCodeAt(i) === 10) i++;
    yield row;
    row = [];
  }
  if (row.length > 0) yield row;
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
