/** Injected failures for tests: match a request by method and path, answer with a status, optionally after a delay. */
export interface FaultSpec {
  method?: string;
  /** Substring of the request path, or a RegExp tested against it. */
  path: string | RegExp;
  /** Status to answer; absent = only delay, then serve normally. */
  status?: number;
  /** Body to send (default: a Salesforce error array fitting the status). */
  body?: unknown;
  headers?: Record<string, string>;
  /** How many matching requests to fault (default 1). */
  times?: number;
  delayMs?: number;
}

interface ActiveFault extends FaultSpec {
  remaining: number;
}

const DEFAULT_BODIES: Record<number, { errorCode: string; message: string }> = {
  400: { errorCode: 'BAD_REQUEST', message: 'Bad request' },
  401: { errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' },
  403: { errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' },
  404: { errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' },
  429: { errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many requests' },
  500: { errorCode: 'UNKNOWN_EXCEPTION', message: 'An unexpected error occurred. Please include this ErrorId if you contact support.' },
  503: { errorCode: 'SERVER_UNAVAILABLE', message: 'Server temporarily unavailable' },
};

export class Faults {
  private active: ActiveFault[] = [];
  add(spec: FaultSpec): void {
    this.active.push({ ...spec, remaining: spec.times ?? 1 });
  }
  clear(): void {
    this.active = [];
  }
  /** Takes the first fault matching the request (consuming one use), if any. */
  take(method: string, path: string): FaultSpec | null {
    const hit = this.active.find(
      (f) => f.remaining > 0 && (!f.method || f.method.toUpperCase() === method) && (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path)),
    );
    if (!hit) return null;
    hit.remaining--;
    this.active = this.active.filter((f) => f.remaining > 0);
    return hit;
  }
  static defaultBody(status: number): unknown {
    const d = DEFAULT_BODIES[status] ?? { errorCode: 'UNKNOWN_EXCEPTION', message: `HTTP ${status}` };
    return [d];
  }
}
