/** Shared helpers: a temp store, a silent or capturing logger, signed HubSpot webhook requests, admin calls. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { signV3 } from '../../src/server/webhooks/hubspot-signature.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
/** 32 random bytes (from openssl rand -base64 32), fixed so runs are reproducible. Test-only. */
export const SECRET_KEY = 'bWzi5wEOuCgYtKT71d7G/FTB4jy0itQywmGMDlwP6LU=';
export const OTHER_SECRET_KEY = 'TKUPMnO2zkT0VK3fhmfOdwRUAZLOOYWvZ/xTgLIqPZg=';

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

/** A Salesforce outbound message (SOAP notifications() body) as an Outbound Message action sends it. */
export function outboundMessage(orgId: string, notifications: Array<{ id: string; type: string; recordId: string }>): string {
  const items = notifications
    .map((n) => `<Notification><Id>${n.id}</Id><sObject xsi:type="sf:${n.type}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>${n.recordId}</sf:Id><sf:StageName>Negotiation/Review</sf:StageName></sObject></Notification>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>${orgId}</OrganizationId>
   <ActionId>04k5e000000CaRkAAK</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/66.0/00D</EnterpriseUrl>
   <PartnerUrl>https://example.my.salesforce.com/services/Soap/u/66.0/00D</PartnerUrl>
   ${items}
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>`;
}

export function postOutbound(url: string, body: string | Buffer): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', SOAPAction: '""' }, body });
}

export { salesforceEnv } from '../e2e/cli.ts';

/** The Salesforce outbound-message URL of an installation, as the admin API shows it. */
export async function salesforceWebhookUrlOf(baseUrl: string, installation: string): Promise<string> {
  const res = await admin(baseUrl, `/api/installations/${encodeURIComponent(installation)}`);
  if (res.status !== 200) throw new Error(`installation detail answered ${res.status}`);
  const body = (await res.json()) as { webhook: { salesforceUrl: string | null } };
  if (!body.webhook.salesforceUrl) throw new Error('no webhook URL');
  return body.webhook.salesforceUrl;
}

/** A minimal browser: follows nothing by itself, keeps the cookies the service sets and sends them back. */
export function browser() {
  const jar = new Map<string, string>();
  return {
    async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(url, { redirect: 'manual', headers: { ...headers, ...(cookie ? { cookie } : {}) } });
      for (const c of res.headers.getSetCookie()) {
        const [pair = ''] = c.split(';');
        const eq = pair.indexOf('=');
        const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
        if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || value === '') jar.delete(name);
        else jar.set(name, value);
      }
      return res;
    },
    /** The Set-Cookie attributes the service sent last for a cookie, for assertions. */
    cookies: jar,
  };
}
