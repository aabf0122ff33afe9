/**
 * HubSpot tasks v3 through the real SDK transport, with documented bodies at the HTTP boundary:
 * batch create with associations on create (touchpoints.md §5; tasks guide
 * https://developers.hubspot.com/docs/api-reference/latest/crm/activities/tasks/guide), 207 multi-status by
 * `objectWriteTraceId` (https://developers.hubspot.com/docs/api-reference/error-handling), batch read /
 * update / archive (hubspot.md §3.2, §4), owners (owners guide) and property history (hubspot.md §13).
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskCreate } from '../../connectors/port.ts';
import { api, connector } from './helpers.ts';

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const DUE = Date.UTC(2026, 11, 2, 9, 0, 0);



function task(key: string, on: TaskCreate['on'], contactId: string | null, overrides: Partial<TaskCreate['fields']> = {}): TaskCreate {
  return { key, on, contactId, fields: { subject: `Follow up: ${key}`, body: 'Stalled since 2026-10-01', status: 'open', priority: 'high', dueAt: DUE, ownerId: '41629779', ...overrides } };
}

type CreateInput = { properties: Record<string, string>; associations: Array<{ to: { id: string }; types: Array<{ associationCategory: string; associationTypeId: number }> }>; objectWriteTraceId: string };

/** A created task as batch create returns it (SDK SimplePublicObject, with the input's objectWriteTraceId echoed). */
function created(id: string, input: CreateInput) {
  return { id, properties: { ...input.properties, hs_object_id: id, hs_createdate: '2026-11-30T10:00:00.000Z' }, createdAt: '2026-11-30T10:00:00.000Z', updatedAt: '2026-11-30T10:00:00.000Z', archived: false, objectWriteTraceId: input.objectWriteTraceId };
}

