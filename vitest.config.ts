import { randomBytes } from 'node:crypto';
import { defineConfig } from 'vitest/config';

// Issue 15: where PostgreSQL answers (.ci/run sets PARCOURS_TEST_DATABASE_URL), the end-to-end tests run a second
// time with the CLI's store on PostgreSQL (tests/e2e/cli.ts `storeEnv`), each file on a database of its own.
const postgres = process.env.PARCOURS_TEST_DATABASE_URL;
if (postgres) process.env.PARCOURS_E2E_RUN ??= randomBytes(4).toString('hex');

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
              include: ['tests/e2e/**/*.test.ts'],
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
