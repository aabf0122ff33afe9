/**
 * e2e (issue 15): the real `parcours serve` with no CRM credentials in its environment; a HubSpot portal
 * (the sandbox) added through `POST /api/installations`, then synced with `POST /api/installations/:id/sync`.
 * The token never appears in the service's output.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { SANDBOX_HUB_ID } from '../../sandbox/hubspot/auth.ts';
import { ADMIN_TOKEN, SECRET_KEY, admin } from '../server/harness.ts';
import { startCli, storeEnv } from './cli.ts';

const TOKEN = 'pat-na1-e2e0c0de-token-installation';

describe('a token installation added to the running service', () => {
  let sb: HubspotSandbox;
  let child: ChildProcess | undefined;
  let output = '';
  beforeAll(async () => {
    sb = await startHubspotSandbox({ port: 0, seed: 33, contacts: 40, accessToken: TOKEN });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await sb?.close();
  });

  it('is checked, stored, and synced on demand', async () => {
    const env = { ...storeEnv(), PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_SECRET_KEY: SECRET_KEY, PARCOURS_LOG_LEVEL: 'debug', PARCOURS_SYNC_EVERY: '1h', HUBSPOT_BASE_URL: sb.url };
    const proc = startCli(['serve', '--port', '0'], env);
    child = proc;
    const url = await new Promise<string>((resolve, reject) => {
      proc.stdout?.on('data', (d: Buffer) => {
        output += d.toString();
        const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
        if (found) resolve(found);
      });
      proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      proc.on('exit', (code) => reject(new Error(`serve exited (${code}) before listening:\n${output}`)));
    });

    const added = await admin(url, '/api/installations', { method: 'POST', body: JSON.stringify({ crm: 'hubspot', accessToken: TOKEN }) });
    expect(added.status).toBe(201);
    const body = await added.text();
    expect(body).not.toContain(TOKEN);
    const { id } = JSON.parse(body) as { id: string };
    expect(id).toBe(`hubspot:${SANDBOX_HUB_ID}`);

    const sync = await admin(url, `/api/installations/${encodeURIComponent(id)}/sync`, { method: 'POST', body: JSON.stringify({ mode: 'full', wait: true }) });
    expect(sync.status).toBe(200);
    const run = (await sync.json()) as { status: string; runId: number };
    expect(run.status).toBe('succeeded');
    const detail = (await (await admin(url, `/api/runs/${run.runId}`)).json()) as { installation: string; status: string };
    expect(detail).toMatchObject({ installation: id, status: 'succeeded' });

    proc.kill('SIGTERM');
    await new Promise((resolve) => proc.once('exit', resolve));
    child = undefined;
    expect(output).toContain(id);
    expect(output).not.toContain(TOKEN);
  });
});