describe('HubSpot tasks: create', () => {
  it('creates tasks in batches of 100 with their associations on create and ties ids back by trace id', async () => {
    const bodies: Array<{ inputs: CreateInput[] }> = [];
    let next = 9000;
    api()
      .post('/crm/v3/objects/tasks/batch/create', (b: { inputs: CreateInput[] }) => (bodies.push(b), true))
      .times(2)
      // Results in an order of HubSpot's choosing: reversed here, so only the trace ids can pair them up.
      .reply(201, (_u: string) => ({ status: 'COMPLETE', results: bodies[bodies.length - 1]!.inputs.map((i) => created(String(next++), i)).reverse(), startedAt: '2026-11-30T10:00:00.000Z', completedAt: '2026-11-30T10:00:00.100Z' }));
    const tasks = [
      task('stalled_deal:deal:501', { kind: 'deal', objectType: 'deals', id: '501' }, '101'),
      task('unresolved_ticket:ticket:701', { kind: 'ticket', objectType: 'tickets', id: '701' }, '102', { priority: 'medium' }),
      task('detractor:contact:103', { kind: 'contact', objectType: 'contacts', id: '103' }, '103', { priority: 'low' }),
      ...Array.from({ length: 100 }, (_, i) => task(`stalled_deal:deal:${600 + i}`, { kind: 'deal', objectType: 'deals', id: String(600 + i) }, null)),
    ];
    const result = await connector().tasks!.create(tasks);
    expect(bodies.map((b) => b.inputs.length)).toEqual([100, 3]);
    const first = bodies[0]!.inputs[0]!;
    expect(first.properties).toEqual({
      hs_task_subject: 'Follow up: stalled_deal:deal:501',
      hs_task_body: 'Stalled since 2026-10-01',
      hs_task_status: 'NOT_STARTED',
      hs_task_priority: 'HIGH',
      hs_timestamp: '2026-12-02T09:00:00.000Z',
      hubspot_owner_id: '41629779',
      hs_task_type: 'TODO',
    });
    // Task → deal 216 and task → contact 204, HUBSPOT_DEFINED.
    expect(first.associations).toEqual([
      { to: { id: '501' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 216 }] },
      { to: { id: '101' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 204 }] },
    ]);
    expect(bodies[0]!.inputs[1]!.associations.map((a) => a.types[0]!.associationTypeId)).toEqual([230, 204]);
    // A task on a contact is associated once.
    expect(bodies[0]!.inputs[2]!.associations).toEqual([{ to: { id: '103' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 204 }] }]);
    expect(new Set(bodies.flatMap((b) => b.inputs.map((i) => i.objectWriteTraceId))).size).toBe(103);
    expect(result.failed).toEqual([]);
    // Each key gets the id HubSpot gave its own input.
    const sent = new Map(bodies.flatMap((b) => b.inputs.map((i) => [i.objectWriteTraceId, i.properties.hs_task_subject] as const)));
    expect(result.created).toHaveLength(103);
    expect(new Set(result.created.map((c) => c.id)).size).toBe(103);
    const byKey = new Map(result.created.map((c) => [c.key, c.id]));
    expect(byKey.get('stalled_deal:deal:501')).toBe('9000');
    expect(byKey.get('detractor:contact:103')).toBe('9002');
    expect(sent.size).toBe(103);
    expect(nock.isDone()).toBe(true);
  });

  it('a 207 names the failed input by trace id: the others are created, the failure carries its category', async () => {
    let sent: { inputs: CreateInput[] } | undefined;
    api()
      .post('/crm/v3/objects/tasks/batch/create', (b: { inputs: CreateInput[] }) => ((sent = b), true))
      .reply(207, (_u: string) => {
        const [ok, bad] = sent!.inputs as [CreateInput, CreateInput];
        return {
          status: 'COMPLETE',
          results: [created('9100', ok)],
          numErrors: 1,
          errors: [{ status: 'error', category: 'VALIDATION_ERROR', message: 'Property values were not valid: [{"isValid":false,"message":"999 was not one of the allowed options","error":"INVALID_OPTION","name":"hubspot_owner_id"}]', context: { objectWriteTraceId: [bad.objectWriteTraceId] } }],
          startedAt: '2026-11-30T10:00:00.000Z',
          completedAt: '2026-11-30T10:00:00.100Z',
        };
      });
    const result = await connector().tasks!.create([
      task('a:deal:1', { kind: 'deal', objectType: 'deals', id: '1' }, null),
      task('b:deal:2', { kind: 'deal', objectType: 'deals', id: '2' }, null, { ownerId: '999' }),
    ]);
    expect(result.created).toEqual([{ key: 'a:deal:1', id: '9100' }]);
    expect(result.failed).toEqual([{ id: 'b:deal:2', code: 'VALIDATION_ERROR', message: expect.stringContaining('hubspot_owner_id'), retryable: false }]);
  });

  it('a 400 for the whole batch (trace ids ignored) is split until the bad task stands alone', async () => {
    const sizes: number[] = [];
    let last: CreateInput[] = [];
    api()
      .post('/crm/v3/objects/tasks/batch/create', (b: { inputs: CreateInput[] }) => (sizes.push(b.inputs.length), (last = b.inputs), true))
      .times(5)
      .reply((_u: string) => {
        const inputs = last;
        if (inputs.some((i) => i.properties.hubspot_owner_id === '999')) {
          return [400, { status: 'error', message: 'Property values were not valid', correlationId: 'c0ffee00-0000-4000-8000-000000000000', category: 'VALIDATION_ERROR', errors: [{ message: '999 was not one of the allowed options', code: 'INVALID_OPTION', context: { propertyName: ['hubspot_owner_id'] } }] }];
        }
        return [201, { status: 'COMPLETE', results: inputs.map((i, n) => created(String(9200 + sizes.length * 10 + n), i)), startedAt: '2026-11-30T10:00:00.000Z', completedAt: '2026-11-30T10:00:00.100Z' }];
      });
    const result = await connector().tasks!.create([
      task('a:deal:1', { kind: 'deal', objectType: 'deals', id: '1' }, null),
      task('b:deal:2', { kind: 'deal', objectType: 'deals', id: '2' }, null, { ownerId: '999' }),
      task('c:deal:3', { kind: 'deal', objectType: 'deals', id: '3' }, null),
    ]);
    expect(sizes).toEqual([3, 2, 1, 1, 1]);
    expect(result.created.map((c) => c.key).sort()).toEqual(['a:deal:1', 'c:deal:3']);
    expect(result.failed).toEqual([{ id: 'b:deal:2', code: 'VALIDATION_ERROR', message: expect.stringContaining('not valid'), retryable: false }]);
  });
});

