/**
 * Security, issue 12 §7: standard parts. Metrics come from prom-client (default process metrics, the
 * same parcours_* names), helmet sets the security headers (no-store where answers are private,
 * frame-ancestors 'none'), the public /healthz says only up or down, and a 5xx carries a request id,
 * never the store's message. HTTP against the running service on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { startServer, type ParcoursServer } from '../../src/server/index.ts';
import { ADMIN_TOKEN, admin, capturingLogger, tempDb } from '../server/harness.ts';

describe('headers, health, metrics and errors', () => {
  let hs: HubspotSandbox;
  let srv: ParcoursServer;
  let store: Store;
  let db: string;
  const logs = capturingLogger();

  beforeAll(async () => {
    hs = await startHubspotSandbox({ port: 0, seed: 10, contacts: 10 });
    db = tempDb();
    store = openStore(db);
    srv = await startServer({
      port: 0, schedule: false, store, log: logs.log,
      env: { PARCOURS_DB: db, PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, HUBSPOT_BASE_URL: hs.url, HUBSPOT_ACCESS_TOKEN: hs.accessToken, HUBSPOT_CLIENT_SECRET: hs.oauth.clientSecret, HUBSPOT_CLIENT_ID: hs.oauth.clientId },
    });
    expect((await admin(srv.url, '/api/installations/hubspot:default/sync', { method: 'POST', body: JSON.stringify({ mode: 'full' }) })).status).toBe(200);
  });
  afterAll(async () => {
    await srv?.close();
    await hs?.close();
  });

  it('the public /healthz says up, nothing more', async () => {
    const res = await fetch(`${srv.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('private answers are never cached and no page may be framed', async () => {
    const probes: Array<[string, Record<string, string>]> = [
      ['/api/installations', { authorization: `Bearer ${ADMIN_TOKEN}` }],
      ['/journey?installation=hubspot:default', { authorization: `Bearer ${ADMIN_TOKEN}` }],
      ['/oauth/hubspot/callback?code=x&state=y', {}],
      ['/oauth/salesforce/callback?code=x&state=y', {}],
      ['/metrics', { authorization: `Bearer ${ADMIN_TOKEN}` }],
    ];
    for (const [path, headers] of probes) {
      const res = await fetch(`${srv.url}${path}`, { headers, redirect: 'manual' });
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-powered-by'), path).toBeNull();
    }
    const health = await fetch(`${srv.url}/healthz`);
    expect(health.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('serves prom-client metrics: default process metrics and the same parcours_* names', async () => {
    const res = await admin(srv.url, '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(text).toMatch(new RegExp(`^${name}(\\{[^}]*\\})? `, 'm'));
    }
    expect(text).toMatch(/^parcours_runs_total\{crm="hubspot",mode="full",status="succeeded"\} 1$/m);
    expect(text).toMatch(/^parcours_records_written_total\{crm="hubspot"\} [1-9]\d*$/m);
    expect(text).toMatch(/^parcours_api_calls_total\{crm="hubspot",endpoint="[^"]+"\} [1-9]/m);
    expect(text).toMatch(/^parcours_installations 1$/m);
    expect(text).toMatch(/^parcours_queue_depth 0$/m);
    expect(text).toMatch(/^# TYPE parcours_webhook_lag_seconds histogram$/m);
    expect((await admin(srv.url, '/metrics', {}, '')).status).toBe(401);
  });

  it('a 5xx carries a request id, not the store\'s message; the log has the details under that id', async () => {
    await store.close(); // every store call now fails
    const res = await admin(srv.url, '/api/installations');
    expect(res.status).toBe(500);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error.requestId).toBe(requestId);
    expect(body.error.message).not.toMatch(/store|sqlite|database|\.db|statement|\/tmp/i);
    expect(logs.lines.some((l) => l.includes(requestId as string) && /store listInstallations failed/.test(l))).toBe(true);
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(503);
    expect(await (await fetch(`${srv.url}/healthz`)).json()).toEqual({ status: 'down' });
  });
});
