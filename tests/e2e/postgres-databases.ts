/**
 * Global setup of the vitest project `e2e-postgres` (vitest.config.ts): after the run, drops the databases the
 * e2e files created through `storeEnv()` (named `parcours_e2e_<run>_…`, so another run's are left alone).
 */
import pg from 'pg';

export default function setup(): () => Promise<void> {
  return async () => {
    const server = process.env.PARCOURS_TEST_DATABASE_URL;
    const run = process.env.PARCOURS_E2E_RUN;
    if (!server || !run) return;
    const c = new pg.Client({ connectionString: server });
    await c.connect();
    try {
      const { rows } = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`parcours_e2e_${run}_%`]);
      for (const r of rows) await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(r.datname)} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  };
}
