import nock from 'nock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JourneyFieldSpec } from '../../connectors/port.ts';
import { V, connector, page, sf, soql, compositeEndpoint, type CompositeLog } from './fixtures.ts';

beforeAll(() => nock.disableNetConnect());
// Concurrent reads and writes travel packed in `POST /composite`; its subrequests are served by the interceptors below.
let composites: CompositeLog = [];
beforeEach(() => {
  composites = compositeEndpoint();
});
afterEach(() => {
  nock.cleanAll();
});

const spec: JourneyFieldSpec = {
  group: { name: 'parcours', label: 'Parcours' },
  fields: [{ kind: 'deal', field: 'stage', name: 'Parcours_Stage__c', label: 'Journey stage', type: 'enumeration', options: [{ value: 'Trial', label: 'Trial' }, { value: 'Won', label: 'Won' }] }],
  segments: [{ id: 'at-risk', name: 'At risk' }, { id: 'champions', name: 'Champions' }],
};

const existingMetadata = {
  label: 'Journey stage', type: 'Picklist', required: false,
  // As Tooling answers: CustomValues named valueName; an admin added "Legacy" and deactivated "Old".
  valueSet: { restricted: true, valueSetDefinition: { sorted: false, value: [
    { valueName: 'Trial', label: 'Trial', default: false, isActive: true, color: null, description: null },
    { valueName: 'Legacy', label: 'Legacy (admin)', default: false, isActive: true, color: '#FF6600', description: 'added by the admin' },
    { valueName: 'Old', label: 'Old', default: false, isActive: false, color: null, description: null },
  ] } },
};

const existsQuery = "SELECT Id, DeveloperName, TableEnumOrId FROM CustomField WHERE TableEnumOrId IN ('Opportunity') AND DeveloperName IN ('Parcours_Stage')";
const exists = (records: Array<Record<string, unknown>>) => ({ size: records.length, totalSize: records.length, done: true, queryLocator: null, entityTypeName: 'CustomField', records: records.map((r) => ({ attributes: { type: 'CustomField', url: `${V}/tooling/sobjects/CustomField/${String(r.Id)}` }, ...r })) });
const fieldRow = (metadata: unknown) => ({ attributes: { type: 'CustomField', url: `${V}/tooling/sobjects/CustomField/00N1` }, Id: '00N1', DeveloperName: 'Parcours_Stage', TableEnumOrId: 'Opportunity', FullName: 'Opportunity.Parcours_Stage__c', Metadata: metadata });
type Value = { valueName?: string; fullName?: string; label: string; isActive?: boolean; color?: string | null };

function flsAndAssignmentExist(scope: nock.Scope): nock.Scope {
  return scope
    .get(`${V}/query`).query(soql((q) => q === "SELECT Id FROM PermissionSet WHERE Name = 'Parcours'")).reply(200, page('PermissionSet', [{ Id: '0PS1' }]))
    .get(`${V}/query`).query(soql((q) => q.includes('FROM FieldPermissions'))).reply(200, page('FieldPermissions', [{ Id: '01k1', Field: 'Opportunity.Parcours_Stage__c', PermissionsRead: true, PermissionsEdit: true }]))
    .get('/services/oauth2/userinfo').reply(200, { user_id: '005U' })
    .get(`${V}/query`).query(soql((q) => q.includes('FROM PermissionSetAssignment'))).reply(200, page('PermissionSetAssignment', [{ Id: '0Pa1' }]));
}

