/**
 * Security, issue 12 §4: secrets at rest. No token is ever stored without PARCOURS_SECRET_KEY (the run
 * says which variable is missing), the data folder is 0700 and the database 0600, the service refuses
 * to start on a store holding sealed secrets anywhere (settings included) without the key, and keys
 * that are not 32 random bytes in strict base64 or hex are refused. The running service and the real CLI.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { ParcoursError } from '../../src/errors.ts';
import { startServer } from '../../src/server/index.ts';
import { openStore } from '../../src/store/index.ts';
import { runCli } from '../e2e/cli.ts';
import { ADMIN_TOKEN, SECRET_KEY, salesforceEnv } from '../server/harness.ts';

const KEY_SETTING = 'salesforce-refresh-token';

describe('secrets at rest', () => {
  it('creates the data folder 0700 and the database 0600', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'parcours-perm-')), 'data', 'nested');
    const db = join(dir, 'parcours.db');
    const srv = await startServer({ port: 0, schedule: false, env: { PARCOURS_DB: db, PARCOURS_LOG_LEVEL: 'silent', PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN } });
    try {
      expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, '..')).mode & 0o777).toBe(0o700);
      for (const file of [db, `${db}-wal`]) expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      await srv.close();
    }
  });

  it('never stores a rotated refresh token without PARCOURS_SECRET_KEY: the run fails naming the variable', async () => {
    const sf = await startSalesforceSandbox({ port: 0, seed: 3, contacts: 10, rotateRefreshTokens: true });
    const db = join(mkdtempSync(join(tmpdir(), 'parcours-nokey-')), 'parcours.db');
    const { SALESFORCE_INSTANCE_URL: _instance, ...env } = salesforceEnv(sf);
    try {
      const r = await runCli(['sync', '--crm', 'salesforce'], { ...env, PARCOURS_DB: db });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('PARCOURS_SECRET_KEY');
      const store = openStore(db);
      try {
        expect(await store.getSetting('salesforce:default', KEY_SETTING)).toBeUndefined();
      } finally {
        await store.close();
      }
      for (const file of [db, `${db}-wal`].filter((f) => existsSync(f))) {
        const bytes = readFileSync(file).toString('latin1');
        expect(bytes).not.toContain('plain:');
        expect(bytes).not.toMatch(/5Aep861[A-Za-z0-9._-]{20,}/);
      }
    } finally {
      await sf.close();
    }
  });

  it('refuses to start without the key when a sealed secret is stored in settings only', async () => {
    const sf = await startSalesforceSandbox({ port: 0, seed: 3, contacts: 10, rotateRefreshTokens: true });
    const db = join(mkdtempSync(join(tmpdir(), 'parcours-sealed-')), 'parcours.db');
    const { SALESFORCE_INSTANCE_URL: _instance, ...env } = salesforceEnv(sf);
    try {
      // With the key, the rotated token is stored sealed (in settings; no OAuth installation exists).
      const r = await runCli(['setup', '--crm', 'salesforce'], { ...env, PARCOURS_DB: db, PARCOURS_SECRET_KEY: SECRET_KEY });
      expect(r.code, r.stderr).toBe(0);
      const store = openStore(db);
      expect(await store.getSetting('salesforce:default', KEY_SETTING)).toMatch(/^sealed:/);
      expect((await store.listInstallations()).filter((i) => i.secrets !== null)).toEqual([]);
      const attempt = startServer({ port: 0, schedule: false, store, env: { PARCOURS_DB: db, PARCOURS_LOG_LEVEL: 'silent', ...env } });
      await expect(attempt).rejects.toBeInstanceOf(ParcoursError);
      await expect(attempt).rejects.toThrow(/PARCOURS_SECRET_KEY/);
      await store.close();
    } finally {
      await sf.close();
    }
  });

  it('refuses keys that are not 32 random bytes in strict base64 or hex, without echoing them', async () => {
    const bad = [
      'a'.repeat(43), // decodes to 32 bytes, but is no random key
      Buffer.alloc(32, 7).toString('base64'),
      `${SECRET_KEY} `,
      SECRET_KEY.replace(/=$/, ''),
      'correct horse battery staple correct horse!',
      `${'ab'.repeat(31)}zz`,
    ];
    for (const key of bad) {
      const attempt = startServer({ port: 0, schedule: false, env: { PARCOURS_DB: ':memory:', PARCOURS_LOG_LEVEL: 'silent', PARCOURS_SECRET_KEY: key } });
      await expect(attempt).rejects.toThrow(/PARCOURS_SECRET_KEY must be 32 random bytes/);
      await expect(attempt).rejects.not.toThrow(key.trim());
    }
    for (const key of [SECRET_KEY, Buffer.from(SECRET_KEY, 'base64').toString('hex'), Buffer.from(SECRET_KEY, 'base64').toString('base64url')]) {
      const srv = await startServer({ port: 0, schedule: false, env: { PARCOURS_DB: ':memory:', PARCOURS_LOG_LEVEL: 'silent', PARCOURS_SECRET_KEY: key } });
      await srv.close();
    }
  });
});
