/**
 * Builds the connector for a CRM from typed configuration. The one place that knows both the
 * configuration and the connector factories; the engine and the connectors never meet.
 */
import { readFileSync } from 'node:fs';
import type { CrmConnector } from '../../connectors/port.ts';
import { createHubspotConnector } from '../../connectors/hubspot/index.ts';
import { createSalesforceConnector } from '../../connectors/salesforce/index.ts';
import type { SharedTokens } from '../../connectors/salesforce/config.ts';
import { hubspotConfig, salesforceConfig, type Env } from '../config.ts';
import { ParcoursError } from '../errors.ts';
import type { CrmName } from '../model.ts';
import { createSecretBox, type SecretBox } from '../secret-box.ts';
import type { Store } from '../store/index.ts';
import { storeSchemaCache } from './schema-cache.ts';

/**
 * Runs one token refresh of an installation at a time: within a process, or across the service's processes
 * (PostgreSQL advisory lock, src/server/installation-lock.ts).
 */
export type RefreshLock = <T>(installation: string, fn: () => Promise<T>) => Promise<T>;

export interface ConnectOptions {
  env: Env;
  store: Store;
  installation: string;
  /** The service's processes share a Salesforce org's tokens through the store under this lock (issue 15). */
  refreshLock?: RefreshLock;
}

export async function connect(crm: CrmName, o: ConnectOptions): Promise<CrmConnector> {
  if (crm === 'hubspot') {
    const cfg = hubspotConfig(o.env);
    // Segment list names arrive complete from the mapping (writeback.segment_list_prefix).
    return createHubspotConnector({ ...cfg, listNamePrefix: '', schemaCache: storeSchemaCache(o.store, o.installation) });
  }
  const cfg = salesforceConfig(o.env);
  let keyPem: string | undefined;
  if (cfg.jwt) {
    try {
      keyPem = readFileSync(cfg.jwt.keyFile, 'utf8');
    } catch (error) {
      throw new ParcoursError('CONFIG_INVALID', `SALESFORCE_JWT_KEY_FILE: cannot read ${cfg.jwt.keyFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { crm: 'salesforce' });
    }
  }
  // A rotated refresh token (Refresh Token Rotation) replaces the one in the environment on the next
  // run: reusing the old one would revoke the whole token family. Stored sealed, never in the clear
  // (`plain:` values written by older versions are still read).
  const box = o.env.PARCOURS_SECRET_KEY ? createSecretBox(o.env.PARCOURS_SECRET_KEY) : null;
  const stored = await o.store.getSetting(o.installation, REFRESH_KEY);
  const rotated = stored === undefined ? undefined : openStored(stored, box, o.installation);
  const refreshToken = rotated ?? cfg.refreshToken;
  let last = refreshToken;
  return createSalesforceConnector({
    ...(cfg.instanceUrl ? { instanceUrl: cfg.instanceUrl } : {}),
    ...(cfg.accessToken ? { accessToken: cfg.accessToken } : {}),
    loginUrl: cfg.loginUrl,
    ...(cfg.clientId ? { clientId: cfg.clientId } : {}),
    ...(cfg.clientSecret ? { clientSecret: cfg.clientSecret } : {}),
    ...(refreshToken ? { refreshToken } : {}),
    ...(cfg.jwt && keyPem ? { jwt: { keyPem, username: cfg.jwt.username } } : {}),
    apiVersion: cfg.apiVersion,
    bulkThreshold: cfg.bulkThreshold,
    apiReserve: cfg.apiReserve,
    campaignNamePrefix: '',
    schemaCache: storeSchemaCache(o.store, o.installation),
    ...(o.refreshLock && refreshToken ? { sharedTokens: sharedEnvTokens(o, box, o.refreshLock, refreshToken) } : {}),
    onRefreshToken: async (rt, at) => {
      if (rt !== last) {
        // Never stored in the clear: without the key, the run stops and says which variable is missing.
        if (!box) {
          throw new ParcoursError('CONFIG_INVALID', 'Salesforce rotated the refresh token and Parcours stores tokens only encrypted: set PARCOURS_SECRET_KEY (openssl rand -base64 32), then reconnect with a new SALESFORCE_REFRESH_TOKEN', { crm: 'salesforce' });
        }
        await o.store.setSetting(o.installation, REFRESH_KEY, `sealed:${box.seal(rt, `${o.installation}:${REFRESH_KEY}`)}`);
        last = rt;
      }
      // For the other processes (shared tokens): sealed, so only with the key.
      if (o.refreshLock && box) await o.store.setSetting(o.installation, ACCESS_KEY, `sealed:${box.seal(at, `${o.installation}:${ACCESS_KEY}`)}`);
    },
  });
}

const REFRESH_KEY = 'salesforce-refresh-token';
const ACCESS_KEY = 'salesforce-access-token';

/** The environment installation's tokens as the service's processes stored them (settings, sealed). */
function sharedEnvTokens(o: ConnectOptions, box: SecretBox | null, lock: RefreshLock, fallback: string): SharedTokens {
  return {
    run: (refresh) => lock(o.installation, async () => {
      const rt = await o.store.getSetting(o.installation, REFRESH_KEY);
      const at = box ? await o.store.getSetting(o.installation, ACCESS_KEY) : undefined;
      return refresh({
        refreshToken: rt === undefined ? fallback : openStored(rt, box, o.installation),
        accessToken: at !== undefined && box && at.startsWith('sealed:') ? box.open(at.slice('sealed:'.length), `${o.installation}:${ACCESS_KEY}`) : null,
      });
    }),
  };
}

function openStored(value: string, box: SecretBox | null, installation: string): string {
  if (value.startsWith('plain:')) return value.slice('plain:'.length);
  if (!value.startsWith('sealed:')) return value;
  if (!box) throw new ParcoursError('CONFIG_INVALID', `a sealed Salesforce refresh token is stored for ${installation}: set PARCOURS_SECRET_KEY to the key it was stored with`, { crm: 'salesforce' });
  return box.open(value.slice('sealed:'.length), `${installation}:${REFRESH_KEY}`);
}
