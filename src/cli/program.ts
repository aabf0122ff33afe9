import { Command, CommanderError } from 'commander';
import { MappingError, ParcoursError } from '../errors.ts';
import { registerExplain } from './commands/explain.ts';
import { registerMapping } from './commands/mapping.ts';
import type { CliIo } from './io.ts';

/** Exit codes: 0 success, 1 nothing could be done (bad config, mapping, auth), 2 some records failed. */
export const EXIT = { ok: 0, failed: 1, partial: 2 } as const;

export function buildProgram(io: CliIo): Command {
  const program = new Command('parcours')
    .description('Customer journeys for HubSpot and Salesforce: stages, segments and friction flags, written back to the CRM.')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  registerMapping(program, io);
  registerExplain(program, io);
  return program;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return (program as Command & { exitCodeOverride?: number }).exitCodeOverride ?? EXIT.ok;
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
