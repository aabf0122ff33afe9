import { z } from 'zod';
import type { SchemaCache } from '../../connectors/port.ts';
import { ParcoursError } from '../../src/errors.ts';

export interface HubspotConnectorConfig {
  accessToken: string;
  /** Default https://api.hubapi.com; no trailing slash (the SDK would send `//crm/...`). */
  baseUrl?: string;
  authKind?: 'service-key' | 'private-app' | 'oauth';
  /** The OAuth app's credentials: token introspection (doctor's scope check) requires them. Secret. */
  oauthClient?: { clientId: string; clientSecret: string };
  /** Starting burst budget for ordinary calls; `X-HubSpot-RateLimit-*` headers correct it at runtime. */
  pacing?: { max: number; intervalMs: number };
  /** CRM search: 5 requests/s per account, and no rate-limit headers to learn from. */
  searchPerSecond?: number;
  retry?: { retries: number; minTimeoutMs: number };
  /** Search results reachable per query (HubSpot: 10,000). */
  searchWindowCap?: number;
  /**
   * How a full pass reads live records: `search` (default; 200 per call on the search budget, keyset on
   * `hs_object_id`, associations through v4) or `list` (100 per call, associations on the page). A kind
   * whose search body would pass 3,000 characters is listed either way.
   */
  fullPullBy?: 'search' | 'list';
  /** Incremental reads start this long before the saved watermark (search indexing lag). */
  overlapMs?: number;
  /** Prefix of the MANUAL list names created per segment. */
  listNamePrefix?: string;
  /** Give up on one attempt after this long (the SDK's fetch has no timeout of its own). */
  requestTimeoutMs?: number;
  /** Stop with QUOTA_RESERVE when `X-HubSpot-RateLimit-Daily-Remaining` falls to this (0 = use it all). */
  dailyReserve?: number;
  /** Where property catalogues and pipelines are kept across runs (the sync core: the store); default in memory. */
  schemaCache?: SchemaCache;
}

const configSchema = z.object({
  accessToken: z.string().min(1, 'accessToken is empty'),
  baseUrl: z.string().url().default('https://api.hubapi.com').transform((u) => u.replace(/\/+$/, '')),
  authKind: z.enum(['service-key', 'private-app', 'oauth']).default('private-app'),
  oauthClient: z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) }).optional(),
  pacing: z.object({ max: z.number().int().positive(), intervalMs: z.number().int().positive() }).optional(),
  searchPerSecond: z.number().positive().default(5),
  retry: z.object({ retries: z.number().int().min(0), minTimeoutMs: z.number().int().min(0) }).default({ retries: 5, minTimeoutMs: 500 }),
  searchWindowCap: z.number().int().positive().default(10_000),
  fullPullBy: z.enum(['search', 'list']).default('search'),
  overlapMs: z.number().int().min(0).default(60_000),
  listNamePrefix: z.string().default('Parcours: '),
  requestTimeoutMs: z.number().int().positive().default(60_000),
  dailyReserve: z.number().int().min(0).default(0),
});

export type ResolvedHubspotConfig = z.infer<typeof configSchema> & { pacing: { max: number; intervalMs: number } };

/** Documented burst defaults: https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines */
function defaultPacing(authKind: ResolvedHubspotConfig['authKind']): { max: number; intervalMs: number } {
  // OAuth: 110 / 10 s per installation. Private apps: 100 (Free/Starter) or 190 (Pro/Enterprise) per 10 s;
  // start at the lower one, the headers raise it. Service keys: limits undocumented, assume the private-app floor.
  return authKind === 'oauth' ? { max: 110, intervalMs: 10_000 } : { max: 100, intervalMs: 10_000 };
}

export function resolveHubspotConfig(config: HubspotConnectorConfig): ResolvedHubspotConfig {
  const parsed = configSchema.safeParse(config);
  if (!parsed.success) {
    // Issue paths and messages only: the token value must never reach an error message.
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ParcoursError('CONFIG_INVALID', `HubSpot connector configuration is invalid: ${detail}`, { crm: 'hubspot' });
  }
  return { ...parsed.data, pacing: parsed.data.pacing ?? defaultPacing(parsed.data.authKind) };
}
