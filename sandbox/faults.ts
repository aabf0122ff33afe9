/**
 * Faults tests and benchmarks inject into a sandbox on demand: the next matching calls get a canned
 * status and body (or are only slowed down, then served normally).
 */
export interface FaultSpec {
  method?: string;
  /** A path pattern: a RegExp tested against the request path, or a string (each sandbox says how it matches). */
  path: string | RegExp;
  /** Status to answer; absent = only delay, then serve normally. */
  status?: number;
  /** Body to send (default: the CRM's error body for the status). */
  body?: unknown;
  headers?: Record<string, string>;
  /** How many matching requests to fault (default 1; Infinity for all). */
  times?: number;
  delayMs?: number;
}

export interface TakenFault {
  /** null: a slow response only. */
  status: number | null;
  body: unknown;
  headers: Record<string, string>;
  delayMs: number;
}

export class FaultRegistry {
  #active: Array<FaultSpec & { remaining: number }> = [];
  readonly #pathMatches: (pattern: string, path: string) => boolean;
  readonly #defaultBody: (status: number) => unknown;

  constructor(o: { pathMatches: (pattern: string, path: string) => boolean; defaultBody: (status: number) => unknown }) {
    this.#pathMatches = o.pathMatches;
    this.#defaultBody = o.defaultBody;
  }

  add(spec: FaultSpec): void {
    this.#active.push({ ...spec, remaining: spec.times ?? 1 });
  }

  clear(): void {
    this.#active = [];
  }

  /** Faults still waiting (for assertions that everything injected was consumed). */
  pending(): number {
    return this.#active.length;
  }

  /** Takes the first fault matching the call (consuming one use), if any. */
  take(method: string, path: string): TakenFault | null {
    const hit = this.#active.find(
      (f) => (f.method === undefined || f.method.toUpperCase() === method) && (typeof f.path === 'string' ? this.#pathMatches(f.path, path) : f.path.test(path)),
    );
    if (!hit) return null;
    hit.remaining--;
    this.#active = this.#active.filter((f) => f.remaining > 0);
    if (hit.status === undefined) return { status: null, body: null, headers: {}, delayMs: hit.delayMs ?? 0 };
    return { status: hit.status, body: hit.body ?? this.#defaultBody(hit.status), headers: hit.headers ?? {}, delayMs: hit.delayMs ?? 0 };
  }
}
