/** Salesforce sandbox faults: a string path matches as a substring; default bodies are Salesforce error arrays. */
import { FaultRegistry } from '../faults.ts';

export type { FaultSpec } from '../faults.ts';

const DEFAULT_BODIES: Record<number, { errorCode: string; message: string }> = {
  400: { errorCode: 'BAD_REQUEST', message: 'Bad request' },
  401: { errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' },
  403: { errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' },
  404: { errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' },
  429: { errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many requests' },
  500: { errorCode: 'UNKNOWN_EXCEPTION', message: 'An unexpected error occurred. Please include this ErrorId if you contact support.' },
  503: { errorCode: 'SERVER_UNAVAILABLE', message: 'Server temporarily unavailable' },
};

export function salesforceFaults(): FaultRegistry {
  return new FaultRegistry({
    pathMatches: (pattern, path) => path.includes(pattern),
    defaultBody: (status) => [DEFAULT_BODIES[status] ?? { errorCode: 'UNKNOWN_EXCEPTION', message: `HTTP ${status}` }],
  });
}
