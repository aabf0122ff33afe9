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
import { connect, type RefreshLock } from '../sync/connect.ts';
import { storeSchemaCache } from '../sync/schema-cache.ts';
import type { ServerSettings } from './config.ts';
import { openSecrets, sealSecrets, type HubspotSecrets, type SalesforceSecrets } from './installation-secrets.ts';
import { refreshHubspotToken } from './oauth/hubspot-tokens.ts';
import type { SharedTokens } from '../../connectors/salesforce/config.ts';
import type { SecretBox } from '../secret-box.ts';
import { openTokenSecrets, type SalesforceTokenSecrets } from '../sync/installation-admin.ts';

/** Refresh when less than this is left: a run must not outlive its token (HubSpot: 30 min tokens). */
export const HUBSPOT_REFRESH_MARGIN_MS = 10 * 60_000;

export interface ConnectorSource {
  connectorFor(installation: InstallationRow): Promise<CrmConnector>;
}

export type { RefreshLock };

/** One refresh at a time per installation, within this process. */
export function inProcessRefreshLock(): RefreshLock {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(installation: string, fn: () => Promise<T>): Promise<T> => {
    const run = (tails.get(installation) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => undefined);
    tails.set(installation, tail);
    void tail.then(() => tails.get(installation) === tail && tails.delete(installation));
    return run;
  };
}

export function createConnectorSource(o: { env: Env; settings: ServerSettings; store: Store; box: SecretBox | null; now: () => number; refreshLock?: RefreshLock }): ConnectorSource {
  const cache = new Map<string, { connector: CrmConnector; token?: string; sealed?: string | null }>();
  const refreshing = new Map<string, Promise<HubspotSecrets>>();
  const lock = o.refreshLock ?? inProcessRefreshLock();

  const latestRow = async (id: string): Promise<InstallationRow> => {
    const row = await o.store.getInstallation(id);
    if (!row) throw new ParcoursError('NOT_FOUND', `no installation ${id} (removed?)`, { installation: id });
    return row;
  };

  async function freshHubspotSecrets(row: InstallationRow): Promise<HubspotSecrets> {
    const current = openSecrets(o.box, row) as HubspotSecrets;
    if (current.expiresAt - o.now() > HUBSPOT_REFRESH_MARGIN_MS) return current;
    let pending = refreshing.get(row.id);
    if (!pending) {
      const { HUBSPOT_CLIENT_ID: clientId, HUBSPOT_CLIENT_SECRET: clientSecret } = o.settings;
      if (!clientId || !clientSecret) throw new ParcoursError('CONFIG_INVALID', 'HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET are needed to refresh OAuth tokens', { crm: 'hubspot' });
      pending = lock(row.id, async () => {
        // Another process may have refreshed while this one waited: its token is used, not refreshed again.
        const stored = openSecrets(o.box, await latestRow(row.id)) as HubspotSecrets;
        if (stored.expiresAt - o.now() > HUBSPOT_REFRESH_MARGIN_MS) return stored;
        const next = await refreshHubspotToken({ baseUrl: o.env.HUBSPOT_BASE_URL, clientId, clientSecret }, stored, o.now);
        await o.store.setInstallationSecrets(row.id, sealSecrets(o.box as SecretBox, row.id, next));
        return next;
      }).finally(() => refreshing.delete(row.id));
      refreshing.set(row.id, pending);
    }
    return pending;
  }

  /** The org's tokens shared with the service's other processes through the installation's stored secrets. */
  const sharedTokens = (id: string, stored: () => Promise<{ refreshToken: string; accessToken?: string | undefined }>): SharedTokens => ({
    run: (refresh) => lock(id, async () => {
      const s = await stored();
      return refresh({ refreshToken: s.refreshToken, accessToken: s.accessToken ?? null });
    }),
  });

  /**
   * A Salesforce org whose tokens the store keeps (OAuth and token installations): the connector reads the stored
   * tokens under the refresh lock, and `save` stores what a refresh returned before the lock is released.
   */
  function storedSalesforceConnector(
    row: InstallationRow,
    auth: { instanceUrl: string; loginUrl: string; clientId: string; clientSecret?: string; refreshToken: string },
    tokens: { stored: () => Promise<{ refreshToken: string; accessToken?: string | undefined }>; save: (refreshToken: string, accessToken: string) => Promise<void> },
  ): CrmConnector {
    return createSalesforceConnector({
      ...auth,
      apiVersion: o.env.SALESFORCE_API_VERSION,
      bulkThreshold: o.env.SALESFORCE_BULK_THRESHOLD,
      apiReserve: o.env.SALESFORCE_API_RESERVE,
      campaignNamePrefix: '',
      schemaCache: storeSchemaCache(o.store, row.id),
      sharedTokens: sharedTokens(row.id, tokens.stored),
      onRefreshToken: tokens.save,
    });
  }

  function salesforceConnector(row: InstallationRow): CrmConnector {
    const secrets = openSecrets(o.box, row) as SalesforceSecrets;
    const { SALESFORCE_CLIENT_ID: clientId, SALESFORCE_CLIENT_SECRET: clientSecret } = o.env;
    if (!clientId) throw new ParcoursError('CONFIG_INVALID', 'SALESFORCE_CLIENT_ID is needed for OAuth-installed orgs', { crm: 'salesforce' });
    return storedSalesforceConnector(row, { instanceUrl: secrets.instanceUrl, loginUrl: secrets.loginUrl, clientId, ...(clientSecret ? { clientSecret } : {}), refreshToken: secrets.refreshToken }, {
      stored: async () => openSecrets(o.box, await latestRow(row.id)) as SalesforceSecrets,
      save: async (refreshToken, accessToken) => {
        await o.store.setInstallationSecrets(row.id, sealSecrets(o.box as SecretBox, row.id, { ...secrets, refreshToken, accessToken }));
        secrets.refreshToken = refreshToken;
      },
    });
  }

  function salesforceTokenConnector(row: InstallationRow, secrets: SalesforceTokenSecrets): CrmConnector {
    const { instanceUrl, loginUrl, clientId, clientSecret, refreshToken } = secrets;
    return storedSalesforceConnector(row, { instanceUrl, loginUrl, clientId, clientSecret, refreshToken }, {
      stored: async () => openTokenSecrets(o.box, await latestRow(row.id)) as SalesforceTokenSecrets,
      save: async (rt, at) => {
        secrets.refreshToken = rt;
        secrets.accessToken = at;
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
        const connector = await connect(row.crm, { env: o.env, store: o.store, installation: row.id, refreshLock: lock });
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
