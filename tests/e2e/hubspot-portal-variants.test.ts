/**
 * The real CLI against sandbox portals behaving as real portals do (issue 10 points 6, 7 and 8):
 * - the stage-calculated deal properties are `hs_v2_date_entered_<stageId>` on a current portal and
 *   `hs_date_entered_<stageId>` on an older one (knowledge.hubspot.com "Use stage calculated properties";
 *   /work/shared/crm-facts/hubspot.md §13). Either portal must give every deal its stage-entry date;
 * - a batch update fails whole (400) on one invalid input unless each input carries an
 *   `objectWriteTraceId` (https://developers.hubspot.com/docs/api-reference/error-handling "Multi-status errors");
 * - OAuth token metadata comes from the 2026-03 introspection endpoint; v1 goes away on 2027-02-16
 *   (https://developers.hubspot.com/changelog/v1-oauth-api-deprecation).
 */
import { describe, expect, it } from 'vitest';
import { startHubspotSandbox } from '../../sandbox/hubspot/index.ts';
import type { StageDateNames } from '../../sandbox/hubspot/schema.ts';
import type { DealRecord } from '../../src/model.ts';
import { inStore, runCli, runJson, storeEnv, type SyncJson } from './cli.ts';

/** Each test runs the CLI three or four times as child processes: give them room on a loaded machine. */
const CLI_TEST = { timeout: 120_000 };

describe('HubSpot end to end: stage-entry dates on current and older portals', () => {
  for (const names of ['v2', 'legacy'] as StageDateNames[]) {
    it(`reads every deal's stage-entry date from a portal with ${names === 'v2' ? 'only hs_v2_date_entered_*' : 'only the legacy hs_date_entered_*'}`, CLI_TEST, async () => {
      const sb = await startHubspotSandbox({ port: 0, seed: 7, contacts: 40, stageDates: names });
      const env = { HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: sb.accessToken, ...storeEnv() };
      try {
        expect((await runCli(['setup', '--crm', 'hubspot'], env)).code).toBe(0);
        const sync = await runJson<SyncJson>(['sync', '--crm', 'hubspot'], env);
        expect(sync.code).toBe(0);
        const prefix = names === 'v2' ? 'hs_v2_date_entered_' : 'hs_date_entered_';
        const dealIds = sb.data.ids('deals');
        expect(dealIds.length).toBeGreaterThan(10);
        await inStore(env, async (store) => {
          for (const id of dealIds) {
            const inCrm = sb.data.getRecord('deals', id)!.properties;
            const mirrored = (await store.getRecord('hubspot:default', 'deal', id)) as DealRecord | undefined;
            expect(mirrored?.stageEnteredAt, `deal ${id}`).toBe(Date.parse(inCrm[`${prefix}${inCrm['dealstage']}`]!));
          }
        });

        // A rep moves a deal: the portal stamps the new stage, and the next (incremental) run reads it.
        const open = dealIds.find((id) => sb.data.getRecord('deals', id)!.properties['dealstage'] === 'appointmentscheduled')!;
        const moved = sb.data.updateRecord('deals', open, { dealstage: 'qualifiedtobuy' });
        const next = await runJson<SyncJson>(['sync', '--crm', 'hubspot'], env);
        expect(next.code).toBe(0);
        const after = await inStore(env, (s) => s.getRecord('hubspot:default', 'deal', open));
        expect((after as DealRecord).stageEnteredAt).toBe(Date.parse(moved.properties[`${prefix}qualifiedtobuy`]!));
      } finally {
        await sb.close();
      }
    });
  }
});

