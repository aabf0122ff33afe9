/**
 * Preflight checks, each with its fix. Errors become failed checks, never exceptions.
 */
import type { DoctorCheck, JourneyFieldSpec } from '../../connectors/port.ts';
import { ParcoursError } from '../../src/errors.ts';
import type { ResolvedHubspotConfig } from './config.ts';
import { findList } from './lists.ts';
import { hubspotPaths } from './paths.ts';
import { OBJECT_TYPE } from './properties.ts';
import { missingOptions, readProperties, typeMismatch } from './property-setup.ts';
import { objectPageSchema, tokenInfoSchema } from './schemas.ts';
import { readOwners } from './owners.ts';
import type { HubspotTransport } from './transport.ts';

const SETUP_FIX = 'Run `parcours setup --crm hubspot` to create or update the owned properties and lists.';

/** Scopes per need: /work/shared/crm-facts/hubspot.md §1.3 (from the per-operation `security` of HubSpot's specs). */
export function requiredScopes(spec: JourneyFieldSpec): string[] {
  const kinds = new Set(spec.fields.map((f) => f.kind));
  const scopes = ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.write'];
  if (kinds.has('deal')) scopes.push('crm.objects.deals.read', 'crm.objects.deals.write', 'crm.schemas.deals.write');
  scopes.push('crm.objects.deals.read', 'tickets'); // pulls always read deals and tickets
  if (spec.segments.length > 0) scopes.push('crm.lists.read', 'crm.lists.write');
  // Follow-up tasks: owners to assign them to (https://developers.hubspot.com/docs/api-reference/latest/crm/owners/guide).
  scopes.push('crm.objects.owners.read');
  return [...new Set(scopes)];
}

function describe(error: unknown): string {
  return error instanceof ParcoursError ? `${error.code}: ${error.message}` : String(error);
}

