/**
 * `parcours sync --crm salesforce` pulls every interaction per channel (issue 13): the real CLI against the
 * sandbox org, in a standard org (Task, Event, EmailMessage, CampaignMember only) and in one with Surveys,
 * Chat and Messaging turned on. Expected counts come from the org's own rows, not from the connector.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.ts';
import { runJson, salesforceEnv, storeEnv, type SyncJson } from './cli.ts';

type Tally = { supported: boolean; pulled: number; byChannel: Record<string, number>; removed: number; swept: number; rejected: number };
type Summary = SyncJson & { touchpoints: Tally };

/** Touchpoints per channel as the org holds them, archived activities included (queryAll). */
function expected(sb: SalesforceSandbox): Record<string, number> {
  const rows = (soql: string) => sb.data.query(soql, { all: true }).filter((r) => r.IsDeleted !== true);
  const activities = new Set(rows('SELECT ActivityId, IsDeleted FROM EmailMessage WHERE ActivityId != null').map((r) => r.ActivityId));
  const tasks = rows('SELECT Id, IsDeleted, TaskSubtype FROM Task').filter((t) => !activities.has(t.Id));
  const out: Record<string, number> = {
    phone: tasks.filter((t) => t.TaskSubtype === 'Call').length,
    email: tasks.filter((t) => t.TaskSubtype === 'Email' || t.TaskSubtype === 'ListEmail').length + rows("SELECT Id, IsDeleted FROM EmailMessage WHERE Status != '5'").length,
    meeting: rows('SELECT Id, IsDeleted FROM Event').length,
    // The seeded campaign is a Webinar.
    web: rows('SELECT Id, IsDeleted FROM CampaignMember WHERE HasResponded = true').length,
  };
  return out;
}

describe('a standard org: the optional objects are absent', () => {
  let sb: SalesforceSandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    sb = await startSalesforceSandbox({ port: 0, seed: 41, contacts: 150 });
    env = { ...salesforceEnv(sb), ...storeEnv() };
    expect((await runJson(['setup', '--crm', 'salesforce'], env)).code).toBe(0);
  }, 90_000);
  afterAll(() => sb.close());

  it('a full sync pulls every interaction per channel, archived activities included; an incremental run pulls changes and removals', { timeout: 120_000 }, async () => {
    const full = await runJson<Summary>(['sync', '--crm', 'salesforce', '--full'], env);
    expect(full.code).toBe(0);
    const want = expected(sb);
    expect(full.json.touchpoints).toMatchObject({ supported: true, rejected: 0 });
    expect(full.json.touchpoints.byChannel).toEqual(want);
    expect(full.json.touchpoints.pulled).toBe(Object.values(want).reduce((a, b) => a + b, 0));
    // The archived ones are part of it: query alone would have missed them.
    expect(sb.data.query('SELECT Id FROM Task WHERE IsArchived = true', { all: true }).length).toBeGreaterThan(0);
    // Nothing survey-, chat- or messaging-shaped in a standard org, and no query touched those objects.
    expect(sb.calls.some((c) => /SurveyQuestionResponse|LiveChatTranscript|MessagingSession/.test(c.path))).toBe(false);

    const contact = String(sb.data.query('SELECT Id FROM Contact LIMIT 1')[0]?.Id);
    sb.data.create('Task', { WhoId: contact, Subject: 'Inbound call', TaskSubtype: 'Call', CallType: 'Inbound', CallDisposition: 'Connected', Status: 'Completed' });
    const meeting = String(sb.data.query('SELECT Id FROM Event LIMIT 1')[0]?.Id);
    sb.data.delete(meeting);
    const inc = await runJson<Summary>(['sync', '--crm', 'salesforce'], env);
    expect(inc.code).toBe(0);
    expect(inc.json.touchpoints.byChannel.phone).toBeGreaterThanOrEqual(1);
    expect(inc.json.touchpoints.removed).toBe(1);
    expect(inc.json.touchpoints.pulled).toBeLessThan(full.json.touchpoints.pulled / 10);
  });
});

describe('an org with Surveys, Chat and Messaging', () => {
  let sb: SalesforceSandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    sb = await startSalesforceSandbox({ port: 0, seed: 42, contacts: 150, touchpointObjects: { surveys: true, liveChat: true, messaging: true } });
    env = { ...salesforceEnv(sb), ...storeEnv() };
    expect((await runJson(['setup', '--crm', 'salesforce'], env)).code).toBe(0);
  }, 90_000);
  afterAll(() => sb.close());

  it('pulls survey answers, chats and messaging sessions besides the standard objects', { timeout: 120_000 }, async () => {
    const r = await runJson<Summary>(['sync', '--crm', 'salesforce', '--full'], env);
    expect(r.code).toBe(0);
    const byChannel = r.json.touchpoints.byChannel;
    expect(byChannel.survey).toBe(sb.data.query('SELECT Id FROM SurveyQuestionResponse WHERE NumberValue != null').length);
    const sessions = sb.data.query('SELECT Id, ChannelType FROM MessagingSession');
    expect((byChannel.chat ?? 0)).toBe(sb.data.query('SELECT Id FROM LiveChatTranscript').length + sessions.filter((s) => s.ChannelType === 'EmbeddedMessaging').length);
    expect(byChannel.whatsapp ?? 0).toBe(sessions.filter((s) => s.ChannelType === 'WhatsApp').length);
    expect(byChannel.sms ?? 0).toBe(sessions.filter((s) => s.ChannelType === 'Text').length);
    expect(byChannel.survey).toBeGreaterThan(0);
    for (const [k, v] of Object.entries(expected(sb))) expect(byChannel[k]).toBe(v);
  });
});