describe('ensureSchema', () => {
  it('adds missing picklist values to an existing field as valueName, keeping every existing value; grants FLS; finds or creates campaigns', async () => {
    let patched: { Metadata: typeof existingMetadata & { valueSet: { valueSetDefinition: { value: Value[] } } } } | null = null;
    const scope = sf()
      // Tooling: one query says which owned fields exist; the existing one is read by id.
      .get(`${V}/tooling/query`).query(soql((q) => q === existsQuery))
      .reply(200, exists([{ Id: '00N1', DeveloperName: 'Parcours_Stage', TableEnumOrId: 'Opportunity' }]))
      .get(`${V}/tooling/sobjects/CustomField/00N1`).reply(200, fieldRow(existingMetadata))
      .patch(`${V}/tooling/sobjects/CustomField/00N1`, (b) => {
        patched = b;
        return true;
      })
      .reply(204)
      // FLS: permission set exists, the field permission does not, the assignment does.
      .get(`${V}/query`).query(soql((q) => q === "SELECT Id FROM PermissionSet WHERE Name = 'Parcours'")).reply(200, page('PermissionSet', [{ Id: '0PS1' }]))
      .get(`${V}/query`).query(soql((q) => q === "SELECT Id, Field, PermissionsRead, PermissionsEdit FROM FieldPermissions WHERE ParentId = '0PS1'")).reply(200, page('FieldPermissions', []))
      .post(`${V}/composite/sobjects`, (b) => b.records[0].attributes.type === 'FieldPermissions' && b.records[0].Field === 'Opportunity.Parcours_Stage__c' && b.records[0].PermissionsEdit === true && b.records[0].SobjectType === 'Opportunity')
      .reply(200, [{ id: '01k1', success: true, errors: [] }])
      .get('/services/oauth2/userinfo').reply(200, { user_id: '005U', organization_id: '00D1', preferred_username: 'integration@acme.com' })
      .get(`${V}/query`).query(soql((q) => q === "SELECT Id FROM PermissionSetAssignment WHERE PermissionSetId = '0PS1' AND AssigneeId = '005U'")).reply(200, page('PermissionSetAssignment', [{ Id: '0Pa1' }]))
      // Campaigns: one exists, one is created.
      .get(`${V}/query`).query(soql((q) => q === "SELECT Id, Name FROM Campaign WHERE Name IN ('Parcours: At risk', 'Parcours: Champions')")).reply(200, page('Campaign', [{ Id: '701A', Name: 'Parcours: At risk' }]))
      .post(`${V}/composite/sobjects`, (b) => b.records.length === 1 && b.records[0].attributes.type === 'Campaign' && b.records[0].Name === 'Parcours: Champions')
      .reply(200, [{ id: '701B', success: true, errors: [] }]);

    const report = await connector().ensureSchema(spec);
    expect(scope.isDone()).toBe(true);
    // A PATCH replaces the definition: every existing value is re-sent as it was (the admin's value with its
    // colour, the inactive one still inactive), the missing one appended, all named valueName.
    const values = patched!.Metadata.valueSet.valueSetDefinition.value;
    expect(values.map((v) => [v.valueName, v.isActive])).toEqual([['Trial', true], ['Legacy', true], ['Old', false], ['Won', undefined]]);
    expect(values[1]).toMatchObject({ label: 'Legacy (admin)', color: '#FF6600' });
    expect(values.some((v) => 'fullName' in v)).toBe(false);
    expect(patched!.Metadata.label).toBe('Journey stage');
    expect(report).toEqual({
      created: ['FieldPermissions.Opportunity.Parcours_Stage__c', 'Campaign.Parcours: Champions'],
      updated: ['Opportunity.Parcours_Stage__c'],
      unchanged: ['PermissionSet.Parcours', 'PermissionSetAssignment.Parcours', 'Campaign.Parcours: At risk'],
      segmentTargets: { 'at-risk': '701A', champions: '701B' },
    });
  });

  it('reads fullName-named values as a fallback and writes them back as valueName; re-activates an inactive value it needs', async () => {
    let patched: { Metadata: { valueSet: { valueSetDefinition: { value: Value[] } } } } | null = null;
    sf()
      .get(`${V}/tooling/query`).query(soql((q) => q === existsQuery))
      .reply(200, exists([{ Id: '00N1', DeveloperName: 'Parcours_Stage', TableEnumOrId: 'Opportunity' }]))
      .get(`${V}/tooling/sobjects/CustomField/00N1`)
      .reply(200, fieldRow({ ...existingMetadata, valueSet: { restricted: true, valueSetDefinition: { value: [{ fullName: 'Trial', label: 'Trial', default: false }, { fullName: 'Won', label: 'Won', default: false, isActive: false }] } } }))
      .patch(`${V}/tooling/sobjects/CustomField/00N1`, (b) => {
        patched = b;
        return true;
      })
      .reply(204);
    flsAndAssignmentExist(sf());
    const report = await connector().ensureSchema({ ...spec, segments: [] });
    expect(report.updated).toEqual(['Opportunity.Parcours_Stage__c']);
    expect(patched!.Metadata.valueSet.valueSetDefinition.value).toEqual([
      { valueName: 'Trial', label: 'Trial', default: false },
      { valueName: 'Won', label: 'Won', default: false, isActive: true },
    ]);
  });

  it('makes zero writes when every field, value, grant and campaign exists (second setup)', async () => {
    const scope = sf()
      .get(`${V}/tooling/query`).query(soql((q) => q === existsQuery))
      .reply(200, exists([{ Id: '00N1', DeveloperName: 'Parcours_Stage', TableEnumOrId: 'Opportunity' }]))
      .get(`${V}/tooling/sobjects/CustomField/00N1`)
      .reply(200, fieldRow({ ...existingMetadata, valueSet: { restricted: true, valueSetDefinition: { value: [{ valueName: 'Won', label: 'Won', default: false, isActive: true }, ...existingMetadata.valueSet.valueSetDefinition.value] } } }));
    flsAndAssignmentExist(scope)
      .get(`${V}/query`).query(soql((q) => q.includes('FROM Campaign WHERE Name IN'))).reply(200, page('Campaign', [{ Id: '701A', Name: 'Parcours: At risk' }, { Id: '701B', Name: 'Parcours: Champions' }]));
    const c = connector();
    const report = await c.ensureSchema(spec);
    expect(scope.isDone()).toBe(true);
    expect(report.created).toEqual([]);
    expect(report.updated).toEqual([]);
    expect(report.unchanged).toContain('Opportunity.Parcours_Stage__c');
    // Every call was a read: 1 existence query + 1 field read + 4 FLS reads + 1 campaign query.
    expect(c.stats().total).toBe(7);
    expect(Object.keys(c.stats().byEndpoint).sort()).toEqual(['metadata', 'soql.query', 'tooling']);
  });

  it('creates a missing field with valueName values and no prior write attempt', async () => {
    let created: { FullName: string; Metadata: { valueSet: { valueSetDefinition: { value: Value[] } } } } | null = null;
    sf()
      .get(`${V}/tooling/query`).query(soql((q) => q === existsQuery)).reply(200, exists([]))
      .post(`${V}/tooling/sobjects/CustomField`, (b) => {
        created = b;
        return true;
      })
      .reply(201, { id: '00N9', success: true, errors: [], warnings: [], infos: [] });
    flsAndAssignmentExist(sf());
    const report = await connector().ensureSchema({ ...spec, segments: [] });
    expect(report.created).toEqual(['Opportunity.Parcours_Stage__c']);
    expect(created!.FullName).toBe('Opportunity.Parcours_Stage__c');
    expect(created!.Metadata.valueSet.valueSetDefinition.value).toEqual([
      { valueName: 'Trial', label: 'Trial', default: false },
      { valueName: 'Won', label: 'Won', default: false },
    ]);
  });
});

