import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { connect, NOW, rest } from './helpers.ts';

let sb: SalesforceSandbox;
beforeAll(async () => {
  sb = await startSalesforceSandbox({ seed: 3, contacts: 150, now: NOW });
});
afterAll(() => sb.close());

type Result = { id?: string; success: boolean; errors: Array<{ statusCode: string; message: string; fields: string[] }> };
const V = '/services/data/v66.0';

async function contactIds(n: number): Promise<string[]> {
  const r = await connect(sb).query<{ Id: string }>(`SELECT Id FROM Contact ORDER BY Id LIMIT ${n}`);
  return r.records.map((x) => x.Id);
}

describe('sObject Collections', () => {
  it('reports mixed per-record results in order and bumps SystemModstamp', async () => {
    const [a, b] = await contactIds(2);
    const before = sb.data.get('Contact', a!)!;
    const deleted = sb.data.create('Contact', { LastName: 'Gone' });
    sb.data.delete(deleted);
    const res = await rest(sb, 'PATCH', `${V}/composite/sobjects`, {
      allOrNone: false,
      records: [
        { attributes: { type: 'Contact' }, id: a, Title: 'CTO' },
        { attributes: { type: 'Contact' }, id: b, Nope__c: 'x' },
        { attributes: { type: 'Contact' }, id: deleted, Title: 'x' },
        { attributes: { type: 'Contact' }, id: '003000000000000AAA', Title: 'x' },
        { id: b, Title: 'no type' },
      ],
    });
    expect(res.status).toBe(200);
    const results = res.json as Result[];
    expect(results.map((r) => r.success)).toEqual([true, false, false, false, false]);
    expect(results[0]).toEqual({ id: a, success: true, errors: [] });
    expect(results[1]!.errors[0]!.statusCode).toBe('INVALID_FIELD');
    expect(results[2]!.errors[0]!.statusCode).toBe('ENTITY_IS_DELETED');
    expect(results[3]!.errors[0]!.statusCode).toBe('INVALID_CROSS_REFERENCE_KEY');
    expect(results[4]!.errors[0]!.statusCode).toBe('INVALID_TYPE');
    const after = sb.data.get('Contact', a!)!;
    expect(after.Title).toBe('CTO');
    expect(Date.parse(String(after.SystemModstamp).replace('+0000', 'Z'))).toBeGreaterThan(Date.parse(String(before.SystemModstamp).replace('+0000', 'Z')));
    expect(after.LastModifiedDate).toBe(after.SystemModstamp);
  });

  it('rolls everything back with allOrNone', async () => {
    const [a, b] = await contactIds(2);
    const res = await rest(sb, 'PATCH', `${V}/composite/sobjects`, {
      allOrNone: true,
      records: [
        { attributes: { type: 'Contact' }, id: a, Title: 'Rolled back' },
        { attributes: { type: 'Contact' }, id: b, Email: 'not-an-email' },
      ],
    });
    const results = res.json as Result[];
    expect(results[0]!.errors[0]!.statusCode).toBe('ALL_OR_NONE_OPERATION_ROLLED_BACK');
    expect(results[1]!.errors[0]!.statusCode).toBe('INVALID_EMAIL_ADDRESS');
    expect(sb.data.get('Contact', a!)!.Title).not.toBe('Rolled back');
  });

  it('caps a call at 200 records with EXCEEDED_ID_LIMIT, and jsforce splits with allowRecursive', async () => {
    const records = Array.from({ length: 201 }, (_, i) => ({ attributes: { type: 'Contact' }, LastName: `Bulk ${i}` }));
    const res = await rest(sb, 'POST', `${V}/composite/sobjects`, { allOrNone: false, records });
    expect(res.status).toBe(400);
    expect((res.json as Array<{ errorCode: string }>)[0]!.errorCode).toBe('EXCEEDED_ID_LIMIT');
    const conn = connect(sb);
    const created = await conn.sobject('Contact').create(records.map(({ attributes: _a, ...r }) => r), { allowRecursive: true });
    expect(created).toHaveLength(201);
    expect(created.every((r) => r.success)).toBe(true);
    const del = await conn.sobject('Contact').destroy(created.map((r) => (r as { id: string }).id), { allowRecursive: true });
    expect(del.every((r) => r.success)).toBe(true);
  });

  it('rejects values outside a restricted picklist per record', async () => {
    const create = await rest(sb, 'POST', `${V}/tooling/sobjects/CustomField`, {
      FullName: 'Contact.Tier__c',
      Metadata: { label: 'Tier', type: 'Picklist', valueSet: { restricted: true, valueSetDefinition: { value: [{ valueName: 'Gold', label: 'Gold', default: false }, { valueName: 'Silver', label: 'Silver', default: false }] } } },
    });
    expect(create.status).toBe(201);
    const [a, b] = await contactIds(2);
    sb.data.create('FieldPermissions', { ParentId: profilePermSet(), SobjectType: 'Contact', Field: 'Contact.Tier__c', PermissionsRead: true, PermissionsEdit: true });
    const res = await rest(sb, 'PATCH', `${V}/composite/sobjects`, {
      records: [
        { attributes: { type: 'Contact' }, id: a, Tier__c: 'Gold' },
        { attributes: { type: 'Contact' }, id: b, Tier__c: 'Platinum' },
      ],
    });
    const results = res.json as Result[];
    expect(results[0]!.success).toBe(true);
    expect(results[1]!.errors[0]).toMatchObject({ statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', fields: ['Tier__c'] });
    expect(results[1]!.errors[0]!.message).toContain('bad value for restricted picklist field: Platinum');
  });
});

function profilePermSet(): string {
  return String(sb.data.query("SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = true")[0]!.Id);
}

describe('Tooling custom fields and field-level security', () => {
  it('creates once, refuses a duplicate, hides the field until a permission set grants it', async () => {
    const conn = connect(sb);
    const body = {
      FullName: 'Contact.Parcours_Stage__c',
      Metadata: { label: 'Journey Stage', type: 'Picklist', valueSet: { restricted: true, valueSetDefinition: { value: [{ valueName: 'Awareness', label: 'Awareness', default: false }] } } },
    };
    const first = await rest(sb, 'POST', `${V}/tooling/sobjects/CustomField`, body);
    expect(first.status).toBe(201);
    const fieldId = (first.json as { id: string }).id;
    expect(fieldId).toMatch(/^00N\w{15}$/);
    const second = await rest(sb, 'POST', `${V}/tooling/sobjects/CustomField`, body);
    expect(second.status).toBe(400);
    expect((second.json as Array<{ errorCode: string }>)[0]!.errorCode).toBe('DUPLICATE_DEVELOPER_NAME');

    const tq = await conn.tooling.query<{ Id: string; Metadata: { label: string } }>("SELECT Id, DeveloperName, TableEnumOrId, Metadata FROM CustomField WHERE TableEnumOrId = 'Contact' AND DeveloperName = 'Parcours_Stage'");
    expect(tq.records).toHaveLength(1);
    expect(tq.records[0]!.Id).toBe(fieldId);
    expect(tq.records[0]!.Metadata.label).toBe('Journey Stage');

    // Hidden: describe omits it, SOQL and writes do not know it.
    const names = async (): Promise<string[]> => (await conn.describe('Contact')).fields.map((f) => f.name);
    expect(await names()).not.toContain('Parcours_Stage__c');
    await expect(conn.query('SELECT Parcours_Stage__c FROM Contact')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    const [a] = await contactIds(1);
    const hidden = await rest(sb, 'PATCH', `${V}/composite/sobjects`, { records: [{ attributes: { type: 'Contact' }, id: a, Parcours_Stage__c: 'Awareness' }] });
    expect((hidden.json as Result[])[0]!.errors[0]!.statusCode).toBe('INVALID_FIELD');

    // Grant through a new permission set assigned to the API user, as the connector does.
    const ps = await conn.sobject('PermissionSet').create({ Name: 'Parcours_Connector', Label: 'Parcours Connector' });
    const psId = (ps as { id: string }).id;
    const fp = await conn.sobject('FieldPermissions').create({ ParentId: psId, SobjectType: 'Contact', Field: 'Contact.Parcours_Stage__c', PermissionsRead: true, PermissionsEdit: false });
    const userId = (await conn.query<{ Id: string }>(`SELECT Id FROM User WHERE Username = '${sb.username}'`)).records[0]!.Id;
    await conn.sobject('PermissionSetAssignment').create({ AssigneeId: userId, PermissionSetId: psId });
    expect(await names()).toContain('Parcours_Stage__c');
    const readOnly = await rest(sb, 'PATCH', `${V}/composite/sobjects`, { records: [{ attributes: { type: 'Contact' }, id: a, Parcours_Stage__c: 'Awareness' }] });
    expect((readOnly.json as Result[])[0]!.errors[0]!.statusCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    const patch = await rest(sb, 'PATCH', `${V}/sobjects/FieldPermissions/${(fp as { id: string }).id}`, { PermissionsEdit: true });
    expect(patch.status).toBe(204);
    await conn.sobject('Contact').update({ Id: a!, Parcours_Stage__c: 'Awareness' });
    const read = await conn.query<{ Parcours_Stage__c: string }>(`SELECT Parcours_Stage__c FROM Contact WHERE Id = '${a}'`);
    expect(read.records[0]!.Parcours_Stage__c).toBe('Awareness');

    // Updating the value set through Tooling makes a new value writable.
    const upd = await rest(sb, 'PATCH', `${V}/tooling/sobjects/CustomField/${fieldId}`, {
      Metadata: { label: 'Journey Stage', type: 'Picklist', valueSet: { restricted: true, valueSetDefinition: { value: [{ valueName: 'Awareness', label: 'Awareness' }, { valueName: 'Retention', label: 'Retention' }] } } },
    });
    expect(upd.status).toBe(204);
    await conn.sobject('Contact').update({ Id: a!, Parcours_Stage__c: 'Retention' });
    const describe = await conn.describe('Contact');
    const f = describe.fields.find((x) => x.name === 'Parcours_Stage__c')!;
    expect(f.type).toBe('picklist');
    expect(f.restrictedPicklist).toBe(true);
    expect(f.picklistValues!.map((p) => p.value)).toEqual(['Awareness', 'Retention']);
  });

  // Tooling CustomValue is named valueName; the Metadata API's fullName does not deserialize (salesforce.md §5.1, §11).
  it('names picklist values valueName and refuses the Metadata API naming', async () => {
    const res = await rest(sb, 'POST', `${V}/tooling/sobjects/CustomField`, {
      FullName: 'Lead.Wrong_Naming__c',
      Metadata: { label: 'Wrong', type: 'Picklist', valueSet: { valueSetDefinition: { value: [{ fullName: 'A', label: 'A', default: false }] } } },
    });
    expect(res.status).toBe(400);
    expect((res.json as Array<{ errorCode: string; message: string }>)[0]).toMatchObject({ errorCode: 'JSON_PARSER_ERROR' });
    expect((res.json as Array<{ message: string }>)[0]!.message).toContain('fullName');
    const q = encodeURIComponent("SELECT Id FROM CustomField WHERE TableEnumOrId = 'Lead' AND DeveloperName = 'Wrong_Naming'");
    expect((await rest(sb, 'GET', `${V}/tooling/query?q=${q}`)).json).toMatchObject({ totalSize: 0 });
  });

  // A Tooling PATCH replaces the whole definition: values left out go inactive
  // (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_customvalue.htm).
  it('deactivates picklist values a PATCH leaves out, and keeps them in the definition as inactive', async () => {
    const conn = connect(sb);
    const md = (values: string[]) => ({ label: 'Tier', type: 'Picklist', valueSet: { restricted: true, valueSetDefinition: { sorted: false, value: values.map((v) => ({ valueName: v, label: v, default: false })) } } });
    const created = await rest(sb, 'POST', `${V}/tooling/sobjects/CustomField`, { FullName: 'Lead.Tier__c', Metadata: md(['Gold', 'Silver', 'Bronze']) });
    expect(created.status).toBe(201);
    const id = (created.json as { id: string }).id;
    sb.data.create('FieldPermissions', { ParentId: profilePermSet(), SobjectType: 'Lead', Field: 'Lead.Tier__c', PermissionsRead: true, PermissionsEdit: true });
    expect((await rest(sb, 'PATCH', `${V}/tooling/sobjects/CustomField/${id}`, { Metadata: md(['Gold']) })).status).toBe(204);

    const read = (await rest(sb, 'GET', `${V}/tooling/sobjects/CustomField/${id}`)).json as { Metadata: { valueSet: { valueSetDefinition: { value: Array<{ valueName: string; isActive?: boolean }> } } } };
    expect(read.Metadata.valueSet.valueSetDefinition.value.map((v) => [v.valueName, v.isActive !== false])).toEqual([['Gold', true], ['Silver', false], ['Bronze', false]]);
    const f = (await conn.describe('Lead')).fields.find((x) => x.name === 'Tier__c')!;
    expect(f.picklistValues!.map((p) => p.value)).toEqual(['Gold']);
    const lead = String(sb.data.query('SELECT Id FROM Lead LIMIT 1')[0]!.Id);
    const res = await rest(sb, 'PATCH', `${V}/composite/sobjects`, { records: [{ attributes: { type: 'Lead' }, id: lead, Tier__c: 'Silver' }] });
    expect((res.json as Result[])[0]!.errors[0]!.statusCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');

    // Re-sending the value (isActive true, or simply listed) re-activates it.
    expect((await rest(sb, 'PATCH', `${V}/tooling/sobjects/CustomField/${id}`, { Metadata: md(['Gold', 'Silver']) })).status).toBe(204);
    const again = await rest(sb, 'PATCH', `${V}/composite/sobjects`, { records: [{ attributes: { type: 'Lead' }, id: lead, Tier__c: 'Silver' }] });
    expect((again.json as Result[])[0]!.success).toBe(true);
  });

  it('rejects a FieldPermissions row for a field that does not exist', async () => {
    const res = await rest(sb, 'POST', `${V}/sobjects/FieldPermissions`, { ParentId: profilePermSet(), SobjectType: 'Contact', Field: 'Contact.Missing__c', PermissionsRead: true });
    expect(res.status).toBe(400);
    expect((res.json as Array<{ errorCode: string }>)[0]!.errorCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
  });
});

describe('campaigns', () => {
  it('creates a campaign, adds members, refuses duplicates with DUPLICATE_VALUE, removes members', async () => {
    const created = await rest(sb, 'POST', `${V}/sobjects/Campaign`, { Name: 'Friction: Escalated', IsActive: true });
    expect(created.status).toBe(201);
    const campaignId = (created.json as { id: string }).id;
    expect(campaignId).toMatch(/^701/);
    const [a, b] = await contactIds(2);
    const member = (contactId: string) => ({ attributes: { type: 'CampaignMember' }, CampaignId: campaignId, ContactId: contactId, Status: 'Sent' });
    const first = (await rest(sb, 'POST', `${V}/composite/sobjects`, { records: [member(a!), member(b!)] })).json as Result[];
    expect(first.every((r) => r.success && r.id!.startsWith('00v'))).toBe(true);
    const again = (await rest(sb, 'POST', `${V}/composite/sobjects`, { records: [member(a!)] })).json as Result[];
    expect(again[0]!.errors[0]).toEqual({ statusCode: 'DUPLICATE_VALUE', message: 'Already a campaign member.', fields: [] });
    expect(sb.data.campaignMembers(campaignId).map((m) => m.ContactId).sort()).toEqual([a, b].sort());
    const del = await rest(sb, 'DELETE', `${V}/composite/sobjects?ids=${first[0]!.id}&allOrNone=false`);
    expect((del.json as Result[])[0]!.success).toBe(true);
    expect(sb.data.campaignMembers(campaignId).map((m) => m.ContactId)).toEqual([b]);
    // CampaignMember deletes are hard deletes: queryAll does not see them.
    expect(sb.data.query(`SELECT Id FROM CampaignMember WHERE Id = '${first[0]!.id}'`, { all: true })).toHaveLength(0);
  });
});

describe('automation on save', () => {
  it('moving an opportunity stage sets IsClosed/IsWon, LastStageChangeDate and a history row', async () => {
    const conn = connect(sb);
    const opp = (await conn.query<{ Id: string }>("SELECT Id FROM Opportunity WHERE IsClosed = false LIMIT 1")).records[0]!.Id;
    const before = (await conn.query(`SELECT COUNT() FROM OpportunityHistory WHERE OpportunityId = '${opp}'`)).totalSize;
    await conn.sobject('Opportunity').update({ Id: opp, StageName: 'Closed Won' });
    const after = await conn.query<{ IsClosed: boolean; IsWon: boolean; LastStageChangeDate: string }>(`SELECT IsClosed, IsWon, LastStageChangeDate FROM Opportunity WHERE Id = '${opp}'`);
    expect(after.records[0]).toMatchObject({ IsClosed: true, IsWon: true });
    expect((await conn.query(`SELECT COUNT() FROM OpportunityHistory WHERE OpportunityId = '${opp}' AND StageName = 'Closed Won'`)).totalSize).toBe(1);
    expect((await conn.query(`SELECT COUNT() FROM OpportunityHistory WHERE OpportunityId = '${opp}'`)).totalSize).toBe(before + 1);
    const readOnlyField = await rest(sb, 'PATCH', `${V}/sobjects/Opportunity/${opp}`, { IsWon: false });
    expect(readOnlyField.status).toBe(400);
    expect((readOnlyField.json as Array<{ errorCode: string }>)[0]!.errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
  });
});
