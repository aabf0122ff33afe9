import type { Command } from 'commander';
import { compileEngine } from '../../journey/engine.ts';
import { loadMapping } from '../../mapping/load.ts';
import { ParcoursError } from '../../errors.ts';
import { readCustomerFile } from '../customer-file.ts';
import type { CliIo } from '../io.ts';

export function registerExplain(program: Command, io: CliIo): void {
  program
    .command('explain')
    .description('evaluate one customer and print the rule trace')
    .option('--mapping <file>', 'mapping file', undefined)
    .option('--customer <file>', 'the customer as canonical JSON (contact, deals, tickets)')
    .option('--at <date>', 'evaluation time (ISO 8601); default now')
    .option('--json', 'print the journey state as JSON')
    .action((opts: { mapping?: string; customer?: string; at?: string; json?: boolean }) => {
      if (!opts.customer) throw new ParcoursError('INPUT_INVALID', 'explain needs --customer <json-file>');
      const now = opts.at ? Date.parse(opts.at) : Date.now();
      if (Number.isNaN(now)) throw new ParcoursError('INPUT_INVALID', `--at: not a date: "${opts.at}"`);
      const engine = compileEngine(loadMapping(opts.mapping ?? 'mappings/hubspot.yaml'));
      const result = engine.explain(readCustomerFile(opts.customer), now);
      if (opts.json) io.out(JSON.stringify(result.state, null, 2));
      else for (const line of result.lines) io.out(line);
    });
}
