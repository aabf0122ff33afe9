/**
 * Client-side pacing for one endpoint class (octokit-throttling style: one limiter per class).
 *
 * A rolling window of `max` request starts per `intervalMs`, plus a concurrency cap. Servers that
 * report their budget in headers (HubSpot `X-HubSpot-RateLimit-*`) correct it through `observe()`;
 * a 429 or a lock (423) pauses the whole class through `pauseFor()`.
 */
export interface PacerOptions {
  max: number;
  intervalMs: number;
  maxConcurrent?: number;
  /** Share of the window we allow ourselves (headroom for other clients of the same budget). */
  headroom?: number;
  /**
   * What a call's place in the window is timed from. `start` (default): when it is sent. `end`: when its
   * response came back — for a server that counts arrivals and tells nothing back (HubSpot search): a call
   * arrives after we send it and before we hear back, so a slot freed `intervalMs` after the response is
   * free at the server too, whatever the network and the server's queue did in between.
   */
  countFrom?: 'start' | 'end';
}

export class Pacer {
  #max: number;
  #intervalMs: number;
  readonly #maxConcurrent: number;
  readonly #headroom: number;
  readonly #countFrom: 'start' | 'end';
  /** Window entries (send times, or response times with `countFrom: 'end'`), oldest first. */
  readonly #starts: number[] = [];
  #inFlight = 0;
  #pausedUntil = 0;
  #queue: Array<() => void> = [];
  #timer: NodeJS.Timeout | null = null;
  readonly #now: () => number;

  constructor(options: PacerOptions, now: () => number = Date.now) {
    this.#max = options.max;
    this.#intervalMs = options.intervalMs;
    this.#maxConcurrent = options.maxConcurrent ?? 8;
    this.#headroom = options.headroom ?? 1;
    this.#countFrom = options.countFrom ?? 'start';
    this.#now = now;
  }

  get limit(): { max: number; intervalMs: number } {
    return { max: this.#max, intervalMs: this.#intervalMs };
  }

  /**
   * Runs `fn` when the window and the concurrency cap allow it. `fn` may call `answered` once the response has
   * begun to arrive (its status and headers): the server received the call before it answered, so with
   * `countFrom: 'end'` the window is timed from there, not from after the body was read and parsed. A call
   * that never says so is timed from when `fn` settles.
   */
  async run<T>(fn: (answered: () => void) => Promise<T>): Promise<T> {
    await this.#acquire();
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      this.#inFlight -= 1;
      // Counted from the response: the slot is held while in flight, then for a window from now.
      if (this.#countFrom === 'end') this.#starts.push(this.#now());
      this.#drain();
    };
    try {
      return await fn(end);
    } finally {
      end();
    }
  }

  /** Server-reported budget: adopt its window, and if it says we have less left than we think, believe it. */
  observe(info: { max?: number; remaining?: number; intervalMs?: number }): void {
    if (info.max !== undefined && info.max > 0) this.#max = info.max;
    if (info.intervalMs !== undefined && info.intervalMs > 0) this.#intervalMs = info.intervalMs;
    if (info.remaining !== undefined) {
      const now = this.#now();
      this.#prune(now);
      const allowed = Math.floor(this.#max * this.#headroom);
      // Counted from the response, our calls in flight are not in the log yet, but the server counted those that arrived.
      const believedRemaining = allowed - this.#starts.length - (this.#countFrom === 'end' ? this.#inFlight : 0);
      // Other clients share the budget: fill our log with synthetic starts so we slow down to match.
      for (let i = info.remaining; i < believedRemaining; i++) this.#starts.push(now);
      this.#starts.sort((a, b) => a - b);
    }
  }

  /** The window's entries still counting (epoch ms, oldest first): what another process must wait out too. */
  held(): number[] {
    this.#prune(this.#now());
    return [...this.#starts];
  }

  /**
   * Entries another process made in the same budget (its `held()`): they count here until their window ends.
   * For a server that counts arrivals per account and tells nothing back (HubSpot search), this is the only
   * way a new process learns that the one before it used the last second.
   */
  seed(entries: readonly number[]): void {
    const now = this.#now();
    for (const at of entries) if (at > now - this.#intervalMs && at <= now) this.#starts.push(at);
    this.#starts.sort((a, b) => a - b);
    this.#drain();
  }

  /** Stops every call of this class until `ms` from now (429 window, 423 lock, Retry-After). */
  pauseFor(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + ms);
  }

  #prune(now: number): void {
    while (this.#starts.length > 0 && (this.#starts[0] as number) <= now - this.#intervalMs) this.#starts.shift();
  }

  #acquire(): Promise<void> {
    return new Promise((resolve) => {
      this.#queue.push(resolve);
      this.#drain();
    });
  }

  #drain(): void {
    if (this.#timer) return;
    while (this.#queue.length > 0) {
      const now = this.#now();
      this.#prune(now);
      const allowed = Math.max(1, Math.floor(this.#max * this.#headroom));
      // Counted from the response, a call in flight holds its slot until it ends.
      const held = this.#starts.length + (this.#countFrom === 'end' ? this.#inFlight : 0);
      let waitMs = 0;
      if (now < this.#pausedUntil) waitMs = this.#pausedUntil - now;
      else if (held >= allowed) {
        // Every slot held by a call in flight: the next response frees one (run() drains then).
        if (this.#starts.length === 0) return;
        waitMs = (this.#starts[0] as number) + this.#intervalMs - now + 1;
      }
      if (waitMs > 0) {
        this.#timer = setTimeout(() => {
          this.#timer = null;
          this.#drain();
        }, waitMs);
        return;
      }
      if (this.#inFlight >= this.#maxConcurrent) return;
      this.#inFlight += 1;
      if (this.#countFrom === 'start') this.#starts.push(now);
      const next = this.#queue.shift() as () => void;
      next();
    }
  }
}
