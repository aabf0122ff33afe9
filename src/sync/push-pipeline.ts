/**
 * Pushes that run behind the evaluation, at most `limit` at a time. Every push settles into the
 * pipeline: its rejection is kept the moment it happens — whether or not anything awaits the push
 * then — and thrown at the next checkpoint (`submit`, `check`, `drain`). Once a push has failed, no
 * further push starts. `settle` waits for the pushes still running without throwing, so a run that
 * ends early still records everything its pushes did before it finishes.
 */
export class PushPipeline {
  readonly #limit: number;
  readonly #inflight = new Set<Promise<void>>();
  #failure: { error: unknown } | null = null;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`push pipeline limit must be a positive integer, got ${limit}`);
    this.#limit = limit;
  }

  /** Throws the first push failure, if any. */
  check(): void {
    if (this.#failure) throw this.#failure.error;
  }

  /** Waits for a free slot, then starts `job` (after a check: a failed pipeline starts nothing). */
  async submit(job: () => Promise<void>): Promise<void> {
    this.check();
    while (this.#inflight.size >= this.#limit) {
      await Promise.race(this.#inflight);
      this.check();
    }
    this.start(job);
  }

  /**
   * Starts `job` now, whatever the limit (after a check). For the last pushes of a run: nothing is evaluated
   * behind them any more, so the limit's back-pressure has nothing left to pace, and pushes out together can
   * share calls (Salesforce packs concurrent Collections requests into one Composite call).
   */
  start(job: () => Promise<void>): void {
    this.check();
    const settled: Promise<void> = (async () => job())()
      .catch((error: unknown) => {
        this.#failure ??= { error };
      })
      .finally(() => this.#inflight.delete(settled));
    this.#inflight.add(settled);
  }

  /** Waits for every push, then throws the first failure. */
  async drain(): Promise<void> {
    await this.settle();
    this.check();
  }

  /** Waits for every push; never throws. */
  async settle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.all(this.#inflight);
  }
}
