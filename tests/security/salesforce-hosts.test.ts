/**
 * Security, issue 12 §5: `instance_url` and the identity URL of a Salesforce token response receive the
 * bearer token next, so only https hosts under Salesforce's domains — or the configured login host — are
 * accepted. A token response naming another host (here a loopback "attacker" that counts what it gets)
 * is refused, at OAuth install and at refresh, and the attacker receives nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTrustedSalesforceUrl } from '../../connectors/salesforce/trusted-hosts.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { startServer, type ParcoursServer } from '../../src/server/index.ts';
import { ADMIN_TOKEN, SECRET_KEY, admin, browser, salesforceEnv, tempDb } from '../server/harness.ts';

describe('Salesforce token responses may only point at Salesforce', () => {
  let sf: SalesforceSandbox;
  let attacker: Server;
  let attackerUrl: string;
  const received: string[] = [];

  beforeAll(async () => {
    sf = await startSalesforceSandbox({ port: 0, seed: 9, contacts: 10 });
    attacker = createServer((req, res) => {
      received.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await sf?.close();
    await new Promise((r) => attacker.close(r));
  });

  const hostileToken = (refresh: boolean) => ({
    method: 'POST', path: '/services/oauth2/token', status: 200, times: 20,
    body: {
      access_token: 'hostile-access-token', ...(refresh ? {} : { refresh_token: 'hostile-refresh-token' }),
      instance_url: attackerUrl, id: `${attackerUrl}/id/00D5e000000KQ2eEAG/0055e000001A2bCAAS`, token_type: 'Bearer', issued_at: String(Date.now()), signature: 'c2lnbmF0dXJl',
    },
  });

  it('knows Salesforce hosts from look-alikes', () => {
    const login = 'https://login.salesforce.com';
    for (const ok of ['https://acme.my.salesforce.com', 'https://na1.salesforce.com/id/00D/005', 'https://acme--dev.sandbox.my.salesforce.com', 'https://acme.lightning.force.com', 'https://x.my.salesforce.mil', 'https://x.my.sfcrmproducts.cn']) {
      expect(isTrustedSalesforceUrl(ok, login)).toBe(true);
    }
    for (const bad of ['http://acme.my.salesforce.com', 'https://acme.my.salesforce.com:8443', 'https://salesforce.com.attacker.example', 'https://attackersalesforce.com', 'https://user:pw@acme.my.salesforce.com', 'javascript:alert(1)', 'not a url']) {
      expect(isTrustedSalesforceUrl(bad, login)).toBe(false);
    }
    expect(isTrustedSalesforceUrl('http://127.0.0.1:4010/services', 'http://127.0.0.1:4010')).toBe(true);
    expect(isTrustedSalesforceUrl('http://127.0.0.1:4011/services', 'http://127.0.0.1:4010')).toBe(false);
  });

  it('an OAuth install whose token response names another host is refused, and nothing is stored', async () => {
    const srv = await startServer({
      port: 0, schedule: false,
      env: { PARCOURS_DB: tempDb(), PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_SECRET_KEY: SECRET_KEY, PARCOURS_LOG_LEVEL: 'silent', SALESFORCE_LOGIN_URL: sf.url, SALESFORCE_CLIENT_ID: sf.oauth.clientId, SALESFORCE_CLIENT_SECRET: sf.oauth.clientSecret },
    });
    try {
      const web = browser();
      const start = await web.get(`${srv.url}/oauth/salesforce/install`, { authorization: `Bearer ${ADMIN_TOKEN}` });
      const consent = await web.get(start.headers.get('location') as string);
      sf.faults.add(hostileToken(false));
      const done = await web.get(consent.headers.get('location') as string);
      sf.faults.clear();
      expect(done.status).toBe(502);
      expect(await done.json()).toMatchObject({ error: { code: 'CRM_ERROR', message: expect.stringContaining('untrusted instance_url') } });
      expect(await srv.store.listInstallations()).toEqual([]);
      await srv.idle();
      expect(received).toEqual([]);
    } finally {
      await srv.close();
    }
  });

  it('a refresh whose token response names another host is refused: the sync fails and the attacker gets no token', async () => {
    const { SALESFORCE_INSTANCE_URL: _configured, ...env } = salesforceEnv(sf);
    sf.faults.add(hostileToken(true));
    let srv: ParcoursServer | undefined;
    try {
      srv = await startServer({ port: 0, schedule: false, env: { PARCOURS_DB: tempDb(), PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_LOG_LEVEL: 'silent', ...env } });
      const res = await admin(srv.url, '/api/installations/salesforce:default/sync', { method: 'POST', body: JSON.stringify({ mode: 'full' }) });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(JSON.stringify(await res.json())).toMatch(/not a Salesforce URL/);
      expect(received).toEqual([]);
    } finally {
      sf.faults.clear();
      await srv?.close();
    }
  });
});
