import { Connection } from 'jsforce';
import type { SalesforceSandbox } from '../../sandbox/salesforce/index.ts';

export const NOW = Date.UTC(2026, 4, 1);

export function connect(sb: SalesforceSandbox, version = '66.0', accessToken = sb.accessToken): Connection {
  return new Connection({
    instanceUrl: sb.url,
    accessToken,
    version,
    oauth2: { clientId: sb.oauth.clientId, clientSecret: sb.oauth.clientSecret, loginUrl: sb.url },
    refreshToken: sb.oauth.refreshToken,
  });
}

/** Raw REST call with the sandbox session (for status codes and headers jsforce hides). */
export async function rest(sb: SalesforceSandbox, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const res = await fetch(`${sb.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${sb.accessToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/**
 * Waits until `check` holds (checked every 5 ms). Bulk API 2.0 jobs progress in the background as time passes
 * (sandbox/salesforce/context.ts `IngestSettings`): a test waits for the state it needs, never for a fixed time.
 */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
