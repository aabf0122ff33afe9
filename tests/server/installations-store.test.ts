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
  afterEach(() => store.close());

  it('saves, updates and lists installations, keeping created time and sealed secrets apart', () => {
    store.saveInstallation({ id: 'hubspot:62515', crm: 'hubspot', externalId: '62515', source: 'oauth', label: 'Portal', secrets: 'v1.a.b.c' });
    clock = 2_000;
    store.saveInstallation({ id: 'hubspot:62515', crm: 'hubspot', externalId: '62515', source: 'oauth', label: 'Portal renamed', secrets: 'v1.d.e.f' });
    store.saveInstallation({ id: 'salesforce:default', crm: 'salesforce', externalId: null, source: 'env', label: 'Env', secrets: null });
    expect(store.getInstallation('hubspot:62515')).toEqual({ id: 'hubspot:62515', crm: 'hubspot', externalId: '62515', source: 'oauth', label: 'Portal renamed', secrets: 'v1.d.e.f', webhookSecret: null, createdAt: 1_000, updatedAt: 2_000 });
    expect(store.listInstallations().map((i) => i.id)).toEqual(['hubspot:62515', 'salesforce:default']);
    expect(store.findInstallation('hubspot', '62515')?.id).toBe('hubspot:62515');
    expect(store.findInstallation('salesforce', '62515')).toBeUndefined();
    expect(store.hasSealedSecrets()).toBe(true);
    store.setInstallationSecrets('hubspot:62515', null);
    expect(store.hasSealedSecrets()).toBe(false);
    expect(() => store.setInstallationSecrets('nope', 'x')).toThrow(ParcoursError);
  });

  it('refuses a second installation of the same portal and reserved ids', () => {
    store.saveInstallation({ id: 'hubspot:62515', crm: 'hubspot', externalId: '62515', source: 'oauth', label: 'A', secrets: null });
    expect(() => store.saveInstallation({ id: 'hubspot:default', crm: 'hubspot', externalId: '62515', source: 'env', label: 'B', secrets: null })).toThrow(/already installation hubspot:62515/);
    expect(() => store.saveInstallation({ id: 'parcours:oauth-state', crm: 'hubspot', externalId: null, source: 'env', label: 'C', secrets: null })).toThrow(ParcoursError);
  });

  it('hands out an OAuth state once, and not after it expired', () => {
    store.saveOauthState('n1', 'salesforce', 'sealed', 5_000);
    store.saveOauthState('n2', 'hubspot', 'sealed', 1_500);
    expect(store.takeOauthState('n1')).toEqual({ crm: 'salesforce', data: 'sealed', expiresAt: 5_000 });
    expect(store.takeOauthState('n1')).toBeUndefined();
    clock = 2_000;
    expect(store.takeOauthState('n2')).toBeUndefined();
    expect(store.listInstallations()).toEqual([]);
  });

  it('remembers webhook event keys per source and forgets old ones', () => {
    expect(store.rememberWebhookEvent('hubspot:1', 'e1', 100)).toBe(true);
    expect(store.rememberWebhookEvent('hubspot:1', 'e1', 200)).toBe(false);
    expect(store.rememberWebhookEvent('hubspot:2', 'e1', 200)).toBe(true);
    expect(store.forgetWebhookEventsBefore(150)).toBe(1);
    expect(store.rememberWebhookEvent('hubspot:1', 'e1', 300)).toBe(true);
  });
});