describe('HubSpot end to end: one bad record in a batch update', () => {
  it('costs one failure and one call: the rest is written, no halving', CLI_TEST, async () => {
    const sb = await startHubspotSandbox({ port: 0, seed: 13, contacts: 60 });
    const env = { HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: sb.accessToken, ...storeEnv() };
    try {
      expect((await runCli(['setup', '--crm', 'hubspot'], env)).code).toBe(0);
      expect((await runJson<SyncJson>(['sync', '--crm', 'hubspot'], env)).code).toBe(0);

      // Contacts without deals follow their lifecycle stage alone (mappings/hubspot.yaml).
      const noDeals = sb.data.ids('contacts').filter((id) => sb.data.associated('contacts', id, 'deals').length === 0);
      const bad = noDeals.find((id) => sb.data.getRecord('contacts', id)!.properties['parcours_stage'] !== 'awareness')!;
      const good = noDeals.filter((id) => id !== bad && sb.data.getRecord('contacts', id)!.properties['parcours_stage'] === 'awareness').slice(0, 5);
      expect(bad).toBeDefined();
      expect(good).toHaveLength(5);
      // An admin removes the "awareness" option (a PATCH replaces the option list: properties guide)…
      const stageProp = await fetch(`${sb.url}/crm/v3/properties/contacts/parcours_stage`, { headers: { authorization: `Bearer ${sb.accessToken}` } }).then((r) => r.json() as Promise<{ options: Array<{ value: string }> }>);
      const patched = await fetch(`${sb.url}/crm/v3/properties/contacts/parcours_stage`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${sb.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ options: stageProp.options.filter((o) => o.value !== 'awareness') }),
      });
      expect(patched.status).toBe(200);
      // …then one contact falls back to awareness (now an invalid option) and five move on to consideration.
      sb.data.updateRecord('contacts', bad, { lifecyclestage: 'lead' });
      for (const id of good) sb.data.updateRecord('contacts', id, { lifecyclestage: 'marketingqualifiedlead' });

      const callsBefore = sb.calls.length;
      const run = await runJson<SyncJson>(['sync', '--crm', 'hubspot'], env);
      expect(run.code).toBe(2); // some records failed
      expect(run.json.failed).toEqual([expect.objectContaining({ object: 'contact', id: bad, code: 'VALIDATION_ERROR', message: expect.stringContaining('INVALID_OPTION') })]);
      for (const id of good) expect(sb.data.getRecord('contacts', id)!.properties['parcours_stage']).toBe('consideration');
      expect(sb.data.getRecord('contacts', bad)!.properties['parcours_stage']).not.toBe('awareness');
      // One contacts batch update, answered 207: no 400 and no split batches.
      const updates = sb.calls.slice(callsBefore).filter((c) => c.method === 'POST' && c.path === '/crm/v3/objects/contacts/batch/update');
      expect(updates.map((c) => c.status)).toEqual([207]);
      expect(run.json.apiCalls.byEndpoint['objects.contacts.batch.update']).toBe(1);
    } finally {
      await sb.close();
    }
  });
});

describe('HubSpot end to end: doctor with an OAuth token', () => {
  it('lists the granted scopes by introspection on the 2026-03 OAuth API, never calling v1', CLI_TEST, async () => {
    const sb = await startHubspotSandbox({ port: 0, seed: 3, contacts: 5 });
    try {
      // An OAuth access token as the service would hold it (2026-03 token endpoint, refresh grant).
      const res = await fetch(`${sb.url}/oauth/2026-03/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', client_id: sb.oauth.clientId, client_secret: sb.oauth.clientSecret, refresh_token: sb.oauth.refreshToken }),
      });
      const { access_token: accessToken } = (await res.json()) as { access_token: string };
      const env = { HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: accessToken, HUBSPOT_AUTH_KIND: 'oauth', HUBSPOT_CLIENT_ID: sb.oauth.clientId, HUBSPOT_CLIENT_SECRET: sb.oauth.clientSecret, ...storeEnv() };
      const r = await runJson<Array<{ id: string; ok: boolean; detail: string }>>(['doctor', '--crm', 'hubspot'], env);
      expect(r.json.find((c) => c.id === 'hubspot.scopes')).toMatchObject({ ok: true, detail: expect.stringMatching(/^All \d+ required scopes granted\.$/) });
      expect(sb.calls.filter((c) => c.method === 'POST' && c.path === '/oauth/2026-03/token/introspect')).toHaveLength(1);
      expect(sb.calls.filter((c) => c.path.startsWith('/oauth/v1/'))).toEqual([]);
      expect(r.stderr).not.toContain(sb.oauth.clientSecret);
      expect(JSON.stringify(r.json)).not.toContain(accessToken);
    } finally {
      await sb.close();
    }
  });
});
