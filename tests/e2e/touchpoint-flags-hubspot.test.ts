/**
 * The default mapping's touchpoint flags end to end (issue 13): the real CLI against the HubSpot sandbox.
 * Each flag is raised on a contact that should raise it and not on one that narrowly should not; the
 * engagements are logged as a portal holds them (properties and v4 associations).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { runCli, runJson, storeEnv, type SyncJson } from './cli.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('touchpoint flags, HubSpot end to end', { timeout: 240_000 }, () => {
  let sb: HubspotSandbox;
  let env: Record<string, string>;
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const ids: Record<string, string> = {};

  const contact = (key: string, lifecyclestage: string) => {
    ids[key] = sb.data.createRecord('contacts', { email: `${key}@example.com`, firstname: key, lifecyclestage }).id;
    return ids[key] as string;
  };
  const log = (type: string, contactId: string, props: Record<string, string>) => {
    const r = sb.data.createRecord(type, props);
    sb.data.associate(type, r.id, 'contacts', contactId);
    return r.id;
  };
  const email = (contactId: string, direction: 'EMAIL' | 'INCOMING_EMAIL', at: number) =>
    log('emails', contactId, { hs_timestamp: iso(at), hs_email_direction: direction, hs_email_status: 'SENT', hs_email_subject: 'Re: your order' });
  const meeting = (contactId: string, outcome: string, at: number) =>
    log('meetings', contactId, { hs_timestamp: iso(at), hs_meeting_start_time: iso(at), hs_meeting_end_time: iso(at + HOUR), hs_meeting_outcome: outcome, hs_meeting_title: 'Demo' });
  const nps = (contactId: string, score: number, at: number) =>
    log('feedback_submissions', contactId, { hs_survey_type: 'NPS', hs_survey_name: 'NPS', hs_survey_channel: 'EMAIL', hs_submission_timestamp: iso(at), hs_value: String(score), hs_response_group: score <= 6 ? 'DETRACTOR' : score <= 8 ? 'PASSIVE' : 'PROMOTER', hs_contact_id: contactId });

  beforeAll(async () => {
    sb = await startHubspotSandbox({ port: 0, seed: 23, contacts: 5 });
    env = { HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: sb.accessToken, ...storeEnv() };

    // unanswered_inbound: first reply 25 h after an inbound email / 23 h after it.
    email(contact('unanswered', 'lead'), 'INCOMING_EMAIL', now - 3 * DAY);
    email(ids.unanswered as string, 'EMAIL', now - 3 * DAY + 25 * HOUR);
    email(contact('answered', 'lead'), 'INCOMING_EMAIL', now - 3 * DAY);
    email(ids.answered as string, 'EMAIL', now - 3 * DAY + 23 * HOUR);
    // no_show: a no-show 10 days ago / 31 days ago.
    meeting(contact('noshow', 'lead'), 'NO_SHOW', now - 10 * DAY);
    meeting(contact('oldnoshow', 'lead'), 'NO_SHOW', now - 31 * DAY);
    // no_follow_up: in decision (lifecycle opportunity), last outbound email 15 / 13 days ago.
    email(contact('nofollow', 'opportunity'), 'EMAIL', now - 15 * DAY);
    email(contact('followed', 'opportunity'), 'EMAIL', now - 13 * DAY);
    // detractor: no NPS rollup on the contact; latest NPS answer 5 (an older 9) / latest 7 (an older 2).
    nps(contact('detractor', 'lead'), 9, now - 40 * DAY);
    nps(ids.detractor as string, 5, now - 2 * DAY);
    nps(contact('passive', 'lead'), 2, now - 40 * DAY);
    nps(ids.passive as string, 7, now - 2 * DAY);

    expect((await runCli(['setup', '--crm', 'hubspot'], env)).code).toBe(0);
  });
  afterAll(async () => {
    await sb.close();
  });

  const flagsOf = (key: string) => (sb.data.getRecord('contacts', ids[key] as string)?.properties['parcours_friction'] ?? '').split(';').filter(Boolean);
  const reasonOf = (key: string) => sb.data.getRecord('contacts', ids[key] as string)?.properties['parcours_friction_reason'] ?? '';

  it('raises each flag where it should and not where it narrowly should not, with a reason citing the touchpoint', async () => {
    const r = await runJson<SyncJson & { disabled: unknown[] }>(['sync', '--crm', 'hubspot', '--full'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.status).toBe('succeeded');
    expect(r.json.touchpoints?.supported).toBe(true);
    expect(r.json.disabled).toEqual([]);

    expect(flagsOf('unanswered')).toContain('unanswered_inbound');
    expect(reasonOf('unanswered')).toMatch(/unanswered_inbound: inbound email on \d{4}-\d{2}-\d{2} \d{2}:\d{2} with no outbound reply within 24 h/);
    expect(flagsOf('answered')).not.toContain('unanswered_inbound');

    expect(flagsOf('noshow')).toContain('no_show');
    expect(reasonOf('noshow')).toMatch(/no_show: no-show at the meeting of \d{4}-\d{2}-\d{2}/);
    expect(flagsOf('oldnoshow')).not.toContain('no_show');

    expect(flagsOf('nofollow')).toContain('no_follow_up');
    expect(reasonOf('nofollow')).toMatch(/no_follow_up: in decision with no outbound touchpoint in 14 days; last one email on/);
    expect(flagsOf('followed')).not.toContain('no_follow_up');

    expect(flagsOf('detractor')).toContain('detractor');
    expect(reasonOf('detractor')).toMatch(/detractor: latest nps answer 5 on/);
    expect(flagsOf('passive')).not.toContain('detractor');
  });

  it('explain, live, lists the contact\'s touchpoints and the one the flag used', async () => {
    const r = await runCli(['explain', '--crm', 'hubspot', '--contact', ids.unanswered as string], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('touchpoints (2, oldest first):');
    expect(r.stdout).toMatch(/touchpoints the rules used:\n {2}unanswered_inbound: #1 emails\/\d+/);
  });

  it('explain, live, prints the stage history reps see, from HubSpot\'s own property history', async () => {
    const stage = sb.data.getRecord('contacts', ids.unanswered as string)?.properties.parcours_stage;
    expect(stage).toBeTruthy();
    const r = await runCli(['explain', '--crm', 'hubspot', '--contact', ids.unanswered as string], env);
    expect(r.code, r.stderr).toBe(0);
    const section = r.stdout.split('stage history reps see in the CRM (parcours_stage')[1];
    expect(section, r.stdout).toBeDefined();
    // The value Parcours wrote is in the CRM's history of the field, with its time.
    expect(section).toMatch(new RegExp(`\\n {2}\\d{4}-\\d{2}-\\d{2}[^\\n]* ${String(stage)}\\b`));
    const json = await runCli(['explain', '--crm', 'hubspot', '--contact', ids.unanswered as string, '--json'], env);
    const parsed = JSON.parse(json.stdout) as { crmStageHistory: { field: string; entries: Array<{ value: string | null }> } };
    expect(parsed.crmStageHistory.field).toBe('parcours_stage');
    expect(parsed.crmStageHistory.entries.at(-1)?.value).toBe(stage);
  });
});