describe('HubSpot tasks: read, update, remove', () => {
  it('reads current fields in batches; an archived or deleted task is missing from the map', async () => {
    let asked: unknown;
    api()
      .post('/crm/v3/objects/tasks/batch/read', (b) => {
        asked = b;
        return true;
      })
      .reply(207, {
        status: 'COMPLETE',
        results: [{ id: '9000', properties: { hs_object_id: '9000', hs_task_subject: 'Follow up', hs_task_body: '<p>Call back</p>', hs_task_status: 'WAITING', hs_task_priority: 'MEDIUM', hs_timestamp: '2026-12-02T09:00:00Z', hubspot_owner_id: '41629779' }, createdAt: '2026-11-30T10:00:00Z', updatedAt: '2026-11-30T11:00:00Z', archived: false }],
        numErrors: 1,
        errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some TASK objects, they may be deleted or not exist. Check that ids are valid.', context: { ids: ['9001'] }, errors: [], links: {} }],
        startedAt: '2026-11-30T10:00:00Z',
        completedAt: '2026-11-30T10:00:00Z',
      });
    const read = await connector().tasks!.read(['9000', '9001']);
    expect(asked).toEqual({ properties: ['hs_task_subject', 'hs_task_body', 'hs_task_status', 'hs_task_priority', 'hs_timestamp', 'hubspot_owner_id'], propertiesWithHistory: [], inputs: [{ id: '9000' }, { id: '9001' }] });
    expect([...read.keys()]).toEqual(['9000']);
    // WAITING is not done: still open.
    expect(read.get('9000')).toEqual({ subject: 'Follow up', body: '<p>Call back</p>', status: 'open', priority: 'medium', dueAt: Date.UTC(2026, 11, 2, 9), ownerId: '41629779' });
  });

  it('closes tasks by batch update with trace ids; a task gone since is a non-retryable failure', async () => {
    let sent: { inputs: Array<{ id: string; objectWriteTraceId: string; properties: Record<string, string> }> } | undefined;
    api()
      .post('/crm/v3/objects/tasks/batch/update', (b: NonNullable<typeof sent>) => ((sent = b), true))
      .reply(207, (_u: string) => {
        const inputs = sent!.inputs;
        return {
          status: 'COMPLETE',
          results: [{ id: inputs[0]!.id, properties: inputs[0]!.properties, createdAt: '2026-11-30T10:00:00Z', updatedAt: '2026-11-30T12:00:00Z', archived: false }],
          numErrors: 1,
          errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some TASK objects, they may be deleted or not exist. Check that ids are valid.', context: { ids: ['9001'] }, errors: [], links: {} }],
          startedAt: '2026-11-30T12:00:00Z',
          completedAt: '2026-11-30T12:00:00Z',
        };
      });
    const r = await connector().tasks!.update([{ id: '9000', fields: { status: 'completed' } }, { id: '9001', fields: { status: 'completed' } }]);
    expect(sent?.inputs.map((i) => [i.id, i.properties])).toEqual([['9000', { hs_task_status: 'COMPLETED' }], ['9001', { hs_task_status: 'COMPLETED' }]]);
    expect(sent?.inputs.every((i) => i.objectWriteTraceId.endsWith(i.id))).toBe(true);
    expect(r.written).toEqual(['9000']);
    expect(r.failed).toEqual([{ id: '9001', code: 'OBJECT_NOT_FOUND', message: expect.stringContaining('TASK'), retryable: false }]);
  });

  it('removes by batch archive, 100 per call, 204 No Content', async () => {
    const sizes: number[] = [];
    api()
      .post('/crm/v3/objects/tasks/batch/archive', (b) => {
        sizes.push((b as { inputs: unknown[] }).inputs.length);
        return true;
      })
      .times(2)
      .reply(204);
    const ids = Array.from({ length: 150 }, (_, i) => String(9000 + i));
    const r = await connector().tasks!.remove(ids);
    expect(sizes).toEqual([100, 50]);
    expect(r).toEqual({ removed: ids, failed: [] });
  });
});

