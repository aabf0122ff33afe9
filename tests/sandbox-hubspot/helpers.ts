import { Client } from '@hubspot/api-client';
import type { HubspotSandbox } from '../../sandbox/hubspot/index.ts';

export const NOW = Date.UTC(2026, 5, 1, 12);

/** The real SDK pointed at the sandbox, no retries, so status-code expectations are proven. */
export function sdk(sandbox: HubspotSandbox, accessToken = sandbox.accessToken): Client {
  return new Client({ accessToken, basePath: sandbox.url, numberOfApiCallRetries: 0 });
}

export async function call(
  sandbox: HubspotSandbox,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = sandbox.accessToken,
): Promise<{ status: number; headers: Headers; json: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(`${sandbox.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

/** Rejection of an SDK call, as ApiException `{code, body}`. */
export async function sdkError(p: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: number; body?: unknown };
    return { code: err.code ?? -1, body: err.body };
  }
  throw new Error('expected the SDK call to fail');
}
