/**
 * The work the service does for an installation — syncs, webhook recomputes, rollbacks — each run
 * in the installation's lane of the work queue, with setup done once before the first write and
 * metrics recorded after every run.
 */
import type { Logger } from 'pino';
import type { CrmConnector } from '../../connectors/port.ts';
import { defaultMapping, type Env } from '../config.ts';
import { ParcoursError } from '../errors.ts';
import { compileEngine, type Engine } from '../journey/engine.ts';
import { loadMapping } from '../mapping/load.ts';
import type { CrmName } from '../model.ts';
import type { InstallationRow, Store } from '../store/index.ts';
import { recomputeCustomers, type RecomputeSummary } from '../sync/recompute.ts';
import { rollbackRun, type RollbackReport } from '../sync/rollback.ts';
import { runSync, type SyncSummary } from '../sync/run.ts';
import { runSetup } from '../sync/setup.ts';
import type { ConnectorSource } from './installation-connectors.ts';
import type { Metrics } from './metrics.ts';
import type { ChangeBatch, WorkQueue } from './work-queue.ts';

export interface Jobs {
  sync(installationId: string, o: { mode: 'full' | 'incremental'; dryRun: boolean }): Promise<SyncSummary>;
  /** Queues changed records/customers; they are recomputed in batches. */
  changed(installationId: string, changes: Partial<ChangeBatch>): void;
  rollback(runId: number): Promise<RollbackReport>;
  engineFor(crm: CrmName): Engine;
}

export interface JobsOptions {
  env: Env;
  store: Store;
  queue: WorkQueue;
  connectors: ConnectorSource;
  metrics: Metrics;
  log: Logger;
  now: () => number;
  /** Called after each webhook batch is written (benchmarks and tests observe latency through it). */
  onRecomputed?: (summary: RecomputeSummary, batch: ChangeBatch) => void;
}

export function createJobs(o: JobsOptions): Jobs {
  const engines = new Map<CrmName, Engine>();
  const setUp = new Set<string>();

  const engineFor = (crm: CrmName): Engine => {
    let e = engines.get(crm);
    if (!e) engines.set(crm, (e = compileEngine(loadMapping(defaultMapping(o.env, crm)))));
    return e;
  };

  const installation = (id: string): InstallationRow => {
    const row = o.store.getInstallation(id);
    if (!row) throw new ParcoursError('NOT_FOUND', `no installation ${id}`, { installation: id });
    return row;
  };

  /** Owned fields and lists exist before anything is written (idempotent; once per process). */
  async function ready(row: InstallationRow, connector: CrmConnector, engine: Engine): Promise<void> {
    if (setUp.has(row.id)) return;
    const missing = engine.mapping.segments.some((s) => o.store.getSetting(row.id, `segment-target:${s.id}`) === undefined);
    if (missing) {
      o.log.info({ installation: row.id }, 'provisioning owned fields and segment lists');
      await runSetup(connector, o.store, row.id, engine.mapping);
    }
    setUp.add(row.id);
  }

  const observe = (crm: CrmName, mode: string, s: { status: string; written: number; apiCalls: SyncSummary['apiCalls'] }): void => {
    o.metrics.runFinished(crm, mode, s.status);
    o.metrics.recordsWritten(crm, s.written);
    o.metrics.apiCalls(crm, s.apiCalls.byEndpoint, s.apiCalls.rateLimited);
  };

  async function recompute(id: string, batch: ChangeBatch): Promise<void> {
    const row = installation(id);
    const engine = engineFor(row.crm);
    const connector = await o.connectors.connectorFor(row);
    await ready(row, connector, engine);
    let summary: RecomputeSummary;
    try {
      summary = await recomputeCustomers({ connector, store: o.store, engine, installation: id, contactIds: batch.contactIds, records: batch.records, now: o.now() });
    } catch (error) {
      o.metrics.runFinished(row.crm, 'webhook', 'failed');
      throw error;
    }
    observe(row.crm, 'webhook', summary);
    if (batch.oldestEventAt !== null) o.metrics.webhookLag(row.crm, Math.max(0, (Date.now() - batch.oldestEventAt) / 1000));
    o.log.info({ installation: id, runId: summary.runId, status: summary.status, customers: summary.customers, written: summary.written, failed: summary.failed.length }, 'webhook changes applied');
    o.onRecomputed?.(summary, batch);
  }

  return {
    engineFor,
    sync(id, s) {
      const row = installation(id);
      // Identical requests share one run: the key names what would be done.
      return o.queue.run(id, `sync:${s.mode}:${s.dryRun}`, async () => {
        const engine = engineFor(row.crm);
        const connector = await o.connectors.connectorFor(row);
        if (!s.dryRun) await ready(row, connector, engine);
        let summary: SyncSummary;
        try {
          summary = await runSync({ connector, store: o.store, engine, installation: id, mode: s.mode, dryRun: s.dryRun, now: o.now() });
        } catch (error) {
          o.metrics.runFinished(row.crm, s.mode, 'failed');
          throw error;
        }
        observe(row.crm, s.mode, summary);
        o.log.info({ installation: id, runId: summary.runId, mode: s.mode, dryRun: s.dryRun, status: summary.status, written: summary.written }, 'sync finished');
        return summary;
      });
    },
    changed(id, changes) {
      o.queue.addChanges(id, changes, (batch) => recompute(id, batch));
    },
    async rollback(runId) {
      const run = o.store.getRun(runId);
      if (!run) throw new ParcoursError('NOT_FOUND', `run ${runId} does not exist`, { runId });
      const row = installation(run.installation);
      return o.queue.run(row.id, `rollback:${runId}`, async () => {
        const connector = await o.connectors.connectorFor(row);
        const report = await rollbackRun(connector, o.store, row.id, runId, o.now());
        o.metrics.runFinished(row.crm, 'rollback', report.failed.length ? 'partial' : 'succeeded');
        o.metrics.recordsWritten(row.crm, report.restored);
        return report;
      });
    },
  };
}
