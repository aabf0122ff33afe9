import type { Command } from 'commander';
import { loadMapping } from '../../mapping/load.ts';
import type { CliIo } from '../io.ts';

export function registerMapping(program: Command, io: CliIo): void {
  const mapping = program.command('mapping').description('work with mapping files');
  mapping
    .command('check')
    .description('validate a mapping file; every problem is listed with its line and path')
    .argument('<file>', 'mapping file (YAML)')
    .action((file: string) => {
      const m = loadMapping(file);
      const stages = m.journeys.map((j) => `${j.id} (${j.stages.map((s) => s.id).join(' → ')})`);
      io.out(`${file}: OK`);
      io.out(`  journeys: ${stages.join('; ')}`);
      io.out(`  segments: ${m.segments.map((s) => s.id).join(', ') || 'none'}`);
      io.out(`  friction: ${m.friction.map((f) => f.id).join(', ') || 'none'}`);
      io.out(`  kpis:     ${m.kpis.map((k) => k.id).join(', ') || 'none'}`);
    });
}
