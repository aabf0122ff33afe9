import { describe, expect, it } from 'vitest';
import { startSalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { readEnv } from '../../src/config.ts';
import { compileEngine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { openStoreFor } from '../../src/store/open.ts';
import { connect } from '../../src/sync/connect.ts';
import { runSync } from '../../src/sync/run.ts';
import { runSetup } from '../../src/sync/setup.ts';
import { salesforceEnv, storeEnv } from './cli.ts';
import { SECRET_KEY } from '../server/harness.ts';

describe('Salesforce refresh token rotation', () => {
  it('keeps the rotated refresh token sealed in the store and uses it on the next run', async () => {
    const sb = await startSalesforceSandbox({ port: 0, seed: 2, contacts: 30, rotateRefreshTokens: true });
    const env = readEnv({
      ...storeEnv(),
      ...salesforceEnv(sb),
      PARCOURS_SECRET_KEY: SECRET_KEY,
    });
    const store = await openStoreFor(env);
    const installation = 'salesforce:rotation';
    const engine = compileEngine(loadMapping('mappings/salesforce.yaml'));
    try {
      await runSetup(await connect('salesforce', { env, store, installation }), store, installation, engine.mapping);
      const stored = (await store.getSetting(installation, 'salesforce-refresh-token')) as string;
      expect(stored).toMatch(/^sealed:/);
      expect(stored).not.toContain(sb.oauth.refreshToken);
      // The environment's token is spent (rotation): a new run must use the stored one, or the org
      // would revoke the whole token family.
      sb.faults.expireSessions();
      const s = await runSync({ connector: await connect('salesforce', { env, store, installation }), store, engine, installation, mode: 'full', dryRun: true, now: Date.now() });
      expect(s.status).toBe('succeeded');
      expect(s.pulled.contacts).toBe(30);
      expect(await store.getSetting(installation, 'salesforce-refresh-token')).not.toBe(stored);
    } finally {
      await store.close();
      await sb.close();
    }
  });
});
