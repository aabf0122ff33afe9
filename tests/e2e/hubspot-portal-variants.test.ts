/**
 * The real CLI against sandbox portals that differ the way real portals do (issue 10 point 6): the
 * stage-calculated deal properties are `hs_v2_date_entered_<stageId>` on a current portal and
 * `hs_date_entered_<stageId>` on an older one (knowledge.hubspot.com "Use stage calculated properties";
 * /work/shared/crm-facts/hubspot.md §13). Either portal must give every deal its stage-entry date.
 */
import { describe, expect, it } from 'vitest';
import { startHubspotSandbox } from '../../sandbox/hubspot/index.ts';
import type { StageDateNames } from '../../sandbox/hubspot/schema.ts';
import type { DealRecord } from '../../src/model.ts';
import { openStore } from '../../src/store/index.ts';
import { runCli, runJson, tempDb, type SyncJson } from './cli.ts';

describe('HubSpot end to end: stage-entry dates on current and older portals', () => {
  for (const names of ['v2', 'legacy'] as StageDateNames[]) {
    it(`reads every deal's stage-entry date from a portal with ${names === 'v2' ? 'only hs_v2_date_entered_*' : 'only the legacy hs_date_entered_*'}`, async () => {
      const sb = await startHubspotSandbox({ port: 0, seed: 7, contacts: 40, stageDates: names });
      const env = { HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: sb.accessToken, PARCOURS_DB: tempDb() };
      try {
        expect((await runCli(['setup', '--crm', 'hubspot'], env)).code).toBe(0);
        const sync = await runJson<SyncJson>(['sync', '--crm', 'hubspot'], env);
        expect(sync.code).toBe(0);
        const prefix = names === 'v2' ? 'hs_v2_date_entered_' : 'hs_date_entered_';
        const dealIds = sb.data.ids('deals');
        expect(dealIds.length).toBeGreaterThan(10);
        const store = openStore(env.PARCOURS_DB);
        try {
          for (const id of dealIds) {
            const inCrm = sb.data.getRecord('deals', id)!.properties;
            const mirrored = store.getRecord('hubspot:default', 'deal', id) as DealRecord | undefined;
            expect(mirrored?.stageEnteredAt, `deal ${id}`).toBe(Date.parse(inCrm[`${prefix}${inCrm['dealstage']}`]!));
          }
        } finally {
          store.close();
        }

        // A rep moves a deal: the portal stamps the new stage, and the next (incremental) run reads it.
        const open = dealIds.find((id) => sb.data.getRecord('deals', id)!.properties['dealstage'] === 'appointmentscheduled')!;
        const moved = sb.data.updateRecord('deals', open, { dealstage: 'qualifiedtobuy' });
        const next = await runJson<SyncJson>(['sync', '--crm', 'hubspot'], env);
        expect(next.code).toBe(0);
        const after = openStore(env.PARCOURS_DB);
        try {
          expect((after.getRecord('hubspot:default', 'deal', open) as DealRecord).stageEnteredAt).toBe(Date.parse(moved.properties[`${prefix}qualifiedtobuy`]!));
        } finally {
          after.close();
        }
      } finally {
        await sb.close();
      }
    });
  }
});