describe('HubSpot owners and property history', () => {
  it('lists active owners then deactivated ones, page by page, people only', async () => {
    const owner = (id: string, archived: boolean, extra: Record<string, unknown> = {}) => ({ id, email: `${id}@example.com`, type: 'PERSON', firstName: 'Rep', lastName: id, userId: 1, userIdIncludingInactive: 1, createdAt: '2019-12-25T13:01:35.228Z', updatedAt: '2023-08-22T13:40:26.790Z', archived, teams: [], ...extra });
    api()
      .get('/crm/v3/owners').query({ limit: '100', archived: 'false' }).reply(200, { results: [owner('1', false)], paging: { next: { after: 'MQ%3D%3D', link: 'https://api.hubapi.com/crm/v3/owners?after=MQ%3D%3D' } } })
      .get('/crm/v3/owners').query({ limit: '100', archived: 'false', after: 'MQ%3D%3D' }).reply(200, { results: [owner('2', false), owner('3', false, { type: 'QUEUE', firstName: null, lastName: null })] })
      .get('/crm/v3/owners').query({ limit: '100', archived: 'true' }).reply(200, { results: [owner('4', true)] });
    const c = connector();
    const owners = await c.tasks!.owners();
    expect(owners).toEqual([
      { id: '1', email: '1@example.com', name: 'Rep 1', active: true },
      { id: '2', email: '2@example.com', name: 'Rep 2', active: true },
      { id: '4', email: '4@example.com', name: 'Rep 4', active: false },
    ]);
    expect(c.stats().byEndpoint['owners.list']).toBe(3);
    expect(nock.isDone()).toBe(true);
  });

  it('reads a contact property history with propertiesWithHistory, oldest first', async () => {
    api()
      .get('/crm/v3/objects/contacts/101')
      .query({ properties: 'parcours_stage', propertiesWithHistory: 'parcours_stage' })
      .reply(200, {
        id: '101',
        properties: { hs_object_id: '101', parcours_stage: 'retention', createdate: '2025-01-01T00:00:00Z', lastmodifieddate: '2026-11-01T00:00:00Z' },
        propertiesWithHistory: {
          parcours_stage: [
            { value: 'retention', timestamp: '2026-11-01T00:00:00.000Z', sourceType: 'INTEGRATION', sourceId: '1234', updatedByUserId: 0 },
            { value: 'onboarding', timestamp: '2026-06-01T00:00:00.000Z', sourceType: 'INTEGRATION', sourceId: '1234' },
            { value: '', timestamp: '2026-01-01T00:00:00.000Z', sourceType: 'CRM_UI' },
          ],
        },
        createdAt: '2025-01-01T00:00:00Z',
        updatedAt: '2026-11-01T00:00:00Z',
        archived: false,
      });
    const history = await connector().fieldHistory!({ kind: 'contact', objectType: 'contacts', id: '101' }, 'parcours_stage');
    expect(history).toEqual([
      { value: null, at: Date.UTC(2026, 0, 1), source: 'CRM_UI' },
      { value: 'onboarding', at: Date.UTC(2026, 5, 1), source: 'INTEGRATION' },
      { value: 'retention', at: Date.UTC(2026, 10, 1), source: 'INTEGRATION' },
    ]);
  });

  it('doctor: an app without crm.objects.owners.read fails the owners check with the fix', async () => {
    api()
      .get('/crm/v3/objects/contacts').query(true).reply(200, { results: [] })
      // Body as captured in https://github.com/HubSpot/hubspot-api-nodejs/issues/268.
      .get('/crm/v3/owners').query(true).reply(403, { status: 'error', message: "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.", correlationId: 'c0ffee00-0000-4000-8000-000000000001', errors: [{ message: 'One or more of the following scopes are required.', context: { requiredScopes: ['crm.objects.owners.read'] } }], links: { scopes: 'https://developers.hubspot.com/scopes' }, category: 'MISSING_SCOPES' });
    const checks = await connector().doctor({ group: { name: 'parcours', label: 'Parcours' }, fields: [], segments: [] });
    expect(checks.find((c) => c.id === 'hubspot.owners')).toMatchObject({ ok: false, fix: expect.stringContaining('crm.objects.owners.read') });
  });
});
