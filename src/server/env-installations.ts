/**
 * Credentials given in the environment are installations like the OAuth ones (no stored tokens:
 * the environment stays their source), so webhooks and schedules work without OAuth.
 */
import type { Logger } from 'pino';
import { hubspotConfig, installationId, salesforceConfig, type Env } from '../config.ts';
import type { CrmName } from '../model.ts';
import type { Store } from '../store/index.ts';
import type { ServerSettings } from './config.ts';

function configured(crm: CrmName, env: Env): boolean {
  try {
    if (crm === 'hubspot') hubspotConfig(env);
    else salesforceConfig(env);
    return true;
  } catch {
    return false;
  }
}

export function registerEnvInstallations(store: Store, env: Env, settings: ServerSettings, log: Logger): string[] {
  const registered: string[] = [];
  for (const crm of ['hubspot', 'salesforce'] as const) {
    if (!configured(crm, env)) continue;
    const id = installationId(env, crm);
    let externalId = (crm === 'hubspot' ? settings.HUBSPOT_PORTAL_ID : settings.SALESFORCE_ORG_ID) ?? null;
    const holder = externalId === null ? undefined : store.findInstallation(crm, externalId);
    if (holder && holder.id !== id) {
      log.warn({ installation: id, holder: holder.id }, 'that portal/org is also installed through OAuth; its webhooks go to the OAuth installation');
      externalId = null;
    }
    const label = crm === 'hubspot' ? 'HubSpot (token from the environment)' : 'Salesforce (credentials from the environment)';
    store.saveInstallation({ id, crm, externalId, source: 'env', label, secrets: null });
    registered.push(id);
  }
  return registered;
}
