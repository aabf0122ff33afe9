/** `parcours sync --crm hubspot` pulls the portal's touchpoints per channel, then only what changed (issue 13). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { inStore, runCli, runJson, storeEnv, type SyncJson } from './cli.ts';

type TouchpointJson = SyncJson & { touchpoints: { supported: boolean; pulled: number; byChannel: Record<string, number>; removed: number; swept: number; rejected: number } };

describe('HubSpot touchpoints end to end: the real CLI against the sandbox', { timeout: 180_000 }, () => {
  let sb: HubspotSandbox;
  let env: Record<string, string>;

  beforeAll(async () => {
    sb = await startHubspotSandbox({ port: 0, seed: 17, contacts: 80 });
    env = { HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: sb.accessToken, ...storeEnv() };
    expect((await runCli(['setup', '--crm', 'hubspot'], env)).code).toBe(0);
  });
  afterAll(async () => {
    await sb.close();
  });

  it('a full sync stores every engagement, survey answer and form conversion, counted per channel; the next run only what changed', async () => {
    const full = await runJson<TouchpointJson>(['sync', '--crm', 'hubspot', '--full'], env);
    expect(full.code, full.stderr).toBe(0);
    const n = (type: string) => sb.data.ids(type).length;
    const contacts = sb.data.ids('contacts').map((id) => sb.data.getRecord('contacts', id)?.properties ?? {});
    const forms = contacts.reduce((k, p) => k + (p['first_conversion_date'] ? 1 : 0) + (p['recent_conversion_date'] && (p['recent_conversion_date'] !== p['first_conversion_date'] || p['recent_conversion_event_name'] !== p['first_conversion_event_name']) ? 1 : 0), 0);
    const communications = sb.data.ids('communications').map((id) => sb.data.getRecord('communications', id)?.properties['hs_communication_channel_type']);
    const count = (v: string) => communications.filter((c) => c === v).length;
    const expected: Record<string, number> = {
      phone: n('calls'),
      email: n('emails'),
      meeting: n('meetings'),
      internal: n('notes'),
      postal: n('postal_mail'),
      survey: n('feedback_submissions'),
      form: forms,
      sms: count('SMS'),
      whatsapp: count('WHATS_APP'),
      social: count('LINKEDIN_MESSAGE'),
    };
    for (const k of Object.keys(expected)) if (expected[k] === 0) delete expected[k];
    expect(full.json.touchpoints).toMatchObject({ supported: true, rejected: 0, byChannel: expected });
    expect(full.json.touchpoints.pulled).toBe(Object.values(expected).reduce((a, b) => a + b, 0));
    expect(full.json.touchpoints.pulled / 80).toBeGreaterThan(10);

    // A call deleted, a meeting logged (associated with a contact), then the next run.
    const contactId = sb.data.ids('contacts')[5] as string;
    const gone = sb.data.ids('calls')[0] as string;
    sb.data.archiveRecord('calls', gone);
    const meeting = sb.data.createRecord('meetings', { hs_timestamp: new Date().toISOString(), hs_meeting_start_time: new Date().toISOString(), hs_meeting_outcome: 'NO_SHOW', hs_meeting_title: 'Demo' });
    sb.data.associate('meetings', meeting.id, 'contacts', contactId);
    const next = await runJson<TouchpointJson>(['sync', '--crm', 'hubspot'], env);
    expect(next.code, next.stderr).toBe(0);
    expect(next.json.touchpoints.removed).toBe(1);
    // What changed (plus anything logged within the search-indexing overlap before the full run, re-read on purpose).
    expect(next.json.touchpoints.byChannel['meeting']).toBeGreaterThanOrEqual(1);
    expect(next.json.touchpoints.pulled).toBeLessThan(full.json.touchpoints.pulled / 10);
    await inStore(env, async (store) => {
      const mine = await store.touchpointsOf('hubspot:default', contactId);
      expect(mine.find((t) => t.id === meeting.id)).toMatchObject({ channel: 'meeting', outcome: 'no_show', objectType: 'meetings' });
      const owner = sb.data.associated('calls', gone, 'contacts')[0];
      expect(owner === undefined ? [] : (await store.touchpointsOf('hubspot:default', owner)).filter((t) => t.id === gone)).toEqual([]);
    });
    const text = await runCli(['sync', '--crm', 'hubspot'], env);
    expect(text.stdout).toMatch(/touchpoints: \d+ pulled/);
  });
});
