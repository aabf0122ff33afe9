/**
 * Making and resolving links (issue 16) for the CLI (`parcours link`, `links …`, `--link [ID]`) and the admin API
 * (`/api/links`): which installations may be paired, and what `--link` without an id means. The store keeps the
 * rows (src/store/links.ts); this module checks the request against the installations Parcours knows.
 */
import { ENV_LINK_ID, envLink, installationId, type Env } from '../config.ts';
import { ParcoursError } from '../errors.ts';
import type { CrmName } from '../model.ts';
import type { LinkRow, Store } from '../store/index.ts';

export interface LinkRequest {
  hubspot: string;
  salesforce: string;
  id?: string | undefined;
  label?: string | undefined;
}

/**
 * Installations a link may name: those stored (OAuth installs, environment installations the service keeps) and
 * the environment's own (the CLI runs them without a stored row).
 */
async function crmOf(store: Store, env: Env | null, installation: string): Promise<CrmName | null> {
  const row = await store.getInstallation(installation);
  if (row) return row.crm;
  if (env) {
    for (const crm of ['hubspot', 'salesforce'] as const) if (installationId(env, crm) === installation) return crm;
  }
  return null;
}

/** Saves an admin link after checking each side names an installation of that CRM. */
export async function createLink(store: Store, env: Env | null, req: LinkRequest): Promise<LinkRow> {
  for (const crm of ['hubspot', 'salesforce'] as const) {
    const installation = req[crm];
    const found = await crmOf(store, env, installation);
    if (found === null) {
      throw new ParcoursError('NOT_FOUND', `${crm}: no installation "${installation}" (${crm} installations: ${(await known(store, env, crm)).join(', ') || 'none'})`, { installation });
    }
    if (found !== crm) throw new ParcoursError('INPUT_INVALID', `${crm}: installation "${installation}" is a ${found} installation, not a ${crm} one`, { installation });
  }
  const id = req.id ?? defaultLinkId(req.hubspot, req.salesforce);
  if (id === ENV_LINK_ID) throw new ParcoursError('INPUT_INVALID', `link id "${ENV_LINK_ID}" is the environment link's (PARCOURS_LINK); choose another id`);
  const taken = [await store.linkOf(req.hubspot), await store.linkOf(req.salesforce)].find((l) => l && l.id !== id);
  if (taken) {
    throw new ParcoursError('INPUT_INVALID', `installation ${taken.hubspot === req.hubspot ? req.hubspot : req.salesforce} is already in link "${taken.id}" (${taken.hubspot} + ${taken.salesforce}); an installation is in at most one link — remove that link first ("parcours links remove ${taken.id}" or DELETE /api/links/${taken.id})`);
  }
  return await store.saveLink({ id, hubspot: req.hubspot, salesforce: req.salesforce, source: 'admin', label: req.label ?? `${req.hubspot} + ${req.salesforce}` });
}

/** `hubspot-default.salesforce-default`: readable, stable for a pair, valid as a link id and in a URL. */
export function defaultLinkId(hubspot: string, salesforce: string): string {
  const part = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
  return `${part(hubspot)}.${part(salesforce)}`.slice(0, 64);
}

async function known(store: Store, env: Env | null, crm: CrmName): Promise<string[]> {
  const ids = new Set((await store.listInstallations()).filter((i) => i.crm === crm).map((i) => i.id));
  if (env) ids.add(installationId(env, crm));
  return [...ids].sort();
}

/**
 * The link `--link [ID]` names. `true` (no id) is the environment link: PARCOURS_LINK must be set; its row is
 * saved (or brought up to date) on first use so every command and the service see the same link.
 */
export async function resolveLink(store: Store, env: Env, option: string | true): Promise<LinkRow> {
  const stored = option === true ? undefined : await store.getLink(option);
  if (stored && !(stored.id === ENV_LINK_ID && envLink(env))) return stored;
  if (option === true || option === ENV_LINK_ID) {
    const wanted = envLink(env);
    if (!wanted) {
      throw new ParcoursError('CONFIG_INVALID', `--link without an id means the environment link, and PARCOURS_LINK is not set: set PARCOURS_LINK=hubspot,salesforce, or name a link (${(await store.listLinks()).map((l) => l.id).join(', ') || 'none yet: parcours link --hubspot ID --salesforce ID'})`);
    }
    const saved = await store.getLink(ENV_LINK_ID);
    if (saved && saved.hubspot === wanted.hubspot && saved.salesforce === wanted.salesforce) return saved;
    return await store.saveLink({ id: ENV_LINK_ID, hubspot: wanted.hubspot, salesforce: wanted.salesforce, source: 'env', label: 'PARCOURS_LINK' });
  }
  const link = stored;
  if (!link) throw new ParcoursError('NOT_FOUND', `--link: no link "${option}" (links: ${(await store.listLinks()).map((l) => l.id).join(', ') || 'none'}; --link without an id is the environment link, PARCOURS_LINK)`, { link: option });
  return link;
}
