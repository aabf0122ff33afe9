import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParcoursError } from '../../src/errors.ts';
import { openStore, type Store } from '../../src/store/index.ts';

describe('store: installations, OAuth states, webhook event keys', () => {
  let store: Store;
  let clock = 1_000;
  beforeEach(() => {
    clock = 1_000;
    store = openStore(':memory:', { now: () => clock });
  });
  afterEach(async () => await store.close());

  it('saves, updates and lists installations, keeping created time and sealed secrets apart', async () => {
    await store.saveInstallation({ id: 'hubspot:62515', crm: 'hubspot', externalId: '62515', source: 'oauth', label: 'Portal', secrets: 'v1.a.b.c' });
    clock = 2_000;
    await store.saveInstallation({ id: 'hubspot:62515', crm: 'hubspot', externalId: '62515', source: 'oauth', label: 'Portal renamed', secrets: 'v1.d.e.f' });
    await store.saveInstallation({ id: 'salesforce:default', crm: 'salesforce', externalId: null, source: 'env', label: 'Env', secrets: null });
    expect(await store.getInstallation('hubspot:62515')).toEqual({ id: 'hubspot:62515', crm: 'hubspot', externalId: '62515', source: 'oauth', label: 'Portal renamed', secrets: 'v1.d.e.f', webhookSecret: null, createdAt: 1_000, updatedAt: 2_000 });
    expect((await store.listInstallations()).map((i) => i.id)).toEqual(['hubspot:62515', 'salesforce:default']);
    expect((await store.findInstallation('hubspot', '62515'))?.id).toBe('hubspot:62515');
    expect(await store.findInstallation('salesforce', '62515')).toBeUndefined();
    expect(await store.hasSealedSecrets()).toBe(true);
    await store.setInstallationSecrets('hubspot:62515', null);
    expect(await store.hasSealedSecrets()).toBe(false);
    await expect(store.setInstallationSecrets('nope', 'x')).rejects.toThrow(ParcoursError);
  });

  it('refuses a second installation of the same portal and reserved ids', async () => {
    await store.saveInstallation({ id: 'hubspot:62515', crm: 'hubspot', externalId: '62515', source: 'oauth', label: 'A', secrets: null });
    await expect(store.saveInstallation({ id: 'hubspot:default', crm: 'hubspot', externalId: '62515', source: 'env', label: 'B', secrets: null })).rejects.toThrow(/already installation hubspot:62515/);
    await expect(store.saveInstallation({ id: 'parcours:oauth-state', crm: 'hubspot', externalId: null, source: 'env', label: 'C', secrets: null })).rejects.toThrow(ParcoursError);
  });

  it('hands out an OAuth state once, and not after it expired', async () => {
    await store.saveOauthState('n1', 'salesforce', 'sealed', 5_000);
    await store.saveOauthState('n2', 'hubspot', 'sealed', 1_500);
    expect(await store.takeOauthState('n1')).toEqual({ crm: 'salesforce', data: 'sealed', expiresAt: 5_000 });
    expect(await store.takeOauthState('n1')).toBeUndefined();
    clock = 2_000;
    expect(await store.takeOauthState('n2')).toBeUndefined();
    expect(await store.listInstallations()).toEqual([]);
  });

  it('remembers webhook event keys per source and forgets old ones', async () => {
    expect(await store.rememberWebhookEvent('hubspot:1', 'e1', 100)).toBe(true);
    expect(await store.rememberWebhookEvent('hubspot:1', 'e1', 200)).toBe(false);
    expect(await store.rememberWebhookEvent('hubspot:2', 'e1', 200)).toBe(true);
    expect(await store.forgetWebhookEventsBefore(150)).toBe(1);
    expect(await store.rememberWebhookEvent('hubspot:1', 'e1', 300)).toBe(true);
  });
});
