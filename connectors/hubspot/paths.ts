/**
 * Every HubSpot API path this connector calls, and nothing else.
 *
 * HubSpot now publishes date-versioned paths (`/crm/objects/2026-03/contacts`,
 * `/crm/associations/2026-03/{from}/{to}/batch/read`, `/crm/lists/2026-03/...`); `/crm/v3` and `/crm/v4`
 * are supported until 2027 (v4) / September 2027 (v3):
 * https://developers.hubspot.com/changelog/legacy-apis-and-legacy-apps-whats-going-unsupported-and-when
 * Moving over is the one-line change of `DATE_VERSION` below (e.g. `'2026-03'`).
 */
const DATE_VERSION: string | null = null;

/** `/crm/v3/objects` today, `/crm/objects/2026-03` once DATE_VERSION is set. */
function crm(area: string, legacyVersion: 'v3' | 'v4'): string {
  return DATE_VERSION === null ? `/crm/${legacyVersion}/${area}` : `/crm/${area}/${DATE_VERSION}`;
}

const enc = encodeURIComponent;

/** Date version of the OAuth token API (the only OAuth version left after 2027-02-16). */
const OAUTH_VERSION = '2026-03';

export const hubspotPaths = {
  // https://developers.hubspot.com/docs/api-reference/latest/crm/objects/contacts/guide
  objectList: (objectType: string) => `${crm('objects', 'v3')}/${objectType}`,
  objectById: (objectType: string, id: string) => `${crm('objects', 'v3')}/${objectType}/${enc(id)}`,
  // https://developers.hubspot.com/docs/api-reference/legacy/crm/search-the-crm
  objectSearch: (objectType: string) => `${crm('objects', 'v3')}/${objectType}/search`,
  batchRead: (objectType: string) => `${crm('objects', 'v3')}/${objectType}/batch/read`,
  batchUpdate: (objectType: string) => `${crm('objects', 'v3')}/${objectType}/batch/update`,
  // Tasks (and any object): batch create with associations, batch archive. ≤ 100 inputs each.
  // https://developers.hubspot.com/docs/api-reference/latest/crm/activities/tasks/guide
  batchCreate: (objectType: string) => `${crm('objects', 'v3')}/${objectType}/batch/create`,
  batchArchive: (objectType: string) => `${crm('objects', 'v3')}/${objectType}/batch/archive`,
  // https://developers.hubspot.com/docs/api-reference/latest/crm/owners/guide (scope crm.objects.owners.read)
  owners: () => crm('owners', 'v3'),
  // https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide
  associationsBatchRead: (from: string, to: string) => `${crm('associations', 'v4')}/${from}/${to}/batch/read`,
  // https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide
  properties: (objectType: string) => `${crm('properties', 'v3')}/${objectType}`,
  property: (objectType: string, name: string) => `${crm('properties', 'v3')}/${objectType}/${enc(name)}`,
  propertyGroups: (objectType: string) => `${crm('properties', 'v3')}/${objectType}/groups`,
  propertyGroup: (objectType: string, name: string) => `${crm('properties', 'v3')}/${objectType}/groups/${enc(name)}`,
  // https://developers.hubspot.com/docs/api-reference/crm-pipelines-v3/guide
  pipelines: (objectType: string) => `${crm('pipelines', 'v3')}/${objectType}`,
  // https://developers.hubspot.com/docs/api-reference/crm-lists-v3/guide
  lists: () => crm('lists', 'v3'),
  listByName: (objectTypeId: string, name: string) => `${crm('lists', 'v3')}/object-type-id/${enc(objectTypeId)}/name/${enc(name)}`,
  listMemberships: (listId: string) => `${crm('lists', 'v3')}/${enc(listId)}/memberships`,
  listMembershipsAdd: (listId: string) => `${crm('lists', 'v3')}/${enc(listId)}/memberships/add`,
  listMembershipsRemove: (listId: string) => `${crm('lists', 'v3')}/${enc(listId)}/memberships/remove`,
  // https://developers.hubspot.com/docs/api-reference/legacy/account/account-information/get-account-details
  // → `{ portalId, accountType, timeZone, companyCurrency, additionalCurrencies, utcOffset, utcOffsetMilliseconds, uiDomain, dataHostingLocation }`
  accountDetails: () => '/account-info/v3/details',
  // OAuth 2026-03: code exchange and refresh, and token metadata by introspection; every parameter (client
  // secret, tokens) goes in a form-encoded body, never in the URL. The v1 endpoints (/oauth/v1/token,
  // /oauth/v1/access-tokens/{token}) are removed on 2027-02-16:
  // https://developers.hubspot.com/changelog/v1-oauth-api-deprecation
  // https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/migration-guide
  oauthToken: () => `/oauth/${OAUTH_VERSION}/token`,
  oauthIntrospect: () => `/oauth/${OAUTH_VERSION}/token/introspect`,
  // https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
  dailyUsage: () => '/account-info/v3/api-usage/daily/private-apps',
} as const;
