/** The journey map: collect from the store, then render as HTML, JSON or CSV. */
export { collectJourneyMap, storeSource, type CollectOptions, type ReportSource } from './collect.ts';
export { renderHtml, type HtmlOptions } from './render-html.ts';
export { renderJson } from './render-json.ts';
export { renderCsvTables, writeCsvTables } from './render-csv.ts';
export { hubspotRecordUrl, salesforceRecordUrl, type RecordUrl } from './record-links.ts';
export { resolvePeriod, DEFAULT_PERIOD_DAYS } from './period.ts';
export { JourneyMapSchema, type JourneyMap, type JourneyReport, type KpiResult, type Period } from './schema.ts';
