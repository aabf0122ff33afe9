/**
 * The push pipeline behind the evaluation: at most `limit` pushes out while customers are still evaluated
 * (`submit` waits for a slot), and the run's last pushes started together (`start`), so a CRM that packs
 * concurrent requests (Salesforce Composite) can carry them in one call.
 */
import { describe, expect, it } from 'vitest';
import { PushPipeline } from '../../src/sync/push-pipeline.ts';

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
};

describe('PushPipeline', () => {
  it('submit waits for a free slot; start does not, and drain waits for both', async () => {
    const p = new PushPipeline(1);
    const first = gate();
    const started: string[] = [];
    await p.submit(async () => {
      started.push('a');
      await first.opened;
    });
    let secondSubmitted = false;
    const second = p.submit(async () => void started.push('b')).then(() => (secondSubmitted = true));
    p.start(async () => void started.push('c'));
    await new Promise((r) => setTimeout(r, 10));
    // `b` waits for the one slot; `c` went out beside `a`.
    expect(started).toEqual(['a', 'c']);
    expect(secondSubmitted).toBe(false);
    first.open();
    await second;
    await p.drain();
    expect(started).toEqual(['a', 'c', 'b']);
  });

  it('start on a failed pipeline throws the failure and starts nothing', async () => {
    const p = new PushPipeline(2);
    p.start(async () => {
      throw new Error('push failed');
    });
    await p.settle();
    let ran = false;
    expect(() => p.start(async () => void (ran = true))).toThrow('push failed');
    expect(ran).toBe(false);
  });
});
