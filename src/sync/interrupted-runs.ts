/**
 * Runs a dead process left open. A worker killed mid-run (SIGKILL, lost machine) never finishes its run
 * row; the job is taken over and run again, but the old row would say "running" forever. Called by whoever
 * holds the installation's one-writer lock before it starts: while the lock is held nobody else can be
 * running a job of that installation, so any run still marked running belongs to a process that stopped.
 */
import type { Store } from '../store/index.ts';

export const INTERRUPTED_REASON = 'interrupted: the process running it stopped before it finished (its job was run again)';

/** Marks the installation's runs still "running" as failed, with the reason; returns their ids. */
export async function closeInterruptedRuns(store: Store, installation: string, now: number): Promise<number[]> {
  const open = (await store.listRuns({ installation, limit: 1000 })).filter((r) => r.status === 'running');
  for (const r of open) {
    await store.finishRun(r.id, { finishedAt: now, status: 'failed', summary: { interrupted: true, stoppedReason: INTERRUPTED_REASON } });
  }
  return open.map((r) => r.id);
}
