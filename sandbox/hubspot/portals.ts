/**
 * Several sandbox portals behind one host, as api.hubapi.com serves every portal: the bearer token says
 * which portal a call is for (each portal has its own token, hub id, data, limits and call log). Docs: every
 * call goes to https://api.hubapi.com with `Authorization: Bearer <token>`, an OAuth or private-app token, and
 * a private app's token is "unique to your app" in "your HubSpot account"
 * (https://developers.hubspot.com/docs/apps/legacy-apps/authentication/intro-to-auth,
 * https://developers.hubspot.com/docs/apps/legacy-apps/private-apps/overview); the account it names is the
 * `portalId` of GET /account-info/v3/details. Used where
 * many token installations share one `HUBSPOT_BASE_URL` (the scale benchmark, the service's token portals).
 * A call with no token, or one no portal knows, goes to the first portal, which answers it as HubSpot
 * would (the OAuth endpoints, or 401 INVALID_AUTHENTICATION).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHubspotPortal, type HubspotPortal, type HubspotSandboxOptions } from './server.ts';

export interface HubspotPortals {
  url: string;
  portals: HubspotPortal[];
  close(): Promise<void>;
}

/** Each option set needs its own `accessToken` and `hubId`. */
export async function startHubspotPortals(options: HubspotSandboxOptions[], listen: { port?: number } = {}): Promise<HubspotPortals> {
  if (options.length === 0) throw new Error('sandbox: at least one portal');
  const portals = options.map((o) => createHubspotPortal(o));
  const byToken = new Map<string, HubspotPortal>();
  const hubIds = new Set<number>();
  for (const p of portals) {
    if (byToken.has(p.accessToken) || hubIds.has(p.hubId)) throw new Error(`sandbox: portals need distinct tokens and hub ids (hub ${p.hubId})`);
    byToken.set(p.accessToken, p);
    hubIds.add(p.hubId);
  }
  const first = portals[0] as HubspotPortal;
  const server: Server = createServer((req, res) => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    (byToken.get(token ?? '') ?? first).handle(req, res);
  });
  // Hundreds of portals' clients keep connections open at once.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    portals,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
