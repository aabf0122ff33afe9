/** What every route module shares: the org, the API budget and the served API versions. */
import type { Request } from 'express';
import type { Org } from './org.ts';

/** API versions served, with their release names (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_versions.htm). */
export const API_VERSIONS: ReadonlyArray<readonly [string, string]> = [
  ['58.0', "Summer '23"],
  ['59.0', "Winter '24"],
  ['60.0', "Spring '24"],
  ['61.0', "Summer '24"],
  ['62.0', "Winter '25"],
  ['63.0', "Spring '25"],
  ['64.0', "Summer '25"],
  ['65.0', "Winter '26"],
  ['66.0', "Spring '26"],
];

export class ApiBudget {
  used = 0;
  readonly max: number;
  bulkQueryJobs = 0;
  bulkBatches = 0;
  constructor(max: number) {
    this.max = max;
  }
  get exhausted(): boolean {
    return this.used >= this.max;
  }
  header(): string {
    return `api-usage=${this.used}/${this.max}`;
  }
}

/**
 * How Bulk API 2.0 jobs progress: by elapsed time, never by status reads. Salesforce "queues a new job for
 * processing once you've created it, uploaded data for the job, and moved the job to the UploadComplete state.
 * Once the job is de-queued, Salesforce starts processing the job operation and moves the job to the InProgress
 * state. Once the job has been fully processed, Salesforce moves the job to the JobComplete state"
 * (How Requests Are Processed, https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/how_requests_are_processed.htm;
 * Job States, https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_bulk_v2/bulk_api_2_job_states.htm).
 * The sandbox model: a job waits `queueDelayMs` in the queue after UploadComplete (query jobs: after creation),
 * then processes `rowsPerSecond` rows a second; an ingest job in internal batches of `batchSize` (Salesforce: 10,000
 * records, "Salesforce creates a separate batch for every 10,000 records in your job data", same page), each
 * committed when its last row's time has come. The documents state no queue time or throughput (they vary with
 * org load): these are test settings, fast by default. `holdAfterBatches` (a test control) keeps ingest jobs
 * InProgress after that many internal batches, like a busy org's queue, until released.
 */
export interface IngestSettings {
  batchSize: number;
  holdAfterBatches: number | null;
  queueDelayMs: number;
  rowsPerSecond: number;
  /** Set by the Bulk routes: makes held jobs move again once `holdAfterBatches` is lifted. */
  resume?: () => void;
}

export interface ApiContext {
  org: Org;
  budget: ApiBudget;
  url: () => string;
  ingest: IngestSettings;
}

/** The `58.0` part of `/services/data/v58.0/...` (validated by the version middleware). */
export function versionOf(req: Request): string {
  return String(req.res?.locals.version ?? '66.0');
}
