/** RFC 4180 CSV as Bulk API 2.0 reads and writes it (COMMA delimiter, LF or CRLF line endings). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else cell += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
    i++;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** Every cell quoted, like Salesforce's result files. */
export function toCsv(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => cells.map((c) => `"${c.replace(/"/g, '""')}"`).join(',');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
