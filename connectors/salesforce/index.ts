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
import { touchpointCatalog as keptTouchpointCatalog, type TouchpointCatalog } from './touchpoint-objects.ts';
import { push } from './push.ts';
import { ensureCustomField, findCustomFields } from './custom-fields.ts';
import { grantFieldAccess } from './field-security.ts';
import { MembershipReader, MembershipWriter, ensureCampaigns } from './campaigns.ts';
import { fetchCustomer, readCurrent } from './live-records.ts';
import { doctor } from './doctor.ts';
import { organizationId } from './field-security.ts';
import { OBJECTS_OF_KIND } from './field-plan.ts';
import { fieldCatalog, restrictNeeds } from './field-catalog.ts';
import { salesforceTasks } from './tasks.ts';
import { readFieldHistory } from './field-history.ts';
import { ensureHistoryTracking } from './history-tracking.ts';

export type { SalesforceConnectorConfig } from './config.ts';
export { minimumCalls, minimumTouchpointCalls, minimumWriteCalls, type SyncSize, type CallFloor, type WriteSize } from './minimum-calls.ts';
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
  // The touchpoint objects and fields the org has, kept in the schema cache too: read again when the field
  // catalogue is (full runs, setup, doctor), in the same Composite call as its describes.
  const touchpoints = keptTouchpointCatalog(client, config.schemaCache);
  let touchpointRead: Promise<TouchpointCatalog> | null = null;
  const touchpointCatalog = async (): Promise<TouchpointCatalog> => {
    if (touchpointRead) {
      const read = touchpointRead;
      touchpointRead = null;
      // A failed early read is tried again below, where the caller sees its error.
      const value = await read.catch(() => null);
      if (value) return value;
    }
    return touchpoints.current();
  };
  // Membership changes asked for together (the core syncs every segment at once) are written together.
  const memberships = new MembershipWriter(client);
  const membershipReads = new MembershipReader(client);
  const restricted = (needs: FieldNeeds): FieldNeeds => {
    const known = catalog.last();
    return known ? restrictNeeds(needs, known).needs : needs;
  };
  return {
    crm: 'salesforce',
    // Collections take 200 per call; a chunk well above the Bulk threshold lets big pushes go through Bulk API 2.0,
    // and at least 100,000 keeps one ingest job per object for most runs (a job costs the same calls at any size,
    // up to its 150 MB upload: far more than 100,000 rows of owned fields).
    pushChunk: Math.max(100_000, Math.ceil((client.config.bulkThreshold * 5) / 200) * 200),
    availableFields: async (needs, opts) => {
      const refresh = await catalog.needsRefresh(opts);
      if (refresh) {
        touchpointRead = touchpoints.refresh();
        touchpointRead.catch(() => undefined);
      }
      return catalog.availability((c) => restrictNeeds(needs, c).availability, refresh);
    },
    pull: (options) => pull(client, { ...options, fields: restricted(options.fields) }),
    pullTouchpoints: async function* (options) {
      yield* pullTouchpoints(client, options, await touchpointCatalog());
    },
    fetchTouchpoints: async (contactId) => fetchTouchpoints(client, contactId, await touchpointCatalog()),
    fetchCustomer: (contactId, fields) => fetchCustomer(client, contactId, restricted(fields)),
    async ensureSchema(spec) {
      try {
        return await ensureSchema(client, spec);
      } finally {
        await catalog.forget();
        await touchpoints.forget();
      }
    },
    readCurrent: (refs, fieldNames) => readCurrent(client, refs, fieldNames),
    push: (changes) => push(client, changes),
    syncMembership: (change) => memberships.sync(change),
    accountId: () => organizationId(client),
    readMembership: (targetId) => membershipReads.read(targetId),
    async ensureSegmentTarget(segment) {
      return (await ensureCampaigns(client, [segment])).targets[segment.id] as string;
    },
    doctor: (spec) => doctor(client, spec),
    stats: () => client.stats(),
    budget: () => client.budget(),
    adoptBudget: (state) => client.adoptBudget(state),
    tasks: salesforceTasks(client, config.schemaCache),
    fieldHistory: (ref, fieldName) => readFieldHistory(client, ref, fieldName),
  };
}
