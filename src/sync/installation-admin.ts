/**
 * Installations added with credentials (issue 15): one HubSpot token (private app or service key) or one
 * Salesforce connected app's refresh token per portal/org, for agencies serving many of them. The one path
 * behind `POST|DELETE /api/installations` and `parcours installations add|list|remove`:
 *
 * - the credentials are checked with one documented call before anything is stored (HubSpot: account
 *   details, which also names the portal; Salesforce: the refresh-token grant, which names the org);
 * - the installation is `<crm>:<portal or org id>` with source `token` and its credentials sealed
 *   (AES-256-GCM, PARCOURS_SECRET_KEY, bound to the row); adding the same portal/org again replaces its
 *   credentials (a token rotation) and keeps the id; a portal/org already installed another way is refused;
 * - removal drops the row and every sealed value kept for it; its mirror, runs and ledgers stay (README).
 *
 * Credentials never appear in a message, an error or a return value.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { createHubspotConnector } from '../../connectors/hubspot/index.ts';
import { isTrustedSalesforceUrl, SALESFORCE_DOMAINS } from '../../connectors/salesforce/trusted-hosts.ts';
import { ParcoursError } from '../errors.ts';
import type { CrmName } from '../model.ts';
import type { SecretBox } from '../secret-box.ts';
import type { InstallationRow, Store } from '../store/index.ts';

/** A secret as given: no surrounding blanks (a pasted newline would fail the check confusingly). */
const secret = (what: string) => z.string().min(1, `${what} is empty`).max(4096, `${what} is longer than 4096 characters`).regex(/^\S+$/, `${what} contains blanks`);
const label = z.string().trim().min(1).max(200);

export const AddInstallationInput = z.discriminatedUnion('crm', [
  z.strictObject({ crm: z.literal('hubspot'), accessToken: secret('accessToken'), label: label.optional() }),
  z.strictObject({
    crm: z.literal('salesforce'),
    /** Token host: https://login.salesforce.com, https://test.salesforce.com or the org's My Domain. */
    loginUrl: z.string().min(1).max(2048),
    clientId: z.string().min(1).max(512),
    clientSecret: secret('clientSecret'),
    refreshToken: secret('refreshToken'),
    label: label.optional(),
  }),
]);
export type AddInstallationInput = z.infer<typeof AddInstallationInput>;

/** What a `token` installation keeps, sealed with the installation id as associated data. */
export const TokenSecretsSchema = z.discriminatedUnion('crm', [
  z.object({ crm: z.literal('hubspot'), kind: z.literal('token'), accessToken: z.string().min(1) }),
  z.object({
    crm: z.literal('salesforce'),
    kind: z.literal('token'),
    loginUrl: z.url(),
    instanceUrl: z.url(),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    refreshToken: z.string().min(1),
    /** The access token refreshed last, by whichever process (installation-connectors.ts shares it). */
    accessToken: z.string().min(1).optional(),
  }),
]);
export type TokenSecrets = z.infer<typeof TokenSecretsSchema>;
export type SalesforceTokenSecrets = Extract<TokenSecrets, { crm: 'salesforce' }>;

export interface InstallationAdminDeps {
  store: Store;
  box: SecretBox | null;
  /** HubSpot API host (HUBSPOT_BASE_URL). */
  hubspotBaseUrl: string;
  /**
   * Salesforce login URLs the operator configured (SALESFORCE_LOGIN_URL, SALESFORCE_SANDBOX_LOGIN_URL): trusted
   * as configured, as the environment installation trusts them — which is how a local sandbox is reached.
   */
  configuredLoginUrls: readonly string[];
}

export interface AddedInstallation {
  id: string;
  crm: CrmName;
  externalId: string;
  label: string;
  /** false: the portal/org was already a token installation; its credentials were replaced. */
  created: boolean;
}

