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
 * How ingest jobs advance. Salesforce splits an ingest job's data into internal batches of 10,000
 * records ("Salesforce creates a separate batch for each 10,000 records in your job data",
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/how_requests_are_processed.htm);
 * the sandbox processes one internal batch per status read. `holdAfterBatches` (a test control) keeps
 * jobs InProgress after that many internal batches, like a busy org's queue, until released.
 */
export interface IngestSettings {
  batchSize: number;
  holdAfterBatches: number | null;
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
