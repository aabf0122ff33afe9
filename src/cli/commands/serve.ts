import type { Command } from 'commander';
import { startServer } from '../../server/index.ts';
import type { CliIo } from '../io.ts';

export function registerServe(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the Parcours service: OAuth installs, webhooks, scheduled syncs, admin API, journey map')
    .option('--port <n>', 'port (default PORT or 8080)')
    .action(async (opts: { port?: string }) => {
      const server = await startServer({ ...(opts.port ? { port: Number(opts.port) } : {}) });
      io.out(`Parcours service listening on ${server.url} (GET /healthz; admin API under /api with the admin token)`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });
}