const CHECK_TIMEOUT_MS = 15_000;
const CRM_NAME: Record<CrmName, string> = { hubspot: 'HubSpot', salesforce: 'Salesforce' };
const ACCOUNT: Record<CrmName, string> = { hubspot: 'portal', salesforce: 'org' };

export async function addTokenInstallation(d: InstallationAdminDeps, given: unknown): Promise<AddedInstallation> {
  const parsed = AddInstallationInput.safeParse(given);
  if (!parsed.success) throw new ParcoursError('INPUT_INVALID', `installation: ${z.prettifyError(parsed.error)}`);
  const input = parsed.data;
  if (!d.box) throw new ParcoursError('CONFIG_INVALID', 'adding an installation stores its credentials encrypted: set PARCOURS_SECRET_KEY (openssl rand -base64 32) first', { crm: input.crm });
  const checked = input.crm === 'hubspot' ? await checkHubspotToken(d.hubspotBaseUrl, input.accessToken) : await checkSalesforceGrant(input, d.configuredLoginUrls);
  const id = `${input.crm}:${checked.externalId}`;
  const holder = (await d.store.findInstallation(input.crm, checked.externalId)) ?? (await d.store.getInstallation(id));
  if (holder && holder.source !== 'token') {
    const how = holder.source === 'env' ? 'from the environment' : 'through OAuth';
    throw new ParcoursError('CONFIG_INVALID', `${CRM_NAME[input.crm]} ${ACCOUNT[input.crm]} ${checked.externalId} is already installation ${holder.id} (${how}); remove that one first to manage it with a token`, { crm: input.crm, installation: holder.id });
  }
  const rowLabel = input.label ?? holder?.label ?? `${CRM_NAME[input.crm]} ${ACCOUNT[input.crm]} ${checked.externalId}`;
  await d.store.saveInstallation({ id, crm: input.crm, externalId: checked.externalId, source: 'token', label: rowLabel, secrets: d.box.seal(JSON.stringify(checked.secrets), id) });
  // Outbound messages need their URL secret (shown by the admin API and `parcours webhooks url`): 256 random
  // bits, base64url, as src/server/webhook-secrets.ts makes them (sync sits below the server; kept on re-add).
  if (input.crm === 'salesforce' && !holder?.webhookSecret) await d.store.setWebhookSecret(id, randomBytes(32).toString('base64url'));
  return { id, crm: input.crm, externalId: checked.externalId, label: rowLabel, created: holder === undefined };
}

/** The credentials of a `token` installation, opened for its connector. */
export function openTokenSecrets(box: SecretBox | null, row: InstallationRow): TokenSecrets {
  if (!row.secrets) throw new ParcoursError('CONFIG_INVALID', `installation ${row.id} holds no stored credentials; add it again`, { installation: row.id });
  if (!box) throw new ParcoursError('CONFIG_INVALID', 'PARCOURS_SECRET_KEY is not set, so stored credentials cannot be read', { installation: row.id });
  let value: unknown;
  try {
    value = JSON.parse(box.open(row.secrets, row.id));
  } catch (error) {
    if (error instanceof ParcoursError) throw error;
    value = null;
  }
  const parsed = TokenSecretsSchema.safeParse(value);
  if (!parsed.success || parsed.data.crm !== row.crm) {
    throw new ParcoursError('CONFIG_INVALID', `stored credentials of installation ${row.id} have an unexpected shape; add it again`, { installation: row.id });
  }
  return parsed.data;
}

/**
 * Removes an installation added with a token or through OAuth. Refused for environment installations (the
 * next start would register them again) and for installations in a link (remove the link first).
 */
