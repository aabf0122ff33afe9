/**
 * The service's own environment variables, on top of `src/config.ts` (connector variables).
 * Read once at start; like `readEnv`, errors name the variable and never echo a value.
 */
import { z } from 'zod';
import { readEnv, type Env } from '../config.ts';
import { ParcoursError } from '../errors.ts';

const url = z.url().transform((u) => u.replace(/\/+$/, ''));
const nonEmpty = z.string().min(1);
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `15m`, `90s`, `1h`, `500ms` → milliseconds. */
export const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h)$/, 'expected a duration such as 15m, 90s or 1h')
  .transform((v) => {
    const [, n, unit] = /^(\d+)(ms|s|m|h)$/.exec(v) as unknown as [string, string, string];
    return Number(n) * (UNITS[unit] as number);
  });

export const ServerEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  /** The URL the CRMs call (OAuth redirect URIs, and the URI HubSpot signs). */
  PARCOURS_PUBLIC_URL: url.optional(),
  PARCOURS_ADMIN_TOKEN: z.string().min(24, 'use at least 24 characters (e.g. openssl rand -hex 32)').optional(),
  /** 32 bytes, base64 or hex: the AES-256-GCM key for stored tokens. */
  PARCOURS_SECRET_KEY: nonEmpty.optional(),
  /** `off` (null): no scheduled incremental runs — syncs only on demand (admin API, CLI) and by webhook. */
  PARCOURS_SYNC_EVERY: z.union([z.literal('off').transform(() => null), duration], 'expected a duration such as 15m, 90s or 1h, or off').default(15 * 60_000),
  /** UTC time of the nightly full run, HH:MM; `off` (null): no nightly run. */
  PARCOURS_NIGHTLY_AT: z.union([z.literal('off').transform(() => null), z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (UTC) or off')], 'expected HH:MM (UTC) or off').default('03:00'),
  /** How long webhook events for one installation are gathered into one recompute. */
  PARCOURS_WEBHOOK_BATCH: duration.default(200),
  /** Requests per client address and window on each inbound route family (webhooks per CRM, OAuth), e.g. 1200/1m. */
  PARCOURS_INBOUND_RATE_LIMIT: z
    .string()
    .regex(/^\d+\/\d+(ms|s|m|h)$/, 'expected requests/window, e.g. 1200/1m')
    .default('1200/1m')
    .transform((v) => {
      const [n, window] = v.split('/') as [string, string];
      return { limit: Number(n), windowMs: duration.parse(window) };
    }),
  /** Reverse proxies in front of the service (express "trust proxy" hop count), so rate limits see client addresses. */
  PARCOURS_TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  /** true: anyone may install (a marketplace app); otherwise installs need an admin-issued link or the admin token. */
  PARCOURS_PUBLIC_INSTALLS: z.enum(['true', 'false'], 'expected true or false').default('false').transform((v) => v === 'true'),
  /** How long an install link (POST /api/install-links) stays usable, unless the request says otherwise. */
  PARCOURS_INSTALL_LINK_TTL: duration.default(24 * 3_600_000),
  /** Pending webhook events kept per installation; beyond it an incremental run catches up instead. */
  PARCOURS_MAX_PENDING_EVENTS: z.coerce.number().int().min(1).default(10_000),
  /** Further attempts for webhook events whose recompute failed, before they go to the dead-letter list. */
  PARCOURS_EVENT_RETRIES: z.coerce.number().int().min(0).max(20).default(5),
  /** Delay before the first retry; doubles for each further one (p-retry semantics), capped at 15 minutes. */
  PARCOURS_EVENT_RETRY_MIN: duration.default(5_000),
  /** PostgreSQL job queue: further attempts of a failed job (backoff from 5 s, doubling, capped at 15 min) before it is kept as failed. */
  PARCOURS_JOB_RETRIES: z.coerce.number().int().min(0).max(20).default(5),
  /**
   * SIGTERM: how long a worker lets its running jobs finish. Past it the queue takes them back and each run stops at
   * its next safe point (after a stored batch, before the next push); the job is retried, by this or another worker.
   * Keep it under the platform's kill grace (Kubernetes terminationGracePeriodSeconds, 30 s by default).
   */
  PARCOURS_STOP_GRACE: duration.refine((ms) => ms >= 1000, 'at least 1s').default(25_000),
  PARCOURS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HUBSPOT_CLIENT_ID: nonEmpty.optional(),
  /** Also the webhook signing secret (hubspot.md §9). */
  HUBSPOT_CLIENT_SECRET: nonEmpty.optional(),
  HUBSPOT_AUTHORIZE_URL: url.default('https://app.hubspot.com/oauth/authorize'),
  /** Portal id of the environment-token installation (webhooks name the portal). */
  HUBSPOT_PORTAL_ID: z.string().regex(/^\d+$/, 'expected a numeric portal id').optional(),
  /** Login host for "sandbox" installs (production uses SALESFORCE_LOGIN_URL). */
  SALESFORCE_SANDBOX_LOGIN_URL: url.default('https://test.salesforce.com'),
  /** Org id of the environment-credential installation (outbound messages name the org). */
  SALESFORCE_ORG_ID: z.string().regex(/^00D[a-zA-Z0-9]{12}([a-zA-Z0-9]{3})?$/, 'expected a 15- or 18-character org id starting with 00D').optional(),
});

export type ServerSettings = z.infer<typeof ServerEnvSchema>;

export interface ServerEnv {
  /** Connector configuration (src/config.ts). */
  env: Env;
  server: ServerSettings;
}

export function readServerEnv(source: NodeJS.ProcessEnv): ServerEnv {
  const env = readEnv(source);
  const picked: Record<string, string> = {};
  for (const key of Object.keys(ServerEnvSchema.shape)) {
    const v = source[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const parsed = ServerEnvSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new ParcoursError('CONFIG_INVALID', `invalid environment:\n  ${lines.join('\n  ')}`);
  }
  return { env, server: parsed.data };
}
