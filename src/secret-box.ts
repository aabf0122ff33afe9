/**
 * Seals tokens for the store with AES-256-GCM (random 96-bit IV, 128-bit tag), and signs OAuth states.
 * The associated data binds each ciphertext to its row, so a sealed value copied onto another
 * installation does not open. Sub-keys come from PARCOURS_SECRET_KEY through HKDF.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { ParcoursError } from './errors.ts';

const VERSION = 'v1';

export interface SecretBox {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
  /** base64url HMAC-SHA256 of `data` under a key used for nothing else. */
  sign(data: string): string;
  verify(data: string, signature: string): boolean;
}

const KEY_HELP = 'PARCOURS_SECRET_KEY must be 32 random bytes written as 64 hex characters or as base64 (44 characters with "=", or 43 base64url), e.g. openssl rand -base64 32';

/**
 * Accepts exactly 32 bytes, strictly encoded: 64 hex characters, 44 characters of padded base64, or 43 of
 * base64url — canonical (re-encoding gives the same text), no whitespace. A key whose bytes are not
 * random-looking (fewer than 16 distinct byte values among the 32: a random key has about 30, and fewer
 * than 16 happens with odds far below 1e-9) is refused too: it is a password or a placeholder, not a key.
 */
export function parseSecretKey(value: string): Buffer {
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(value)) key = Buffer.from(value, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=$/.test(value)) key = Buffer.from(value, 'base64');
  else if (/^[A-Za-z0-9_-]{43}$/.test(value)) key = Buffer.from(value, 'base64url');
  if (!key || key.length !== 32) throw new ParcoursError('CONFIG_INVALID', KEY_HELP);
  const canonical = /^[0-9a-fA-F]{64}$/.test(value) ? key.toString('hex') === value.toLowerCase() : value.endsWith('=') ? key.toString('base64') === value : key.toString('base64url') === value;
  if (!canonical) throw new ParcoursError('CONFIG_INVALID', KEY_HELP);
  if (new Set(key).size < 16) throw new ParcoursError('CONFIG_INVALID', `${KEY_HELP}: this value is not random (too few distinct bytes)`);
  return key;
}

export function createSecretBox(secretKey: string): SecretBox {
  const master = parseSecretKey(secretKey);
  const encKey = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'parcours token encryption', 32));
  const macKey = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'parcours oauth state', 32));
  const mac = (data: string) => createHmac('sha256', macKey).update(data).digest();

  return {
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed, context) {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== VERSION || !iv || !tag || body === undefined) {
        throw new ParcoursError('CONFIG_INVALID', 'a stored token is not in a format this Parcours can read');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', encKey, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // Wrong key or tampered row: say which, never what.
        throw new ParcoursError('CONFIG_INVALID', `stored tokens of ${context} cannot be decrypted: PARCOURS_SECRET_KEY differs from the one they were stored with, or the row was altered`, { installation: context });
      }
    },
    sign: (data) => mac(data).toString('base64url'),
    verify(data, signature) {
      const expected = mac(data);
      const given = Buffer.from(signature, 'base64url');
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
