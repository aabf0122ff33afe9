/**
 * Issue 13, the journey map: a survey answer given while the customer was in `consideration` counts in
 * consideration even though the customer is now in `purchase`. Real CLI against the HubSpot sandbox:
 * a full sync, the answer, the deal won through the sandbox's deals API, an incremental sync (the ledger
 * closes consideration, opens purchase), then `parcours report`.
 *
 * The answer is a feedback submission in the sandbox (HubSpot's CSAT on its 0–2 scale), pulled by the
 * incremental sync like any other; the portal's seeded survey answers are deleted first, so this one is the
 * only answer the map can count.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { JourneyMapSchema, type JourneyMap } from '../../src/report/index.ts';
import { runCli, runJson, storeEnv, type SyncJson } from './cli.ts';

describe('satisfaction per stage counts an answer in the stage of its time (HubSpot, real CLI)', () => {
  let sb: HubspotSandbox;
  let env: Record<string, string>;
  let contactId: string;
  let dealId: string;
  let answeredAt: number;
  let map: JourneyMap;

  beforeAll(async () => {
    sb = await startHubspotSandbox({ port: 0, seed: 11, contacts: 120 });
    for (const id of sb.data.ids('feedback_submissions')) sb.data.archiveRecord('feedback_submissions', id);
    env = { HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: sb.accessToken, ...storeEnv() };
    expect((await runJson(['setup', '--crm', 'hubspot'], env)).code).toBe(0);
    expect((await runJson<SyncJson>(['sync', '--crm', 'hubspot', '--full'], env)).code).toBe(0);

    // A customer in consideration through one open early-stage deal (and a lifecycle that places it no further).
    const candidate = sb.data.ids('contacts').map((id) => sb.data.getRecord('contacts', id)!).find((c) => {
      const deals = sb.data.associated('contacts', c.id, 'deals').map((id) => sb.data.getRecord('deals', id)!);
      return c.properties.parcours_stage === 'consideration' && deals.length === 1
        && ['appointmentscheduled', 'qualifiedtobuy'].includes(String(deals[0]!.properties.dealstage))
        && ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead'].includes(String(c.properties.lifecyclestage));
    });
    expect(candidate).toBeDefined();
    contactId = candidate!.id;
    dealId = sb.data.associated('contacts', contactId, 'deals')[0]!;

    // The answer, given now, while the customer is in consideration: satisfied (2 on HubSpot's 0–2 CSAT).
    answeredAt = Date.now() - 60_000;
    // touchpoints.md §3.2: hs_survey_type, hs_value, hs_response_group, hs_submission_timestamp.
    const submission = sb.data.createRecord('feedback_submissions', {
      hs_survey_type: 'CSAT',
      hs_value: '2',
      hs_response_group: 'PROMOTER',
      hs_survey_channel: 'EMAIL',
      hs_submission_timestamp: new Date(answeredAt).toISOString(),
    });
    sb.data.associate('feedback_submissions', submission.id, 'contacts', contactId);

    // Then the deal is won, through the deals batch-update API
    // (https://developers.hubspot.com/docs/api-reference/crm-deals-v3/batch/post-crm-v3-objects-deals-batch-update).
    const res = await fetch(`${sb.url}/crm/v3/objects/deals/batch/update`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sb.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ id: dealId, properties: { dealstage: 'closedwon', closedate: new Date().toISOString() } }] }),
    });
    expect(res.status).toBe(200);
    expect((await runJson<SyncJson>(['sync', '--crm', 'hubspot'], env)).code).toBe(0);

    const out = join(mkdtempSync(join(tmpdir(), 'parcours-e2e-map-')), 'map.json');
    const r = await runCli(['report', '--crm', 'hubspot', '--format', 'json', '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    map = JourneyMapSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
  }, 180_000);

  afterAll(async () => {
    await sb?.close();
  });

  it('the customer is in purchase now', () => {
    expect(sb.data.getRecord('contacts', contactId)!.properties.parcours_stage).toBe('purchase');
  });

  it('counts the answer in consideration, from the answers and placed by the ledger, not in purchase', () => {
    const j = map.journeys[0] as JourneyMap['journeys'][number];
    const sat = (stage: string) => j.satisfaction.stages.find((s) => s.stage === stage);
    expect(sat('consideration')?.csat).toMatchObject({ n: 1, value: 100, source: 'answers', enough: false });
    expect(sat('consideration')?.placedBy).toEqual({ ledger: 1, evidence: 0 });
    // Purchase has no answer: its figure, if any, is the contacts' rollup, never this answer.
    expect(sat('purchase')?.csat.source).not.toBe('answers');
    expect(j.kpis.find((k) => k.id === 'satisfaction_per_stage')?.byStage?.consideration).toMatchObject({ n: 1, source: 'answers' });
    expect(j.stageChannels.find((r) => r.stage === 'consideration' && r.channel === 'survey')).toMatchObject({ touchpoints: 1, customers: 1 });
    expect(j.stageChannels.some((r) => r.stage === 'purchase' && r.channel === 'survey')).toBe(false);
  });
});
