import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JourneyFieldSpec } from '../../connectors/port.ts';
import { api, connector } from './helpers.ts';

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const stageOptions = [
  { value: 'onboarding', label: 'Onboarding' },
  { value: 'active', label: 'Active' },
];

const spec: JourneyFieldSpec = {
  group: { name: 'parcours', label: 'Parcours' },
  fields: [
    { kind: 'contact', field: 'stage', name: 'parcours_stage', label: 'Journey stage', type: 'enumeration', options: stageOptions },
    { kind: 'contact', field: 'friction', name: 'parcours_friction', label: 'Friction', type: 'multi', options: [{ value: 'slow_response', label: 'Slow response' }] },
    { kind: 'contact', field: 'stageEnteredAt', name: 'parcours_stage_entered_at', label: 'Stage entered', type: 'datetime' },
  ],
  segments: [{ id: 'at_risk', name: 'At risk' }],
};

const existingProperty = (name: string, type: string, fieldType: string, options: Array<{ value: string; label: string }> = []) => ({
  name,
  label: name,
  type,
  fieldType,
  groupName: 'parcours',
  options: options.map((o, i) => ({ ...o, hidden: false, displayOrder: i })),
  hidden: false,
  modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
});

describe('ensureSchema', () => {
  it('creates the group, the properties with the right HubSpot types, and a MANUAL list per segment', async () => {
    const created: Array<Record<string, unknown>> = [];
    let listBody: unknown;
    api()
      .get('/crm/v3/properties/contacts')
      .reply(200, { results: [existingProperty('email', 'string', 'text')] })
      .post('/crm/v3/properties/contacts/groups', { name: 'parcours', label: 'Parcours', displayOrder: -1 })
      .reply(201, { name: 'parcours', label: 'Parcours', displayOrder: -1, archived: false })
      .post('/crm/v3/properties/contacts', (b) => (typeof b === 'object' && created.push(b), true))
      .times(3)
      .reply(201, () => ({ ...created.at(-1), options: [] })) // nock 15: a 2-argument reply function is callback-style
      .get('/crm/v3/lists/object-type-id/0-1/name/Parcours%3A%20At%20risk')
      .reply(404, { status: 'error', message: 'List does not exist with name Parcours: At risk', category: 'OBJECT_NOT_FOUND' })
      .post('/crm/v3/lists', (b) => ((listBody = b), true))
      .reply(200, { list: { listId: '123', name: 'Parcours: At risk', processingType: 'MANUAL', objectTypeId: '0-1', listVersion: 1, size: 0 } });

    const report = await connector().ensureSchema(spec);
    expect(created.map((b) => [b.name, b.type, b.fieldType, b.groupName])).toEqual([
      ['parcours_stage', 'enumeration', 'select', 'parcours'],
      ['parcours_friction', 'enumeration', 'checkbox', 'parcours'],
      ['parcours_stage_entered_at', 'datetime', 'date', 'parcours'],
    ]);
    expect(created[0]?.options).toEqual([
      { label: 'Onboarding', value: 'onboarding', hidden: false, displayOrder: 0 },
      { label: 'Active', value: 'active', hidden: false, displayOrder: 1 },
    ]);
    expect(listBody).toEqual({ name: 'Parcours: At risk', objectTypeId: '0-1', processingType: 'MANUAL' });
    expect(report.created).toEqual(['contacts.group:parcours', 'contacts.parcours_stage', 'contacts.parcours_friction', 'contacts.parcours_stage_entered_at', 'list:Parcours: At risk']);
    expect(report.segmentTargets).toEqual({ at_risk: '123' });
    expect(nock.isDone()).toBe(true);
  });

  it('treats 409 on create as "exists": reads the property and PATCHes only the missing options, keeping the others', async () => {
    let patch: { options: Array<{ value: string }> } | undefined;
    api()
      .get('/crm/v3/properties/contacts')
      .reply(200, { results: [existingProperty('parcours_friction', 'enumeration', 'checkbox', [{ value: 'slow_response', label: 'Slow response' }]), existingProperty('parcours_stage_entered_at', 'datetime', 'date')] })
      .post('/crm/v3/properties/contacts/groups')
      .reply(409, { status: 'error', message: 'A property group named parcours already exists.', category: 'CONFLICT' })
      .post('/crm/v3/properties/contacts')
      .reply(409, { status: 'error', message: 'Property named parcours_stage already exists.', correlationId: 'c9', category: 'OBJECT_ALREADY_EXISTS' })
      .get('/crm/v3/properties/contacts/parcours_stage')
      .reply(200, existingProperty('parcours_stage', 'enumeration', 'select', [{ value: 'onboarding', label: 'Onboarding' }, { value: 'legacy_admin_value', label: 'Kept' }]))
      .patch('/crm/v3/properties/contacts/parcours_stage', (b) => ((patch = b), true))
      .reply(200, existingProperty('parcours_stage', 'enumeration', 'select', []))
      .get('/crm/v3/lists/object-type-id/0-1/name/Parcours%3A%20At%20risk')
      .reply(200, { list: { listId: '123', name: 'Parcours: At risk', processingType: 'MANUAL', objectTypeId: '0-1' } });

    const report = await connector().ensureSchema(spec);
    expect(patch?.options.map((o) => o.value)).toEqual(['onboarding', 'legacy_admin_value', 'active']);
    expect(report.updated).toEqual(['contacts.parcours_stage']);
    expect(report.unchanged).toEqual(['contacts.group:parcours', 'contacts.parcours_friction', 'contacts.parcours_stage_entered_at', 'list:Parcours: At risk']);
    expect(report.created).toEqual([]);
    expect(nock.isDone()).toBe(true);
  });

  it('is read-only when everything already matches, and never touches other properties', async () => {
    const c = connector();
    api()
      .get('/crm/v3/properties/contacts')
      .reply(200, {
        results: [
          existingProperty('parcours_stage', 'enumeration', 'select', stageOptions),
          existingProperty('parcours_friction', 'enumeration', 'checkbox', [{ value: 'slow_response', label: 'Slow response' }]),
          existingProperty('parcours_stage_entered_at', 'datetime', 'date'),
          existingProperty('parcours_legacy_field', 'enumeration', 'select', []), // not in the spec: left alone
        ],
      })
      .get('/crm/v3/lists/object-type-id/0-1/name/Parcours%3A%20At%20risk')
      .reply(200, { list: { listId: '123', name: 'Parcours: At risk', processingType: 'MANUAL', objectTypeId: '0-1' } });
    const report = await c.ensureSchema(spec);
    expect(report.created).toEqual([]);
    expect(report.updated).toEqual([]);
    expect(c.stats().total).toBe(2);
    expect(nock.isDone()).toBe(true);
  });
});

