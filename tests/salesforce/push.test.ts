import nock from 'nock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RecordChange } from '../../connectors/port.ts';
import { V, connector, sf, compositeEndpoint, type CompositeLog } from './fixtures.ts';

beforeAll(() => nock.disableNetConnect());
// Concurrent reads and writes travel packed in `POST /composite`; its subrequests are served by the interceptors below.
let composites: CompositeLog = [];
beforeEach(() => {
  composites = compositeEndpoint();
});
afterEach(() => {
  nock.cleanAll();
});

const change = (id: string, values: Record<string, string | null>, objectType = 'Contact'): RecordChange => ({ ref: { kind: objectType === 'Opportunity' ? 'deal' : 'contact', objectType, id }, values });

describe('push through sObject Collections', () => {
  it('makes no call when nothing is to be written', async () => {
    const c = connector();
    expect(await c.push([])).toEqual({ written: [], failed: [] });
    expect(await c.push([change('003A', {})])).toEqual({ written: [{ kind: 'contact', objectType: 'Contact', id: '003A' }], failed: [] });
    expect(c.stats().total).toBe(0);
  });

  it('reports mixed per-record results, retries UNABLE_TO_LOCK_ROW only, reads statusCode or errorCode', async () => {
    const sent: unknown[] = [];
    const scope = sf()
      .patch(`${V}/composite/sobjects`, (body) => {
        sent.push(body);
        return body.allOrNone === false && body.records.length === 4;
      })
      .reply(200, [
        { id: '003A', success: true, errors: [] },
        { success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record', fields: [] }] },
        { success: false, errors: [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Stage cannot go back', fields: [] }] },
        { success: false, errors: [{ errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: 'bad value for restricted picklist field: Nope', fields: ['Parcours_Stage__c'] }] },
      ])
      .patch(`${V}/composite/sobjects`, (body) => body.records.length === 1 && body.records[0].id === '003B')
      .reply(200, [{ id: '003B', success: true, errors: [] }]);

    const report = await connector().push([
      change('003A', { Parcours_Stage__c: 'Onboarding', Parcours_Friction__c: '' }),
      change('003B', { Parcours_Stage__c: 'Active' }),
      change('003C', { Parcours_Stage__c: 'Lead' }),
      change('003D', { Parcours_Stage__c: 'Nope' }),
    ]);
    expect(scope.isDone()).toBe(true);
    // '' clears the field: sent as JSON null.
    expect((sent[0] as { records: unknown[] }).records[0]).toEqual({ attributes: { type: 'Contact' }, id: '003A', Parcours_Stage__c: 'Onboarding', Parcours_Friction__c: null });
    expect(report.written.map((r) => r.id).sort()).toEqual(['003A', '003B']);
    expect(report.failed).toEqual([
      { ref: { kind: 'contact', objectType: 'Contact', id: '003C' }, code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Stage cannot go back', retryable: false },
      { ref: { kind: 'contact', objectType: 'Contact', id: '003D' }, code: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: 'bad value for restricted picklist field: Nope', retryable: false },
    ]);
  });

  it('gives up on a record still locked after the retry rounds and says it is retryable', async () => {
    const locked = [{ success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record', fields: [] }] }];
    const scope = sf().patch(`${V}/composite/sobjects`).times(3).reply(200, locked);
    const report = await connector().push([change('006A', { Parcours_Stage__c: 'Won' }, 'Opportunity')]);
    expect(scope.isDone()).toBe(true);
    expect(report.written).toEqual([]);
    expect(report.failed).toMatchObject([{ code: 'UNABLE_TO_LOCK_ROW', retryable: true }]);
  });

  it('splits into 200-record calls', async () => {
    const sizes: number[] = [];
    let lastIds: string[] = [];
    sf()
      .patch(`${V}/composite/sobjects`, (body: { records: Array<{ id: string }> }) => {
        sizes.push(body.records.length);
        lastIds = body.records.map((r) => r.id);
        return true;
      })
      .times(2)
      .reply(200, () => lastIds.map((id) => ({ id, success: true, errors: [] })));
    const report = await connector().push(Array.from({ length: 250 }, (_, i) => change(`003${i}`, { Parcours_Stage__c: 'A' })));
    expect(sizes).toEqual([200, 50]);
    expect(report.written).toHaveLength(250);
  });

  it('fails just the records of a call Salesforce rejects as a whole', async () => {
    sf().patch(`${V}/composite/sobjects`).reply(400, [{ message: "No such column 'Parcours_X__c' on sobject of type Contact", errorCode: 'INVALID_FIELD' }]);
    const report = await connector().push([change('003A', { Parcours_X__c: 'a' })]);
    expect(report.failed).toMatchObject([{ code: 'INVALID_FIELD', retryable: false }]);
  });
});

/** 4,001 records that Salesforce writes without a word (a job the size of a real one). */
const FILLERS = Array.from({ length: 4_001 }, (_, i) => change(`003F${String(i).padStart(11, '0')}`, { Parcours_Stage__c: 'Active' }));
const fillerRows = (cols: string): string => FILLERS.map((c) => `"${c.ref.id}","false","${c.ref.id}"${cols}`).join('\n');

describe('push through Bulk API 2.0 ingest', () => {
  it('writes records through one job and reads no result when the job info counts every record processed and none failed', async () => {
    const scope = sf()
      .post(`${V}/jobs/ingest`).reply(200, { id: '750K', state: 'Open', object: 'Contact', operation: 'update' })
      .put(`${V}/jobs/ingest/750K/batches`).reply(201)
      .patch(`${V}/jobs/ingest/750K`, { state: 'UploadComplete' }).reply(200, { id: '750K', state: 'UploadComplete' })
      // get_job_info: numberRecordsProcessed / numberRecordsFailed.
      .get(`${V}/jobs/ingest/750K`).reply(200, { id: '750K', state: 'JobComplete', numberRecordsProcessed: 4_001, numberRecordsFailed: 0 });
    const report = await connector({ bulkThreshold: 2 }).push(FILLERS);
    expect(scope.isDone()).toBe(true);
    expect(report.written).toHaveLength(4_001);
    expect(report.failed).toEqual([]);
  });

  it('creates the job, uploads CSV with #N/A for nulls, closes it, polls, and reads successful and failed results', async () => {
    let uploaded = '';
    const scope = sf()
      .post(`${V}/jobs/ingest`, { object: 'Contact', operation: 'update', contentType: 'CSV', columnDelimiter: 'COMMA', lineEnding: 'LF' })
      .reply(200, { id: '750I', state: 'Open', object: 'Contact', operation: 'update', contentUrl: 'services/data/v66.0/jobs/ingest/750I/batches' })
      .put(`${V}/jobs/ingest/750I/batches`, (body) => {
        uploaded = String(body);
        return true;
      })
      .matchHeader('content-type', 'text/csv')
      .reply(201)
      .patch(`${V}/jobs/ingest/750I`, { state: 'UploadComplete' }).reply(200, { id: '750I', state: 'UploadComplete' })
      .get(`${V}/jobs/ingest/750I`).reply(200, { id: '750I', state: 'InProgress' })
      .get(`${V}/jobs/ingest/750I`).reply(200, { id: '750I', state: 'JobComplete', numberRecordsProcessed: 4_004, numberRecordsFailed: 1 })
      .get(`${V}/jobs/ingest/750I/successfulResults`).reply(200, `"sf__Id","sf__Created",Id,Parcours_Stage__c,Parcours_Reason__c\n003A,false,003A,Active,"a, b"\n003B,false,003B,#N/A,\n${fillerRows(',"Active",')}\n`, { 'Content-Type': 'text/csv' })
      .get(`${V}/jobs/ingest/750I/failedResults`).reply(200, '"sf__Id","sf__Error",Id,Parcours_Stage__c,Parcours_Reason__c\n003C,FIELD_CUSTOM_VALIDATION_EXCEPTION:Stage cannot go back:--,003C,Lead,\n', { 'Content-Type': 'text/csv' });

    const report = await connector({ bulkThreshold: 2 }).push([
      change('003A', { Parcours_Stage__c: 'Active', Parcours_Reason__c: 'a, b' }),
      change('003B', { Parcours_Stage__c: null }),
      change('003C', { Parcours_Stage__c: 'Lead' }),
      ...FILLERS,
    ]);
    expect(scope.isDone()).toBe(true);
    expect(uploaded.startsWith('Id,Parcours_Stage__c,Parcours_Reason__c\n003A,Active,"a, b"\n003B,#N/A,\n003C,Lead,\n003F00000000000,Active,\n')).toBe(true);
    expect(report.written.map((r) => r.id).slice(0, 2)).toEqual(['003A', '003B']);
    expect(report.written).toHaveLength(4_003);
    expect(report.failed).toEqual([{ ref: { kind: 'contact', objectType: 'Contact', id: '003C' }, code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Stage cannot go back', retryable: false }]);
  });
});

describe('Bulk API 2.0 ingest that outruns the poll timeout', () => {
  const inProgress = { id: '750T', state: 'InProgress', object: 'Contact', operation: 'update', numberRecordsProcessed: 2, numberRecordsFailed: 1 };

  it('aborts the job, reports what it wrote, and leaves the rest to the next run as retryable failures', async () => {
    let polls = 0;
    const scope = sf()
      .post(`${V}/jobs/ingest`).reply(200, { id: '750T', state: 'Open', object: 'Contact', operation: 'update', contentUrl: 'services/data/v66.0/jobs/ingest/750T/batches' })
      .put(`${V}/jobs/ingest/750T/batches`).reply(201)
      .patch(`${V}/jobs/ingest/750T`, { state: 'UploadComplete' }).reply(200, { id: '750T', state: 'UploadComplete' })
      // The org's queue is slow: the job stays InProgress however often it is read.
      .get(`${V}/jobs/ingest/750T`).times(Infinity).reply(200, () => (polls++, inProgress))
      .patch(`${V}/jobs/ingest/750T`, { state: 'Aborted' }).reply(200, { ...inProgress, state: 'Aborted' })
      // Documented CSV shapes: sf__Id, sf__Created / sf__Id, sf__Error, then the uploaded columns; unprocessed: the uploaded columns.
      .get(`${V}/jobs/ingest/750T/successfulResults`).reply(200, '"sf__Id","sf__Created","Id","Parcours_Stage__c"\n"003A","false","003A","Active"\n', { 'Content-Type': 'text/csv' })
      .get(`${V}/jobs/ingest/750T/failedResults`).reply(200, '"sf__Id","sf__Error","Id","Parcours_Stage__c"\n"003B","FIELD_CUSTOM_VALIDATION_EXCEPTION:Stage cannot go back:--","003B","Lead"\n', { 'Content-Type': 'text/csv' })
      .get(`${V}/jobs/ingest/750T/unprocessedrecords`).reply(200, `"Id","Parcours_Stage__c"\n"003C","Active"\n${FILLERS.map((c) => `"${c.ref.id}","Active"`).join('\n')}\n`, { 'Content-Type': 'text/csv' });

    const report = await connector({ bulkThreshold: 2, pollTimeoutMs: 20, pollIntervalMs: 1 }).push([
      change('003A', { Parcours_Stage__c: 'Active' }),
      change('003B', { Parcours_Stage__c: 'Lead' }),
      change('003C', { Parcours_Stage__c: 'Active' }),
      change('003D', { Parcours_Stage__c: 'Active' }),
      ...FILLERS,
    ]);
    expect(polls).toBeGreaterThan(0);
    // Every interceptor used (the abort included), and no other call: no in-push re-send of the rest.
    expect(scope.pendingMocks().filter((m) => !(m.startsWith('GET') && m.endsWith('/jobs/ingest/750T')))).toEqual([]);
    expect(report.written.map((r) => r.id)).toEqual(['003A']);
    const ref = (id: string) => ({ kind: 'contact', objectType: 'Contact', id });
    expect(report.failed.filter((f) => f.ref.id.startsWith('003F')).every((f) => f.code === 'BULK_ABORTED')).toBe(true);
    expect([...report.failed].filter((f) => !f.ref.id.startsWith('003F')).sort((a, b) => a.ref.id.localeCompare(b.ref.id))).toEqual([
      { ref: ref('003B'), code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Stage cannot go back', retryable: false },
      { ref: ref('003C'), code: 'BULK_ABORTED', message: expect.stringContaining('job 750T was still InProgress after 20 ms and was aborted'), retryable: true },
      { ref: ref('003D'), code: 'BULK_OUTCOME_UNKNOWN', message: expect.stringContaining('may still be written'), retryable: true },
    ]);
  });

  it('reads the results as usual when the job finished between the last poll and the abort', async () => {
    let abortTried = false;
    const scope = sf()
      .post(`${V}/jobs/ingest`).reply(200, { id: '750T', state: 'Open' })
      .put(`${V}/jobs/ingest/750T/batches`).reply(201)
      .patch(`${V}/jobs/ingest/750T`, { state: 'UploadComplete' }).reply(200, { id: '750T', state: 'UploadComplete' })
      .get(`${V}/jobs/ingest/750T`).times(Infinity).reply(200, () => (abortTried ? { ...inProgress, state: 'JobComplete', numberRecordsProcessed: 2, numberRecordsFailed: 0 } : inProgress))
      .patch(`${V}/jobs/ingest/750T`, { state: 'Aborted' }).reply(() => ((abortTried = true), [400, [{ errorCode: 'INVALIDJOBSTATE', message: 'Job 750T is already JobComplete' }]]))
      .get(`${V}/jobs/ingest/750T/successfulResults`).reply(200, `"sf__Id","sf__Created","Id","Parcours_Stage__c"\n"003A","false","003A","Active"\n"003B","false","003B","Active"\n${fillerRows(',"Active"')}\n`, { 'Content-Type': 'text/csv' })
      .get(`${V}/jobs/ingest/750T/failedResults`).reply(200, '"sf__Id","sf__Error","Id","Parcours_Stage__c"\n', { 'Content-Type': 'text/csv' });
    const report = await connector({ bulkThreshold: 1, pollTimeoutMs: 20, pollIntervalMs: 1 }).push([change('003A', { Parcours_Stage__c: 'Active' }), change('003B', { Parcours_Stage__c: 'Active' }), ...FILLERS]);
    expect(abortTried).toBe(true);
    expect(scope.pendingMocks().filter((m) => !m.startsWith('GET'))).toEqual([]);
    expect(report.written.map((r) => r.id).slice(0, 2)).toEqual(['003A', '003B']);
    expect(report.written).toHaveLength(4_003);
    expect(report.failed).toEqual([]);
  });
});
