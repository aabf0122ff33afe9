/**
 * Typed configuration of the Salesforce connector. `src/config.ts` (the lead's) reads the environment
 * and passes this object; nothing in the connector reads `process.env`.
 */
import { z } from 'zod';
import { ParcoursError } from '../../src/errors.ts';
import type { SchemaCache } from '../port.ts';

export interface SalesforceRetryConfig {
  /** Attempts after the first for transient failures (503, network, REQUEST_LIMIT_EXCEEDED). */
  retries?: number;
  /** First backoff delay; doubles each attempt. */
  minTimeoutMs?: number;
  /** Upper bound on time spent retrying one call. */
  maxRetryTimeMs?: number;
  /** Rounds of re-sending records that failed with a retryable per-record code (UNABLE_TO_LOCK_ROW). */
  recordRetries?: number;
}

export interface SalesforcePacingConfig {
  /** Request starts per window, per endpoint class (Salesforce has no per-second limit, only daily + concurrent). */
  max?: number;
  intervalMs?: number;
  /** Concurrent requests per endpoint class (Salesforce allows 25 concurrent long-running requests per org). */
  maxConcurrent?: number;
}

/** Tokens as another process stored them (see `sharedTokens`). */
export interface StoredTokens {
  refreshToken: string | null;
  accessToken: string | null;
}

export interface SharedTokens {
  run<T>(refresh: (stored: StoredTokens) => Promise<T>): Promise<T>;
}

export interface SalesforceConnectorConfig {
  instanceUrl?: string;
  accessToken?: string;
  /** Token host; https://test.salesforce.com for sandboxes, or the org's My Domain. */
  loginUrl?: string;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  /** JWT bearer flow: PEM private key of the certificate uploaded to the connected app, and the user to run as. */
  jwt?: { keyPem: string; username: string; audience?: string };
  apiVersion?: string;
  /** Record count above which a full pull or a push switches to Bulk API 2.0. */
  bulkThreshold?: number;
  /** Share of the org's daily API budget we never consume (stop with QUOTA_RESERVE before). */
  apiReserve?: number;
  /**
   * Called with every rotated refresh token so the caller can persist it (Refresh Token Rotation) — and, when
   * `sharedTokens` is set, after every refresh with the new access token too. Awaited before the new token is used.
   */
  onRefreshToken?: (refreshToken: string, accessToken: string) => void | Promise<void>;
  /**
   * The org's tokens shared with other processes (the service's workers): `run` holds a lock of the installation's
   * for one refresh and hands the tokens stored last. The session takes a stored refresh token over its own (another
   * process rotated it: re-using the old one would make Salesforce revoke them all) and adopts a stored access token
   * it does not hold yet instead of refreshing again; otherwise it refreshes and stores the result (`onRefreshToken`)
   * before the lock is released.
   */
  sharedTokens?: SharedTokens;
  /** Campaign names are `<prefix><segment name>`. */
  campaignNamePrefix?: string;
  /** Permission set that carries the field-level security of the owned fields. */
  permissionSetName?: string;
  retry?: SalesforceRetryConfig;
  pacing?: SalesforcePacingConfig;
  /**
   * Bulk API 2.0 job polling (bulk-query.ts `pollWaits`): the base interval, the give-up time, and the rows a
   * second we expect a job to process (the first status read waits for the job's expected rows at this rate).
   */
  pollIntervalMs?: number;
  pollTimeoutMs?: number;
  bulkRowsPerSecond?: number;
  /** Rows per Bulk API 2.0 query result page (`maxRecords`). */
  bulkResultPageSize?: number;
  /** Where describe results are kept across runs (the sync core: the store); default in memory. */
  schemaCache?: SchemaCache;
}

