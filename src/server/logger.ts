/**
 * Structured logs (pino). Secrets are redacted by path as a safety net; the code also never logs
 * request queries (OAuth callbacks carry codes) or bodies.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hubspot-signature-v3"]',
  'req.headers["x-hubspot-signature"]',
  '*.accessToken',
  '*.refreshToken',
  '*.clientSecret',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  '*.secrets',
  'accessToken',
  'refreshToken',
  'clientSecret',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'parcours' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
