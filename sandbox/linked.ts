/**
 * A linked pair of sandbox CRMs (issue 16): a Salesforce org and a HubSpot portal with HubSpot's Salesforce
 * integration installed, seeded with one overlapping population (sandbox/linked-population.ts). Salesforce is
 * seeded first because the HubSpot contacts the integration synced carry the ids of their Salesforce records —
 * what the integration would have written. Each stays a separate server speaking its own CRM's API.
 */
import { startHubspotSandbox, type HubspotSandbox, type HubspotSandboxOptions } from './hubspot/index.ts';
import { startSalesforceSandbox, type SalesforceSandbox, type SalesforceSandboxOptions } from './salesforce/index.ts';

export interface LinkedSandboxOptions {
  seed?: number;
  /** Personas in the population; each CRM holds its share (about 90 % each, 63 % in both). */
  contacts?: number;
  now?: number;
  hubspot?: Omit<HubspotSandboxOptions, 'seed' | 'contacts' | 'now' | 'linked'>;
  salesforce?: Omit<SalesforceSandboxOptions, 'seed' | 'contacts' | 'now' | 'linked'>;
}

export interface LinkedSandboxes {
  hubspot: HubspotSandbox;
  salesforce: SalesforceSandbox;
  close(): Promise<void>;
}

export async function startLinkedSandboxes(opts: LinkedSandboxOptions = {}): Promise<LinkedSandboxes> {
  const now = opts.now ?? Date.now();
  const common = { seed: opts.seed ?? 1, contacts: opts.contacts ?? 200, now };
  const salesforce = await startSalesforceSandbox({ ...opts.salesforce, ...common, linked: true });
  let hubspot: HubspotSandbox;
  try {
    hubspot = await startHubspotSandbox({ ...opts.hubspot, ...common, linked: { salesforce: salesforce.personRecords } });
  } catch (error) {
    await salesforce.close();
    throw error;
  }
  return { hubspot, salesforce, close: async () => void (await Promise.all([hubspot.close(), salesforce.close()])) };
}
