/**
 * One linked sync (issue 16): a HubSpot and a Salesforce installation run as one set of customers.
 *
 * Each side keeps its own connector, credentials, cursors, pacing and budget: each is one installation
 * run (`startInstallationRun`, the same steps as a single-CRM run: field check, pull into its own mirror,
 * plan, push, memberships, its own run row). The two pulls go side by side (each on its own budget), and
 * no customer is evaluated before both are complete: identity (src/journey/identity.ts) needs both
 * mirrors. The link keeps what identity found (store.replaceLinkIdentity). Then every customer is
 * evaluated once, from its merged view (src/journey/linked.ts), and that one state is planned on each
 * side it is on: the same stage, segments and flags, each side with its own owned names and only what
 * differs from that side's values; a flag on a deal or ticket lands on the side holding the record (a
 * side plans only its own records); segment memberships go to each side's list / campaign. Unlinked
 * customers are evaluated from their side alone; records in a conflict per side, never merged.
 * Follow-up tasks (`actions:`) are not run on a linked installation: the linked mapping has none.
 */
import type { CrmConnector } from '../../connectors/port.ts';
import { ParcoursError } from '../errors.ts';
import { compileEngine, type Engine } from '../journey/engine.ts';
import { matchIdentities } from '../journey/identity.ts';
import { mergeLinkedCustomer } from '../journey/linked.ts';
import { stageTimeline } from '../journey/stage-entry.ts';
import { linkedMissing, sideMapping } from '../mapping/linked.ts';
import { CRMS, type ContactRecord, type CrmName, type Customer, type JourneyState, type LinkedCustomer } from '../model.ts';
import type { LinkRow, RunStatus, Store } from '../store/index.ts';
import { planState } from './plan.ts';
import { startInstallationRun, type InstallationRun, type Planner, type SyncProgress, type SyncSummary } from './run.ts';

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
  /** As `SyncOptions.signal`: each side stops at its next safe point. */
  signal?: AbortSignal;
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

const SEVERITY: Record<Exclude<RunStatus, 'running'>, number> = { succeeded: 0, partial: 1, stopped: 2, failed: 3 };
/** Linked customers evaluated per page: each side's records of a page are planned together (one ledger read each). */
const PAGE = 500;

export async function runLinkedSync(o: LinkedSyncOptions): Promise<LinkedSyncSummary> {
  const mapping = o.engine.mapping;
  if (mapping.crm !== 'linked') {
    throw new ParcoursError('CONFIG_INVALID', `${mapping.file} is not a linked mapping (crm: linked): a linked installation runs mappings/linked.yaml or another linked mapping`, { file: mapping.file });
  }
  for (const crm of CRMS) {
    if (o.connectors[crm].crm !== crm) throw new ParcoursError('CONFIG_INVALID', `link ${o.link.id}: the ${crm} side was given a ${o.connectors[crm].crm} connector`, { link: o.link.id });
  }
  const startedAt = Date.now();
  // Each side: its own run, with the single-CRM view of the mapping (its owned names, its own fields).
  const runs = {} as Record<CrmName, InstallationRun>;
  for (const crm of CRMS) {
    runs[crm] = await startInstallationRun({
      connector: o.connectors[crm],
      store: o.store,
      engine: compileEngine(sideMapping(mapping, crm)),
      installation: o.link[crm],
      mode: o.mode,
      dryRun: o.dryRun,
      now: o.now,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { onProgress: (p: SyncProgress) => o.onProgress?.({ ...p, side: crm }) } : {}),
    });
  }
  const summary: LinkedSyncSummary = {
    link: o.link.id, mode: o.mode, dryRun: o.dryRun, status: 'succeeded', hubspot: runs.hubspot.summary, salesforce: runs.salesforce.summary,
    customers: 0, linked: 0, matchedBy: { 'integration-id': 0, email: 0 }, unlinked: 0, unlinkedBySide: { hubspot: 0, salesforce: 0 }, conflicts: 0,
    stages: {}, startedAt, finishedAt: startedAt,
  };
  try {
    // Both sides side by side: each waits on its own CRM's budget.
    await sideBySide((crm) => runs[crm].prepare());
    // A field of the merged customer is off only when neither side can feed it.
    const missing = linkedMissing({ hubspot: runs.hubspot.options().engine.missing, salesforce: runs.salesforce.options().engine.missing });
    const engine = compileEngine(mapping, { missing });
    await sideBySide((crm) => runs[crm].pull(false));

    const identity = await findIdentity(o.store, o.link);
    await o.store.replaceLinkIdentity(o.link.id, identity, o.now);
    summary.linked = identity.matches.length;
    for (const m of identity.matches) summary.matchedBy[m.reason]++;
    summary.conflicts = identity.conflicts.length;

    let page: LinkedCustomer[] = [];
    const flush = async (): Promise<void> => {
      await evaluatePage(engine, runs, page, o.now, summary);
      page = [];
    };
    for await (const lc of o.store.iterateLinkedCustomers(o.link.id)) {
      page.push(lc);
      if (page.length >= PAGE) await flush();
    }
    await flush();
    // Every record of each side came in the linked iteration: nothing is left to plan; the linked mapping has no tasks.
    await sideBySide((crm) => runs[crm].complete({ rest: false, tasks: false }));
  } catch (error) {
    // Each side settles its own pushes and records its run; the first error that is not a stop is rethrown.
    const thrown: unknown[] = [];
    for (const crm of CRMS) {
      try {
        await runs[crm].fail(error);
      } catch (e) {
        thrown.push(e);
      }
    }
    if (thrown.length > 0) throw thrown[0];
  }
  for (const crm of CRMS) await runs[crm].end();
  summary.status = [runs.hubspot.summary.status, runs.salesforce.summary.status].reduce((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a));
  summary.finishedAt = Date.now();
  return summary;
}

