/** The admin API's links (issue 16): POST/GET/DELETE /api/links, behind the admin token, zod-checked bodies. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ParcoursServer } from '../../src/server/index.ts';
import { ADMIN_TOKEN, admin, tempDb } from './harness.ts';

describe('admin API: links', () => {
  let srv: ParcoursServer;
  beforeAll(async () => {
    // Environment installations of both CRMs (the sandboxes are never called here: links are store rows).
    srv = await startServer({
      port: 0,
      schedule: false,
      env: {
        PARCOURS_DB: tempDb(), PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_LOG_LEVEL: 'silent',
        HUBSPOT_ACCESS_TOKEN: 'pat-na1-test', HUBSPOT_BASE_URL: 'http://127.0.0.1:9', HUBSPOT_PORTAL_ID: '123',
        SALESFORCE_INSTANCE_URL: 'https://acme.my.salesforce.com', SALESFORCE_ACCESS_TOKEN: 'sf-test', SALESFORCE_ORG_ID: '00D000000000001',
      },
    });
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('needs the admin token', async () => {
    for (const [path, method] of [['/api/links', 'GET'], ['/api/links', 'POST'], ['/api/links/x', 'DELETE']] as const) {
      expect((await admin(srv.url, path, { method, ...(method === 'POST' ? { body: '{}' } : {}) }, '')).status).toBe(401);
    }
  });

  it('creates, shows, lists and deletes a link', async () => {
    const made = await admin(srv.url, '/api/links', { method: 'POST', body: JSON.stringify({ hubspot: 'hubspot:default', salesforce: 'salesforce:default', label: 'ACME' }) });
    expect(made.status).toBe(201);
    const link = (await made.json()) as { id: string };
    expect(link).toMatchObject({ id: 'hubspot-default.salesforce-default', hubspot: 'hubspot:default', salesforce: 'salesforce:default', source: 'admin', label: 'ACME', linkedCustomers: 0, conflicts: 0 });
    const one = await admin(srv.url, `/api/links/${link.id}`);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ id: link.id, conflictList: [] });
    expect(await (await admin(srv.url, '/api/links')).json()).toEqual([expect.objectContaining({ id: link.id })]);
    const del = await admin(srv.url, `/api/links/${link.id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ link: link.id, removed: true });
    const gone = await admin(srv.url, `/api/links/${link.id}`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error: { code: 'NOT_FOUND', message: `no link ${link.id}` } });
  });

  it('answers a bad body with 400 naming the field, an unknown installation with 404', async () => {
    const bad = await admin(srv.url, '/api/links', { method: 'POST', body: JSON.stringify({ hubspot: 'hubspot:default', extra: 1 }) });
    expect(bad.status).toBe(400);
    const text = JSON.stringify(await bad.json());
    expect(text).toContain('INPUT_INVALID');
    expect(text).toContain('salesforce');
    expect(text).toContain('extra');
    const unknown = await admin(srv.url, '/api/links', { method: 'POST', body: JSON.stringify({ hubspot: 'hubspot:default', salesforce: 'salesforce:nope' }) });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'NOT_FOUND', message: expect.stringContaining('salesforce: no installation "salesforce:nope"') } });
    const crossed = await admin(srv.url, '/api/links', { method: 'POST', body: JSON.stringify({ hubspot: 'salesforce:default', salesforce: 'salesforce:default' }) });
    expect(crossed.status).toBe(400);
    expect((await admin(srv.url, '/api/links/nope', { method: 'DELETE' })).status).toBe(404);
  });
});
