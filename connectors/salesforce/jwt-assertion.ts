/**
 * JWT bearer assertion for the OAuth 2.0 JWT bearer flow, signed RS256 with node:crypto.
 * Claims per https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm :
 * iss = consumer key, sub = username, aud = login host, exp = a few minutes ahead.
 */
import { createPrivateKey, sign } from 'node:crypto';

const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** The audience is the login host (production or sandbox), not a My Domain URL, unless the admin overrides it. */
export function jwtAudience(loginUrl: string, override?: string): string {
  if (override) return override;
  return /test\.salesforce\.com|\.sandbox\.my\.salesforce\.com/.test(loginUrl) ? 'https://test.salesforce.com' : 'https://login.salesforce.com';
}

export function signJwtAssertion(input: { keyPem: string; clientId: string; username: string; audience: string; now?: number }): string {
  const nowSec = Math.floor((input.now ?? Date.now()) / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256' }));
  // Three minutes: the assertion is used at once, and Salesforce rejects long-lived ones.
  const claims = base64url(JSON.stringify({ iss: input.clientId, sub: input.username, aud: input.audience, exp: nowSec + 180 }));
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${claims}`), createPrivateKey(input.keyPem));
  return `${header}.${claims}.${base64url(signature)}`;
}
