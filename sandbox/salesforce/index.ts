export { startSalesforceSandbox, endpointOf, servedRequests, type SalesforceSandbox, type SalesforceSandboxOptions, type SalesforceSandboxData, type SandboxCall } from './server.ts';
export type { FaultSpec } from './faults.ts';