export async function runDoctor(t: HubspotTransport, config: ResolvedHubspotConfig, spec: JourneyFieldSpec): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  try {
    await t.data({ endpoint: 'objects.contacts.list', method: 'GET', path: hubspotPaths.objectList('contacts'), qs: { limit: '1', properties: 'hs_object_id' }, schema: objectPageSchema });
    checks.push({ id: 'hubspot.token', ok: true, detail: `Access token accepted (${config.authKind}).` });
  } catch (error) {
    const auth = error instanceof ParcoursError && error.code === 'AUTH_FAILED';
    checks.push({ id: 'hubspot.token', ok: false, detail: describe(error), fix: auth ? 'Create a new private-app token or service key (or reconnect the OAuth app) with the scopes Parcours needs, and set HUBSPOT_ACCESS_TOKEN.' : 'Check network access to the HubSpot API and retry.' });
    return checks; // nothing else can be checked without a working token
  }

  if (config.authKind === 'oauth' && config.oauthClient === undefined) {
    checks.push({ id: 'hubspot.scopes', ok: true, detail: `OAuth scopes not checked: token introspection needs the app's client id and secret. Needed: ${requiredScopes(spec).join(', ')}.`, fix: 'Set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET to have doctor list the granted scopes.' });
  } else if (config.authKind === 'oauth' && config.oauthClient !== undefined) {
    try {
      // POST /oauth/2026-03/token/introspect (form body: client credentials, token, hint); the v1 metadata
      // GET with the token in the path goes away on 2027-02-16. Spec field `token`: HubSpot 2026-03 OAuth spec.
      const info = await t.data({
        endpoint: 'oauth.token.introspect',
        method: 'POST',
        path: hubspotPaths.oauthIntrospect(),
        form: { client_id: config.oauthClient.clientId, client_secret: config.oauthClient.clientSecret, token: t.accessToken, token_type_hint: 'access_token' },
        schema: tokenInfoSchema,
      });
      if (!info.active) throw new ParcoursError('AUTH_FAILED', 'HubSpot reports the access token as inactive (expired or revoked).', { crm: 'hubspot' });
      const have = new Set(info.scopes);
      const missing = requiredScopes(spec).filter((s) => !have.has(s));
      checks.push(missing.length === 0
        ? { id: 'hubspot.scopes', ok: true, detail: `All ${requiredScopes(spec).length} required scopes granted.` }
        : { id: 'hubspot.scopes', ok: false, detail: `Missing scopes: ${missing.join(', ')}.`, fix: `Add ${missing.join(', ')} to the app's scopes and reinstall it in the account.` });
    } catch (error) {
      checks.push({ id: 'hubspot.scopes', ok: false, detail: describe(error), fix: 'Reconnect the OAuth app; the token could not be inspected.' });
    }
  } else {
    checks.push({ id: 'hubspot.scopes', ok: true, detail: `Scopes of ${config.authKind} tokens cannot be listed through the API; the property and list checks below exercise them. Needed: ${requiredScopes(spec).join(', ')}.` });
  }

  for (const kind of [...new Set(spec.fields.map((f) => f.kind))]) {
    const objectType = OBJECT_TYPE[kind];
    try {
      const existing = await readProperties(t, objectType);
      const problems: string[] = [];
      for (const f of spec.fields.filter((x) => x.kind === kind)) {
        const p = existing.get(f.name);
        if (!p) problems.push(`${f.name} missing`);
        else {
          const mismatch = typeMismatch(f, p);
          if (mismatch) problems.push(`${f.name} is ${mismatch}`);
          const missing = missingOptions(f, p);
          if (missing.length > 0) problems.push(`${f.name} lacks options ${missing.map((o) => o.value).join(', ')}`);
        }
      }
      checks.push(problems.length === 0
        ? { id: `hubspot.properties.${objectType}`, ok: true, detail: `Owned ${objectType} properties match the mapping.` }
        : { id: `hubspot.properties.${objectType}`, ok: false, detail: problems.join('; '), fix: SETUP_FIX });
    } catch (error) {
      checks.push({ id: `hubspot.properties.${objectType}`, ok: false, detail: describe(error), fix: `Grant crm.schemas.${objectType}.read/write (tickets: tickets) to the app.` });
    }
  }

  for (const segment of spec.segments) {
    const name = `${config.listNamePrefix}${segment.name}`;
    try {
      const found = await findList(t, name);
      if (!found) checks.push({ id: `hubspot.list.${segment.id}`, ok: false, detail: `List "${name}" does not exist.`, fix: SETUP_FIX });
      else if (found.processingType !== undefined && found.processingType !== 'MANUAL' && found.processingType !== 'SNAPSHOT') checks.push({ id: `hubspot.list.${segment.id}`, ok: false, detail: `List "${name}" is ${found.processingType}; its membership cannot be set.`, fix: `Rename or delete the list in HubSpot, then ${SETUP_FIX}` });
      else checks.push({ id: `hubspot.list.${segment.id}`, ok: true, detail: `List "${name}" is ${found.listId}.` });
    } catch (error) {
      checks.push({ id: `hubspot.list.${segment.id}`, ok: false, detail: describe(error), fix: 'Grant crm.lists.read and crm.lists.write to the app.' });
    }
  }

  // Follow-up tasks go to record owners: the owners API must be readable (scope crm.objects.owners.read).
  try {
    const owners = await readOwners(t);
    const active = owners.filter((o) => o.active).length;
    checks.push(active > 0
      ? { id: 'hubspot.owners', ok: true, detail: `Owners readable: ${active} active owner(s) tasks can be assigned to.` }
      : { id: 'hubspot.owners', ok: false, detail: 'The owners API lists no active owner: follow-up tasks could only go to the fallback owner.', fix: 'Add users to the HubSpot account (each user is an owner), or set a fallback owner in the mapping.' });
  } catch (error) {
    const denied = error instanceof ParcoursError && error.code === 'AUTH_FAILED';
    checks.push({ id: 'hubspot.owners', ok: false, detail: describe(error), fix: denied ? 'Grant the crm.objects.owners.read scope to the app (private app / service key: edit its scopes; OAuth: add it and reinstall), so follow-up tasks can be assigned to record owners.' : 'Check network access to the HubSpot API and retry.' });
  }

  const rl = t.rateLimit;
  if (rl.max !== undefined) {
    const daily = rl.daily !== undefined ? `; daily ${rl.dailyRemaining ?? '?'} of ${rl.daily} left` : ' (no daily header: OAuth calls have no daily limit)';
    const tier = rl.max >= 190 ? 'Professional/Enterprise or add-on' : rl.max >= 110 ? 'OAuth app' : 'Free/Starter';
    const lowDaily = rl.daily !== undefined && rl.dailyRemaining !== undefined && rl.dailyRemaining < rl.daily * 0.05;
    checks.push({ id: 'hubspot.rate-limit', ok: !lowDaily, detail: `Burst ${rl.max} per ${rl.intervalMs ?? '?'} ms (${tier})${daily}.`, ...(lowDaily ? { fix: 'Less than 5% of the daily quota is left: run the sync after the daily reset, or buy the API limit increase.' } : {}) });
  } else {
    checks.push({ id: 'hubspot.rate-limit', ok: true, detail: 'HubSpot sent no X-HubSpot-RateLimit-* headers; pacing stays at the configured defaults.' });
  }
  return checks;
}
