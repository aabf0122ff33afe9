/** Faults tests inject on demand: the next matching calls get a canned status/body instead of the real handler. */
import { errorBody } from './http-error.ts';

export interface FaultSpec {
  method?: string;
  /** Exact path (no query string) or a pattern tested against it. */
  path: string | RegExp;
  /** Omit to only slow the call down: it is then served normally after `delayMs`. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** How many calls this fault answers; default 1. Use Infinity for every call. */
  times?: number;
  /** Wait this long before answering (for client timeouts). */
  delayMs?: number;
}

interface ActiveFault extends FaultSpec {
  remaining: number;
}

export class FaultRegistry {
  private faults: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    this.faults.push({ ...spec, remaining: spec.times ?? 1 });
  }

  clear(): void {
    this.faults = [];
  }

  /** Pending faults (for assertions that everything injected was consumed). */
  pending(): number {
    return this.faults.length;
  }

  /** Takes the first fault matching this call, if any. */
  take(method: string, path: string): { status: number | null; body: unknown; headers: Record<string, string>; delayMs: number } | null {
    const i = this.faults.findIndex(
      (f) => (f.method === undefined || f.method.toUpperCase() === method) && (typeof f.path === 'string' ? f.path === path : f.path.test(path)),
    );
    const f = this.faults[i];
    if (!f) return null;
    f.remaining--;
    if (f.remaining <= 0) this.faults.splice(i, 1);
    if (f.status === undefined) return { status: null, body: null, headers: {}, delayMs: f.delayMs ?? 0 };
    return {
      status: f.status,
      body: f.body ?? errorBody(f.status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR', `Injected fault ${f.status}`),
      headers: f.headers ?? {},
      delayMs: f.delayMs ?? 0,
    };
  }
}
