/**
 * `parcours setup`: provisions Parcours's own fields, options and one list/campaign per segment,
 * idempotently, and remembers the segment targets for the syncs.
 */
import type { CrmConnector, SchemaReport } from '../../connectors/port.ts';
import type { Mapping } from '../mapping/ast.ts';
import type { Store } from '../store/index.ts';
import { journeyFieldSpec } from './field-spec.ts';

export async function runSetup(connector: CrmConnector, store: Store, installation: string, mapping: Mapping): Promise<SchemaReport> {
  const report = await connector.ensureSchema(journeyFieldSpec(mapping));
  for (const [segmentId, targetId] of Object.entries(report.segmentTargets)) {
    store.setSetting(installation, `segment-target:${segmentId}`, targetId);
  }
  return report;
}
