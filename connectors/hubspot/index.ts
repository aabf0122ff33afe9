/**
 * HubSpot connector: `createHubspotConnector(config)` implements the CrmConnector port.
 * Behaviour, quirks and call costs: ./README.md.
 */
import type { CrmConnector, JourneyFieldSpec, PullBatch, PullOptions, SchemaReport } from '../../connectors/port.ts';
import { OBJECT_KINDS } from '../../src/model.ts';
import { resolveHubspotConfig, type HubspotConnectorConfig } from './config.ts';
import { readCursor } from './cursor.ts';
import { runDoctor } from './doctor.ts';
import { fetchCustomerRecords } from './fetch-customer.ts';
import { ensureList, syncListMembership } from './lists.ts';
import type { PullContext } from './page-builder.ts';
import { PipelineCache } from './pipelines.ts';
import { ensureProperties } from './property-setup.ts';
import { pullFull } from './pull-full.ts';
import { pullIncremental } from './pull-incremental.ts';
import { pushChanges } from './push.ts';
import { readCurrentValues } from './read-current.ts';
import { HubspotTransport } from './transport.ts';

export type { HubspotConnectorConfig } from './config.ts';
export { minimumCalls, type MinimumCallsInput } from './minimum-calls.ts';
export { hubspotPaths } from './paths.ts';

export type HubspotConnector = CrmConnector & { readonly crm: 'hubspot' };

export function createHubspotConnector(input: HubspotConnectorConfig): HubspotConnector {
  const config = resolveHubspotConfig(input);
  const transport = new HubspotTransport(config);
  const context = (fields: PullOptions['fields'], objects: PullOptions['objects']): PullContext => ({
    transport,
    config,
    fields,
    objects,
    pipelines: new PipelineCache(transport), // once per pull
  });

  return {
    crm: 'hubspot',
    // Batch update takes 100 inputs: ten full calls per push.
    pushChunk: 1_000,

    async *pull(options: PullOptions): AsyncIterable<PullBatch> {
      const ctx = context(options.fields, options.objects);
      const now = Date.now();
      for (const kind of OBJECT_KINDS.filter((k) => options.objects.includes(k))) {
        const cursor = readCursor(options.cursors[kind]);
        // No watermark yet, or an unfinished full pass: incremental is not possible, finish a full pass.
        if (options.mode === 'full' || cursor.watermark === undefined || cursor.full !== undefined) yield* pullFull(ctx, kind, cursor, now);
        else yield* pullIncremental(ctx, kind, { ...cursor, watermark: cursor.watermark });
      }
    },

    fetchCustomer(contactId, fields) {
      return fetchCustomerRecords(context(fields, ['contact', 'deal', 'ticket']), contactId, fields);
    },

    async ensureSchema(spec: JourneyFieldSpec): Promise<SchemaReport> {
      const report: SchemaReport = { ...(await ensureProperties(transport, spec)), segmentTargets: {} };
      for (const segment of spec.segments) {
        const name = `${config.listNamePrefix}${segment.name}`;
        const { listId, created } = await ensureList(transport, name);
        (created ? report.created : report.unchanged).push(`list:${name}`);
        report.segmentTargets[segment.id] = listId;
      }
      return report;
    },

    readCurrent: (refs, fieldNames) => readCurrentValues(transport, refs, fieldNames),
    push: (changes) => pushChanges(transport, changes),
    async syncMembership(change) {
      return syncListMembership(transport, change);
    },
    doctor: (spec) => runDoctor(transport, config, spec),
    stats: () => transport.stats.snapshot(),
  };
}
