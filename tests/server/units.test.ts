import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ParcoursError } from '../../src/errors.ts';
import { readServerEnv } from '../../src/server/config.ts';
import { nextDailyAt } from '../../src/server/scheduler.ts';
import { createSecretBox } from '../../src/secret-box.ts';
import { changesOf, HubspotBatchSchema } from '../../src/server/webhooks/hubspot-events.ts';
import { signatureUri, verifyV3 } from '../../src/server/webhooks/hubspot-signature.ts';
import { changesOfNotification, parseOutboundMessage } from '../../src/server/webhooks/salesforce-outbound.ts';
import { createWorkQueue } from '../../src/server/work-queue.ts';
import { OTHER_SECRET_KEY, SECRET_KEY } from './harness.ts';

describe('secret box (AES-256-GCM)', () => {
  const box = createSecretBox(SECRET_KEY);
  it('round-trips, hides the plaintext, and uses a fresh IV each time', () => {
    const a = box.seal('pat-na1-secret-token', 'hubspot:1');
    expect(a).not.toContain('secret-token');
    expect(box.open(a, 'hubspot:1')).toBe('pat-na1-secret-token');
    expect(box.seal('pat-na1-secret-token', 'hubspot:1')).not.toBe(a);
  });
  it('refuses a value moved to another installation, a tampered value, or another key', () => {
    const sealed = box.seal('tok', 'hubspot:1');
    expect(() => box.open(sealed, 'hubspot:2')).toThrow(ParcoursError);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3] as string, 'base64url');
    body[0] = (body[0] as number) ^ 1;
    expect(() => box.open([parts[0], parts[1], parts[2], body.toString('base64url')].join('.'), 'hubspot:1')).toThrow(/cannot be decrypted/);
    expect(() => createSecretBox(Buffer.from(OTHER_SECRET_KEY, 'base64').toString('hex')).open(sealed, 'hubspot:1')).toThrow(ParcoursError);
  });
  it('rejects keys that are not 32 bytes, without echoing them', () => {
    expect(() => createSecretBox('too-short-key')).toThrow(/32 random bytes/);
    try {
      createSecretBox('too-short-key');
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('too-short-key');
    }
  });
  it('signs and verifies OAuth states', () => {
    const sig = box.sign('hubspot.nonce');
    expect(box.verify('hubspot.nonce', sig)).toBe(true);
    expect(box.verify('salesforce.nonce', sig)).toBe(false);
    expect(box.verify('hubspot.nonce', 'short')).toBe(false);
  });
});

describe('HubSpot signature v3', () => {
  const secret = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
  const body = Buffer.from('[{"eventId":1,"portalId":62515}]');
  const now = 1_700_000_000_000;
  // Independent computation of the documented recipe: base64(HMAC-SHA256(secret, method + uri + body + timestamp)).
  const expected = (uri: string, ts: string) => createHmac('sha256', secret).update(`POST${uri}${body.toString()}${ts}`).digest('base64');

  it('decodes only the documented escapes in the URI', () => {
    expect(signatureUri('https://h.io/hook%3Fa%3Db%2Fc%20d%2Be?x=%40y')).toBe('https://h.io/hook?a%3Db/c%20d%2Be?x=@y');
  });
  it('accepts a genuine signature and rejects stale, future, missing and wrong ones', () => {
    const uri = 'https://parcours.example.com/webhooks/hubspot?installation=a%3Ab';
    const ts = String(now - 60_000);
    const good = expected('https://parcours.example.com/webhooks/hubspot?installation=a:b', ts);
    const base = { clientSecret: secret, method: 'POST', uri, rawBody: body, now };
    expect(verifyV3({ ...base, signature: good, timestamp: ts })).toEqual({ ok: true });
    expect(verifyV3({ ...base, signature: good, timestamp: String(now - 300_001) })).toEqual({ ok: false, reason: 'stale' });
    expect(verifyV3({ ...base, signature: good, timestamp: String(now + 300_001) })).toEqual({ ok: false, reason: 'stale' });
    expect(verifyV3({ ...base, signature: undefined, timestamp: ts })).toEqual({ ok: false, reason: 'missing' });
    expect(verifyV3({ ...base, signature: good.slice(1), timestamp: ts })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyV3({ ...base, rawBody: Buffer.from(`${body.toString()} `), signature: good, timestamp: ts })).toEqual({ ok: false, reason: 'mismatch' });
  });
});

