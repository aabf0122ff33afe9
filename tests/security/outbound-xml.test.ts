/**
 * Security, issue 12 §2: the Salesforce outbound-message parser. A hostile body cannot freeze the
 * service: bodies over 256 KiB are refused before they are read, DTDs and entities are refused, and a
 * hostile body under the cap is refused while /healthz keeps answering. HTTP against the running
 * service on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { startServer, type ParcoursServer } from '../../src/server/index.ts';
import { ADMIN_TOKEN, outboundMessage, postOutbound, salesforceEnv, salesforceWebhookUrlOf, tempDb } from '../server/harness.ts';

describe('Salesforce outbound messages: hostile XML', () => {
  let sf: SalesforceSandbox;
  let srv: ParcoursServer;
  let hook: string;
  const INSTALLATION = 'salesforce:default';

  beforeAll(async () => {
    sf = await startSalesforceSandbox({ port: 0, seed: 4, contacts: 10 });
    srv = await startServer({
      port: 0,
      schedule: false,
      env: { PARCOURS_DB: tempDb(), PARCOURS_ADMIN_TOKEN: ADMIN_TOKEN, PARCOURS_LOG_LEVEL: 'silent', PARCOURS_WEBHOOK_BATCH: '20ms', ...salesforceEnv(sf) },
    });
    hook = await salesforceWebhookUrlOf(srv.url, INSTALLATION);
  });
  afterAll(async () => {
    await srv?.close();
    await sf?.close();
  });

  const orgId = async () => (await srv.store.getInstallation(INSTALLATION))?.externalId as string;
  const healthz = async () => (await fetch(`${srv.url}/healthz`)).status;
  const eventsSeen = async () => (await srv.store.listRuns({ installation: INSTALLATION, limit: 1000 })).length;

  it('refuses a 1 MiB body of unclosed <notifications> tags (413) while /healthz keeps answering', async () => {
    const hostile = '<notifications>'.repeat(Math.ceil((1024 * 1024) / 15));
    const [refused, health] = await Promise.all([postOutbound(hook, hostile), healthz()]);
    expect(refused.status).toBe(413);
    expect(health).toBe(200);
    expect(await healthz()).toBe(200);
  });

  it('refuses hostile bodies under the cap (400) while /healthz keeps answering', async () => {
    const cap = 256 * 1024 - 64;
    const bodies = [
      '<notifications>'.repeat(Math.floor(cap / 15)),
      '<a'.repeat(Math.floor(cap / 2)),
      '<a>'.repeat(Math.floor(cap / 3)),
      `<soapenv:Envelope><soapenv:Body><notifications><OrganizationId>${await orgId()}</OrganizationId>${'<Notification><Id>'.repeat(Math.floor((cap - 200) / 18))}`,
    ];
    for (const body of bodies) {
      const [refused, health] = await Promise.all([postOutbound(hook, body), healthz()]);
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('<faultcode>soapenv:Client</faultcode>');
      expect(health).toBe(200);
    }
    expect(await eventsSeen()).toBe(0);
  });

  it('refuses DTDs and entity declarations (no expansion), and more than 100 notifications', async () => {
    const genuine = outboundMessage(await orgId(), [{ id: '04l5e00000Gx7QzAAJ', type: 'Opportunity', recordId: '0065e00000ABCDEAAA' }]);
    const billionLaughs = genuine.replace('<soapenv:Envelope', '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n<soapenv:Envelope').replace('0065e00000ABCDEAAA', '&lol2;');
    const external = genuine.replace('<soapenv:Envelope', '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<soapenv:Envelope').replace('0065e00000ABCDEAAA', '&xxe;');
    for (const body of [billionLaughs, external]) {
      const res = await postOutbound(hook, body);
      expect(res.status).toBe(400);
      expect(await res.text()).not.toContain('root:');
    }
    const tooMany = outboundMessage(await orgId(), Array.from({ length: 101 }, (_, i) => ({ id: `04l5e00000Gx${String(i).padStart(3, '0')}AAJ`, type: 'Opportunity', recordId: '0065e00000ABCDEAAA' })));
    expect((await postOutbound(hook, tooMany)).status).toBe(400);
    expect(await eventsSeen()).toBe(0);
  });

  it('still accepts a genuine message of 100 notifications', async () => {
    const ids = sf.data.query('SELECT Id FROM Opportunity').slice(0, 100).map((r) => String(r.Id));
    const body = outboundMessage(await orgId(), ids.map((recordId, i) => ({ id: `04l5e00000Gy${String(i).padStart(3, '0')}AAJ`, type: 'Opportunity', recordId })));
    const res = await postOutbound(hook, body);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<Ack>true</Ack>');
    await srv.idle();
    expect(await eventsSeen()).toBe(1);
  });
});
