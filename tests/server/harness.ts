/** Shared helpers: a temp store, a silent or capturing logger, signed HubSpot webhook requests, admin calls. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { signV3 } from '../../src/server/webhooks/hubspot-signature.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

export function tempDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'parcours-server-')), 'parcours.db');
}

/** A logger whose output the test can read (to prove no secret is ever logged). */
export function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

export interface SignedRequest {
  body?: string;
  timestamp?: number;
  signature?: string;
  path?: string;
}

export async function postHubspotWebhook(baseUrl: string, clientSecret: string, events: unknown, o: SignedRequest = {}): Promise<Response> {
  const body = o.body ?? JSON.stringify(events);
  const path = o.path ?? '/webhooks/hubspot';
  const timestamp = String(o.timestamp ?? Date.now());
  const signature = o.signature ?? signV3(clientSecret, 'POST', `${baseUrl}${path}`, Buffer.from(body), timestamp);
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp },
    body,
  });
}

export function admin(baseUrl: string, path: string, init: RequestInit = {}, token = ADMIN_TOKEN): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
  return fetch(`${baseUrl}${path}`, { ...init, headers });
}

export async function waitFor<T>(probe: () => T | undefined | null | false, timeoutMs: number, stepMs = 20): Promise<T | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) return undefined;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
