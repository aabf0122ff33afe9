/** What most commands need: environment, store, mapping, engine and connector for one CRM. */
import type { CrmConnector } from '../../connectors/port.ts';
import { defaultLinkedMapping, defaultMapping, installationId, readEnv, type Env } from '../config.ts';
import { ParcoursError } from '../errors.ts';
import { compileEngine, type Engine } from '../journey/engine.ts';
import { loadMapping } from '../mapping/load.ts';
import { CRMS, type CrmName } from '../model.ts';
import { type LinkRow, type Store } from '../store/index.ts';
import { openStoreFor } from '../store/open.ts';
import { adoptStoredBudget, storeBudget } from '../sync/budget-state.ts';
import { connect } from '../sync/connect.ts';
import { resolveLink } from '../sync/link-admin.ts';

export interface CommandContext {
  env: Env;
  crm: CrmName;
  installation: string;
  store: Store;
  engine: Engine;
  connector: CrmConnector;
  close(): void;
}

export function parseCrm(value: string | undefined): CrmName {
  if (!value) throw new ParcoursError('INPUT_INVALID', `--crm is required: ${CRMS.join(' or ')}`);
  if (!(CRMS as readonly string[]).includes(value)) throw new ParcoursError('INPUT_INVALID', `--crm: unknown CRM "${value}"; expected ${CRMS.join(' or ')}`);
  return value as CrmName;
}

export async function openContext(crmOption: string | undefined, opts: { mapping?: string; needConnector?: boolean } = {}): Promise<CommandContext> {
  const crm = parseCrm(crmOption);
  const env = readEnv();
  // The mapping is checked before anything else: a bad mapping fails before any call or write.
  const engine = compileEngine(loadMapping(opts.mapping ?? defaultMapping(env, crm)));
  if (engine.mapping.crm === 'linked') {
    throw new ParcoursError('CONFIG_INVALID', `${engine.mapping.file} is a linked mapping (crm: linked): run it with --link, or give --crm a ${crm} mapping`, { file: engine.mapping.file });
  }
  const store = await openStoreFor(env);
  const installation = installationId(env, crm);
  let connector: CrmConnector;
  try {
    connector = await connect(crm, { env, store, installation });
    await adoptStoredBudget(store, installation, connector);
  } catch (error) {
    await store.close();
    throw error;
  }
  return { env, crm, installation, store, engine, connector, close: async () => await keepBudgetAndClose(store, [[installation, connector]]) };
}

/**
 * The next command may run a second later in a new process: it starts from the budget this one heard last
 * (HubSpot search in particular counts per account across processes and says nothing back). Keeping it is best
 * effort: a store that fails here has already kept everything the command wrote.
 */
async function keepBudgetAndClose(store: Store, held: Array<[string, CrmConnector]>): Promise<void> {
  try {
    for (const [installation, connector] of held) await storeBudget(store, installation, connector).catch(() => undefined);
  } finally {
    await store.close();
  }
}

/** What linked commands need (issue 16): the link, its two installations' connectors, the linked engine. */
export interface LinkContext {
  env: Env;
  link: LinkRow;
  store: Store;
  /** Compiled from a `crm: linked` mapping (default mappings/linked.yaml or PARCOURS_LINK_MAPPING). */
  engine: Engine;
  connectors: Record<CrmName, CrmConnector>;
  close(): void;
}

/**
 * `--link [ID]`: the stored link with that id, or without one (`true`) the environment's (`PARCOURS_LINK`),
 * saved in the store on first use. Each side's connector is built from the environment's credentials for
 * that CRM, on that side's installation (its own cursors, schema cache and tokens).
 */
export async function openLinkContext(linkOption: string | true, opts: { mapping?: string } = {}): Promise<LinkContext> {
  const env = readEnv();
  const engine = compileEngine(loadMapping(opts.mapping ?? defaultLinkedMapping(env)));
  if (engine.mapping.crm !== 'linked') {
    throw new ParcoursError('CONFIG_INVALID', `${engine.mapping.file} is not a linked mapping (crm: linked): give --mapping a linked mapping, e.g. mappings/linked.yaml`, { file: engine.mapping.file });
  }
  const store = await openStoreFor(env);
  try {
    const link = await resolveLink(store, env, linkOption);
    const connectors = {
      hubspot: await connect('hubspot', { env, store, installation: link.hubspot }),
      salesforce: await connect('salesforce', { env, store, installation: link.salesforce }),
    };
    await adoptStoredBudget(store, link.hubspot, connectors.hubspot);
    await adoptStoredBudget(store, link.salesforce, connectors.salesforce);
    return { env, link, store, engine, connectors, close: async () => await keepBudgetAndClose(store, [[link.hubspot, connectors.hubspot], [link.salesforce, connectors.salesforce]]) };
  } catch (error) {
    await store.close();
    throw error;
  }
}

