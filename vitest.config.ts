import { randomBytes } from 'node:crypto';
import { defineConfig } from 'vitest/config';

// Issue 15: where PostgreSQL answers (.ci/run sets PARCOURS_TEST_DATABASE_URL), end-to-end tests run a second time
// with the CLI's store on PostgreSQL (tests/e2e/cli.ts `storeEnv`), each file on a database of its own. By default
// the files that exercise a part of the store no other PostgreSQL test drives end to end (postgres-store.test.ts
// already runs setup, both CRMs' syncs, re-runs, runs and report there): links, tasks, rollback and pause, the
// stage ledger and backfill, memberships, installations and sealed tokens. Every e2e file twice would take CI past
// 10 minutes on 2 cores; PARCOURS_E2E_POSTGRES=all runs them all (all 73 pass).
const postgres = process.env.PARCOURS_TEST_DATABASE_URL;
if (postgres) process.env.PARCOURS_E2E_RUN ??= randomBytes(4).toString('hex');
const E2E_ON_POSTGRES = process.env.PARCOURS_E2E_POSTGRES === 'all'
  ? ['tests/e2e/**/*.test.ts']
  : ['linked', 'tasks-salesforce', 'rollback-pause', 'backfill', 'salesforce-rotation', 'token-installation', 'stage-entry', 'reconcile-salesforce'].map((f) => `tests/e2e/${f}.test.ts`);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests open loopback servers and SQLite files; two cores here, so keep workers modest.
    maxWorkers: 2,
    // The JSON report lets .ci/run print its closing "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: 'tests/artifacts/vitest.json' }]],
    projects: [
      { extends: true, test: { name: 'main', include: ['tests/**/*.test.ts'] } },
      ...(postgres
        ? [{
            extends: true,
            test: {
              name: 'e2e-postgres',
              include: E2E_ON_POSTGRES,
              // Already on PostgreSQL in the main project.
              exclude: ['tests/e2e/postgres-store.test.ts'],
              env: { PARCOURS_E2E_STORE: 'postgres', PARCOURS_E2E_RUN: process.env.PARCOURS_E2E_RUN as string },
              globalSetup: ['tests/e2e/postgres-databases.ts'],
            },
          }]
        : []),
    ],
  },
});
