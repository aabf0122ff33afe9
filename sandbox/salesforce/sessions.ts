/**
 * Access tokens, refresh tokens (optionally rotated, with family revocation on reuse) and
 * authorization codes. Tokens are random and never logged.
 */
import { randomBytes } from 'node:crypto';

interface AccessToken {
  expiresAt: number | null;
  family: string | null;
  revoked: boolean;
}

interface RefreshToken {
  family: string;
  /** Set once rotated away: presenting it again revokes the whole family (Refresh Token Rotation). */
  used: boolean;
  revoked: boolean;
}

export interface AuthCode {
  clientId: string;
  redirectUri: string;
  challenge: string | null;
  method: 'S256' | 'plain';
  expiresAt: number;
  used: boolean;
}

const token = (prefix: string): string => `${prefix}${randomBytes(24).toString('base64url')}`;

export class Sessions {
  private readonly access = new Map<string, AccessToken>();
  private readonly refresh = new Map<string, RefreshToken>();
  readonly codes = new Map<string, AuthCode>();
  private readonly ttlMs: number | null;
  private readonly orgId: string;

  constructor(orgId: string, ttlMs: number | null) {
    this.orgId = orgId;
    this.ttlMs = ttlMs;
  }

  /** Session ids look like Salesforce's: `<orgId>!<opaque>`. */
  issueAccess(family: string | null, fixed?: string): string {
    const t = fixed ?? token(`${this.orgId}!`);
    this.access.set(t, { expiresAt: this.ttlMs === null ? null : Date.now() + this.ttlMs, family, revoked: false });
    return t;
  }

  issueRefresh(family?: string, fixed?: string): string {
    const t = fixed ?? token('5Aep861');
    this.refresh.set(t, { family: family ?? t, used: false, revoked: false });
    return t;
  }

  isValid(t: string): boolean {
    const a = this.access.get(t);
    return !!a && !a.revoked && (a.expiresAt === null || a.expiresAt > Date.now());
  }

  /** Validates a refresh token; with rotation, returns the replacement and retires the old one. */
  useRefresh(t: string, rotate: boolean): { ok: true; family: string; next: string | null } | { ok: false } {
    const r = this.refresh.get(t);
    if (!r || r.revoked) return { ok: false };
    if (r.used) {
      this.revokeFamily(r.family);
      return { ok: false };
    }
    if (!rotate) return { ok: true, family: r.family, next: null };
    r.used = true;
    return { ok: true, family: r.family, next: this.issueRefresh(r.family) };
  }

  private revokeFamily(family: string): void {
    for (const r of this.refresh.values()) if (r.family === family) r.revoked = true;
    for (const a of this.access.values()) if (a.family === family) a.revoked = true;
  }

  expireAll(): void {
    for (const a of this.access.values()) a.expiresAt = 0;
  }
}
