import { Command, CommanderError } from 'commander';
import { MappingError, ParcoursError } from '../errors.ts';
import { registerDemo } from './commands/demo.ts';
import { registerExplain } from './commands/explain.ts';
import { registerInstallations } from './commands/installations.ts';
import { registerLinks } from './commands/links.ts';
import { registerMapping } from './commands/mapping.ts';
import { registerReport } from './commands/report.ts';
import { registerRuns } from './commands/runs.ts';
import { registerSandbox } from './commands/sandbox.ts';
import { registerServe } from './commands/serve.ts';
import { registerSync } from './commands/sync.ts';
import { registerWebhooks } from './commands/webhooks.ts';
import { EXIT } from './exit.ts';
import type { CliIo } from './io.ts';

export { EXIT };

export function buildProgram(io: CliIo, setExit: (code: number) => void = () => {}): Command {
  const program = new Command('parcours')
    .description('Customer journeys for HubSpot and Salesforce: stages, segments and friction flags, written back to the CRM.')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  registerMapping(program, io);
  registerExplain(program, io);
  registerSync(program, io, setExit);
  registerRuns(program, io, setExit);
  registerSandbox(program, io);
  registerDemo(program, io, setExit);
  registerReport(program, io);
  registerServe(program, io);
  registerWebhooks(program, io);
  registerLinks(program, io);
  registerInstallations(program, io);
  return program;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.failed;
    if (error instanceof MappingError) {
      io.err(`mapping invalid (${error.issues.length} problem${error.issues.length === 1 ? '' : 's'}):`);
      for (const line of error.message.split('\n')) io.err(`  ${line}`);
      return EXIT.failed;
    }
    if (error instanceof ParcoursError) {
      io.err(`error [${error.code}]: ${error.message}`);
      return EXIT.failed;
    }
    io.err(`unexpected error: ${(error as Error).stack ?? String(error)}`);
    return EXIT.failed;
  }
}
