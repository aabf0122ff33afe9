/** What most commands need: environment, store, mapping, engine and connector for one CRM. */
import type { CrmConnector } from '../../connectors/port.ts';
import { defaultMapping, installationId, readEnv, type Env } from '../config.ts';
import { ParcoursError } from '../errors.ts';
import { compileEngine, type Engine } from '../journey/engine.ts';
import { loadMapping } from '../mapping/load.ts';
import { CRMS, type CrmName } from '../model.ts';
import { openStore, type Store } from '../store/index.ts';
import { connect } from '../sync/connect.ts';

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

export function openContext(crmOption: string | undefined, opts: { mapping?: string; needConnector?: boolean } = {}): CommandContext {
  const crm = parseCrm(crmOption);
  const env = readEnv();
  // The mapping is checked before anything else: a bad mapping fails before any call or write.
  const engine = compileEngine(loadMapping(opts.mapping ?? defaultMapping(env, crm)));
  const store = openStore(env.PARCOURS_DB);
  const installation = installationId(env, crm);
  let connector: CrmConnector;
  try {
    connector = connect(crm, { env, store, installation });
  } catch (error) {
    store.close();
    throw error;
  }
  return { env, crm, installation, store, engine, connector, close: () => store.close() };
}
