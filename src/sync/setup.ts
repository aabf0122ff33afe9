/**
 * `parcours setup`: provisions Parcours's own fields, options and one list/campaign per segment,
 * idempotently, and remembers the segment targets for the syncs. With `actions:`, it also reads and keeps
 * what follow-up tasks need (owners; Salesforce's task values).
 */
import type { CrmConnector, SchemaReport } from '../../connectors/port.ts';
import { compileEngine } from '../journey/engine.ts';
import type { Mapping } from '../mapping/ast.ts';
import type { Store } from '../store/index.ts';
import { checkFields, type DisabledRule } from './field-check.ts';
import { journeyFieldSpec } from './field-spec.ts';
import { refreshRoster } from './owner-roster.ts';
import { storeSchemaCache } from './schema-cache.ts';

export interface SetupReport extends SchemaReport {
  /** Rules that will stay off on this CRM because it lacks a field they read, with the fix. */
  disabled: DisabledRule[];
  /** With `actions:` in the mapping: the users follow-up tasks can go to (read now and kept, owner-roster.ts). */
  tasks?: { activeOwners: number };
}

export async function runSetup(connector: CrmConnector, store: Store, installation: string, mapping: Mapping): Promise<SetupReport> {
  const report = await connector.ensureSchema(journeyFieldSpec(mapping));
  for (const [segmentId, targetId] of Object.entries(report.segmentTargets)) {
    await store.setSetting(installation, `segment-target:${segmentId}`, targetId);
  }
  const { disabled } = await checkFields(connector, compileEngine(mapping), { refresh: true });
  const tasks = await prepareTasks(connector, store, installation, mapping, report);
  return { ...report, disabled, ...tasks };
}

/**
 * With `actions:`: what creating tasks needs (the owner roster; Salesforce's task status and priority values),
 * read now and kept, as the schema is, so the first sync does not pay for it. One that cannot be read is a
 * note, not a failed setup: runs read it again, and `doctor` says what access is missing.
 */
async function prepareTasks(connector: CrmConnector, store: Store, installation: string, mapping: Mapping, report: SchemaReport): Promise<Pick<SetupReport, 'tasks'>> {
  const tasks = connector.tasks;
  if (mapping.actions.length === 0 || !tasks) return {};
  try {
    // Side by side: on Salesforce the User query and the two picklist queries share one Composite call.
    // `prepare` first: the owners read then finds the picklist read under way and starts no second one, which
    // nobody would wait for and which could outlive setup (and, with a rotating refresh token, refresh
    // beside the next run's connector).
    const prepared = tasks.prepare?.();
    const [roster] = await Promise.all([refreshRoster(tasks, storeSchemaCache(store, installation)), prepared]);
    return { tasks: { activeOwners: [...roster.byId.values()].filter(Boolean).length } };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    (report.notes ??= []).push(`follow-up tasks: could not read the users to assign them to (${why}); each run tries again — run doctor to see what access is missing`);
    return {};
  }
}