describe('ensureSchema: reason fields', () => {
  const reasonSpec: JourneyFieldSpec = {
    group: { name: 'parcours', label: 'Parcours' },
    fields: [{ kind: 'contact', field: 'stageReason', name: 'Parcours_Stage_Reason__c', label: 'Parcours: Stage reason', type: 'text' }],
    segments: [],
  };
  const reasonExists = "SELECT Id, DeveloperName, TableEnumOrId FROM CustomField WHERE TableEnumOrId IN ('Contact', 'Lead') AND DeveloperName IN ('Parcours_Stage_Reason')";
  const grantsExist = (scope: nock.Scope) =>
    scope
      .get(`${V}/query`).query(soql((q) => q.includes('FROM PermissionSet WHERE'))).reply(200, page('PermissionSet', [{ Id: '0PS1' }]))
      .get(`${V}/query`).query(soql((q) => q.includes('FROM FieldPermissions'))).reply(200, page('FieldPermissions', ['Contact', 'Lead'].map((o, i) => ({ Id: `01k${i}`, Field: `${o}.Parcours_Stage_Reason__c`, PermissionsRead: true, PermissionsEdit: true }))))
      .get('/services/oauth2/userinfo').reply(200, { user_id: '005U' })
      .get(`${V}/query`).query(soql((q) => q.includes('FROM PermissionSetAssignment'))).reply(200, page('PermissionSetAssignment', [{ Id: '0Pa1' }]));

  // Two long-text custom fields in one query cap pages at 200 rows (Change the Batch Size in Queries), and every
  // Contact/Lead pull selects both reasons: reasons are Text(255).
  it('creates reasons as Text(255)', async () => {
    const bodies: Array<{ FullName: string; Metadata: Record<string, unknown> }> = [];
    sf()
      .get(`${V}/tooling/query`).query(soql((q) => q === reasonExists)).reply(200, exists([]))
      .post(`${V}/tooling/sobjects/CustomField`, (b) => {
        bodies.push(b);
        return true;
      })
      .times(2)
      .reply(201, { id: '00N9', success: true, errors: [], warnings: [], infos: [] });
    grantsExist(sf());
    const report = await connector().ensureSchema(reasonSpec);
    expect(report.created).toEqual(['Contact.Parcours_Stage_Reason__c', 'Lead.Parcours_Stage_Reason__c']);
    expect(bodies.map((b) => [b.FullName, b.Metadata.type, b.Metadata.length])).toEqual([
      ['Contact.Parcours_Stage_Reason__c', 'Text', 255],
      ['Lead.Parcours_Stage_Reason__c', 'Text', 255],
    ]);
    expect(report.notes).toBeUndefined();
  });

  it('leaves an existing Long Text Area reason as it is and says what it costs and how to change it', async () => {
    const scope = sf()
      .get(`${V}/tooling/query`).query(soql((q) => q === reasonExists))
      .reply(200, exists([{ Id: '00NC', DeveloperName: 'Parcours_Stage_Reason', TableEnumOrId: 'Contact' }, { Id: '00NL', DeveloperName: 'Parcours_Stage_Reason', TableEnumOrId: 'Lead' }]))
      .get(`${V}/tooling/sobjects/CustomField/00NC`).reply(200, { ...fieldRow({ label: 'Parcours: Stage reason', type: 'LongTextArea', length: 32768, visibleLines: 3 }), Id: '00NC' })
      .get(`${V}/tooling/sobjects/CustomField/00NL`).reply(200, { ...fieldRow({ label: 'Parcours: Stage reason', type: 'Text', length: 255 }), Id: '00NL' });
    grantsExist(scope);
    const c = connector();
    const report = await c.ensureSchema(reasonSpec);
    expect(scope.isDone()).toBe(true);
    expect(report.created).toEqual([]);
    expect(report.updated).toEqual([]);
    expect(report.notes).toHaveLength(1);
    expect(report.notes![0]).toContain('Contact.Parcours_Stage_Reason__c is a Long Text Area');
    expect(report.notes![0]).toContain('Change Field Type');
    expect(c.stats().byEndpoint['tooling']).toBe(3); // no PATCH: the type is the admin's call
  });
});

