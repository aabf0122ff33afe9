/** HubSpot sandbox faults: a string path matches exactly; default bodies are HubSpot error bodies. */
import { FaultRegistry } from '../faults.ts';
import { errorBody } from './http-error.ts';

export type { FaultSpec } from '../faults.ts';

export function hubspotFaults(): FaultRegistry {
  return new FaultRegistry({
    pathMatches: (pattern, path) => pattern === path,
    defaultBody: (status) => errorBody(status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR', `Injected fault ${status}`),
  });
}