/** Runs a step on both sides at once; waits for both, then throws the first failure. */
async function sideBySide(step: (crm: CrmName) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(CRMS.map(step));
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

/** Identity from the two mirrors: every contact of each side, and the aliases of the Salesforce ids HubSpot holds. */
async function findIdentity(store: Store, link: LinkRow): Promise<ReturnType<typeof matchIdentities>> {
  const hubspot = (await Array.fromAsync(store.iterateContacts(link.hubspot)));
  const salesforce = (await Array.fromAsync(store.iterateContacts(link.salesforce)));
  const held = hubspot.flatMap((c) => [c.integrationIds?.salesforceContactId, c.integrationIds?.salesforceLeadId].filter((id): id is string => typeof id === 'string'));
  const aliases = held.length > 0 ? await store.resolveAliases(link.salesforce, held) : new Map<string, string>();
  return matchIdentities(hubspot, salesforce, { aliases });
}

interface Evaluated {
  state: JourneyState;
  merged: Customer;
}

/** One page of linked customers: each evaluated once, then planned on each side it is on. */
async function evaluatePage(engine: Engine, runs: Record<CrmName, InstallationRun>, page: LinkedCustomer[], now: number, summary: LinkedSyncSummary): Promise<void> {
  if (page.length === 0) return;
  const bySide: Record<CrmName, { customers: Customer[]; evaluated: Map<string, Evaluated> }> = {
    hubspot: { customers: [], evaluated: new Map() },
    salesforce: { customers: [], evaluated: new Map() },
  };
  for (const lc of page) {
    const merged = mergeLinkedCustomer(lc);
    const state = engine.evaluate(merged, now);
    summary.customers++;
    summary.stages[state.stage.id] = (summary.stages[state.stage.id] ?? 0) + 1;
    if (lc.match === null && lc.conflict === null) {
      summary.unlinked++;
      summary.unlinkedBySide[lc.hubspot ? 'hubspot' : 'salesforce']++;
    }
    for (const crm of CRMS) {
      const side = lc[crm];
      if (!side) continue;
      bySide[crm].customers.push(side);
      bySide[crm].evaluated.set(side.contact.id, { state, merged });
    }
  }
  for (const crm of CRMS) {
    const { customers, evaluated } = bySide[crm];
    if (customers.length === 0) continue;
    const planner: Planner = (sideEngine, current, customer, at, types) => {
      const e = evaluated.get(customer.contact.id) as Evaluated;
      return planState({
        mapping: sideEngine.mapping,
        state: asSeenFrom(e.state, customer.contact),
        // The stage was decided on the merged customer: its dated history is replayed there too.
        timeline: (stage) => stageTimeline(engine, e.merged, stage, at),
        current,
        customer,
        now: at,
        types,
      });
    };
    await runs[crm].evaluate(customers, planner);
  }
}

/**
 * The merged state as one side writes it: the contact is that side's record (its ledger, its flags on
 * the contact); flags on deals and tickets stay on the records they name (a side plans only its own).
 */
function asSeenFrom(state: JourneyState, contact: ContactRecord): JourneyState {
  const on = { kind: 'contact' as const, objectType: contact.objectType, id: contact.id };
  return {
    ...state,
    contactId: contact.id,
    friction: state.friction.map((f) => (f.on.kind === 'contact' ? { ...f, on } : f)),
  };
}