export async function removeInstallation(store: Store, id: string): Promise<InstallationRow> {
  const row = await store.getInstallation(id);
  if (!row) throw new ParcoursError('NOT_FOUND', `no installation ${id}`, { installation: id });
  if (row.source === 'env') {
    const vars = row.crm === 'hubspot' ? 'HUBSPOT_ACCESS_TOKEN' : 'the SALESFORCE_* credentials';
    throw new ParcoursError('CONFIG_INVALID', `installation ${id} comes from the environment: unset ${vars} instead (the service registers it again at every start)`, { installation: id });
  }
  const link = await store.linkOf(id);
  if (link) throw new ParcoursError('CONFIG_INVALID', `installation ${id} is in link ${link.id}: remove the link first (parcours links remove ${link.id}, or DELETE /api/links/${link.id})`, { installation: id, link: link.id });
  if (!(await store.removeInstallation(id))) throw new ParcoursError('NOT_FOUND', `no installation ${id}`, { installation: id });
  return row;
}

interface Checked {
  externalId: string;
  secrets: TokenSecrets;
}

/**
 * One GET /account-info/v3/details (the call the connector uses to learn the portal id; no scope needed):
 * https://developers.hubspot.com/docs/api-reference/legacy/account/account-information/get-account-details
 */
async function checkHubspotToken(baseUrl: string, accessToken: string): Promise<Checked> {
  const connector = createHubspotConnector({ accessToken, baseUrl, authKind: 'private-app', listNamePrefix: '', retry: { retries: 2, minTimeoutMs: 500 }, requestTimeoutMs: CHECK_TIMEOUT_MS });
  let portalId: string;
  try {
    portalId = await connector.accountId();
  } catch (error) {
    if (error instanceof ParcoursError && error.code === 'AUTH_FAILED') {
      const status = typeof error.context.status === 'number' ? error.context.status : 401;
      const category = typeof error.context.category === 'string' ? ` ${error.context.category}` : '';
      const why = status === 401 ? 'the token is wrong, revoked or rotated' : 'the token lacks a scope the account details need';
      throw new ParcoursError('CREDENTIALS_REJECTED', `HubSpot answered ${status}${category} to the token check (GET /account-info/v3/details): ${why}; nothing was stored`, { crm: 'hubspot', status, field: 'accessToken' });
    }
    throw error;
  }
  if (!/^\d+$/.test(portalId)) throw new ParcoursError('CRM_ERROR', 'HubSpot account details name no portal id', { crm: 'hubspot' });
  return { externalId: portalId, secrets: { crm: 'hubspot', kind: 'token', accessToken } };
}

/** The login URL as an origin: https on a Salesforce host, or exactly a login URL the operator configured. */
export function checkLoginUrl(value: string, configured: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ParcoursError('INPUT_INVALID', 'installation: loginUrl is not a URL (e.g. https://login.salesforce.com)', { crm: 'salesforce', field: 'loginUrl' });
  }
  if (url.username || url.password || url.search || url.hash || url.pathname.replace(/\/+$/, '') !== '') {
    throw new ParcoursError('INPUT_INVALID', 'installation: loginUrl is a bare origin (e.g. https://login.salesforce.com or https://mycompany.my.salesforce.com), without path, query or credentials', { crm: 'salesforce', field: 'loginUrl' });
  }
  const origin = url.origin;
  const sameAsConfigured = configured.some((c) => {
    try {
      return new URL(c).origin === origin;
    } catch {
      return false;
    }
  });
  const host = url.hostname.toLowerCase();
  const salesforceHost = url.protocol === 'https:' && url.port === '' && SALESFORCE_DOMAINS.some((d) => host.endsWith(`.${d}`));
  if (!sameAsConfigured && !salesforceHost) {
    throw new ParcoursError('INPUT_INVALID', `installation: loginUrl must be https on a Salesforce host (${SALESFORCE_DOMAINS.map((d) => `*.${d}`).join(', ')}), or the configured SALESFORCE_LOGIN_URL / SALESFORCE_SANDBOX_LOGIN_URL`, { crm: 'salesforce', field: 'loginUrl' });
  }
  return origin;
}

