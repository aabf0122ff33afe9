export { startHubspotSandbox, DEFAULT_SANDBOX_TOKEN } from './server.ts';
export type { HubspotSandbox, HubspotSandboxOptions, SandboxCall, SandboxData, SandboxRecord, SandboxStats } from './server.ts';
export type { FaultSpec } from './faults.ts';
