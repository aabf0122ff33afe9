/**
 * POSTs an OAuth token request (form-encoded, RFC 6749 §4.1.3 / §6) and validates the answer.
 * Failures name the CRM, the HTTP status and the OAuth `error` code, never a token or secret.
 */
import type { z } from 'zod';
import { ParcoursError } from '../../errors.ts';
import type { CrmName } from '../../model.ts';

const TIMEOUT_MS = 15_000;

export async function tokenRequest<T>(crm: CrmName, url: string, form: Record<string, string>, schema: z.ZodType<T>): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new ParcoursError('CRM_UNAVAILABLE', `${crm} token endpoint unreachable`, { crm, endpoint: new URL(url).pathname }, { cause: error });
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    // RFC 6749 `error`; HubSpot's standardized error body (2026-03 spec `Error`) names a `category` instead.
    const fields = typeof body === 'object' && body !== null ? (body as { error?: unknown; category?: unknown }) : {};
    const code = typeof fields.error === 'string' ? fields.error : typeof fields.category === 'string' ? fields.category : 'unknown_error';
    throw new ParcoursError('AUTH_FAILED', `${crm} token request refused (${res.status} ${code})`, { crm, status: res.status, endpoint: new URL(url).pathname, oauthError: code });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ParcoursError('CRM_ERROR', `${crm} token response has an unexpected shape (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')})`, { crm, endpoint: new URL(url).pathname });
  }
  return parsed.data;
}
