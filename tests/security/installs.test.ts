/**
 * Security, issue 12 §3: installs are not open to anyone. An install needs the admin token or a
 * single-use, expiring link the admin issued (unless PARCOURS_PUBLIC_INSTALLS=true), and the OAuth state
 * only completes in the browser that started the install. HTTP against the running service on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_HUB_ID } from '../../sandbox/hubspot/auth.ts';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { startServer, type ParcoursServer } from '../../src/server/index.ts';
import { ADMIN_TOKEN, SECRET_KEY, admin, browser, tempDb } from '../server/harness.ts';

describe('OAuth installs need an admin-issued link or the admin token', () => {
  let hs: HubspotSandbox;
  let srv: ParcoursServer;
  let offset = 0;
  const env = (hsUrl: string, clientId: string, clientSecret: string, extra: Record<string, string> = {}) => ({
    PARCOURS_DB: tempDb(), PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_SECRET_KEY: SECRET_KEY, PARCOURS_LOG_LEVEL: 'silent',
    HUBSPOT_BASE_URL: hsUrl, HUBSPOT_AUTHORIZE_URL: `${hsUrl}/oauth/authorize`, HUBSPOT_CLIENT_ID: clientId, HUBSPOT_CLIENT_SECRET: clientSecret, ...extra,
  });

  beforeAll(async () => {
    hs = await startHubspotSandbox({ port: 0, seed: 8, contacts: 10 });
    srv = await startServer({ port: 0, schedule: false, now: () => Date.now() + offset, env: env(hs.url, hs.oauth.clientId, hs.oauth.clientSecret) });
  });
  afterAll(async () => {
    await srv?.close();
    await hs?.close();
  });

  const newLink = async (body: object) => {
    const res = await admin(srv.url, '/api/install-links', { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return (await res.json()) as { url: string; crm: string; expiresAt: string };
  };

  it('refuses an install started by a stranger', async () => {
    const res = await fetch(`${srv.url}/oauth/hubspot/install`, { redirect: 'manual' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'AUTH_FAILED' } });
    expect((await fetch(`${srv.url}/oauth/salesforce/install?org=sandbox`, { redirect: 'manual' })).status).toBe(401);
    expect((await fetch(`${srv.url}/oauth/hubspot/install?link=${'A'.repeat(43)}`, { redirect: 'manual' })).status).toBe(401);
    expect((await admin(srv.url, '/api/install-links', { method: 'POST', body: '{"crm":"hubspot"}' }, 'wrong-token-0123456789abcdef')).status).toBe(401);
  });

  it('an admin-issued link works once, for its CRM only, and not after it expired', async () => {
    const link = await newLink({ crm: 'hubspot' });
    expect(link.url).toMatch(new RegExp(`^${srv.url}/oauth/hubspot/install\\?link=[A-Za-z0-9_-]{43}$`));
    const first = await fetch(link.url, { redirect: 'manual' });
    expect(first.status).toBe(302);
    expect(new URL(first.headers.get('location') as string).origin).toBe(hs.url);
    const cookie = first.headers.getSetCookie().find((c) => c.startsWith('parcours_oauth_hubspot='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\/oauth\/hubspot\/callback/);
    expect(cookie).toMatch(/Max-Age=600/);
    expect((await fetch(link.url, { redirect: 'manual' })).status).toBe(401);

    const forSalesforce = await newLink({ crm: 'salesforce', org: 'sandbox' });
    const token = new URL(forSalesforce.url).searchParams.get('link');
    expect((await fetch(`${srv.url}/oauth/hubspot/install?link=${token}`, { redirect: 'manual' })).status).toBe(401);

    const shortLived = await newLink({ crm: 'hubspot', expiresIn: '1m' });
    offset = 2 * 60_000;
    try {
      expect((await fetch(shortLived.url, { redirect: 'manual' })).status).toBe(401);
    } finally {
      offset = 0;
    }
    const bad = await admin(srv.url, '/api/install-links', { method: 'POST', body: JSON.stringify({ crm: 'hubspot', org: 'sandbox' }) });
    expect(bad.status).toBe(400);
  });

  it('the OAuth callback completes only in the browser that started the install', async () => {
    const victim = browser();
    const attacker = browser();
    // The attacker starts an install of their own portal, stops before the callback, and sends the link to a victim.
    const start = await attacker.get((await newLink({ crm: 'hubspot' })).url);
    const consent = await attacker.get(start.headers.get('location') as string);
    const callback = consent.headers.get('location') as string;
    expect(new URL(callback).pathname).toBe('/oauth/hubspot/callback');
    const lured = await victim.get(callback);
    expect(lured.status).toBe(401);
    expect(await lured.json()).toMatchObject({ error: { code: 'AUTH_FAILED', message: expect.stringContaining('another browser') } });
    expect(await srv.store.getInstallation(`hubspot:${SANDBOX_HUB_ID}`)).toBeUndefined();

    // The same flow in one browser installs the portal.
    const mine = browser();
    const a = await mine.get((await newLink({ crm: 'hubspot' })).url);
    const b = await mine.get(a.headers.get('location') as string);
    const done = await mine.get(b.headers.get('location') as string);
    expect(done.status).toBe(200);
    expect((await srv.store.getInstallation(`hubspot:${SANDBOX_HUB_ID}`))?.source).toBe('oauth');
    await srv.idle();
  });

  it('PARCOURS_PUBLIC_INSTALLS=true opens installs to anyone (a marketplace app)', async () => {
    const open = await startServer({ port: 0, schedule: false, env: env(hs.url, hs.oauth.clientId, hs.oauth.clientSecret, { PARCOURS_PUBLIC_INSTALLS: 'true' }) });
    try {
      expect((await fetch(`${open.url}/oauth/hubspot/install`, { redirect: 'manual' })).status).toBe(302);
    } finally {
      await open.close();
    }
  });
});
