import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { startServer, type ParcoursServer } from '../../src/server/index.ts';
import { ADMIN_TOKEN, admin, tempDb } from './harness.ts';

interface Summary {
  runId: number;
  status: string;
  dryRun: boolean;
  written: number;
  plan: Record<string, { changes: number }>;
  apiCalls: { total: number; byEndpoint: Record<string, number> };
}

describe('admin API', () => {
  let sb: HubspotSandbox;
  let srv: ParcoursServer;
  const INST = '/api/installations/hubspot:default';

  beforeAll(async () => {
    sb = await startHubspotSandbox({ port: 0, seed: 3, contacts: 30 });
    srv = await startServer({
      port: 0,
      schedule: false,
      env: { PARCOURS_DB: tempDb(), HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: sb.accessToken, PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_LOG_LEVEL: 'silent' },
    });
  });
  afterAll(async () => {
    await srv?.close();
    await sb?.close();
  });

  it('refuses a missing or wrong token with a JSON error', async () => {
    for (const token of ['', 'wrong-token-wrong-token-wrong']) {
      for (const [path, method] of [['/api/installations', 'GET'], [`${INST}/sync`, 'POST'], ['/api/runs', 'GET'], ['/metrics', 'GET']] as const) {
        const res = await admin(srv.url, path, { method }, token);
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ error: { code: 'AUTH_FAILED' } });
      }
    }
    expect((await srv.store.listRuns()).length).toBe(0);
  });

  it('health is public and says up only; the details are behind the admin token', async () => {
    const res = await fetch(`${srv.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect((await admin(srv.url, '/api/health', {}, '')).status).toBe(401);
    const details = await admin(srv.url, '/api/health');
    const text = await details.text();
    expect(JSON.parse(text)).toMatchObject({ status: 'ok', installations: 1, pendingEvents: 0, failedEvents: 0 });
    expect(text).not.toContain(sb.accessToken);
    expect(text).not.toContain(ADMIN_TOKEN);
  });

  it('lists installations without tokens', async () => {
    const res = await admin(srv.url, '/api/installations');
    const text = await res.text();
    expect(JSON.parse(text)).toEqual([expect.objectContaining({ id: 'hubspot:default', crm: 'hubspot', source: 'env', tokensStored: false, paused: null, lastRun: null })]);
    expect(text).not.toContain(sb.accessToken);
  });

  it('answers unknown routes, bad bodies, malformed JSON and oversized bodies with JSON error codes', async () => {
    const unknown = await admin(srv.url, '/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const bad = await admin(srv.url, `${INST}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'sideways' }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'INPUT_INVALID' } });
    const extra = await admin(srv.url, `${INST}/sync`, { method: 'POST', body: JSON.stringify({ dryRun: true, deleteEverything: true }) });
    expect(extra.status).toBe(400);
    const malformed = await admin(srv.url, `${INST}/sync`, { method: 'POST', body: '{"dryRun": tru' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: 'INPUT_INVALID' } });
    const huge = await admin(srv.url, `${INST}/sync`, { method: 'POST', body: JSON.stringify({ dryRun: true, pad: 'x'.repeat(100_000) }) });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { code: 'INPUT_INVALID' } });
    const noInstallation = await admin(srv.url, '/api/installations/hubspot:nope/sync', { method: 'POST', body: '{}' });
    expect(noInstallation.status).toBe(404);
    const badRun = await admin(srv.url, '/api/runs/abc');
    expect(badRun.status).toBe(400);
    expect((await srv.store.listRuns()).length).toBe(0);
  });

  it('a dry run returns the plan and writes nothing', async () => {
    const before = sb.calls.filter((c) => c.path.endsWith('/batch/update')).length;
    const res = await admin(srv.url, `${INST}/sync`, { method: 'POST', body: JSON.stringify({ dryRun: true, mode: 'full' }) });
    expect(res.status).toBe(200);
    const s = (await res.json()) as Summary;
    expect(s.dryRun).toBe(true);
    expect(s.written).toBe(0);
    expect(s.plan['contact.parcours_stage']?.changes).toBe(30);
    expect(sb.calls.filter((c) => c.path.endsWith('/batch/update')).length).toBe(before);
  });

  it('concurrent sync requests for one installation make one run', async () => {
    const runsBefore = (await srv.store.listRuns({ limit: 500 })).length;
    const responses = await Promise.all([1, 2, 3].map(() => admin(srv.url, `${INST}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'full' }) })));
    const summaries = (await Promise.all(responses.map((r) => r.json()))) as Summary[];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(new Set(summaries.map((s) => s.runId)).size).toBe(1);
    expect((await srv.store.listRuns({ limit: 500 })).length).toBe(runsBefore + 1);
    expect(summaries[0]?.status).toBe('succeeded');
    expect(summaries[0]?.written).toBeGreaterThan(0);
  });

  it('shows a run with counts, failures and API calls, lists runs, and rolls a run back', async () => {
    const last = (await srv.store.listRuns({ limit: 1 }))[0];
    const one = await admin(srv.url, `/api/runs/${last?.id}`);
    expect(one.status).toBe(200);
    const run = (await one.json()) as { id: number; status: string; failures: unknown[]; summary: Summary };
    expect(run).toMatchObject({ id: last?.id, status: 'succeeded', failures: [] });
    expect(run.summary.apiCalls.total).toBeGreaterThan(0);
    const list = (await (await admin(srv.url, '/api/runs?installation=hubspot:default&limit=5')).json()) as Array<{ id: number; summary?: unknown }>;
    expect(list[0]?.id).toBe(last?.id);
    expect(list[0]).not.toHaveProperty('summary');

    const contactId = sb.data.ids('contacts')[0] as string;
    const written = sb.data.getRecord('contacts', contactId)?.properties.parcours_stage;
    expect(written).toBeTruthy();
    const rb = await admin(srv.url, `/api/runs/${last?.id}/rollback`, { method: 'POST' });
    expect(rb.status).toBe(200);
    expect(((await rb.json()) as { restored: number }).restored).toBeGreaterThan(0);
    expect(sb.data.getRecord('contacts', contactId)?.properties.parcours_stage ?? '').toBe('');
    const missing = await admin(srv.url, '/api/runs/999999/rollback', { method: 'POST' });
    expect(missing.status).toBe(404);
  });

  it('after the rollback the installation is paused: listed so, syncs refused naming resume, until resumed', async () => {
    const listed = (await (await admin(srv.url, '/api/installations')).json()) as Array<{ id: string; paused: { reason: string } | null }>;
    expect(listed[0]?.paused?.reason).toMatch(/^rollback of run \d+$/);
    const writesBefore = sb.calls.filter((c) => c.path.endsWith('/batch/update')).length;
    const refused = await admin(srv.url, `${INST}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'incremental' }) });
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('PAUSED');
    expect(body.error.message).toContain('POST /api/installations/hubspot:default/resume');
    expect(sb.calls.filter((c) => c.path.endsWith('/batch/update')).length).toBe(writesBefore);
    const resumed = await admin(srv.url, `${INST}/resume`, { method: 'POST' });
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toMatchObject({ installation: 'hubspot:default', resumed: true, wasPaused: { reason: expect.stringMatching(/^rollback of run/) } });
    const again = (await (await admin(srv.url, '/api/installations')).json()) as Array<{ paused: unknown }>;
    expect(again[0]?.paused).toBeNull();
    expect(await (await admin(srv.url, `${INST}/resume`, { method: 'POST' })).json()).toMatchObject({ resumed: false, wasPaused: null });
  });

  it('exposes Prometheus metrics: runs, records written, API calls by endpoint', async () => {
    const res = await admin(srv.url, '/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^parcours_runs_total\{crm="hubspot",mode="full",status="succeeded"\} 2$/m);
    expect(text).toMatch(/^parcours_records_written_total\{crm="hubspot"\} [1-9]\d*$/m);
    expect(text).toMatch(/^parcours_api_calls_total\{crm="hubspot",endpoint="[^"]+"\} [1-9]/m);
    expect(text).toMatch(/^parcours_installations 1$/m);
  });

  it('serves the journey map of an installation from the store, behind the admin token', async () => {
    expect((await admin(srv.url, '/journey?installation=hubspot:default', {}, 'wrong-token-0123456789abcdef')).status).toBe(401);
    const page = await admin(srv.url, '/journey?installation=hubspot:default');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('journey map');
    for (const label of ['Awareness', 'Consideration', 'Decision', 'Purchase', 'Post-purchase']) expect(html).toContain(label);
  });
});
