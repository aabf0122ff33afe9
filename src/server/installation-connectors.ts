/**
 * The connector for an installation. Environment installations go through `connect()` like the CLI;
 * OAuth installations are built from their sealed tokens: HubSpot's access token is refreshed ahead of
 * expiry (one refresh at a time per installation) and re-sealed; Salesforce's connector refreshes by
 * itself and hands us rotated refresh tokens, which are re-sealed at once (Refresh Token Rotation).
 * Token installations (`POST /api/installations`) carry their own credentials: a HubSpot token used as is,
 * or a Salesforce connected app (client id and secret) with its refresh token, re-sealed when rotated.
 * Their connector is rebuilt whenever the stored credentials change (the same portal added again).
 */
import type { CrmConnector } from '../../connectors/port.ts';
import { createHubspotConnector } from '../../connectors/hubspot/index.ts';
import { createSalesforceConnector } from '../../connectors/salesforce/index.ts';
import type { Env } from '../config.ts';
import { ParcoursError } from '../errors.ts';
import type { InstallationRow, Store } from '../store/index.ts';
import { connect } from '../sync/connect.ts';
import { storeSchemaCache } from '../sync/schema-cache.ts';
import type { ServerSettings } from './config.ts';
import { openSecrets, sealSecrets, type HubspotSecrets, type SalesforceSecrets } from './installation-secrets.ts';
import { refreshHubspotToken } from './oauth/hubspot-tokens.ts';
import type { SecretBox } from '../secret-box.ts';
import { openTokenSecrets, type SalesforceTokenSecrets } from '../sync/installation-admin.ts';

/** Refresh when less than this is left: a run must not outlive its token (HubSpot: 30 min tokens). */
export const HUBSPOT_REFRESH_MARGIN_MS = 10 * 60_000;

export interface ConnectorSource {
  connectorFor(installation: InstallationRow): Promise<CrmConnector>;
}

export function createConnectorSource(o: { env: Env; settings: ServerSettings; store: Store; box: SecretBox | null; now: () => number }): ConnectorSource {
  const cache = new Map<string, { connector: CrmConnector; token?: string; sealed?: string | null }>();
  const refreshing = new Map<string, Promise<HubspotSecrets>>();

  async function freshHubspotSecrets(row: InstallationRow): Promise<HubspotSecrets> {
    const current = openSecrets(o.box, row) as HubspotSecrets;
    if (current.expiresAt - o.now() > HUBSPOT_REFRESH_MARGIN_MS) return current;
    let pending = refreshing.get(row.id);
    if (!pending) {
      const { HUBSPOT_CLIENT_ID: clientId, HUBSPOT_CLIENT_SECRET: clientSecret } = o.settings;
      if (!clientId || !clientSecret) throw new ParcoursError('CONFIG_INVALID', 'HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET are needed to refresh OAuth tokens', { crm: 'hubspot' });
      pending = refreshHubspotToken({ baseUrl: o.env.HUBSPOT_BASE_URL, clientId, clientSecret }, current, o.now)
        .then(async (next) => {
          await o.store.setInstallationSecrets(row.id, sealSecrets(o.box as SecretBox, row.id, next));
          return next;
        })
        .finally(() => refreshing.delete(row.id));
      refreshing.set(row.id, pending);
    }
    return pending;
  }

  function salesforceConnector(row: InstallationRow): CrmConnector {
    const secrets = openSecrets(o.box, row) as SalesforceSecrets;
    const { SALESFORCE_CLIENT_ID: clientId, SALESFORCE_CLIENT_SECRET: clientSecret } = o.env;
    if (!clientId) throw new ParcoursError('CONFIG_INVALID', 'SALESFORCE_CLIENT_ID is needed for OAuth-installed orgs', { crm: 'salesforce' });
    return createSalesforceConnector({
      instanceUrl: secrets.instanceUrl,
      loginUrl: secrets.loginUrl,
      clientId,
      ...(clientSecret ? { clientSecret } : {}),
      refreshToken: secrets.refreshToken,
      apiVersion: o.env.SALESFORCE_API_VERSION,
      bulkThreshold: o.env.SALESFORCE_BULK_THRESHOLD,
      apiReserve: o.env.SALESFORCE_API_RESERVE,
      campaignNamePrefix: '',
      schemaCache: storeSchemaCache(o.store, row.id),
      onRefreshToken: async (refreshToken) => {
        await o.store.setInstallationSecrets(row.id, sealSecrets(o.box as SecretBox, row.id, { ...secrets, refreshToken }));
        secrets.refreshToken = refreshToken;
      },
    });
  }

  function salesforceTokenConnector(row: InstallationRow, secrets: SalesforceTokenSecrets): CrmConnector {
    return createSalesforceConnector({
      instanceUrl: secrets.instanceUrl,
      loginUrl: secrets.loginUrl,
      clientId: secrets.clientId,
      clientSecret: secrets.clientSecret,
      refreshToken: secrets.refreshToken,
      apiVersion: o.env.SALESFORCE_API_VERSION,
      bulkThreshold: o.env.SALESFORCE_BULK_THRESHOLD,
      apiReserve: o.env.SALESFORCE_API_RESERVE,
      campaignNamePrefix: '',
      schemaCache: storeSchemaCache(o.store, row.id),
      onRefreshToken: async (refreshToken) => {
        secrets.refreshToken = refreshToken;
        const sealed = (o.box as SecretBox).seal(JSON.stringify(secrets), row.id);
        await o.store.setInstallationSecrets(row.id, sealed);
        // Our own write: the cached connector already holds the rotated token.
        const entry = cache.get(row.id);
        if (entry) entry.sealed = sealed;
      },
    });
  }

  async function tokenConnector(row: InstallationRow): Promise<CrmConnector> {
    const latest = await o.store.getInstallation(row.id);
    if (!latest) throw new ParcoursError('NOT_FOUND', `no installation ${row.id} (removed?)`, { installation: row.id });
    const cached = cache.get(row.id);
    if (cached && cached.sealed === latest.secrets) return cached.connector;
    const secrets = openTokenSecrets(o.box, latest);
    const connector = secrets.crm === 'hubspot'
      ? createHubspotConnector({ accessToken: secrets.accessToken, baseUrl: o.env.HUBSPOT_BASE_URL, authKind: 'private-app', listNamePrefix: '', schemaCache: storeSchemaCache(o.store, row.id) })
      : salesforceTokenConnector(latest, secrets);
    cache.set(row.id, { connector, sealed: latest.secrets });
    return connector;
  }

  return {
    async connectorFor(row) {
      if (row.source === 'token') return tokenConnector(row);
      const cached = cache.get(row.id);
      if (row.source === 'env') {
        if (cached) return cached.connector;
        const connector = await connect(row.crm, { env: o.env, store: o.store, installation: row.id });
        cache.set(row.id, { connector });
        return connector;
      }
      if (row.crm === 'salesforce') {
        if (cached) return cached.connector;
        const connector = salesforceConnector(row);
        cache.set(row.id, { connector });
        return connector;
      }
      const latest = await o.store.getInstallation(row.id) ?? row;
      const secrets = await freshHubspotSecrets(latest);
      if (cached && cached.token === secrets.accessToken) return cached.connector;
      const connector = createHubspotConnector({ accessToken: secrets.accessToken, baseUrl: o.env.HUBSPOT_BASE_URL, authKind: 'oauth', listNamePrefix: '', schemaCache: storeSchemaCache(o.store, row.id) });
      cache.set(row.id, { connector, token: secrets.accessToken });
      return connector;
    },
  };
}