describe('HubSpot events → changes', () => {
  const owned = new Set(['parcours_stage']);
  const parse = (e: object) => HubspotBatchSchema.parse([{ eventId: 1, portalId: 62515, occurredAt: 5, ...e }])[0]!;
  it('maps objects, associations and merges to customers and records', () => {
    expect(changesOf(parse({ subscriptionType: 'deal.propertyChange', objectId: 9, propertyName: 'dealstage' }), owned)).toEqual({ records: [{ kind: 'deal', objectType: 'deals', id: '9' }], oldestEventAt: 5 });
    expect(changesOf(parse({ eventType: 'contact.creation', objectId: 3 }), owned)).toEqual({ contactIds: ['3'], oldestEventAt: 5 });
    expect(changesOf(parse({ subscriptionType: 'deal.associationChange', associationType: 'DEAL_TO_CONTACT', fromObjectId: 9, toObjectId: 3, objectId: 9 }), owned)).toEqual({ contactIds: ['3'], oldestEventAt: 5 });
    expect(changesOf(parse({ subscriptionType: 'contact.merge', objectId: 3, primaryObjectId: 3, mergedObjectIds: [4, 5] }), owned)?.contactIds?.sort()).toEqual(['3', '4', '5']);
    expect(changesOf(parse({ subscriptionType: 'object.propertyChange', objectTypeId: '0-5', objectId: 7 }), owned)).toMatchObject({ records: [{ kind: 'ticket', id: '7' }] });
  });
  it('drops its own property echoes and objects it does not read', () => {
    expect(changesOf(parse({ subscriptionType: 'contact.propertyChange', objectId: 3, propertyName: 'parcours_stage' }), owned)).toBeNull();
    expect(changesOf(parse({ subscriptionType: 'company.propertyChange', objectId: 3 }), owned)).toBeNull();
  });
});

describe('Salesforce outbound messages', () => {
  const msg = (inner: string) => `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>00D5e000000KQ2eEAG</OrganizationId><ActionId>04k5e000000CaRkAAK</ActionId>${inner}</notifications></soapenv:Body></soapenv:Envelope>`;
  const note = (id: string, type: string, recordId: string, extra = '') => `<Notification><Id>${id}</Id><sObject xsi:type="sf:${type}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>${recordId}</sf:Id>${extra}</sObject></Notification>`;
  it('reads the org id and every notification', () => {
    const parsed = parseOutboundMessage(msg(note('04l5e00000Gx7QzAAJ', 'Case', '5005e00000ABCDEAAA', '<sf:ContactId>0035e00000ABCDEAAA</sf:ContactId>') + note('04l5e00000Gx7R0AAJ', 'Lead', '00Q5e00000ABCDEAAA')));
    expect(parsed).toEqual({
      organizationId: '00D5e000000KQ2eEAG',
      notifications: [
        { id: '04l5e00000Gx7QzAAJ', sobjectType: 'Case', recordId: '5005e00000ABCDEAAA', contactId: '0035e00000ABCDEAAA' },
        { id: '04l5e00000Gx7R0AAJ', sobjectType: 'Lead', recordId: '00Q5e00000ABCDEAAA', contactId: null },
      ],
    });
    expect(changesOfNotification(parsed!.notifications[0]!)).toEqual({ records: [{ kind: 'ticket', objectType: 'Case', id: '5005e00000ABCDEAAA' }], contactIds: ['0035e00000ABCDEAAA'] });
    expect(changesOfNotification(parsed!.notifications[1]!)).toEqual({ contactIds: ['00Q5e00000ABCDEAAA'] });
  });
  it('refuses DTDs, missing org ids, odd ids and empty messages', () => {
    expect(parseOutboundMessage(`<!DOCTYPE x [<!ENTITY e "x">]>${msg(note('04l5e00000Gx7QzAAJ', 'Case', '5005e00000ABCDEAAA'))}`)).toBeNull();
    expect(parseOutboundMessage(msg('').replace(/<OrganizationId>.*<\/OrganizationId>/, ''))).toBeNull();
    expect(parseOutboundMessage(msg(note('04l5e00000Gx7QzAAJ', 'Case', '5005e00000AB&lt;DEAAA')))).toBeNull();
    expect(parseOutboundMessage(msg(''))).toBeNull();
    expect(parseOutboundMessage('{"not":"xml"}')).toBeNull();
  });
});

