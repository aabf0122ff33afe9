/**
 * The secret in each Salesforce installation's outbound-message URL (`/webhooks/salesforce/<secret>`):
 * Outbound Messages carry no signature, and the org id in their body is no secret (it appears in
 * Web-to-Lead forms), so the URL itself authenticates the caller. 256 random bits, base64url; found
 * by comparing digests in constant time against every installation (no early exit, no lookup by value).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ParcoursError } from '../errors.ts';
import type { InstallationRow, Store } from '../store/index.ts';

export const WEBHOOK_SECRET_BYTES = 32;

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function newWebhookSecret(): string {
  return randomBytes(WEBHOOK_SECRET_BYTES).toString('base64url');
}

/** The installation's secret, created on first use (at install or registration). */
export async function ensureWebhookSecret(store: Store, installationId: string): Promise<string> {
  const row = await store.getInstallation(installationId);
  if (!row) throw new ParcoursError('NOT_FOUND', `no installation ${installationId}`, { installation: installationId });
  if (row.webhookSecret) return row.webhookSecret;
  const secret = newWebhookSecret();
  await store.setWebhookSecret(installationId, secret);
  return secret;
}

/** Replaces the secret: the old URL stops working at once. */
export async function rotateWebhookSecret(store: Store, installationId: string): Promise<string> {
  if (!await store.getInstallation(installationId)) throw new ParcoursError('NOT_FOUND', `no installation ${installationId}`, { installation: installationId });
  const secret = newWebhookSecret();
  await store.setWebhookSecret(installationId, secret);
  return secret;
}

export function salesforceWebhookUrl(publicUrl: string, secret: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/webhooks/salesforce/${secret}`;
}

/** The Salesforce installation whose secret this is; every candidate is compared, in constant time. */
export async function installationBySecret(store: Store, given: string): Promise<InstallationRow | undefined> {
  const g = digest(given);
  let found: InstallationRow | undefined;
  for (const row of await store.installationsWithWebhookSecret('salesforce')) {
    if (timingSafeEqual(g, digest(row.webhookSecret as string)) && !found) found = row;
  }
  return found;
}

/** The path as logs may show it: the secret never leaves the process. */
export function redactWebhookPath(path: string): string {
  return path.replace(/^\/webhooks\/salesforce\/[^/]+/, '/webhooks/salesforce/:secret');
}
