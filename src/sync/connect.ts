/**
 * Builds the connector for a CRM from typed configuration. The one place that knows both the
 * configuration and the connector factories; the engine and the connectors never meet.
 */
import { readFileSync } from 'node:fs';
import type { CrmConnector } from '../../connectors/port.ts';
import { createHubspotConnector } from '../../connectors/hubspot/index.ts';
import { createSalesforceConnector } from '../../connectors/salesforce/index.ts';
import { hubspotConfig, salesforceConfig, type Env } from '../config.ts';
import { ParcoursError } from '../errors.ts';
import type { CrmName } from '../model.ts';
import type { Store } from '../store/index.ts';

export interface ConnectOptions {
  env: Env;
  store: Store;
  installation: string;
}

export function connect(crm: CrmName, o: ConnectOptions): CrmConnector {
  if (crm === 'hubspot') {
    const cfg = hubspotConfig(o.env);
    // Segment list names arrive complete from the mapping (writeback.segment_list_prefix).
    return createHubspotConnector({ ...cfg, listNamePrefix: '' });
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
  // A rotated refresh token (Refresh Token Rotation) replaces the one in the environment on the next run.
  const rotated = o.store.getSetting(o.installation, 'salesforce-refresh-token');
  const refreshToken = rotated ?? cfg.refreshToken;
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
    onRefreshToken: (rt) => o.store.setSetting(o.installation, 'salesforce-refresh-token', rt),
  });
}
