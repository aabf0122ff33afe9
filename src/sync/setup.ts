/**
 * `parcours setup`: provisions Parcours's own fields, options and one list/campaign per segment,
 * idempotently, and remembers the segment targets for the syncs.
 */
import type { CrmConnector, SchemaReport } from '../../connectors/port.ts';
import { compileEngine } from '../journey/engine.ts';
import type { Mapping } from '../mapping/ast.ts';
import type { Store } from '../store/index.ts';
import { checkFields, type DisabledRule } from './field-check.ts';
import { journeyFieldSpec } from './field-spec.ts';

export interface SetupReport extends SchemaReport {
  /** Rules that will stay off on this CRM because it lacks a field they read, with the fix. */
  disabled: DisabledRule[];
}

export async function runSetup(connector: CrmConnector, store: Store, installation: string, mapping: Mapping): Promise<SetupReport> {
  const report = await connector.ensureSchema(journeyFieldSpec(mapping));
  for (const [segmentId, targetId] of Object.entries(report.segmentTargets)) {
    await store.setSetting(installation, `segment-target:${segmentId}`, targetId);
  }
  const { disabled } = await checkFields(connector, compileEngine(mapping), { refresh: true });
  return { ...report, disabled };
}
