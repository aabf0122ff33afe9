/**
 * HubSpot request signature v3 (hubspot.md §9;
 * https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation):
 * base64(HMAC-SHA256(clientSecret, method + uri + rawBody + timestamp)), timestamps older than 5 minutes
 * rejected, compared in constant time. Runs on the raw bytes, before any parsing.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;

/** HubSpot decodes exactly these escapes in the URI before signing; everything else stays encoded. */
const DECODED: Record<string, string> = {
  '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$', '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';',
};

export function signatureUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED[m.toUpperCase()] ?? m);
}

export function signV3(clientSecret: string, method: string, uri: string, rawBody: Buffer, timestamp: string): string {
  return createHmac('sha256', clientSecret)
    .update(Buffer.concat([Buffer.from(`${method.toUpperCase()}${signatureUri(uri)}`, 'utf8'), rawBody, Buffer.from(timestamp, 'utf8')]))
    .digest('base64');
}

export type SignatureVerdict = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'mismatch' };

export function verifyV3(input: {
  clientSecret: string;
  method: string;
  uri: string;
  rawBody: Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
  now: number;
}): SignatureVerdict {
  if (!input.signature || !input.timestamp || !/^\d{1,16}$/.test(input.timestamp)) return { ok: false, reason: 'missing' };
  // Future timestamps beyond the same margin are as suspicious as old ones (clock skew aside).
  if (Math.abs(input.now - Number(input.timestamp)) > MAX_SIGNATURE_AGE_MS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signV3(input.clientSecret, input.method, input.uri, input.rawBody, input.timestamp), 'utf8');
  const given = Buffer.from(input.signature, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: 'mismatch' };
}