/** Salesforce's token response to the refresh-token grant (refresh_token only with rotation on). */
const RefreshResponse = z.object({
  access_token: z.string().min(1),
  instance_url: z.url(),
  id: z.url(),
  refresh_token: z.string().min(1).optional(),
});
const OAuthErrorBody = z.object({ error: z.string().max(200), error_description: z.string().optional() });

/**
 * The refresh-token grant at the login URL is the check: it proves client and refresh token together and
 * names the instance and the org (identity URL `…/id/<orgId>/<userId>`):
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm
 * Errors come as `{"error":"invalid_grant","error_description":"expired access/refresh token"}`.
 */
async function checkSalesforceGrant(input: Extract<AddInstallationInput, { crm: 'salesforce' }>, configured: readonly string[]): Promise<Checked> {
  const loginUrl = checkLoginUrl(input.loginUrl, configured);
  const endpoint = '/services/oauth2/token';
  let res: Response;
  try {
    res = await fetch(`${loginUrl}${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: input.clientId, client_secret: input.clientSecret, refresh_token: input.refreshToken }).toString(),
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    });
  } catch (error) {
    throw new ParcoursError('CRM_UNAVAILABLE', `Salesforce login URL ${loginUrl} unreachable for the refresh-token check; nothing was stored`, { crm: 'salesforce', endpoint }, { cause: error });
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const oauth = OAuthErrorBody.safeParse(body);
    if (res.status >= 500 || !oauth.success) {
      throw new ParcoursError('CRM_UNAVAILABLE', `Salesforce answered ${res.status} to the refresh-token check at ${loginUrl}; nothing was stored, try again`, { crm: 'salesforce', status: res.status, endpoint });
    }
    // The description is Salesforce's text about the grant; never let a given secret ride along in it.
    let description = (oauth.data.error_description ?? '').slice(0, 300);
    for (const s of [input.clientSecret, input.refreshToken, input.clientId]) description = description.split(s).join('[redacted]');
    throw new ParcoursError('CREDENTIALS_REJECTED', `Salesforce answered ${res.status} ${oauth.data.error} to the refresh-token grant at ${loginUrl}${description ? ` (${description})` : ''}: ${hint(oauth.data.error)}; nothing was stored`, { crm: 'salesforce', status: res.status, oauthError: oauth.data.error, endpoint });
  }
  const t = RefreshResponse.safeParse(body);
  if (!t.success) throw new ParcoursError('CRM_ERROR', `Salesforce's token response has an unexpected shape (${t.error.issues.map((i) => i.path.join('.')).join(', ')})`, { crm: 'salesforce', endpoint });
  // The bearer token goes to these URLs next: Salesforce's domains or the login host only.
  for (const [name, value] of [['instance_url', t.data.instance_url], ['identity URL', t.data.id]] as const) {
    if (!isTrustedSalesforceUrl(value, loginUrl)) throw new ParcoursError('CRM_ERROR', `Salesforce's token response names an untrusted ${name}: refused`, { crm: 'salesforce', endpoint });
  }
  const orgId = new URL(t.data.id).pathname.split('/').at(-2) ?? '';
  if (!/^00D[a-zA-Z0-9]{12,15}$/.test(orgId)) throw new ParcoursError('CRM_ERROR', 'Salesforce identity URL does not name an org', { crm: 'salesforce', endpoint });
  return {
    externalId: orgId,
    secrets: {
      crm: 'salesforce',
      kind: 'token',
      loginUrl,
      instanceUrl: t.data.instance_url.replace(/\/+$/, ''),
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      // With Refresh Token Rotation the grant just spent the given token: keep the one it returned.
      refreshToken: t.data.refresh_token ?? input.refreshToken,
    },
  };
}

function hint(error: string): string {
  if (error === 'invalid_grant') return 'the refresh token is wrong, expired or revoked, or was issued to another connected app or login host';
  if (error === 'invalid_client_id') return 'the client id (consumer key) is unknown at this login host';
  if (error === 'invalid_client') return 'the client secret (consumer secret) does not match the client id';
  return 'the connected app refused these credentials';
}
