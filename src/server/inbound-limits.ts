/**
 * Per-source request rate limits (express-rate-limit): each inbound route family — HubSpot webhooks,
 * Salesforce outbound messages, OAuth installs — counts requests per client address in its own
 * window, so a flood on one never starves the others. Behind a proxy set PARCOURS_TRUST_PROXY.
 */
import type { Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';

export function inboundLimit(o: { limit: number; windowMs: number; onLimited: (req: Request, res: Response) => void }): RequestHandler {
  return rateLimit({
    windowMs: o.windowMs,
    limit: o.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, res) => o.onLimited(req, res),
  });
}
