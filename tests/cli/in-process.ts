import { runCli as run } from '../../src/cli/program.ts';

/**
 * The CLI in-process (these commands touch only the store): the given environment and nothing else from the
 * shell, exit code and output captured like the child-process runs of tests/e2e.
 */
export async function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) if (/^(PARCOURS|HUBSPOT|SALESFORCE)_/.test(k)) delete process.env[k];
  Object.assign(process.env, env);
  const out: string[] = [];
  const err: string[] = [];
  try {
    const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    process.env = saved;
  }
}

