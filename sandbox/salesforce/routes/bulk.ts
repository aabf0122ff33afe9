/**
 * Bulk API 2.0 ingest and query jobs. Jobs progress in the background as time passes, whether or not anyone
 * reads their status, as in a real org (context.ts `IngestSettings`: a queue delay after UploadComplete, then
 * rows at a throughput; an ingest job commits internal batches of `ctx.ingest.batchSize`, 10,000 by default).
 * A timer moves each job; every request about a job first catches it up with the clock, so what a client reads
 * never depends on timer lateness. Job states: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_bulk_v2/bulk_api_2_job_states.htm
 * Ingest: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/bulk_api_2_0.htm
 * Abort (`PATCH {"state":"Aborted"}`): https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/abort_job.htm —
 * "When a job is aborted, no more records are processed. If changes to data have already been
 * committed, they aren't rolled back" (…/asynch_api_jobs_abort.htm). The internal batches already
 * processed keep their successful and failed results; the rest are the job's unprocessed records
 * ("Retrieves a list of unprocessed records for failed or aborted jobs", …/get_job_unprocessed_results.htm).
 * Results: …/get_job_successful_results.htm, …/get_job_failed_results.htm, …/get_job_unprocessed_results.htm
 * Query results: …/query_get_job_results.htm (`Sforce-Locator`, `Sforce-NumberOfRecords`)
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { KEY_PREFIXES } from '../ids.ts';
import { SfHttpError, notFound } from '../http-errors.ts';
import { parseCsv, toCsv } from '../csv.ts';
import { sfDateTime } from '../format.ts';
import type { WriteResult } from '../org.ts';
import { csvCells, runSoql } from '../soql/run.ts';
import { versionOf, type ApiContext } from '../context.ts';
import { QUERYABLE, soqlHttpError } from './query.ts';

type State = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

interface IngestJob {
  id: string;
  object: string;
  operation: 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';
  externalIdFieldName?: string;
  state: State;
  version: string;
  createdDate: number;
  modstamp: number;
  csv: string;
  errorMessage?: string;
  success: string[][];
  failed: string[][];
  unprocessed: string[][];
  header: string[];
  /** Data rows (header removed), parsed when processing starts. */
  rows: string[][] | null;
  /** Rows processed so far, and internal batches done. */
  next: number;
  batchesDone: number;
  /** When the job left the queue (InProgress) and the time its processing is measured from (ms, real clock). */
  queuedAt: number | null;
  startedAt: number | null;
}

interface QueryJob {
  id: string;
  operation: 'query' | 'queryAll';
  object: string;
  query: string;
  state: State;
  version: string;
  createdDate: number;
  modstamp: number;
  header: string[];
  rows: string[][];
  queuedAt: number;
  startedAt: number | null;
}

const ingestBody = z.object({
  object: z.string(),
  operation: z.enum(['insert', 'update', 'upsert', 'delete', 'hardDelete']),
  externalIdFieldName: z.string().optional(),
  contentType: z.literal('CSV').optional(),
  lineEnding: z.enum(['LF', 'CRLF']).optional(),
  columnDelimiter: z.literal('COMMA').optional(),
});
const queryBody = z.object({ operation: z.enum(['query', 'queryAll']), query: z.string(), contentType: z.literal('CSV').optional() });
const stateBody = z.object({ state: z.enum(['UploadComplete', 'Aborted']) });

const TERMINAL: State[] = ['JobComplete', 'Failed', 'Aborted'];

