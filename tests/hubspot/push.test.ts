import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordChange } from '../../connectors/port.ts';
import { api, connector } from './helpers.ts';

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const change = (id: string, values: Record<string, string | null>): RecordChange => ({ ref: { kind: 'contact', objectType: 'contacts', id }, values });

interface UpdateBody {
  inputs: Array<{ id: string; objectWriteTraceId: string; properties: Record<string, string> }>;
}

describe('push', () => {
  it('makes no call when there is nothing to write', async () => {
    const c = connector();
    expect(await c.push([])).toEqual({ written: [], failed: [] });
    expect(await c.syncMembership({ segmentId: 's', targetId: '1', add: [], remove: [] })).toEqual({ added: [], removed: [], failed: [] });
    expect(c.stats().total).toBe(0);
  });

  it('writes in batches of 100, whole multi-select values, "" to clear', async () => {
    const sizes: number[] = [];
    let first: UpdateBody | undefined;
    api()
      .post('/crm/v3/objects/contacts/batch/update', (b: UpdateBody) => (sizes.push(b.inputs.length), (first ??= b), true))
      .times(3)
      .reply(200, (_u: string) => ({ status: 'COMPLETE', results: [] }));
    const changes = Array.from({ length: 250 }, (_, i) => change(String(i + 1), { parcours_friction: 'late_payment;slow_response', parcours_stage_reason: null }));
    changes[0] = change('1', { parcours_friction: ';late_payment', parcours_stage_reason: null });
    const report = await connector().push(changes);
    expect(sizes).toEqual([100, 100, 50]);
    expect(first?.inputs[0]).toEqual({ id: '1', objectWriteTraceId: expect.any(String), properties: { parcours_friction: 'late_payment', parcours_stage_reason: '' } });
    expect(new Set(first?.inputs.map((i) => i.objectWriteTraceId)).size).toBe(100);
    expect(first?.inputs[1]?.properties.parcours_friction).toBe('late_payment;slow_response');
    expect(report.written).toHaveLength(250);
    expect(report.failed).toEqual([]);
  });

  it('reads a 207: listed ids fail with their category, the others are written', async () => {
    api()
      .post('/crm/v3/objects/contacts/batch/update')
      .reply(207, {
        status: 'COMPLETE',
        results: [{ id: '1', properties: {}, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-11-01T00:00:00Z', archived: false }],
        numErrors: 1,
        errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.', context: { ids: ['2'] }, errors: [], links: {} }],
        startedAt: '2026-11-01T00:00:00Z',
        completedAt: '2026-11-01T00:00:01Z',
      });
    const report = await connector().push([change('1', { parcours_stage: 'active' }), change('2', { parcours_stage: 'active' })]);
    expect(report.written.map((r) => r.id)).toEqual(['1']);
    expect(report.failed).toEqual([{ ref: { kind: 'contact', objectType: 'contacts', id: '2' }, code: 'OBJECT_NOT_FOUND', message: expect.stringContaining('Could not get some CONTACT objects'), retryable: false }]);
  });

  // https://developers.hubspot.com/docs/api-reference/error-handling "Multi-status errors": with a unique
  // objectWriteTraceId per input, a failed input comes back in a 207 under context.objectWriteTraceId.
  it('maps 207 errors back to records by objectWriteTraceId: one bad record costs one failure and one call', async () => {
    let sent: UpdateBody | undefined;
    api()
      .post('/crm/v3/objects/contacts/batch/update', (b: UpdateBody) => ((sent = b), true))
      .reply(207, (_u: string) => {
        const trace = (id: string) => sent!.inputs.find((i) => i.id === id)!.objectWriteTraceId;
        return {
          status: 'COMPLETE',
          results: ['1', '2', '4'].map((id) => ({ id, properties: { hs_object_id: id }, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-11-01T00:00:00Z', archived: false })),
          numErrors: 1,
          errors: [
            {
              status: 'error',
              category: 'VALIDATION_ERROR',
              message: 'Property values were not valid: [{"isValid":false,"message":"bogus was not one of the allowed options","error":"INVALID_OPTION","name":"parcours_stage"}]',
              context: { objectWriteTraceId: [trace('3')] },
            },
          ],
          startedAt: '2026-11-01T00:00:00Z',
          completedAt: '2026-11-01T00:00:01Z',
        };
      });
    const c = connector();
    const report = await c.push(['1', '2', '3', '4'].map((id) => change(id, { parcours_stage: id === '3' ? 'bogus' : 'active' })));
    expect(sent?.inputs.map((i) => i.objectWriteTraceId)).toEqual([...new Set(sent?.inputs.map((i) => i.objectWriteTraceId))]);
    expect(sent?.inputs.every((i) => i.objectWriteTraceId.length > 0)).toBe(true);
    expect(report.written.map((r) => r.id)).toEqual(['1', '2', '4']);
    expect(report.failed).toEqual([{ ref: { kind: 'contact', objectType: 'contacts', id: '3' }, code: 'VALIDATION_ERROR', message: expect.stringContaining('INVALID_OPTION'), retryable: false }]);
    expect(c.stats().byEndpoint['objects.contacts.batch.update']).toBe(1);
    expect(nock.isDone()).toBe(true);
  });

  it('fallback: a 400 that still fails the whole batch is split in halves until the bad record stands alone', async () => {
    const invalid = {
      status: 'error',
      message: 'Property values were not valid: [{"isValid":false,"message":"bogus was not one of the allowed options: [label: \\"Active\\"\\nvalue: \\"active\\"\\n]","error":"INVALID_OPTION","name":"parcours_stage"}]',
      correlationId: 'a43683b0-5717-4ceb-80b4-104d02915d8c',
      category: 'VALIDATION_ERROR',
    };
    const calls: string[][] = [];
    api()
      .post('/crm/v3/objects/contacts/batch/update', (b: UpdateBody) => (typeof b === 'object' && calls.push(b.inputs.map((i) => i.id)), true))
      .times(10)
      .reply(() => {
        const ids = calls.at(-1) ?? [];
        return ids.includes('3') ? [400, invalid] : [200, { status: 'COMPLETE', results: [] }];
      });
    const c = connector();
    const report = await c.push(['1', '2', '3', '4'].map((id) => change(id, { parcours_stage: id === '3' ? 'bogus' : 'active' })));
    expect(report.written.map((r) => r.id).sort()).toEqual(['1', '2', '4']);
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]).toMatchObject({ ref: { id: '3' }, code: 'VALIDATION_ERROR', retryable: false });
    expect(report.failed[0]?.message).toContain('not one of the allowed options');
    // [1,2,3,4] → 400 → [1,2] ok, [3,4] → 400 → [3] 400, [4] ok: no retry of the 400 itself.
    expect(calls).toEqual([['1', '2', '3', '4'], ['1', '2'], ['3', '4'], ['3'], ['4']]);
    expect(nock.pendingMocks()).toHaveLength(1); // the .times(10) interceptor still has unused repeats
  });

  it('reports records retryable when HubSpot stays unavailable after the retries', async () => {
    api().post('/crm/v3/objects/contacts/batch/update').times(4).reply(503, { status: 'error', message: 'Service Unavailable', category: 'SERVICE_UNAVAILABLE' });
    const c = connector({ retry: { retries: 3, minTimeoutMs: 1 } });
    const report = await c.push([change('1', { parcours_stage: 'active' })]);
    expect(report.written).toEqual([]);
    expect(report.failed).toEqual([{ ref: { kind: 'contact', objectType: 'contacts', id: '1' }, code: 'CRM_UNAVAILABLE', message: expect.any(String), retryable: true }]);
    expect(c.stats().byEndpoint['objects.contacts.batch.update']).toBe(4);
    expect(nock.isDone()).toBe(true);
  });

  it('reads current owned values in batches of 100 (missing ids absent, cleared values null)', async () => {
    api()
      .post('/crm/v3/objects/deals/batch/read', { properties: ['parcours_friction'], propertiesWithHistory: [], inputs: [{ id: '5' }, { id: '6' }] })
      .reply(207, { status: 'COMPLETE', results: [{ id: '5', properties: { parcours_friction: 'stalled', hs_object_id: '5' } }], errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'gone', context: { ids: ['6'] } }] });
    const map = await connector().readCurrent([{ kind: 'deal', objectType: 'deals', id: '5' }, { kind: 'deal', objectType: 'deals', id: '6' }], ['parcours_friction']);
    expect([...map]).toEqual([['5', { parcours_friction: 'stalled' }]]);
  });
});
