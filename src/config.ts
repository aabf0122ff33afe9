/**
 * Environment → typed configuration. The one place that reads process.env.
 * Secrets stay in these objects; nothing here is ever logged whole (see `describeConfig`).
 */
import { z } from 'zod';
import { ParcoursError } from './errors.ts';
import type { CrmName } from './model.ts';

const url = z.string().url().transform((u) => u.replace(/\/+$/, ''));
const nonEmpty = z.string().min(1);

const EnvSchema = z.object({
  PARCOURS_DB: nonEmpty.default('./data/parcours.db'),
  /**
   * PostgreSQL for a service of several processes (issue 15): when set, the store is there and PARCOURS_DB is
   * not used. A secret (it may hold a password): never logged whole (`describeStore`).
   */
  PARCOURS_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'expected postgres://user[:password]@host[:port]/database').optional(),
  PARCOURS_MAPPING: nonEmpty.optional(),
  PARCOURS_INSTALLATION: nonEmpty.optional(),
  /** Links the environment's two installations (issue 16): `hubspot,salesforce`. */
  /** The linked installation's mapping (issue 16; default mappings/linked.yaml). */
  PARCOURS_LINK_MAPPING: nonEmpty.optional(),
  PARCOURS_LINK: z.string().regex(/^\s*(hubspot\s*,\s*salesforce|salesforce\s*,\s*hubspot)\s*$/, 'expected "hubspot,salesforce" (the environment installations to link)').optional(),
  /** Encrypts tokens Parcours stores (rotated Salesforce refresh tokens, OAuth installs): AES-256-GCM. */
  PARCOURS_SECRET_KEY: nonEmpty.optional(),

  HUBSPOT_ACCESS_TOKEN: nonEmpty.optional(),
  HUBSPOT_BASE_URL: url.default('https://api.hubapi.com'),
  HUBSPOT_AUTH_KIND: z.enum(['service-key', 'private-app', 'oauth']).optional(),
  HUBSPOT_RATE_LIMIT: z.string().regex(/^\d+\/\d+s$/, 'expected e.g. 100/10s').optional(),
  /** The OAuth app (also read by the service): doctor introspects an OAuth token with them. */
  HUBSPOT_CLIENT_ID: nonEmpty.optional(),
  HUBSPOT_CLIENT_SECRET: nonEmpty.optional(),

  SALESFORCE_INSTANCE_URL: url.optional(),
  SALESFORCE_ACCESS_TOKEN: nonEmpty.optional(),
  SALESFORCE_LOGIN_URL: url.default('https://login.salesforce.com'),
  SALESFORCE_CLIENT_ID: nonEmpty.optional(),
  SALESFORCE_CLIENT_SECRET: nonEmpty.optional(),
  SALESFORCE_REFRESH_TOKEN: nonEmpty.optional(),
  SALESFORCE_JWT_KEY_FILE: nonEmpty.optional(),
  SALESFORCE_USERNAME: nonEmpty.optional(),
  SALESFORCE_API_VERSION: z.string().regex(/^\d{2}\.0$/, 'expected e.g. 66.0').default('66.0'),
  SALESFORCE_BULK_THRESHOLD: z.coerce.number().int().positive().default(2_000),
  SALESFORCE_API_RESERVE: z.coerce.number().min(0).max(0.9).default(0.1),
});

export type Env = z.infer<typeof EnvSchema>;

