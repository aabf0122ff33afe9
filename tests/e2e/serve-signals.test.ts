/**
 * A supervisor (systemd, Kubernetes, a test) may send SIGTERM the moment `serve` says it is listening. The
 * handlers must be in place by then: a signal that lands first kills the process without a clean close
 * (exit by signal, the queue's jobs not handed back). The window was two syscalls wide, so one start rarely
 * shows it; several starts, each stopped on its first line, do.
 */
import { describe, expect, it } from 'vitest';
import { startCli, tempDb } from './cli.ts';
import { ADMIN_TOKEN } from '../server/harness.ts';

interface Stopped {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Starts `serve` (or `sandbox`), sends SIGTERM as soon as `ready` matches its output, and reports how it ended. */
function stopOnReady(args: string[], env: Record<string, string>, ready: RegExp): Promise<Stopped> {
  const child = startCli(args, env);
  let output = '';
  let sent = false;
  const onData = (d: Buffer) => {
    output += d.toString();
    if (!sent && ready.test(output)) {
      sent = true;
      child.kill('SIGTERM');
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, output })));
}

const SERVE_ENV = { PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_SYNC_EVERY: 'off', PARCOURS_NIGHTLY_AT: 'off', PARCOURS_LOG_LEVEL: 'info' };

describe('SIGTERM on the ready line', { timeout: 120_000 }, () => {
  it('serve closes cleanly (exit 0) every time', async () => {
    const starts = Array.from({ length: 8 }, () => stopOnReady(['serve', '--port', '0'], { ...SERVE_ENV, PARCOURS_DB: tempDb() }, /listening on http/));
    const ended = await Promise.all(starts);
    for (const e of ended) expect({ code: e.code, signal: e.signal }, e.output).toEqual({ code: 0, signal: null });
  });

  it('sandbox closes cleanly (exit 0) every time', async () => {
    const starts = Array.from({ length: 4 }, () => stopOnReady(['sandbox', '--contacts', '20', '--port-hubspot', '0', '--port-salesforce', '0'], {}, /HUBSPOT_BASE_URL=/));
    const ended = await Promise.all(starts);
    for (const e of ended) expect({ code: e.code, signal: e.signal }, e.output).toEqual({ code: 0, signal: null });
  });
});
