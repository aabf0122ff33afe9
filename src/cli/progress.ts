/**
 * A one-line progress bar on a terminal (stderr), silent elsewhere so logs and pipes stay clean.
 */
import type { SyncProgress } from '../sync/run.ts';
import type { CliIo } from './io.ts';

export function progressReporter(_io: CliIo, label: string): { update: (p: SyncProgress) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  return {
    update(p) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const width = 30;
      const ratio = p.total ? Math.min(1, p.done / p.total) : null;
      const bar = ratio === null ? '' : `[${'#'.repeat(Math.round(ratio * width)).padEnd(width, '.')}] `;
      process.stderr.write(`\r${label}: ${p.phase} ${bar}${p.done}${p.total ? `/${p.total}` : ''}   `);
    },
    done() {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}