describe('syncMembership', () => {
  it('treats DUPLICATE_VALUE as already a member, adds leads by LeadId, and deletes memberships found by query', async () => {
    let inserted: Array<Record<string, unknown>> = [];
    const scope = sf()
      .post(`${V}/composite/sobjects`, (b) => {
        inserted = b.records;
        return b.allOrNone === false;
      })
      .reply(200, [
        { id: '00v1', success: true, errors: [] },
        { success: false, errors: [{ statusCode: 'DUPLICATE_VALUE', message: 'Already a campaign member.', fields: [] }] },
        { success: false, errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }] },
      ])
      .get(`${V}/query`).query(soql((q) => q === "SELECT Id, ContactId FROM CampaignMember WHERE CampaignId = '701A' AND ContactId IN ('003R', '003N')"))
      .reply(200, page('CampaignMember', [{ Id: '00vR', ContactId: '003R' }]))
      .delete(`${V}/composite/sobjects`).query({ ids: '00vR', allOrNone: 'false' })
      .reply(200, [{ id: '00vR', success: true, errors: [] }]);

    const report = await connector().syncMembership({ segmentId: 'at-risk', targetId: '701A', add: ['003A', '003B', '00QL'], remove: ['003R', '003N'] });
    expect(scope.isDone()).toBe(true);
    expect(inserted).toEqual([
      { attributes: { type: 'CampaignMember' }, CampaignId: '701A', ContactId: '003A' },
      { attributes: { type: 'CampaignMember' }, CampaignId: '701A', ContactId: '003B' },
      { attributes: { type: 'CampaignMember' }, CampaignId: '701A', LeadId: '00QL' },
    ]);
    expect(report).toEqual({
      added: ['003A', '003B'],
      removed: ['003R', '003N'],
      failed: [{ contactId: '00QL', code: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id' }],
    });
  });

  it('makes no call for an empty change', async () => {
    const c = connector();
    expect(await c.syncMembership({ segmentId: 's', targetId: '701A', add: [], remove: [] })).toEqual({ added: [], removed: [], failed: [] });
    expect(c.stats().total).toBe(0);
  });
});