describe('syncMembership', () => {
  it('adds and removes raw id arrays in chunks of 1,000, reading `recordsIdsAdded` and missing ids', async () => {
    const addSizes: number[] = [];
    const ids = Array.from({ length: 2_500 }, (_, i) => String(i + 1));
    api()
      .put('/crm/v3/lists/123/memberships/add', (b) => (Array.isArray(b) && addSizes.push(b.length), Array.isArray(b)))
      .times(3)
      .reply(200, () => ({ recordsIdsAdded: [], recordIdsRemoved: [], recordIdsMissing: addSizes.length === 1 ? ['7'] : [] }))
      .put('/crm/v3/lists/123/memberships/remove', ['9001', '9002'])
      .reply(200, { recordsIdsAdded: [], recordIdsRemoved: ['9001'], recordIdsMissing: [] });
    const report = await connector().syncMembership({ segmentId: 'at_risk', targetId: '123', add: [...ids, '1'], remove: ['9001', '9002'] });
    expect(addSizes).toEqual([1000, 1000, 500]);
    expect(report.added).toHaveLength(2_499);
    expect(report.failed).toEqual([{ contactId: '7', code: 'RECORD_MISSING', message: expect.any(String) }]);
    expect(report.removed).toEqual(['9001', '9002']);
    expect(nock.isDone()).toBe(true);
  });
});

describe('readMembership', () => {
  it('pages GET …/memberships 250 at a time until paging.next is absent; a 404 means the list was deleted', async () => {
    api()
      .get('/crm/v3/lists/123/memberships').query({ limit: '250' })
      .reply(200, { results: [{ recordId: '1', membershipTimestamp: '2026-11-01T00:00:00Z' }, { recordId: 2 }], total: 3, paging: { next: { after: '2' } } })
      .get('/crm/v3/lists/123/memberships').query({ limit: '250', after: '2' })
      .reply(200, { results: [{ recordId: '5' }], total: 3 })
      .get('/crm/v3/lists/999/memberships').query({ limit: '250' })
      .reply(404, { status: 'error', message: 'List 999 does not exist.', category: 'OBJECT_NOT_FOUND' });
    const c = connector();
    expect(await c.readMembership('123')).toEqual({ members: ['1', '2', '5'], exists: true, calls: 2, pageSize: 250 });
    expect(await c.readMembership('999')).toEqual({ members: [], exists: false, calls: 1, pageSize: 250 });
    expect(c.stats().byEndpoint['lists.memberships.read']).toBe(3);
    expect(nock.isDone()).toBe(true);
  });
});