describe('work queue', () => {
  const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));
  it('never runs two jobs of one installation at once, but runs installations side by side', async () => {
    const q = createWorkQueue({ onError: () => undefined });
    const running = new Map<string, number>();
    let maxSame = 0;
    const seen: string[] = [];
    const job = (inst: string, name: string) => async () => {
      running.set(inst, (running.get(inst) ?? 0) + 1);
      maxSame = Math.max(maxSame, running.get(inst) ?? 0);
      seen.push(`${inst}:${name}`);
      await tick();
      running.set(inst, (running.get(inst) ?? 1) - 1);
      return name;
    };
    const results = await Promise.all([q.run('a', null, job('a', '1')), q.run('a', null, job('a', '2')), q.run('b', null, job('b', '1'))]);
    expect(results).toEqual(['1', '2', '1']);
    expect(maxSame).toBe(1);
    expect(seen.indexOf('b:1')).toBeLessThan(seen.indexOf('a:2'));
  });
  it('joins identical keyed jobs and keeps going after a failure', async () => {
    const q = createWorkQueue({ onError: () => undefined });
    let calls = 0;
    const sync = async () => {
      calls++;
      await tick();
      return calls;
    };
    const [x, y] = await Promise.all([q.run('a', 'sync', sync), q.run('a', 'sync', sync)]);
    expect([x, y, calls]).toEqual([1, 1, 1]);
    await expect(q.run('a', null, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await q.run('a', 'sync', sync)).toBe(2);
  });
  it('arms one timer per installation (the earliest wins); its job waits for the lane; disarm drops timers', async () => {
    const q = createWorkQueue({ onError: () => undefined });
    const ran: string[] = [];
    let release!: () => void;
    const busy = q.run('a', null, () => new Promise<void>((r) => (release = r)));
    q.schedule('a', 30, async () => void ran.push('late'));
    q.schedule('a', 2, async () => void ran.push('early'));
    q.schedule('a', 50, async () => void ran.push('later still'));
    await tick(10);
    expect(ran).toEqual([]);
    release();
    await busy;
    await q.idle();
    expect(ran).toEqual(['early']);
    expect(q.depth()).toBe(0);
    q.schedule('b', 10_000, async () => void ran.push('never'));
    expect(q.depth()).toBe(1);
    q.disarm();
    await q.idle();
    expect(ran).toEqual(['early']);
  });
});

describe('service configuration', () => {
  it('parses durations and defaults, and names bad variables without their values', () => {
    const { server } = readServerEnv({ PARCOURS_SYNC_EVERY: '5m', PARCOURS_WEBHOOK_BATCH: '250ms' });
    expect(server.PARCOURS_SYNC_EVERY).toBe(300_000);
    expect(server.PARCOURS_WEBHOOK_BATCH).toBe(250);
    expect(server.HUBSPOT_AUTHORIZE_URL).toBe('https://app.hubspot.com/oauth/authorize');
    expect(() => readServerEnv({ PARCOURS_ADMIN_TOKEN: 'short-secret' })).toThrow(/PARCOURS_ADMIN_TOKEN/);
    expect(() => readServerEnv({ PARCOURS_ADMIN_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
  });
  it('turns either schedule off with `off`, and names a bad value', () => {
    const { server } = readServerEnv({ PARCOURS_SYNC_EVERY: 'off', PARCOURS_NIGHTLY_AT: 'off' });
    expect(server.PARCOURS_SYNC_EVERY).toBeNull();
    expect(server.PARCOURS_NIGHTLY_AT).toBeNull();
    const defaults = readServerEnv({}).server;
    expect(defaults.PARCOURS_SYNC_EVERY).toBe(15 * 60_000);
    expect(defaults.PARCOURS_NIGHTLY_AT).toBe('03:00');
    expect(() => readServerEnv({ PARCOURS_SYNC_EVERY: 'never' })).toThrow(/PARCOURS_SYNC_EVERY.*or off/);
    expect(() => readServerEnv({ PARCOURS_NIGHTLY_AT: '25:00' })).toThrow(/PARCOURS_NIGHTLY_AT.*HH:MM \(UTC\) or off/);
  });
  it('schedules the nightly run at the next HH:MM UTC', () => {
    const at = Date.UTC(2026, 0, 10, 2, 30);
    expect(nextDailyAt(at, '03:00')).toBe(Date.UTC(2026, 0, 10, 3, 0));
    expect(nextDailyAt(at, '02:30')).toBe(Date.UTC(2026, 0, 11, 2, 30));
  });
});
