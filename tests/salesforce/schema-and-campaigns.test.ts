import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyFieldSpec } from '../../connectors/port.ts';
import { V, connector, page, sf, soql } from './fixtures.ts';

beforeAll(() => nock.disableNetConnect());
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
  valueSet: { restricted: true, valueSetDefinition: { sorted: false, value: [{ fullName: 'Trial', label: 'Trial', default: false }] } },
};

describe('ensureSchema', () => {
  it('adds missing picklist values to an existing field, grants FLS through the Parcours permission set, and finds or creates campaigns', async () => {
    let patched: { Metadata: typeof existingMetadata } | null = null;
    const scope = sf()
      // Tooling: the field already exists.
      .post(`${V}/tooling/sobjects/CustomField`, (b) => b.FullName === 'Opportunity.Parcours_Stage__c' && b.Metadata.type === 'Picklist')
      .reply(400, [{ message: 'There is already a field named Parcours_Stage on Opportunity.', errorCode: 'DUPLICATE_DEVELOPER_NAME', fields: [] }])
      .get(`${V}/tooling/query`).query(soql((q) => q === "SELECT Id, DeveloperName, Metadata FROM CustomField WHERE TableEnumOrId = 'Opportunity' AND DeveloperName = 'Parcours_Stage'"))
      .reply(200, { size: 1, totalSize: 1, done: true, records: [{ attributes: { type: 'CustomField' }, Id: '00N1', DeveloperName: 'Parcours_Stage', Metadata: existingMetadata }] })
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
    // Existing values kept, the missing one appended.
    expect(patched!.Metadata.valueSet.valueSetDefinition.value.map((v) => v.fullName)).toEqual(['Trial', 'Won']);
    expect(patched!.Metadata.label).toBe('Journey stage');
    expect(report).toEqual({
      created: ['FieldPermissions.Opportunity.Parcours_Stage__c', 'Campaign.Parcours: Champions'],
      updated: ['Opportunity.Parcours_Stage__c'],
      unchanged: ['PermissionSet.Parcours', 'PermissionSetAssignment.Parcours', 'Campaign.Parcours: At risk'],
      segmentTargets: { 'at-risk': '701A', champions: '701B' },
    });
  });

  it('leaves an existing field alone when it already has every value', async () => {
    sf()
      .post(`${V}/tooling/sobjects/CustomField`).reply(400, [{ message: 'There is already a field named Parcours_Stage on Opportunity.', errorCode: 'DUPLICATE_DEVELOPER_NAME', fields: [] }])
      .get(`${V}/tooling/query`).query(true)
      .reply(200, { size: 1, totalSize: 1, done: true, records: [{ Id: '00N1', Metadata: { ...existingMetadata, valueSet: { restricted: true, valueSetDefinition: { value: [{ fullName: 'Trial' }, { fullName: 'Won' }] } } } }] })
      .get(`${V}/query`).query(soql((q) => q.includes('FROM PermissionSet WHERE'))).reply(200, page('PermissionSet', [{ Id: '0PS1' }]))
      .get(`${V}/query`).query(soql((q) => q.includes('FROM FieldPermissions'))).reply(200, page('FieldPermissions', [{ Id: '01k1', Field: 'Opportunity.Parcours_Stage__c', PermissionsRead: true, PermissionsEdit: true }]))
      .get('/services/oauth2/userinfo').reply(200, { user_id: '005U' })
      .get(`${V}/query`).query(soql((q) => q.includes('FROM PermissionSetAssignment'))).reply(200, page('PermissionSetAssignment', [{ Id: '0Pa1' }]));
    const report = await connector().ensureSchema({ ...spec, segments: [] });
    expect(report.updated).toEqual([]);
    expect(report.created).toEqual([]);
    expect(report.unchanged).toContain('Opportunity.Parcours_Stage__c');
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
