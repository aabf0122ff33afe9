import type { ApiCallStats } from '../../connectors/port.ts';

/** Counts API calls per endpoint class, and 429s, for `--json`, logs, metrics and benchmarks. */
export class CallStats {
  #total = 0;
  #rateLimited = 0;
  #unanswered = 0;
  readonly #byEndpoint = new Map<string, number>();

  record(endpoint: string, status: number | null): void {
    this.#total += 1;
    this.#byEndpoint.set(endpoint, (this.#byEndpoint.get(endpoint) ?? 0) + 1);
    if (status === 429) this.#rateLimited += 1;
    if (status === null) this.#unanswered += 1;
  }

  snapshot(): ApiCallStats {
    return { total: this.#total, byEndpoint: Object.fromEntries(this.#byEndpoint), rateLimited: this.#rateLimited, ...(this.#unanswered > 0 ? { unanswered: this.#unanswered } : {}) };
  }
}