export function bulkRouter(ctx: ApiContext): Router {
  const r = express.Router();
  const { org } = ctx;
  const ingest = new Map<string, IngestJob>();
  const queries = new Map<string, QueryJob>();

  const ingestInfo = (j: IngestJob): Record<string, unknown> => ({
    id: j.id, operation: j.operation, object: j.object, createdById: org.apiUserId, createdDate: sfDateTime(j.createdDate),
    systemModstamp: sfDateTime(j.modstamp), state: j.state, ...(j.externalIdFieldName ? { externalIdFieldName: j.externalIdFieldName } : {}),
    concurrencyMode: 'Parallel', contentType: 'CSV', apiVersion: Number(j.version), jobType: 'V2Ingest',
    contentUrl: `services/data/v${j.version}/jobs/ingest/${j.id}/batches`, lineEnding: 'LF', columnDelimiter: 'COMMA',
    numberRecordsProcessed: j.success.length + j.failed.length, numberRecordsFailed: j.failed.length, retries: 0,
    totalProcessingTime: 0, apiActiveProcessingTime: 0, apexProcessingTime: 0, ...(j.errorMessage ? { errorMessage: j.errorMessage } : {}),
  });
  const queryInfo = (j: QueryJob): Record<string, unknown> => ({
    id: j.id, operation: j.operation, object: j.object, createdById: org.apiUserId, createdDate: sfDateTime(j.createdDate),
    systemModstamp: sfDateTime(j.modstamp), state: j.state, concurrencyMode: 'Parallel', contentType: 'CSV', apiVersion: Number(j.version),
    jobType: 'V2Query', lineEnding: 'LF', columnDelimiter: 'COMMA', numberRecordsProcessed: j.state === 'JobComplete' ? j.rows.length : 0,
    retries: 0, totalProcessingTime: 0,
  });
  const getIngest = (req: Request): IngestJob => {
    const j = ingest.get(String(req.params.id));
    if (!j) throw notFound();
    return j;
  };
  const getQuery = (req: Request): QueryJob => {
    const j = queries.get(String(req.params.id));
    if (!j) throw notFound();
    return j;
  };

  /** The uploaded CSV as header + data rows (blank lines dropped). */
  const parsed = (j: IngestJob): { header: string[]; rows: string[][] } => {
    const rows = parseCsv(j.csv).filter((row) => row.some((c) => c !== ''));
    const header = rows.shift() ?? [];
    return { header, rows };
  };

  /**
   * Processes the next internal batch (`limit` 0: only parses the upload); a header naming an unknown field fails the
   * whole job like Salesforce.
   */
  const processNextBatch = (j: IngestJob, limit = ctx.ingest.batchSize): void => {
    const def = org.objectDef(j.object)!;
    if (j.rows === null) {
      const { header, rows } = parsed(j);
      j.header = header;
      j.rows = rows;
      const unknown = header.find((h) => !org.visibleField(def, h, 'api'));
      if (unknown !== undefined) {
        j.state = 'Failed';
        j.errorMessage = `InvalidBatch : Field name not found : ${unknown}`;
        j.unprocessed = rows;
        return;
      }
    }
    const header = j.header;
    const idCol = header.findIndex((h) => h.toLowerCase() === 'id');
    if (limit === 0) return;
    const batch = j.rows.slice(j.next, j.next + limit);
    for (const row of batch) {
      const fields: Record<string, unknown> = {};
      header.forEach((h, i) => {
        const cell = row[i] ?? '';
        // Empty cells leave a field unchanged; `#N/A` sets it to null.
        if (i !== idCol && cell !== '') fields[h] = cell === '#N/A' ? null : cell;
      });
      const id = idCol >= 0 ? (row[idCol] ?? '') : '';
      let result: WriteResult;
      if (j.operation === 'insert') result = org.create(def.name, fields, 'api');
      else if (j.operation === 'delete' || j.operation === 'hardDelete') result = org.remove(id, def.name);
      else if (j.operation === 'upsert' && id === '') result = org.create(def.name, fields, 'api');
      else result = org.update(def.name, id, fields, 'api');
      if (result.ok) j.success.push([result.id, String(result.created), ...row]);
      else j.failed.push([result.id ?? '', result.errors.map((e) => `${e.statusCode}:${e.message}:${e.fields.join(',')} --`).join(';'), ...row]);
    }
    j.next += batch.length;
    j.batchesDone++;
    if (j.next >= j.rows.length) j.state = 'JobComplete';
  };

  const msPerRow = (): number => 1000 / Math.max(1, ctx.ingest.rowsPerSecond);
  const timers = new Map<string, NodeJS.Timeout>();
  /** Runs `step` for a job at `at` (real clock), replacing any earlier timer; the timer never keeps the process alive. */
  const wake = (id: string, at: number, step: () => void): void => {
    clearTimeout(timers.get(id));
    const t = setTimeout(() => {
      timers.delete(id);
      step();
    }, Math.max(0, at - Date.now()));
    t.unref();
    timers.set(id, t);
  };

  /** Moves an ingest job as far as the clock says: out of the queue, then every internal batch whose time has come. */
  const catchUpIngest = (j: IngestJob): void => {
    const now = Date.now();
    if (j.queuedAt === null || TERMINAL.includes(j.state)) return;
    if (j.state === 'UploadComplete') {
      if (now < j.queuedAt + ctx.ingest.queueDelayMs) return wake(j.id, j.queuedAt + ctx.ingest.queueDelayMs, () => catchUpIngest(j));
      j.state = 'InProgress';
      j.startedAt = j.queuedAt + ctx.ingest.queueDelayMs;
      j.modstamp = org.clock();
    }
    for (;;) {
      if (j.state !== 'InProgress') return;
      if (ctx.ingest.holdAfterBatches !== null && j.batchesDone >= ctx.ingest.holdAfterBatches) return; // resumed by `resume`
      if (j.rows === null) {
        processNextBatch(j, 0);
        if (j.state !== 'InProgress') return;
      }
      const rows = j.rows as string[][];
      const end = Math.min(rows.length, j.next + ctx.ingest.batchSize);
      const due = (j.startedAt as number) + end * msPerRow();
      if (now < due) return wake(j.id, due, () => catchUpIngest(j));
      processNextBatch(j);
      j.modstamp = org.clock();
    }
  };

  /** Moves a query job as far as the clock says: the query runs when the job leaves the queue. */
  const catchUpQuery = (j: QueryJob): void => {
    const now = Date.now();
    if (TERMINAL.includes(j.state)) return;
    if (j.state === 'UploadComplete') {
      if (now < j.queuedAt + ctx.ingest.queueDelayMs) return wake(j.id, j.queuedAt + ctx.ingest.queueDelayMs, () => catchUpQuery(j));
      const run = runSoql(org, j.query, { includeDeleted: j.operation === 'queryAll', actor: 'api', allowed: QUERYABLE });
      j.rows = run.records.map((rec) => csvCells(org, rec, run.fields));
      j.state = 'InProgress';
      j.startedAt = j.queuedAt + ctx.ingest.queueDelayMs;
      j.modstamp = org.clock();
    }
    const due = (j.startedAt as number) + j.rows.length * msPerRow();
    if (now < due) return wake(j.id, due, () => catchUpQuery(j));
    j.state = 'JobComplete';
    j.modstamp = org.clock();
  };
  ctx.ingest.resume = () => {
    for (const j of ingest.values()) catchUpIngest(j);
  };

  r.post('/jobs/ingest', (req, res) => {
    const body = ingestBody.safeParse(req.body);
    if (!body.success) throw new SfHttpError(400, 'INVALIDJOB', `Invalid job: ${body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const def = org.objectDef(body.data.object);
    if (!def) throw new SfHttpError(400, 'INVALIDJOB', `Unable to find object: ${body.data.object}`);
    if (body.data.operation === 'upsert' && body.data.externalIdFieldName?.toLowerCase() !== 'id') {
      throw new SfHttpError(400, 'INVALIDJOB', 'This sandbox supports upsert on the Id field only');
    }
    const now = org.clock();
    const j: IngestJob = {
      id: org.ids.next(KEY_PREFIXES.Job), object: def.name, operation: body.data.operation, state: 'Open', version: versionOf(req), createdDate: now,
      modstamp: now, csv: '', success: [], failed: [], unprocessed: [], header: [], rows: null, next: 0, batchesDone: 0, queuedAt: null, startedAt: null,
      ...(body.data.externalIdFieldName ? { externalIdFieldName: body.data.externalIdFieldName } : {}),
    };
    ingest.set(j.id, j);
    res.status(200).json(ingestInfo(j));
  });

  r.put('/jobs/ingest/:id/batches', express.text({ type: () => true, limit: '150mb' }), (req, res) => {
    const j = getIngest(req);
    if (j.state !== 'Open') throw new SfHttpError(409, 'INVALIDJOBSTATE', `Job ${j.id} is not open for uploads (state: ${j.state})`);
    const text = typeof req.body === 'string' ? req.body : '';
    // A second upload appends rows (its header line is dropped).
    j.csv = j.csv === '' ? text : `${j.csv.replace(/\n?$/, '\n')}${text.split(/\r?\n/).slice(1).join('\n')}`;
    ctx.budget.bulkBatches++;
    res.status(201).end();
  });

  r.patch('/jobs/ingest/:id', (req, res) => {
    const j = getIngest(req);
    const body = stateBody.safeParse(req.body);
    if (!body.success) throw new SfHttpError(400, 'INVALIDJOBSTATE', 'state must be UploadComplete or Aborted');
    catchUpIngest(j);
    if (TERMINAL.includes(j.state) || (body.data.state === 'UploadComplete' && j.state !== 'Open')) {
      throw new SfHttpError(409, 'INVALIDJOBSTATE', `Job ${j.id} cannot move from ${j.state} to ${body.data.state}`);
    }
    j.state = body.data.state;
    j.modstamp = org.clock();
    if (j.state === 'UploadComplete') {
      // Queued now; processing starts after the queue delay, read or not.
      j.queuedAt = Date.now();
      catchUpIngest(j);
    }
    if (j.state === 'Aborted') {
      clearTimeout(timers.get(j.id));
      // Internal batches already processed stay written; the rest is never processed.
      if (j.rows === null) {
        const { header, rows } = parsed(j);
        j.header = header;
        j.rows = rows;
      }
      j.unprocessed = j.rows.slice(j.next);
    }
    res.json(ingestInfo(j));
  });

  r.get('/jobs/ingest/:id', (req, res) => {
    const j = getIngest(req);
    catchUpIngest(j);
    res.json(ingestInfo(j));
  });

  const resultCsv = (res: Response, header: string[], rows: string[][]): void => {
    res.type('text/csv').send(toCsv(header, rows));
  };
  const finished = (j: IngestJob): void => {
    if (!TERMINAL.includes(j.state)) throw new SfHttpError(400, 'INVALIDJOBSTATE', `Job ${j.id} is not complete (state: ${j.state})`);
  };
  const columns = (j: IngestJob): string[] => (j.header.length > 0 ? j.header : (parseCsv(j.csv)[0] ?? []));
  r.get('/jobs/ingest/:id/successfulResults', (req, res) => {
    const j = getIngest(req);
    catchUpIngest(j);
    finished(j);
    resultCsv(res, ['sf__Id', 'sf__Created', ...columns(j)], j.success);
  });
  r.get('/jobs/ingest/:id/failedResults', (req, res) => {
    const j = getIngest(req);
    catchUpIngest(j);
    finished(j);
    resultCsv(res, ['sf__Id', 'sf__Error', ...columns(j)], j.failed);
  });
  r.get('/jobs/ingest/:id/unprocessedrecords', (req, res) => {
    const j = getIngest(req);
    resultCsv(res, columns(j), j.unprocessed);
  });
  r.delete('/jobs/ingest/:id', (req, res) => {
    const j = getIngest(req);
    catchUpIngest(j);
    if (j.state === 'InProgress') throw new SfHttpError(400, 'INVALIDJOBSTATE', 'An in-progress job cannot be deleted');
    ingest.delete(j.id);
    res.status(204).end();
  });

  r.post('/jobs/query', (req, res) => {
    const body = queryBody.safeParse(req.body);
    if (!body.success) throw new SfHttpError(400, 'INVALIDJOB', `Invalid job: ${body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    let header: string[];
    let object: string;
    // Validate now (Salesforce rejects a bad query at job creation); rows are read when the job runs.
    try {
      const run = runSoql(org, body.data.query, { includeDeleted: body.data.operation === 'queryAll', actor: 'api', allowed: QUERYABLE });
      if (run.count) throw new SfHttpError(400, 'API_ERROR', 'Aggregate queries are not supported by Bulk API 2.0');
      header = run.fields.map((f) => f.path);
      object = run.object.name;
    } catch (e) {
      throw soqlHttpError(e, body.data.query);
    }
    const now = org.clock();
    const j: QueryJob = {
      id: org.ids.next(KEY_PREFIXES.Job), operation: body.data.operation, object, query: body.data.query, state: 'UploadComplete', version: versionOf(req),
      createdDate: now, modstamp: now, header, rows: [], queuedAt: Date.now(), startedAt: null,
    };
    queries.set(j.id, j);
    ctx.budget.bulkQueryJobs++;
    // The response shows the job queued (UploadComplete, query_create_job); it runs after the queue delay, read or not.
    res.json(queryInfo(j));
    catchUpQuery(j);
  });

  r.get('/jobs/query/:id', (req, res) => {
    const j = getQuery(req);
    catchUpQuery(j);
    res.json(queryInfo(j));
  });

  r.get('/jobs/query/:id/results', (req, res) => {
    const j = getQuery(req);
    catchUpQuery(j);
    if (j.state !== 'JobComplete') throw new SfHttpError(400, 'INVALIDJOBSTATE', `Job ${j.id} is not complete (state: ${j.state})`);
    // Locators are opaque to clients; here the base64 of the next row offset.
    const locator = typeof req.query.locator === 'string' && req.query.locator !== '' ? req.query.locator : null;
    const start = locator === null ? 0 : Number(Buffer.from(locator, 'base64').toString('utf8'));
    if (!Number.isInteger(start) || start < 0 || start > j.rows.length) throw new SfHttpError(400, 'INVALID_LOCATOR', 'invalid locator');
    const max = typeof req.query.maxRecords === 'string' ? Math.max(1, Number(req.query.maxRecords) || 0) : 50_000;
    const end = Math.min(j.rows.length, start + max);
    res.set('Sforce-NumberOfRecords', String(end - start));
    res.set('Sforce-Locator', end >= j.rows.length ? 'null' : Buffer.from(String(end)).toString('base64'));
    res.type('text/csv').send(toCsv(j.header, j.rows.slice(start, end)));
  });

  r.patch('/jobs/query/:id', (req, res) => {
    const j = getQuery(req);
    catchUpQuery(j);
    const body = stateBody.safeParse(req.body);
    if (!body.success || body.data.state !== 'Aborted' || TERMINAL.includes(j.state)) throw new SfHttpError(400, 'INVALIDJOBSTATE', 'only an unfinished query job can be aborted');
    j.state = 'Aborted';
    clearTimeout(timers.get(j.id));
    res.json(queryInfo(j));
  });
  r.delete('/jobs/query/:id', (req, res) => {
    const j = getQuery(req);
    clearTimeout(timers.get(j.id));
    queries.delete(j.id);
    res.status(204).end();
  });
  return r;
}