describe('readMembership', () => {
  it('reads CampaignMember rows (a converted lead counts as its Contact); no rows: one query tells a deleted campaign from an empty one', async () => {
    const scope = sf()
      .get(`${V}/query`).query(soql((q) => q === "SELECT Id, CampaignId, ContactId, LeadId FROM CampaignMember WHERE CampaignId IN ('701A') ORDER BY CampaignId, Id"))
      .reply(200, page('CampaignMember', [{ Id: '00v1', CampaignId: '701A', ContactId: '003A', LeadId: null }, { Id: '00v2', CampaignId: '701A', ContactId: '003C', LeadId: '00QC' }, { Id: '00v3', CampaignId: '701A', ContactId: null, LeadId: '00QL' }]))
      .get(`${V}/query`).query(soql((q) => q === "SELECT Id, CampaignId, ContactId, LeadId FROM CampaignMember WHERE CampaignId IN ('701D') ORDER BY CampaignId, Id"))
      .reply(200, page('CampaignMember', []))
      .get(`${V}/query`).query(soql((q) => q === "SELECT Id FROM Campaign WHERE Id IN ('701D')"))
      .reply(200, page('Campaign', []));
    const c = connector();
    expect(await c.readMembership('701A')).toEqual({ members: ['003A', '003C', '00QL'], exists: true, calls: 1, pageSize: 2000 });
    expect(await c.readMembership('701D')).toEqual({ members: [], exists: false, calls: 2, pageSize: 2000 });
    expect(scope.isDone()).toBe(true);
  });

  it('writes the adds of every campaign asked for at once as one Bulk 2.0 insert job when they are many (DUPLICATE_VALUE is a member)', async () => {
    let uploaded = '';
    const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(12, '0')}`);
    const a = ids('003', 3_000);
    const b = [...ids('00Q', 1_000), ...ids('003', 2)];
    const scope = sf()
      .post(`${V}/jobs/ingest`, { object: 'CampaignMember', operation: 'insert', contentType: 'CSV', columnDelimiter: 'COMMA', lineEnding: 'LF' }).reply(200, { id: '750M', state: 'Open' })
      .put(`${V}/jobs/ingest/750M/batches`, (body) => ((uploaded = String(body)), true)).reply(201)
      .patch(`${V}/jobs/ingest/750M`, { state: 'UploadComplete' }).reply(200, { id: '750M', state: 'UploadComplete' })
      .get(`${V}/jobs/ingest/750M`).reply(200, { id: '750M', state: 'JobComplete', numberRecordsProcessed: 4_002, numberRecordsFailed: 2 })
      // get_job_successful_results / get_job_failed_results: sf__Id (+ sf__Created | sf__Error), then the uploaded columns.
      .get(`${V}/jobs/ingest/750M/successfulResults`).reply(200, ['"sf__Id","sf__Created","CampaignId","ContactId","LeadId"', ...a.map((id, i) => `"00v${i}","true","701A","${id}",""`), ...b.slice(0, 1_000).map((id, i) => `"00w${i}","true","701B","","${id}"`)].join('\n') + '\n', { 'Content-Type': 'text/csv' })
      .get(`${V}/jobs/ingest/750M/failedResults`).reply(200, `"sf__Id","sf__Error","CampaignId","ContactId","LeadId"\n"","DUPLICATE_VALUE:Already a campaign member.:--","701B","${b[1_000]}",""\n"","INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--","701B","${b[1_001]}",""\n`, { 'Content-Type': 'text/csv' });
    const c = connector({ bulkThreshold: 1_000 });
    const [ra, rb] = await Promise.all([c.syncMembership({ segmentId: 'a', targetId: '701A', add: a, remove: [] }), c.syncMembership({ segmentId: 'b', targetId: '701B', add: b, remove: [] })]);
    expect(scope.isDone()).toBe(true);
    expect(uploaded.split('\n').slice(0, 2)).toEqual(['CampaignId,ContactId,LeadId', `701A,${a[0]},`]);
    expect(uploaded).toContain(`701B,,${b[0]}`);
    expect(ra).toEqual({ added: a, removed: [], failed: [] });
    expect(rb?.added).toHaveLength(1_001);
    expect(rb?.failed).toEqual([{ contactId: b[1_001], code: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id' }]);
  });

  it('reads every campaign asked for at once with one members query and one existence query', async () => {
    const scope = sf()
      .get(`${V}/query`).query(soql((q) => q === "SELECT Id, CampaignId, ContactId, LeadId FROM CampaignMember WHERE CampaignId IN ('701A', '701E', '701D') ORDER BY CampaignId, Id"))
      .reply(200, page('CampaignMember', [{ Id: '00v1', CampaignId: '701A', ContactId: '003A', LeadId: null }, { Id: '00v3', CampaignId: '701A', ContactId: null, LeadId: '00QL' }]))
      .get(`${V}/query`).query(soql((q) => q === "SELECT Id FROM Campaign WHERE Id IN ('701E', '701D')"))
      // 701E is empty; 701D was deleted (a plain query no longer returns it).
      .reply(200, page('Campaign', [{ Id: '701E' }]));
    const c = connector();
    const [a, e, d] = await Promise.all(['701A', '701E', '701D'].map((id) => c.readMembership(id)));
    expect(a).toMatchObject({ members: ['003A', '00QL'], exists: true });
    expect(e).toMatchObject({ members: [], exists: true });
    expect(d).toMatchObject({ members: [], exists: false });
    expect([a, e, d].reduce((n, r) => n + (r?.calls ?? 0), 0)).toBe(2);
    expect(scope.isDone()).toBe(true);
  });
});
