/**
 * One linked sync (issue 16): a HubSpot and a Salesforce installation run as one set of customers.
 *
 * Each side keeps its own connector, credentials, cursors, pacing and budget: each is pulled into its own
 * installation's mirror by the same pull code as a single-CRM run. Then identity (src/journey/identity.ts)
 * pairs the two sides' contacts and the link keeps it (store.replaceLinkIdentity); every customer is
 * evaluated once from its merged view (src/journey/linked.ts) and the same stage, segments and flags are
 * written to both records, each side with its own owned field names and only what changed on that side;
 * each segment's membership goes to the HubSpot list and to the Salesforce campaign; a flag on a deal or
 * ticket is written on the side that holds it. Unlinked customers are evaluated from their side alone;
 * records in a conflict are evaluated per side, never merged.
 */
import type { CrmConnector } from '../../connectors/port.ts';
import type { Engine } from '../journey/engine.ts';
import type { CrmName } from '../model.ts';
import type { LinkRow, RunStatus, Store } from '../store/index.ts';
import type { SyncProgress, SyncSummary } from './run.ts';

export interface LinkedSyncOptions {
  store: Store;
  link: LinkRow;
  /** Compiled from a `crm: linked` mapping (default `mappings/linked.yaml`). */
  engine: Engine;
  /** Each side's own connector (its own credentials, pacing and budget). */
  connectors: Record<CrmName, CrmConnector>;
  mode: 'full' | 'incremental';
  dryRun: boolean;
  /** Evaluation time; the clock is read by the caller. */
  now: number;
  onProgress?: (p: SyncProgress & { side?: CrmName }) => void;
}

export interface LinkedSyncSummary {
  link: string;
  mode: 'full' | 'incremental';
  dryRun: boolean;
  /** The worse of the two sides' (failed > stopped > partial > succeeded). */
  status: Exclude<RunStatus, 'running'>;
  /**
   * Each side's own run (its run row in the store under its installation, `runs --crm` shows it): pulled,
   * written, failed, segments, API calls of that side's connector alone.
   */
  hubspot: SyncSummary;
  salesforce: SyncSummary;
  /** Customers evaluated: linked pairs count once. */
  customers: number;
  /** Pairs matched, by reason. */
  linked: number;
  matchedBy: Record<'integration-id' | 'email', number>;
  /** Customers on one side only (not in a conflict). */
  unlinked: number;
  unlinkedBySide: Record<CrmName, number>;
  /** E-mails on several records of one side (each conflict: its records, evaluated per side). */
  conflicts: number;
  /** Customers per stage (linked pairs once). */
  stages: Record<string, number>;
  startedAt: number;
  finishedAt: number;
}

/** Runs one linked sync. Landed in a later commit of issue 16; no command calls it before then. */
export async function runLinkedSync(options: LinkedSyncOptions): Promise<LinkedSyncSummary> {
  void options;
  throw new Error('runLinkedSync: not yet implemented (issue 16, linked sync commit)');
}
