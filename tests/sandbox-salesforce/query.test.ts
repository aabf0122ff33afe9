import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { connect, NOW, rest } from './helpers.ts';

let sb: SalesforceSandbox;
beforeAll(async () => {
  sb = await startSalesforceSandbox({ seed: 11, contacts: 600, now: NOW });
});
afterAll(() => sb.close());

describe('REST query', () => {
  it('pages with nextRecordsUrl to the end and honours batchSize', async () => {
    const conn = connect(sb);
    const total = (await conn.query('SELECT COUNT() FROM Opportunity')).totalSize;
    expect(total).toBeGreaterThan(250);
    let page = await conn.query('SELECT Id, StageName FROM Opportunity', { headers: { 'Sforce-Query-Options': 'batchSize=200' } } as never);
    const ids = [...page.records.map((r) => r.Id)];
    expect(page.records).toHaveLength(200);
    expect(page.done).toBe(false);
    expect(page.nextRecordsUrl).toMatch(/\/services\/data\/v66\.0\/query\/0r8\w+-200$/);
    while (!page.done) {
      page = await conn.queryMore(page.nextRecordsUrl!);
      ids.push(...page.records.map((r) => r.Id));
    }
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    expect(page.totalSize).toBe(total);
  });

  it('clamps batchSize below 200 and defaults to 2000', async () => {
    const small = await rest(sb, 'GET', `/services/data/v66.0/query?q=${encodeURIComponent('SELECT Id FROM Case')}`, undefined, { 'Sforce-Query-Options': 'batchSize=50' });
    expect((small.json as { records: unknown[] }).records).toHaveLength(200);
    const big = await rest(sb, 'GET', `/services/data/v66.0/query?q=${encodeURIComponent('SELECT Id FROM OpportunityHistory')}`);
    const body = big.json as { totalSize: number; records: unknown[]; done: boolean };
    expect(body.records).toHaveLength(Math.min(2000, body.totalSize));
  });

  it('returns parent relationships as nested objects, null without a parent, and Salesforce datetime format', async () => {
    const conn = connect(sb);
    const res = await conn.query<{ Account: { attributes: { type: string }; Industry: string | null } | null; CreatedDate: string }>('SELECT Id, Account.Industry, Account.NumberOfEmployees, CreatedDate FROM Contact');
    const withParent = res.records.find((r) => r.Account !== null)!;
    expect(withParent.Account!.attributes.type).toBe('Account');
    expect(Object.keys(withParent.Account!)).toEqual(['attributes', 'Industry', 'NumberOfEmployees']);
    expect(res.records.some((r) => r.Account === null)).toBe(true);
    expect(withParent.CreatedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
  });

  it('filters with AND/OR/IN/NOT IN/LIKE/datetime and date literals, orders and limits', async () => {
    const conn = connect(sb);
    const stages = await conn.query<{ StageName: string; Amount: number | null }>("SELECT Id, StageName, Amount FROM Opportunity WHERE (StageName IN ('Closed Won', 'Closed Lost') OR Amount > 50000) AND StageName NOT IN ('Prospecting') ORDER BY Amount DESC NULLS LAST, Id LIMIT 40");
    expect(stages.records.length).toBeGreaterThan(0);
    expect(stages.records.length).toBeLessThanOrEqual(40);
    for (const r of stages.records) expect(r.StageName === 'Closed Won' || r.StageName === 'Closed Lost' || (r.Amount ?? 0) > 50000).toBe(true);
    const amounts = stages.records.map((r) => r.Amount).filter((a): a is number => a !== null);
    expect(amounts).toEqual([...amounts].sort((a, b) => b - a));
    const like = await conn.query<{ Email: string }>("SELECT Email FROM Contact WHERE Email LIKE 'a%'");
    expect(like.records.every((r) => r.Email.toLowerCase().startsWith('a'))).toBe(true);
    const recent = await conn.query<{ CreatedDate: string }>('SELECT CreatedDate FROM Case WHERE CreatedDate >= 2026-04-01T00:00:00.000Z');
    expect(recent.records.every((r) => Date.parse(r.CreatedDate.replace('+0000', 'Z')) >= Date.UTC(2026, 3, 1))).toBe(true);
    const plusOffset = await conn.query('SELECT COUNT() FROM Case WHERE CreatedDate >= 2026-04-01T02:00:00+02:00');
    expect(plusOffset.totalSize).toBe(recent.totalSize);
    const dates = await conn.query<{ CloseDate: string }>('SELECT CloseDate FROM Opportunity WHERE CloseDate < 2026-01-01');
    expect(dates.records.every((r) => r.CloseDate < '2026-01-01')).toBe(true);
    const escaped = await conn.query("SELECT Id FROM Contact WHERE LastName = 'O\\'Brien'");
    const all = await conn.query<{ LastName: string }>('SELECT LastName FROM Contact');
    expect(escaped.totalSize).toBe(all.records.filter((r) => r.LastName === "O'Brien").length);
    expect(escaped.totalSize).toBeGreaterThan(0);
  });

  // dateTime values are stored to the second: real values end in .000 (salesforce.stackexchange 234824; salesforce.md §11).
  it('stamps whole seconds: system fields and written dateTime values end in .000', async () => {
    const created = await rest(sb, 'POST', '/services/data/v66.0/sobjects/Contact', { LastName: 'Stamp' });
    const id = (created.json as { id: string }).id;
    await rest(sb, 'PATCH', `/services/data/v66.0/sobjects/Contact/${id}`, { Title: 'Twice' });
    const opp = String(sb.data.query('SELECT Id FROM Opportunity LIMIT 1')[0]!.Id);
    expect((await rest(sb, 'PATCH', `/services/data/v66.0/sobjects/Opportunity/${opp}`, { StageName: 'Qualification' })).status).toBe(204);
    const c = (await connect(sb).query<Record<string, string>>(`SELECT CreatedDate, LastModifiedDate, SystemModstamp FROM Contact WHERE Id = '${id}'`)).records[0]!;
    const o = (await connect(sb).query<Record<string, string>>(`SELECT LastStageChangeDate, SystemModstamp FROM Opportunity WHERE Id = '${opp}'`)).records[0]!;
    for (const v of [c.CreatedDate, c.LastModifiedDate, c.SystemModstamp, o.LastStageChangeDate, o.SystemModstamp]) expect(v).toMatch(/T\d{2}:\d{2}:\d{2}\.000\+0000$/);
    const seeded = sb.data.query('SELECT SystemModstamp, CreatedDate FROM Contact');
    expect(seeded.every((r) => String(r.SystemModstamp).endsWith('.000+0000') && String(r.CreatedDate).endsWith('.000+0000'))).toBe(true);
  });

  // A 15-char id is case-sensitive (help 000385008): Id order and Id comparisons are case-sensitive, so a
  // (second, Id) keyset the client resumes from agrees with the server's ORDER BY.
  it('orders and compares Ids case-sensitively', async () => {
    const ids = sb.data.query('SELECT Id FROM Contact ORDER BY Id').map((r) => String(r.Id));
    expect(ids).toEqual([...ids].sort());
    const pivot = ids[Math.floor(ids.length / 2)]!;
    const greater = sb.data.query(`SELECT Id FROM Contact WHERE Id > '${pivot}' ORDER BY Id`).map((r) => String(r.Id));
    expect(greater).toEqual(ids.filter((i) => i > pivot));
  });

  // Object reference, OpportunityContactRole: a role deleted directly is gone for good (queryAll never shows
  // it); IsDeleted is set only when its Opportunity goes to the recycle bin.
  it('hard-deletes a contact role deleted directly; a role whose opportunity is deleted shows IsDeleted in queryAll', async () => {
    const [a, b] = sb.data.query('SELECT Id, OpportunityId FROM OpportunityContactRole LIMIT 2');
    const direct = String(a!.Id);
    const res = await rest(sb, 'DELETE', `/services/data/v66.0/sobjects/OpportunityContactRole/${direct}`);
    expect(res.status).toBe(204);
    expect(sb.data.query(`SELECT Id FROM OpportunityContactRole WHERE Id = '${direct}'`, { all: true })).toEqual([]);

    const viaParent = String(b!.Id);
    expect((await rest(sb, 'DELETE', `/services/data/v66.0/sobjects/Opportunity/${String(b!.OpportunityId)}`)).status).toBe(204);
    expect(sb.data.query(`SELECT Id FROM OpportunityContactRole WHERE Id = '${viaParent}'`)).toEqual([]);
    const binned = sb.data.query(`SELECT Id, IsDeleted FROM OpportunityContactRole WHERE Id = '${viaParent}'`, { all: true });
    expect(binned).toMatchObject([{ Id: viaParent, IsDeleted: true }]);
  });

  // "If the SOQL statement selects two or more custom fields of type long text, the batch size can't be
  // greater than 200 records" (Change the Batch Size in Queries, SOQL and SOSL Reference).
  it('caps pages at 200 rows when a query selects two or more custom long-text fields', async () => {
    const profileSet = String(sb.data.query('SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = true')[0]!.Id);
    const field = async (name: string, metadata: Record<string, unknown>) => {
      const res = await rest(sb, 'POST', '/services/data/v66.0/tooling/sobjects/CustomField', { FullName: `Contact.${name}`, Metadata: { label: name, ...metadata } });
      expect(res.status).toBe(201);
      sb.data.create('FieldPermissions', { ParentId: profileSet, SobjectType: 'Contact', Field: `Contact.${name}`, PermissionsRead: true, PermissionsEdit: true });
    };
    await field('Long_A__c', { type: 'LongTextArea', length: 32768, visibleLines: 3 });
    await field('Long_B__c', { type: 'LongTextArea', length: 32768, visibleLines: 3 });
    await field('Short_Text__c', { type: 'Text', length: 255 });
    await field('Plain_Area__c', { type: 'TextArea' });
    const total = (await connect(sb).query('SELECT COUNT() FROM Contact')).totalSize;
    expect(total).toBeGreaterThan(200);
    const rows = async (fields: string) => {
      const res = await rest(sb, 'GET', `/services/data/v66.0/query?q=${encodeURIComponent(`SELECT Id, ${fields} FROM Contact`)}`, undefined, { 'Sforce-Query-Options': 'batchSize=2000' });
      return (res.json as { records: unknown[] }).records.length;
    };
    expect(await rows('Long_A__c, Long_B__c')).toBe(200);
    expect(await rows('Long_A__c, Long_B__c, Email')).toBe(200);
    // One long-text custom field, with Text and TextArea (255) ones: full pages.
    expect(await rows('Long_A__c')).toBe(Math.min(total, 2000));
    expect(await rows('Long_A__c, Short_Text__c, Plain_Area__c')).toBe(Math.min(total, 2000));
    const described = (await connect(sb).describe('Contact')).fields.filter((f) => ['Long_A__c', 'Plain_Area__c', 'Short_Text__c'].includes(f.name)).map((f) => [f.name, f.type, f.length]);
    expect(described).toEqual([['Long_A__c', 'textarea', 32768], ['Short_Text__c', 'string', 255], ['Plain_Area__c', 'textarea', 255]]);
  });

  it('queryAll includes recycle-bin rows; query does not', async () => {
    const conn = connect(sb);
    const victim = (await conn.query<{ Id: string }>('SELECT Id FROM Lead LIMIT 1')).records[0]!.Id;
    sb.data.delete(victim);
    const live = await conn.query(`SELECT Id FROM Lead WHERE Id = '${victim}'`);
    expect(live.totalSize).toBe(0);
    const all = await conn.query<{ IsDeleted: boolean }>(`SELECT Id, IsDeleted FROM Lead WHERE Id = '${victim}'`, { scanAll: true });
    expect(all.records).toHaveLength(1);
    expect(all.records[0]!.IsDeleted).toBe(true);
  });

  it('rejects bad SOQL with MALFORMED_QUERY, INVALID_FIELD and INVALID_TYPE', async () => {
    const q = async (soql: string): Promise<{ status: number; body: Array<{ errorCode: string; message: string }> }> => {
      const r = await rest(sb, 'GET', `/services/data/v66.0/query?q=${encodeURIComponent(soql)}`);
      return { status: r.status, body: r.json as Array<{ errorCode: string; message: string }> };
    };
    const malformed = await q('SELECT Id FRM Contact');
    expect(malformed.status).toBe(400);
    expect(malformed.body[0]!.errorCode).toBe('MALFORMED_QUERY');
    expect(malformed.body[0]!.message).toContain('ERROR at Row:1:Column:11');
    expect((await q('SELECT Id FROM Contact GROUP BY Email')).body[0]!.errorCode).toBe('MALFORMED_QUERY');
    expect((await q('SELECT Id, (SELECT Id FROM Cases) FROM Contact')).body[0]!.errorCode).toBe('MALFORMED_QUERY');
    const field = await q('SELECT Id, Foo__c FROM Contact');
    expect(field.body[0]!.errorCode).toBe('INVALID_FIELD');
    expect(field.body[0]!.message).toContain("No such column 'Foo__c' on entity 'Contact'");
    expect((await q('SELECT Id FROM Contact WHERE CreatedDate > 2026-01-01')).body[0]!.errorCode).toBe('INVALID_FIELD');
    expect((await q('SELECT Id FROM Widget__c')).body[0]!.errorCode).toBe('INVALID_TYPE');
    await expect(connect(sb).query('SELECT Id FROM Contact WHERE')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
  });
});

describe('versions and routing', () => {
  it('lists v58.0..v66.0, serves both ends, rejects v57.0 and unknown routes with NOT_FOUND', async () => {
    const list = (await (await fetch(`${sb.url}/services/data/`)).json()) as Array<{ version: string }>;
    expect(list.map((v) => v.version)).toEqual(['58.0', '59.0', '60.0', '61.0', '62.0', '63.0', '64.0', '65.0', '66.0']);
    expect((await connect(sb, '58.0').query('SELECT COUNT() FROM Contact')).totalSize).toBeGreaterThan(0);
    expect((await connect(sb, '66.0').query('SELECT COUNT() FROM Contact')).totalSize).toBeGreaterThan(0);
    const old = await rest(sb, 'GET', `/services/data/v57.0/query?q=${encodeURIComponent('SELECT Id FROM Contact')}`);
    expect(old.status).toBe(404);
    expect(old.json).toEqual([{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
    const unknown = await rest(sb, 'GET', '/services/data/v66.0/nothing-here');
    expect(unknown.status).toBe(404);
    expect((unknown.json as Array<{ errorCode: string }>)[0]!.errorCode).toBe('NOT_FOUND');
  });
});

describe('determinism', () => {
  it('the same seed and now give the same org, ids included', async () => {
    const a = await startSalesforceSandbox({ seed: 5, contacts: 80, now: NOW });
    const b = await startSalesforceSandbox({ seed: 5, contacts: 80, now: NOW });
    const c = await startSalesforceSandbox({ seed: 6, contacts: 80, now: NOW });
    try {
      const soql = 'SELECT Id, Email, AccountId, CreatedDate, LeadSource FROM Contact ORDER BY Id';
      expect(a.data.query(soql)).toEqual(b.data.query(soql));
      expect(a.data.query(soql)).not.toEqual(c.data.query(soql));
      expect(a.data.query('SELECT Id, StageName, Amount FROM Opportunity')).toEqual(b.data.query('SELECT Id, StageName, Amount FROM Opportunity'));
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });
});

describe('a standard org (describe, SOQL)', () => {
  // Describe shape: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
  // (DescribeSObjectResult / DescribeFieldResult members; salesforce.md §5.4).
  it('describes Contact and Case with standard fields only: no CSAT, NPS or first-response field', async () => {
    const contact = await rest(sb, 'GET', '/services/data/v66.0/sobjects/Contact/describe');
    expect(contact.status).toBe(200);
    const body = contact.json as { name: string; fields: Array<Record<string, unknown>>; childRelationships: unknown[] };
    expect(body.name).toBe('Contact');
    const names = body.fields.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['Id', 'Email', 'AccountId', 'LeadSource', 'SystemModstamp']));
    expect(names).not.toContain('CSAT__c');
    expect(names).not.toContain('NPS_Score__c');
    const caseNames = ((await rest(sb, 'GET', '/services/data/v66.0/sobjects/Case/describe')).json as { fields: Array<{ name: string }> }).fields.map((f) => f.name);
    expect(caseNames).not.toContain('First_Response_At__c');
    const account = body.fields.find((f) => f.name === 'AccountId');
    expect(account).toMatchObject({ type: 'reference', referenceTo: ['Account'], relationshipName: 'Account', custom: false, nillable: true, calculated: false, soapType: 'tns:ID' });
    const email = body.fields.find((f) => f.name === 'Email');
    expect(email).toMatchObject({ type: 'email', length: 80, byteLength: 240, idLookup: true, picklistValues: [] });
  });

  it('answers INVALID_FIELD for a custom field the org lacks', async () => {
    const res = await rest(sb, 'GET', `/services/data/v66.0/query?q=${encodeURIComponent('SELECT Id, CSAT__c FROM Contact')}`);
    expect(res.status).toBe(400);
    expect((res.json as Array<{ errorCode: string; message: string }>)[0]).toMatchObject({ errorCode: 'INVALID_FIELD' });
    expect((res.json as Array<{ message: string }>)[0]!.message).toContain("No such column 'CSAT__c' on entity 'Contact'");
  });

  it('an org seeded with survey fields describes and serves them, granted to the integration user', async () => {
    const withSurveys = await startSalesforceSandbox({ seed: 5, contacts: 40, now: NOW, surveyFields: true });
    try {
      const fields = ((await rest(withSurveys, 'GET', '/services/data/v66.0/sobjects/Contact/describe')).json as { fields: Array<{ name: string; type: string; custom: boolean }> }).fields;
      expect(fields.find((f) => f.name === 'CSAT__c')).toMatchObject({ type: 'double', custom: true });
      const rows = await rest(withSurveys, 'GET', `/services/data/v66.0/query?q=${encodeURIComponent('SELECT Id, CSAT__c, NPS_Score__c FROM Contact')}`);
      expect(rows.status).toBe(200);
      expect((rows.json as { records: Array<{ CSAT__c: number | null }> }).records.some((r) => r.CSAT__c !== null)).toBe(true);
    } finally {
      await withSurveys.close();
    }
  });
});
