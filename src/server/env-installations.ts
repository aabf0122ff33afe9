/**
 * Credentials given in the environment are installations like the OAuth ones (no stored tokens:
 * the environment stays their source), so webhooks and schedules work without OAuth.
 *
 * Webhooks find an installation by its portal/org id, never by default: when HUBSPOT_PORTAL_ID /
 * SALESFORCE_ORG_ID are unset, the service asks the CRM once (HubSpot account details, Salesforce
 * userinfo) and keeps the answer.
 */
import type { Logger } from 'pino';
import { hubspotConfig, installationId, salesforceConfig, type Env } from '../config.ts';
import type { CrmName } from '../model.ts';
import type { InstallationRow, Store } from '../store/index.ts';
import type { ServerSettings } from './config.ts';
import type { ConnectorSource } from './installation-connectors.ts';
import { ensureWebhookSecret } from './webhook-secrets.ts';

function configured(crm: CrmName, env: Env): boolean {
  try {
    if (crm === 'hubspot') hubspotConfig(env);
    else salesforceConfig(env);
    return true;
  } catch {
    return false;
  }
}

const LABEL: Record<CrmName, string> = { hubspot: 'HubSpot (token from the environment)', salesforce: 'Salesforce (credentials from the environment)' };

interface Logs {
  warn: (obj: object, msg: string) => void;
  info: (obj: object, msg: string) => void;
}

export async function registerEnvInstallations(store: Store, env: Env, settings: ServerSettings, log: Logs): Promise<string[]> {
  const registered: string[] = [];
  for (const crm of ['hubspot', 'salesforce'] as const) {
    if (!configured(crm, env)) continue;
    const id = installationId(env, crm);
    const configuredId = (crm === 'hubspot' ? settings.HUBSPOT_PORTAL_ID : settings.SALESFORCE_ORG_ID) ?? null;
    // Unset in the environment: keep what was learnt from the CRM at an earlier start.
    let externalId = configuredId ?? (await store.getInstallation(id))?.externalId ?? null;
    const holder = externalId === null ? undefined : await store.findInstallation(crm, externalId);
    if (holder && holder.id !== id) {
      log.warn({ installation: id, holder: holder.id }, 'that portal/org is also installed through OAuth; its webhooks go to the OAuth installation');
      externalId = null;
    }
    await store.saveInstallation({ id, crm, externalId, source: 'env', label: LABEL[crm], secrets: null });
    if (crm === 'salesforce') await ensureWebhookSecret(store, id);
    registered.push(id);
  }
  return registered;
}

/** Environment installations without a portal/org id ask the CRM for it, once (the answer is stored). */
export async function learnAccountIds(store: Store, connectors: ConnectorSource, log: Logs): Promise<void> {
  const unknown = (await store.listInstallations()).filter((row: InstallationRow) => row.source === 'env' && row.externalId === null);
  for (const row of unknown) {
    const variable = row.crm === 'hubspot' ? 'HUBSPOT_PORTAL_ID' : 'SALESFORCE_ORG_ID';
    try {
      const externalId = await (await connectors.connectorFor(row)).accountId();
      const holder = await store.findInstallation(row.crm, externalId);
      if (holder && holder.id !== row.id) {
        log.warn({ installation: row.id, holder: holder.id }, 'that portal/org is also installed through OAuth; its webhooks go to the OAuth installation');
        continue;
      }
      await store.saveInstallation({ id: row.id, crm: row.crm, externalId, source: 'env', label: row.label, secrets: null });
      log.info({ installation: row.id, externalId }, `learnt the ${row.crm === 'hubspot' ? 'portal' : 'org'} id from the CRM`);
    } catch (error) {
      log.warn({ installation: row.id, err: { message: error instanceof Error ? error.message : String(error) } }, `could not learn the ${row.crm === 'hubspot' ? 'portal' : 'org'} id: its webhooks are refused until ${variable} is set or the next start learns it`);
    }
  }
}
