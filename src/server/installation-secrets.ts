/**
 * What an OAuth installation keeps, sealed per installation (the installation id is the associated
 * data, so a sealed value only opens on its own row).
 */
import { z } from 'zod';
import { ParcoursError } from '../errors.ts';
import type { InstallationRow } from '../store/index.ts';
import type { SecretBox } from '../secret-box.ts';

export const HubspotSecretsSchema = z.object({
  crm: z.literal('hubspot'),
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1),
  /** Epoch ms; HubSpot access tokens live 30 minutes (hubspot.md §1.2). */
  expiresAt: z.number().int(),
});

export const SalesforceSecretsSchema = z.object({
  crm: z.literal('salesforce'),
  refreshToken: z.string().min(1),
  instanceUrl: z.url(),
  /** Token host the org was installed from (login, test, or My Domain). */
  loginUrl: z.url(),
  /** The access token refreshed last, by whichever process: the others adopt it instead of refreshing again. */
  accessToken: z.string().min(1).optional(),
});

export const InstallationSecretsSchema = z.discriminatedUnion('crm', [HubspotSecretsSchema, SalesforceSecretsSchema]);
export type HubspotSecrets = z.infer<typeof HubspotSecretsSchema>;
export type SalesforceSecrets = z.infer<typeof SalesforceSecretsSchema>;
export type InstallationSecrets = z.infer<typeof InstallationSecretsSchema>;

export function sealSecrets(box: SecretBox, installationId: string, secrets: InstallationSecrets): string {
  return box.seal(JSON.stringify(secrets), installationId);
}

export function openSecrets(box: SecretBox | null, row: InstallationRow): InstallationSecrets {
  if (!row.secrets) throw new ParcoursError('CONFIG_INVALID', `installation ${row.id} holds no stored tokens`, { installation: row.id });
  if (!box) throw new ParcoursError('CONFIG_INVALID', 'PARCOURS_SECRET_KEY is not set, so stored tokens cannot be read', { installation: row.id });
  const parsed = InstallationSecretsSchema.safeParse(JSON.parse(box.open(row.secrets, row.id)));
  if (!parsed.success || parsed.data.crm !== row.crm) {
    throw new ParcoursError('CONFIG_INVALID', `stored tokens of installation ${row.id} have an unexpected shape; reinstall it`, { installation: row.id });
  }
  return parsed.data;
}
