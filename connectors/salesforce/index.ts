/**
 * The Salesforce connector (jsforce 3, REST + Tooling + Bulk API 2.0). See README.md beside this file
 * for every API behaviour it handles and what it costs in calls.
 */
import type { CrmConnector, FieldNeeds, JourneyFieldSpec, SchemaReport } from '../port.ts';
import type { SalesforceConnectorConfig } from './config.ts';
import { resolveConfig } from './config.ts';
import { SalesforceClient } from './client.ts';
import { pull } from './pull.ts';
import { fetchTouchpoints, pullTouchpoints } from './pull-touchpoints.ts';
import { readTouchpointCatalog } from './touchpoint-objects.ts';
import { AgedValue } from '../../src/http/aged-value.ts';
import { push } from './push.ts';
import { ensureCustomField, findCustomFields } from './custom-fields.ts';
import { grantFieldAccess } from './field-security.ts';
import { ensureCampaigns, readCampaignMembers, syncMembership } from './campaigns.ts';
import { fetchCustomer, readCurrent } from './live-records.ts';
import { doctor } from './doctor.ts';
import { organizationId } from './field-security.ts';
import { OBJECTS_OF_KIND } from './field-plan.ts';
import { fieldCatalog, restrictNeeds } from './field-catalog.ts';
import { salesforceTasks } from './tasks.ts';
import { readFieldHistory } from './field-history.ts';
import { ensureHistoryTracking } from './history-tracking.ts';

export type { SalesforceConnectorConfig } from './config.ts';
export { minimumCalls, type SyncSize, type CallFloor } from './minimum-calls.ts';
export { SalesforceCursor } from './pull.ts';
export { TouchpointCursor } from './pull-touchpoints.ts';

async function ensureSchema(client: SalesforceClient, spec: JourneyFieldSpec): Promise<SchemaReport> {
  const report: SchemaReport = { created: [], updated: [], unchanged: [], segmentTargets: {} };
  const fullNames: string[] = [];
  const notes: string[] = [];
  const wanted = spec.fields.flatMap((field) => OBJECTS_OF_KIND[field.kind].map((object) => ({ object, field, name: field.name })));
  const existing = await findCustomFields(client, wanted);
  for (const { object, field } of wanted) {
    const fullName = `${object}.${field.name}`;
    fullNames.push(fullName);
    report[await ensureCustomField(client, object, field, spec.group.label, existing.get(fullName.toLowerCase()), notes)].push(fullName);
  }
  if (notes.length > 0) report.notes = notes;
  if (fullNames.length > 0) {
    const grants = await grantFieldAccess(client, fullNames, spec.group.label);
    report.created.push(...grants.created);
    report.updated.push(...grants.updated);
    report.unchanged.push(...grants.unchanged);
  }
  // The stage field's history, so reps see every stage change (after the field exists and is granted).
  const history = await ensureHistoryTracking(client, spec);
  report.updated.push(...history.updated);
  report.unchanged.push(...history.unchanged);
  if (history.notes.length > 0) report.notes = [...(report.notes ?? []), ...history.notes];
  if (spec.segments.length > 0) {
    const campaigns = await ensureCampaigns(client, spec.segments);
    report.created.push(...campaigns.created);
    report.unchanged.push(...campaigns.unchanged);
    report.segmentTargets = campaigns.targets;
  }
  return report;
}

export function createSalesforceConnector(config: SalesforceConnectorConfig): CrmConnector & { crm: 'salesforce' } {
  const client = new SalesforceClient(resolveConfig(config));
  // What the org has (describe): kept across runs in the caller's schema cache (README, "A standard org").
  // Pull and live reads restrict to that read; before any (a caller that never asked) they ask for what they are told.
  const catalog = fieldCatalog(client, config.schemaCache);
  // The touchpoint objects and fields the org has: read once per run (service: at most every 10 minutes); not yet
  // kept in the schema cache.
  const touchpointCatalog = new AgedValue(() => readTouchpointCatalog(client), 10 * 60_000);
  const restricted = (needs: FieldNeeds): FieldNeeds => {
    const known = catalog.last();
    return known ? restrictNeeds(needs, known).needs : needs;
  };
  return {
    crm: 'salesforce',
    // Collections take 200 per call; a chunk well above the Bulk threshold lets big pushes go through Bulk API 2.0.
    pushChunk: Math.max(1_000, Math.ceil((client.config.bulkThreshold * 5) / 200) * 200),
    availableFields: (needs, opts) => catalog.availability((c) => restrictNeeds(needs, c).availability, opts?.refresh ?? false),
    pull: (options) => pull(client, { ...options, fields: restricted(options.fields) }),
    pullTouchpoints: async function* (options) {
      yield* pullTouchpoints(client, options, await touchpointCatalog.current());
    },
    fetchTouchpoints: async (contactId) => fetchTouchpoints(client, contactId, await touchpointCatalog.current()),
    fetchCustomer: (contactId, fields) => fetchCustomer(client, contactId, restricted(fields)),
    async ensureSchema(spec) {
      try {
        return await ensureSchema(client, spec);
      } finally {
        catalog.forget();
      }
    },
    readCurrent: (refs, fieldNames) => readCurrent(client, refs, fieldNames),
    push: (changes) => push(client, changes),
    syncMembership: (change) => syncMembership(client, change),
    accountId: () => organizationId(client),
    readMembership: (targetId) => readCampaignMembers(client, targetId),
    async ensureSegmentTarget(segment) {
      return (await ensureCampaigns(client, [segment])).targets[segment.id] as string;
    },
    doctor: (spec) => doctor(client, spec),
    stats: () => client.stats(),
    tasks: salesforceTasks(client),
    fieldHistory: (ref, fieldName) => readFieldHistory(client, ref, fieldName),
  };
}
