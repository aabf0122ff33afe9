import type { Command } from 'commander';
import { ParcoursError } from '../../errors.ts';
import { SERVER_ROLES, startServer, WORKER_JOBS, type ServerRole, type WorkerJobs } from '../../server/index.ts';
import type { CliIo } from '../io.ts';

export function registerServe(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the Parcours service: OAuth installs, webhooks, scheduled syncs, admin API, journey map')
    .option('--port <n>', 'port (default PORT or 8080)')
    .option('--role <role>', 'web (webhooks, OAuth, admin API; enqueues), worker (runs jobs; /healthz only) or all; web and worker need PARCOURS_DATABASE_URL', 'all')
    .option('--concurrency <n>', 'worker and all roles on PostgreSQL: jobs for up to N installations at once', '4')
    .option('--jobs <kind>', 'worker role: all, or urgent (only webhook recomputes, rollbacks and schedule ticks, never a sync)', 'all')
    .action(async (opts: { port?: string; role: string; concurrency: string; jobs: string }) => {
      if (!(SERVER_ROLES as readonly string[]).includes(opts.role)) {
        throw new ParcoursError('INPUT_INVALID', `--role: expected one of ${SERVER_ROLES.join(', ')}, got "${opts.role}"`);
      }
      if (!(WORKER_JOBS as readonly string[]).includes(opts.jobs)) throw new ParcoursError('INPUT_INVALID', `--jobs: expected one of ${WORKER_JOBS.join(', ')}, got "${opts.jobs}"`);
      if (!/^\d+$/.test(opts.concurrency)) throw new ParcoursError('INPUT_INVALID', `--concurrency: expected a whole number, got "${opts.concurrency}"`);
      const role = opts.role as ServerRole;
      // The handlers go in before the line that says the service is up: a supervisor (or a test) may send SIGTERM
      // the moment it reads that line, and a signal that lands before them kills the process without a clean close.
      const stop = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      const server = await startServer({ ...(opts.port ? { port: Number(opts.port) } : {}), role, concurrency: Number(opts.concurrency), jobs: opts.jobs as WorkerJobs });
      io.out(role === 'worker'
        ? `Parcours ${opts.jobs === 'urgent' ? 'urgent-only ' : ''}worker listening on ${server.url} (GET /healthz; running jobs)`
        : `Parcours service listening on ${server.url} (GET /healthz; admin API under /api with the admin token)`);
      // SIGTERM/SIGINT: stop taking jobs, finish (or, past the stop timeout, release) the running ones, exit.
      await stop;
      await server.close();
    });
}
