/**
 * REST query: `GET /query?q=`, `/queryAll?q=`, `GET /query/<locator>-<offset>`.
 * Pages of `Sforce-Query-Options: batchSize=N` (200..2000, default 2000; at most 200 when two or more
 * custom long-text fields are selected) with `nextRecordsUrl`.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_queryoptions.htm
 */
import express, { type Request, type Response, type Router } from 'express';
import { KEY_PREFIXES } from '../ids.ts';
import { SfHttpError } from '../http-errors.ts';
import { SoqlError } from '../soql/parser.ts';
import { runSoql, toJsonRecord } from '../soql/run.ts';
import { versionOf, type ApiContext } from '../context.ts';
import type { FieldDef } from '../schema.ts';

/** Objects the REST query endpoint serves. */
export const QUERYABLE = new Set([
  'Account', 'Contact', 'Lead', 'Opportunity', 'OpportunityContactRole', 'OpportunityHistory', 'Case', 'Campaign',
  'CampaignMember', 'OpportunityStage', 'CaseStatus', 'LeadStatus', 'PermissionSet', 'PermissionSetAssignment', 'FieldPermissions', 'User',
  'Task', 'TaskStatus', 'TaskPriority', 'ContactHistory', 'LeadHistory',
  // Touchpoints (schema-touchpoints.ts); the optional ones answer INVALID_TYPE where the org lacks them.
  'Event', 'EmailMessage', 'EmailMessageRelation', 'SurveyQuestion', 'SurveyResponse', 'SurveyQuestionResponse', 'LiveChatTranscript', 'MessagingSession',
]);

interface Cursor {
  records: Array<Record<string, unknown>>;
  batchSize: number;
}

/**
 * Rows per page ("Change the Batch Size in Queries", SOQL and SOSL Reference,
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_changing_batch_size.htm,
 * and the QueryOptions header): default and maximum 2,000, minimum 200; "If the SOQL statement selects
 * two or more custom fields of type long text, the batch size can't be greater than 200 records."
 */
export function batchSizeOf(req: Request, longTextFields = 0): number {
  const m = /batchSize\s*=\s*(\d+)/i.exec(req.get('sforce-query-options') ?? '');
  const asked = m ? Math.min(2000, Math.max(200, Number(m[1]))) : 2000;
  return longTextFields >= 2 ? Math.min(asked, 200) : asked;
}

/** Custom long-text fields (Long Text Area, rich text: describe type textarea longer than 255) a query selects. */
export function longTextCount(fields: Array<{ field: FieldDef }>): number {
  return fields.filter((b) => b.field.custom && b.field.type === 'textarea' && b.field.length > 255).length;
}

export function soqlHttpError(e: unknown, q: string): unknown {
  return e instanceof SoqlError ? new SfHttpError(400, e.code, e.format(q)) : e;
}

export function queryRouter(ctx: ApiContext): Router {
  const r = express.Router();
  const cursors = new Map<string, Cursor>();

  const page = (res: Response, version: string, locator: string, offset: number): void => {
    const cursor = cursors.get(locator);
    if (!cursor || offset < 0 || offset > cursor.records.length) throw new SfHttpError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const end = Math.min(cursor.records.length, offset + cursor.batchSize);
    const done = end >= cursor.records.length;
    const body: Record<string, unknown> = { totalSize: cursor.records.length, done, records: cursor.records.slice(offset, end) };
    if (!done) body.nextRecordsUrl = `/services/data/v${version}/query/${locator}-${end}`;
    else cursors.delete(locator);
    res.json(body);
  };

  const run = (includeDeleted: boolean) => (req: Request, res: Response): void => {
    const q = typeof req.query.q === 'string' ? req.query.q : '';
    if (q.trim() === '') throw new SfHttpError(400, 'MALFORMED_QUERY', 'A query string must be provided.');
    const version = versionOf(req);
    let result;
    try {
      result = runSoql(ctx.org, q, { includeDeleted, actor: 'api', allowed: QUERYABLE });
    } catch (e) {
      throw soqlHttpError(e, q);
    }
    if (result.count) {
      res.json({ totalSize: result.records.length, done: true, records: [] });
      return;
    }
    // The result is a snapshot: later writes do not change pages already queued.
    const records = result.records.map((rec) => toJsonRecord(ctx.org, rec, result.fields, version));
    const locator = ctx.org.ids.next(KEY_PREFIXES.QueryLocator);
    cursors.set(locator, { records, batchSize: batchSizeOf(req, longTextCount(result.fields)) });
    page(res, version, locator, 0);
  };

  r.get('/query', run(false));
  r.get('/queryAll', run(true));
  const more = (req: Request, res: Response): void => {
    const m = /^([A-Za-z0-9]+)-(\d+)$/.exec(String(req.params.locator));
    if (!m) throw new SfHttpError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    page(res, versionOf(req), m[1]!, Number(m[2]));
  };
  r.get('/query/:locator', more);
  r.get('/queryAll/:locator', more);
  return r;
}
