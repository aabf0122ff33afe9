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
import { ensureList, readListMembers, syncListMembership } from './lists.ts';
import type { PullContext } from './page-builder.ts';
import { PipelineCache } from './pipelines.ts';
import { propertyCatalog, restrictNeeds } from './property-catalog.ts';
import { ensureProperties } from './property-setup.ts';
import { pullFull } from './pull-full.ts';
import { pullIncremental } from './pull-incremental.ts';
import { pullTouchpoints } from './pull-touchpoints.ts';
import { fetchTouchpointRecords } from './fetch-touchpoints.ts';
import { pushChanges } from './push.ts';
import { readCurrentValues } from './read-current.ts';
import { readFieldHistory } from './field-history.ts';
import { hubspotTasks } from './tasks.ts';
import { HubspotTransport } from './transport.ts';
import { hubspotPaths } from './paths.ts';
import { interleave } from './interleave.ts';
import { z } from 'zod';

const AccountDetails = z.object({ portalId: z.number().int().nonnegative() }).loose();

export type { HubspotConnectorConfig } from './config.ts';
export { minimumCalls, minimumTouchpointCalls, type MinimumCallsInput } from './minimum-calls.ts';
export { hubspotPaths } from './paths.ts';

export type HubspotConnector = CrmConnector & { readonly crm: 'hubspot' };

export function createHubspotConnector(input: HubspotConnectorConfig): HubspotConnector {
  const config = resolveHubspotConfig(input);
  const transport = new HubspotTransport(config);
  // What the portal has (properties API) and its pipelines: kept across runs in the caller's schema cache
  // (README § Schema cache). Pull and live reads restrict to the property catalogue; before any (a caller
  // that never asked) they ask for what they are told.
  const cache = input.schemaCache;
  const catalog = propertyCatalog(transport, cache);
  const context = (fields: PullOptions['fields'], objects: PullOptions['objects'], fresh = false): PullContext => {
    const dealProperties = catalog.last()?.deal;
    return {
      transport,
      config,
      fields,
      objects,
      pipelines: new PipelineCache(transport, cache, { fresh }), // per pull; full pulls read them again
      ...(dealProperties ? { dealProperties } : {}),
    };
  };
  const restricted = (needs: PullOptions['fields']): PullOptions['fields'] => {
    const known = catalog.last();
    return known ? restrictNeeds(needs, known).needs : needs;
  };

  return {
    crm: 'hubspot',
    // Batch update takes 100 inputs: four full calls per push, sent side by side. Small enough that what is
    // left to write when a full run's pull ends is a few calls, not tens.
    pushChunk: 400,

    availableFields: async (needs, opts) => catalog.availability((c) => restrictNeeds(needs, c).availability, await catalog.needsRefresh(opts)),

    pull(input: PullOptions): AsyncIterable<PullBatch> {
      const options = { ...input, fields: restricted(input.fields) };
      const ctx = context(options.fields, options.objects, options.mode === 'full');
      const now = Date.now();
      const kinds = OBJECT_KINDS.filter((k) => options.objects.includes(k));
      const pass = (kind: (typeof kinds)[number]): AsyncIterable<PullBatch> => {
        const cursor = readCursor(options.cursors[kind]);
        // No watermark yet, or an unfinished full pass: incremental is not possible, finish a full pass.
        if (options.mode === 'full' || cursor.watermark === undefined || cursor.full !== undefined) return pullFull(ctx, kind, cursor, now);
        return pullIncremental(ctx, kind, { ...cursor, watermark: cursor.watermark });
      };
      // Kinds page independently (each `after` depends only on its own previous page), so they run
      // side by side: one page's latency no longer idles the shared rate-limit budget.
      if (options.mode !== 'full' || !kinds.includes('contact')) return interleave(kinds.map(pass));
      // Full runs: deals and tickets first, contacts after. All three share the search budget, so the pass
      // takes as long either way; but every contact page then completes its customers (their deals and
      // tickets are stored), so the core can evaluate and write them back while the rest is still read.
      return concat([interleave(kinds.filter((k) => k !== 'contact').map(pass)), pass('contact')]);
    },

    // Engagements, feedback submissions and form conversions (README § Touchpoints). First on full runs, so the
    // contact pass completes customers and their writes spend the standard budget beside the searches (README, "Order").
    pullTouchpoints: (options) => pullTouchpoints({ transport, config }, options),
    touchpointsFirst: true,
    fetchTouchpoints: (contactId) => fetchTouchpointRecords(transport, contactId),

    fetchCustomer(contactId, input) {
      const fields = restricted(input);
      return fetchCustomerRecords(context(fields, ['contact', 'deal', 'ticket']), contactId, fields);
    },

    async ensureSchema(spec: JourneyFieldSpec): Promise<SchemaReport> {
      try {
        const report: SchemaReport = { ...(await ensureProperties(transport, spec)), segmentTargets: {} };
        for (const segment of spec.segments) {
          const name = `${config.listNamePrefix}${segment.name}`;
          const { listId, created } = await ensureList(transport, name);
          (created ? report.created : report.unchanged).push(`list:${name}`);
          report.segmentTargets[segment.id] = listId;
        }
        return report;
      } finally {
        await catalog.forget(); // Parcours just changed the portal's properties: the next ask reads them again.
      }
    },

    readCurrent: (refs, fieldNames) => readCurrentValues(transport, refs, fieldNames),
    push: (changes) => pushChanges(transport, changes),
    async syncMembership(change) {
      return syncListMembership(transport, change);
    },
    async accountId() {
      const details = await transport.data({ endpoint: 'account.details', method: 'GET', path: hubspotPaths.accountDetails(), schema: AccountDetails });
      return String(details.portalId);
    },
    readMembership: (targetId) => readListMembers(transport, targetId),
    async ensureSegmentTarget(segment) {
      return (await ensureList(transport, `${config.listNamePrefix}${segment.name}`)).listId;
    },
    doctor: (spec) => runDoctor(transport, config, spec),
    stats: () => transport.stats.snapshot(),
    budget: () => transport.budget(),
    adoptBudget: (state) => transport.adoptBudget(state),
    tasks: hubspotTasks(transport),
    fieldHistory: (ref, fieldName) => readFieldHistory(transport, ref, fieldName),
  };
}

/** The batches of each source in turn. */
async function* concat<T>(sources: Array<AsyncIterable<T>>): AsyncGenerator<T> {
  for await (const source of sources) yield* source;
}
