import { describe, expect, it } from 'vitest';
import { parseCsv, parseCsvChunks, toCsv } from '../../connectors/salesforce/csv.ts';

// Bulk API 2.0 CSV: comma, LF (or CRLF), double quotes around fields holding commas, quotes or line breaks.
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_prepare_csv.htm
describe('Bulk API 2.0 CSV', () => {
  it('parses quoted commas, escaped quotes, line breaks inside fields, empty fields and CRLF', () => {
    const text = 'Id,Subject,Description\n00T1,"Call, then ""demo""","line one\nline two"\r\n00T2,,\n00T3,plain,"a,b"\n';
    expect(parseCsv(text)).toEqual([
      { Id: '00T1', Subject: 'Call, then "demo"', Description: 'line one\nline two' },
      { Id: '00T2', Subject: '', Description: '' },
      { Id: '00T3', Subject: 'plain', Description: 'a,b' },
    ]);
  });

  it('reads back what toCsv writes, and a last row without a line break', () => {
    const rows = [{ Id: '003A', Name: 'O"Neil, Pat' }, { Id: '003B', Name: 'multi\nline' }];
    expect(parseCsv(toCsv(['Id', 'Name'], rows))).toEqual(rows);
    expect(parseCsv('Id,Name\n003C,Last')).toEqual([{ Id: '003C', Name: 'Last' }]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('Id,Name\n')).toEqual([]);
  });

  it('hands rows on in chunks of the size asked, in order, none lost', () => {
    const text = `Id\n${Array.from({ length: 12 }, (_, i) => `00${i}`).join('\n')}\n`;
    const chunks = [...parseCsvChunks(text, 5)];
    expect(chunks.map((c) => c.length)).toEqual([5, 5, 2]);
    expect(chunks.flat().map((r) => r.Id)).toEqual(Array.from({ length: 12 }, (_, i) => `00${i}`));
  });
});