export interface ResolvedConfig {
  instanceUrl: string | undefined;
  accessToken: string | undefined;
  loginUrl: string;
  clientId: string | undefined;
  clientSecret: string | undefined;
  refreshToken: string | undefined;
  jwt: { keyPem: string; username: string; audience?: string } | undefined;
  apiVersion: string;
  bulkThreshold: number;
  apiReserve: number;
  onRefreshToken: ((refreshToken: string, accessToken: string) => void | Promise<void>) | undefined;
  sharedTokens: SharedTokens | undefined;
  campaignNamePrefix: string;
  permissionSetName: string;
  retry: Required<SalesforceRetryConfig>;
  pacing: Required<SalesforcePacingConfig>;
  pollIntervalMs: number;
  pollTimeoutMs: number;
  bulkRowsPerSecond: number;
  bulkResultPageSize: number;
}

const schema = z.object({
  instanceUrl: z.url().optional(),
  accessToken: z.string().min(1).optional(),
  loginUrl: z.url().default('https://login.salesforce.com'),
  clientId: z.string().min(1).optional(),
  clientSecret: z.string().min(1).optional(),
  refreshToken: z.string().min(1).optional(),
  jwt: z.object({ keyPem: z.string().min(1), username: z.string().min(1), audience: z.url().optional() }).optional(),
  apiVersion: z.string().regex(/^\d{2,3}\.0$/, 'API version like 66.0').default('66.0'),
  bulkThreshold: z.number().int().positive().default(2_000),
  apiReserve: z.number().min(0).max(0.9).default(0.1),
  campaignNamePrefix: z.string().default('Parcours: '),
  permissionSetName: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/).default('Parcours'),
  retry: z
    .object({
      retries: z.number().int().min(0).default(5),
      minTimeoutMs: z.number().int().min(0).default(500),
      maxRetryTimeMs: z.number().int().positive().default(15 * 60_000),
      recordRetries: z.number().int().min(0).default(3),
    })
    .prefault({}),
  pacing: z
    .object({
      max: z.number().int().positive().default(25),
      intervalMs: z.number().int().positive().default(1_000),
      maxConcurrent: z.number().int().positive().default(5),
    })
    .prefault({}),
  pollIntervalMs: z.number().int().min(0).default(2_000),
  pollTimeoutMs: z.number().int().positive().default(30 * 60_000),
  bulkRowsPerSecond: z.number().positive().default(20_000),
  bulkResultPageSize: z.number().int().positive().default(50_000),
});

/** Validates the config and picks the auth mode; secrets are never echoed in the messages. */
export function resolveConfig(config: SalesforceConnectorConfig): ResolvedConfig {
  const { onRefreshToken, sharedTokens, ...plain } = config;
  const parsed = schema.safeParse(plain);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ParcoursError('CONFIG_INVALID', `Salesforce connector configuration is invalid: ${where}`, { crm: 'salesforce' });
  }
  const c = parsed.data;
  const hasToken = c.accessToken !== undefined && c.instanceUrl !== undefined;
  const hasRefresh = c.refreshToken !== undefined && c.clientId !== undefined;
  const hasJwt = c.jwt !== undefined && c.clientId !== undefined;
  if (!hasToken && !hasRefresh && !hasJwt) {
    throw new ParcoursError(
      'CONFIG_INVALID',
      'Salesforce connector needs one way to authenticate: instanceUrl + accessToken, or clientId + refreshToken (refresh flow), or clientId + jwt.keyPem + jwt.username (JWT bearer flow).',
      { crm: 'salesforce' },
    );
  }
  return {
    instanceUrl: c.instanceUrl?.replace(/\/+$/, ''),
    accessToken: c.accessToken,
    loginUrl: c.loginUrl.replace(/\/+$/, ''),
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    refreshToken: c.refreshToken,
    jwt: c.jwt,
    apiVersion: c.apiVersion,
    bulkThreshold: c.bulkThreshold,
    apiReserve: c.apiReserve,
    onRefreshToken,
    sharedTokens,
    campaignNamePrefix: c.campaignNamePrefix,
    permissionSetName: c.permissionSetName,
    retry: c.retry,
    pacing: c.pacing,
    pollIntervalMs: c.pollIntervalMs,
    pollTimeoutMs: c.pollTimeoutMs,
    bulkRowsPerSecond: c.bulkRowsPerSecond,
    bulkResultPageSize: c.bulkResultPageSize,
  };
}
