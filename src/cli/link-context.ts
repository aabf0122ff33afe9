/**
 * `--link [ID]` (issue 16): the link a command names and, for commands that call the CRMs (setup, doctor),
 * each side's engine and connector. Without an id, the environment link (`PARCOURS_LINK`).
 */
import type { CrmConnector } from '../../connectors/port.ts';
import { defaultLinkedMapping, installationId, readEnv, type Env } from '../config.ts';
import { ParcoursError } from '../errors.ts';
import { compileEngine, type Engine } from '../journey/engine.ts';
import { sideMapping } from '../mapping/linked.ts';
import { loadMapping } from '../mapping/load.ts';
import { CRMS, type CrmName } from '../model.ts';
import { type LinkRow, type Store } from '../store/index.ts';
import { openStoreFor } from '../store/open.ts';
import { connect } from '../sync/connect.ts';
import { resolveLink } from '../sync/link-admin.ts';

export interface LinkSide {
  crm: CrmName;
  installation: string;
  engine: Engine;
  connector: CrmConnector;
}

export interface LinkSides {
  env: Env;
  store: Store;
  link: LinkRow;
  sides: Record<CrmName, LinkSide>;
  close(): void;
}

/** Exactly one of `--crm` / `--link`. */
export function crmOrLink(opts: { crm?: string | undefined; link?: string | true | undefined }): 'crm' | 'link' {
  if (opts.crm !== undefined && opts.link !== undefined) throw new ParcoursError('INPUT_INVALID', '--crm and --link: give one (--link runs on both CRMs of the link)');
  if (opts.crm === undefined && opts.link === undefined) throw new ParcoursError('INPUT_INVALID', `--crm (${CRMS.join(' or ')}) or --link [ID] is required`);
  return opts.crm !== undefined ? 'crm' : 'link';
}

/** The link alone (store-only commands: runs, report, explain, links). */
export async function openLink(option: string | true): Promise<{ env: Env; store: Store; link: LinkRow; close(): void }> {
  const env = readEnv();
  const store = await openStoreFor(env);
  try {
    return { env, store, link: await resolveLink(store, env, option), close: async () => await store.close() };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/**
 * The link with each side connected. The CLI holds credentials for the environment's installations only, so
 * each side must be one of them (installations made by OAuth installs are the service's); each side's mapping is
 * the linked mapping's view of it (`sideMapping`: that CRM's owned names, lists / campaigns and rules).
 */
export async function openLinkSides(option: string | true, mapping?: string): Promise<LinkSides> {
  const base = await openLink(option);
  try {
    // Each side as the linked sync runs it: the linked mapping's view for that CRM (its owned names, lists).
    const linked = loadMapping(mapping ?? defaultLinkedMapping(base.env));
    const sides = {} as Record<CrmName, LinkSide>;
    for (const crm of CRMS) {
      const installation = base.link[crm];
      if (installation !== installationId(base.env, crm)) {
        throw new ParcoursError('CONFIG_INVALID', `link ${base.link.id}: its ${crm} side is installation "${installation}", whose credentials the service holds, not this environment (which has ${installationId(base.env, crm)}); use the service (POST /api/links/${base.link.id}/sync) or link the environment's installations`, { installation });
      }
      const engine = compileEngine(sideMapping(linked, crm));
      sides[crm] = { crm, installation, engine, connector: await connect(crm, { env: base.env, store: base.store, installation }) };
    }
    return { ...base, sides };
  } catch (error) {
    await base.close();
    throw error;
  }
}