/** The process environment, for parsers elsewhere (the service's own settings): this module is the one that touches it. */
export function processEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const v = source[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const parsed = EnvSchema.safeParse(picked);
  if (!parsed.success) {
    // Name the variable, never echo its value (it may be a secret).
    const lines = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new ParcoursError('CONFIG_INVALID', `invalid environment:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}

export function defaultMapping(env: Env, crm: CrmName): string {
  return env.PARCOURS_MAPPING ?? `mappings/${crm}.yaml`;
}

/** A linked installation's mapping (`crm: linked`). */
export function defaultLinkedMapping(env: Env): string {
  return env.PARCOURS_LINK_MAPPING ?? 'mappings/linked.yaml';
}

export function installationId(env: Env, crm: CrmName): string {
  return env.PARCOURS_INSTALLATION ?? `${crm}:default`;
}

/** The id of the environment's link (`PARCOURS_LINK`): what `--link` without an id means. */
export const ENV_LINK_ID = 'default';

/**
 * The environment's link (issue 16), when `PARCOURS_LINK` is set: the environment's HubSpot installation and
 * its Salesforce installation. Undefined when unset.
 */
export function envLink(env: Env): { id: string; hubspot: string; salesforce: string } | undefined {
  if (!env.PARCOURS_LINK) return undefined;
  const hubspot = installationId(env, 'hubspot');
  const salesforce = installationId(env, 'salesforce');
  if (hubspot === salesforce) {
    throw new ParcoursError('CONFIG_INVALID', `PARCOURS_LINK: PARCOURS_INSTALLATION (${hubspot}) names one installation; a link needs the HubSpot and the Salesforce one apart: unset PARCOURS_INSTALLATION`);
  }
  return { id: ENV_LINK_ID, hubspot, salesforce };
}

export interface HubspotEnvConfig {
  accessToken: string;
  baseUrl: string;
  authKind?: 'service-key' | 'private-app' | 'oauth';
  pacing?: { max: number; intervalMs: number };
  oauthClient?: { clientId: string; clientSecret: string };
}

export function hubspotConfig(env: Env): HubspotEnvConfig {
  if (!env.HUBSPOT_ACCESS_TOKEN) {
    throw new ParcoursError('CONFIG_INVALID', 'HUBSPOT_ACCESS_TOKEN is not set: use a service key, a private-app token or an OAuth access token (see README § Connecting HubSpot)', { crm: 'hubspot' });
  }
  const cfg: HubspotEnvConfig = { accessToken: env.HUBSPOT_ACCESS_TOKEN, baseUrl: env.HUBSPOT_BASE_URL };
  if (env.HUBSPOT_AUTH_KIND) cfg.authKind = env.HUBSPOT_AUTH_KIND;
  if (env.HUBSPOT_CLIENT_ID && env.HUBSPOT_CLIENT_SECRET) cfg.oauthClient = { clientId: env.HUBSPOT_CLIENT_ID, clientSecret: env.HUBSPOT_CLIENT_SECRET };
  if (env.HUBSPOT_RATE_LIMIT) {
    const [max, secs] = env.HUBSPOT_RATE_LIMIT.replace('s', '').split('/').map(Number) as [number, number];
    cfg.pacing = { max, intervalMs: secs * 1000 };
  }
  return cfg;
}

export interface SalesforceEnvConfig {
  instanceUrl?: string;
  accessToken?: string;
  loginUrl: string;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  jwt?: { keyFile: string; username: string };
  apiVersion: string;
  bulkThreshold: number;
  apiReserve: number;
}

export function salesforceConfig(env: Env): SalesforceEnvConfig {
  const cfg: SalesforceEnvConfig = {
    loginUrl: env.SALESFORCE_LOGIN_URL,
    apiVersion: env.SALESFORCE_API_VERSION,
    bulkThreshold: env.SALESFORCE_BULK_THRESHOLD,
    apiReserve: env.SALESFORCE_API_RESERVE,
  };
  if (env.SALESFORCE_INSTANCE_URL) cfg.instanceUrl = env.SALESFORCE_INSTANCE_URL;
  if (env.SALESFORCE_ACCESS_TOKEN) cfg.accessToken = env.SALESFORCE_ACCESS_TOKEN;
  if (env.SALESFORCE_CLIENT_ID) cfg.clientId = env.SALESFORCE_CLIENT_ID;
  if (env.SALESFORCE_CLIENT_SECRET) cfg.clientSecret = env.SALESFORCE_CLIENT_SECRET;
  if (env.SALESFORCE_REFRESH_TOKEN) cfg.refreshToken = env.SALESFORCE_REFRESH_TOKEN;
  if (env.SALESFORCE_JWT_KEY_FILE && env.SALESFORCE_USERNAME) cfg.jwt = { keyFile: env.SALESFORCE_JWT_KEY_FILE, username: env.SALESFORCE_USERNAME };
  const tokenAuth = cfg.instanceUrl && cfg.accessToken;
  const refreshAuth = cfg.clientId && cfg.refreshToken;
  const jwtAuth = cfg.clientId && cfg.jwt;
  if (!tokenAuth && !refreshAuth && !jwtAuth) {
    throw new ParcoursError(
      'CONFIG_INVALID',
      'Salesforce credentials are missing: set SALESFORCE_INSTANCE_URL + SALESFORCE_ACCESS_TOKEN, or SALESFORCE_CLIENT_ID + SALESFORCE_CLIENT_SECRET + SALESFORCE_REFRESH_TOKEN, or SALESFORCE_CLIENT_ID + SALESFORCE_JWT_KEY_FILE + SALESFORCE_USERNAME (see README § Connecting Salesforce)',
      { crm: 'salesforce' },
    );
  }
  return cfg;
}
