/**
 * A value read from a CRM on demand and kept while it is young: a connector's schema catalogue (HubSpot
 * properties, Salesforce describe) is read at most once per run, and the service, whose connector lives
 * across runs, re-reads it once it is older than `maxAgeMs`.
 */
export class AgedValue<T> {
  #value: T | null = null;
  #readAt = 0;
  readonly #read: () => Promise<T>;
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(read: () => Promise<T>, maxAgeMs: number, now: () => number = Date.now) {
    this.#read = read;
    this.#maxAgeMs = maxAgeMs;
    this.#now = now;
  }

  /** Reads now, whatever the age of the last read. */
  async refresh(): Promise<T> {
    this.#value = await this.#read();
    this.#readAt = this.#now();
    return this.#value;
  }

  /** After Parcours changed what was read (setup): the next ask reads again. */
  forget(): void {
    this.#value = null;
  }

  /** The last read, whatever its age, or null before the first one. */
  last(): T | null {
    return this.#value;
  }

  /** The last read if recent enough, else a fresh one. */
  async current(): Promise<T> {
    if (this.#value !== null && this.#now() - this.#readAt < this.#maxAgeMs) return this.#value;
    return this.refresh();
  }
}
