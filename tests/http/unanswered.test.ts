/**
 * Attempts that got no HTTP answer (our request timeout, a dropped connection) are counted apart in the call stats
 * (`apiCalls.unanswered` in run summaries): a write among them may still reach the CRM after its retry.
 * A loopback server stands in for HubSpot here: it drops the first connection, which nock cannot do under fetch.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resolveHubspotConfig } from '../../connectors/hubspot/config.ts';
import { HubspotTransport } from '../../connectors/hubspot/transport.ts';
import { apiCallDelta } from '../../src/sync/plan.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

// https://developers.hubspot.com/docs/api-reference/legacy/account/account-information/get-account-details
const details = { portalId: 62515, accountType: 'STANDARD', timeZone: 'US/Eastern', companyCurrency: 'USD', additionalCurrencies: [], utcOffset: '-05:00', utcOffsetMilliseconds: -18_000_000, uiDomain: 'app.hubspot.com', dataHostingLocation: 'na1' };

describe('unanswered attempts', () => {
  it('a dropped connection is counted as unanswered, the answered retry is not; with none the field is absent', async () => {
    let seen = 0;
    server = createServer((req, res) => {
      seen++;
      if (seen === 1) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(details));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const transport = new HubspotTransport(resolveHubspotConfig({ accessToken: 'test-value', baseUrl: base, retry: { retries: 2, minTimeoutMs: 1 } }));
    const before = transport.stats.snapshot();
    expect(before.unanswered).toBeUndefined();
    const data = await transport.data({ endpoint: 'account.details', method: 'GET', path: '/account-info/v3/details', schema: z.object({ portalId: z.number() }) });
    expect(data.portalId).toBe(62515);
    expect(seen).toBe(2);
    const after = transport.stats.snapshot();
    expect(after).toMatchObject({ total: 2, unanswered: 1 });
    expect(apiCallDelta(before, after)).toEqual({ total: 2, byEndpoint: { 'account.details': 2 }, rateLimited: 0, unanswered: 1 });
  });
});
