import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  collectJourneyMap, hubspotRecordUrl, JourneyMapSchema, renderCsvTables, renderHtml, renderJson, resolvePeriod, salesforceRecordUrl, storeSource, writeCsvTables,
  type JourneyMap,
} from '../../src/report/index.ts';
import { csvField } from '../../src/report/render-csv.ts';
import { DAY_MS } from '../../src/model.ts';
import { engine, INST, NOW, seedStore } from './seed.ts';

const store = await seedStore();
const source = storeSource(store, INST);
const map = await collectJourneyMap({ crm: 'hubspot', engine, source, now: NOW, recordUrl: hubspotRecordUrl(123) });
const j = map.journeys[0] as JourneyMap['journeys'][number];
const stage = (id: string) => j.stages.find((s) => s.id === id);
const kpi = (id: string) => j.kpis.find((k) => k.id === id);
const tmp = mkdtempSync(join(tmpdir(), 'parcours-report-'));
afterAll(async () => {
  await store.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('collectJourneyMap over a seeded store', () => {
  it('is a valid document for the default 90-day period', () => {
    expect(JourneyMapSchema.safeParse(map).success).toBe(true);
    expect(map.period).toEqual({ from: new Date(NOW - 90 * DAY_MS).toISOString(), to: new Date(NOW).toISOString() });
    expect(map.journeys.map((x) => x.id)).toEqual(['default']);
    expect(j.customers).toBe(6);
  });

  it('counts customers per stage now and conversion from the ledger', () => {
    expect(j.stages.map((s) => [s.id, s.customers, s.enteredInPeriod, s.movedOn, s.conversionToNext])).toEqual([
      ['awareness', 2, 4, 2, 0.5], // c1 c3 c2 c6 entered; c2, c3 moved on
      ['consideration', 1, 3, 2, 0.6667], // c3 c4 moved on to decision; c2 still there
      ['decision', 1, 2, 1, 0.5], // c4 → purchase; c3 still there
      ['purchase', 1, 1, 0, 0],
      ['post_purchase', 1, 0, 0, null], // c5 entered 110 days ago, before the period
    ]);
  });

  it('takes durations from the ledger, or from CRM dates where the ledger has no closed stay', () => {
    expect(stage('awareness')).toMatchObject({ durationSource: 'history', durationDays: { avg: 15, median: 15, min: 10, max: 20, p90: 20, n: 2 } });
    expect(stage('consideration')).toMatchObject({ durationSource: 'history', durationDays: { avg: 22.5, median: 22.5, min: 15, max: 30, p90: 30, n: 2 } });
    expect(stage('decision')).toMatchObject({ durationSource: 'history', durationDays: { avg: 25, n: 1 } });
    // No closed purchase stay in the period: c4's deal closed 20 days ago (the CRM's date) is used.
    expect(stage('purchase')).toMatchObject({ durationSource: 'crm_dates', durationDays: { avg: 20, p90: 20, n: 1 } });
    expect(stage('post_purchase')).toMatchObject({ durationSource: 'crm_dates', durationDays: { avg: 200, n: 1 } });
  });

  it('computes the KPIs against the mapping targets', () => {
    // 4 CSATs, below the minimum of 5 answers: shown, not judged.
    expect(kpi('satisfaction_per_stage')).toMatchObject({ value: 50, n: 4, met: null, enough: false, op: 'gte', target: 85 });
    expect(kpi('satisfaction_per_stage')?.byStage).toMatchObject({ awareness: { value: 50, n: 2 }, consideration: { value: 100, n: 1 }, purchase: { value: 0, n: 1 }, decision: { value: null, n: 0 } });
    expect(kpi('nps')).toMatchObject({ value: 25, n: 4, met: false, unit: 'score' });
    expect(kpi('first_contact_resolution')).toMatchObject({ value: 50, n: 2, met: false });
    expect(kpi('checkout_abandonment')).toMatchObject({ value: 50, n: 2, met: false, op: 'lt', target: 10 });
    for (const k of j.kpis) expect(k.definition.length).toBeGreaterThan(40);
  });

  it('builds the friction heat map by stage and channel, and ranks the most affected records', () => {
    const f = Object.fromEntries(j.friction.map((x) => [x.id, x]));
    expect(f.detractor).toMatchObject({ customers: 2, byStage: { decision: 1, purchase: 1 }, byChannel: { REFERRALS: 1, ORGANIC_SEARCH: 1 } });
    expect(f.slow_first_response).toMatchObject({ customers: 1, byStage: { decision: 1 }, byChannel: { CHAT: 1 } });
    expect(f.unresolved_ticket).toMatchObject({ customers: 1, byChannel: { CHAT: 1 } });
    expect(f.stalled_deal).toMatchObject({ customers: 1, byChannel: { REFERRALS: 1 } });
    expect(f.abandoned_checkout).toMatchObject({ customers: 1, byStage: { post_purchase: 1 }, byChannel: { EMAIL_MARKETING: 1 } });
    expect(f.repeat_contact?.customers).toBe(0);
    expect(j.friction[0]?.id).toBe('detractor'); // most customers first
    // c3 is in decision and the store holds no outbound touchpoint of it: no follow-up (high, 3 points).
    expect(f.no_follow_up).toMatchObject({ customers: 1, byStage: { decision: 1 } });
    expect(j.mostAffected[0]).toMatchObject({ kind: 'contact', id: 'c3', score: 13, url: 'https://app.hubspot.com/contacts/123/record/0-1/c3' });
    expect(j.mostAffected.find((r) => r.id === 'd5b')?.url).toBe('https://app.hubspot.com/contacts/123/record/0-3/d5b');
  });

  it('lists touchpoints per stage: sources, and support channels of tickets in the period', () => {
    expect(j.touchpoints.filter((t) => t.kind === 'support').map((t) => [t.stage, t.channel, t.customers])).toEqual([
      ['consideration', 'EMAIL', 1], ['decision', 'CHAT', 1], ['post_purchase', 'PHONE', 1],
    ]);
    expect(j.touchpoints.filter((t) => t.stage === 'awareness').map((t) => [t.channel, t.customers])).toEqual([['DIRECT_TRAFFIC', 1], ['ORGANIC_SEARCH', 1]]);
  });

  it('counts segment members now and entries/exits in the period', () => {
    const s = Object.fromEntries(j.segments.map((x) => [x.id, [x.customers, x.entered, x.exited]]));
    expect(s).toMatchObject({ new_lead: [1, 1, 0], high_value: [1, 1, 0], emea: [1, 0, 0], at_risk: [0, 0, 1], repeat_buyer: [0, 0, 0] });
  });

  it('filters to a segment: only its members, in every figure', async () => {
    const m = await collectJourneyMap({ crm: 'hubspot', engine, source, now: NOW, segment: 'high_value' });
    const jj = m.journeys[0];
    expect(m.filter).toEqual({ journey: null, segment: 'high_value' });
    expect(jj?.customers).toBe(1);
    expect(jj?.stages.map((s) => s.enteredInPeriod)).toEqual([0, 1, 1, 1, 0]); // c4's stays only
    expect(jj?.segments.find((s) => s.id === 'at_risk')?.exited).toBe(0); // c5 is not a member
    expect(jj?.segments.find((s) => s.id === 'high_value')?.entered).toBe(1);
  });

  it('honours --since and rejects unknown journeys, segments and bad dates', async () => {
    const m = await collectJourneyMap({ crm: 'hubspot', engine, source, now: NOW, since: new Date(NOW - 15 * DAY_MS).toISOString().slice(0, 10) });
    expect(m.journeys[0]?.stages.map((s) => s.enteredInPeriod)).toEqual([1, 0, 0, 0, 0]); // only c6, 10 days ago
    for (const bad of [{ journey: 'nope' }, { segment: 'nope' }, { since: 'yesterday' }, { since: '2099-01-01' }]) {
      await expect(collectJourneyMap({ crm: 'hubspot', engine, source, now: NOW, ...bad })).rejects.toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    }
    expect(resolvePeriod('2026-11-01', NOW).from).toBe(Date.parse('2026-11-01T00:00:00Z'));
  });
});

describe('renderers', () => {
  it('JSON round-trips through the schema', () => {
    expect(JourneyMapSchema.parse(JSON.parse(renderJson(map)))).toEqual(map);
  });

  it('CSV: one RFC 4180 table per file', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    const files = writeCsvTables(map, join(tmp, 'csv'));
    expect(files.map((f) => f.split('/').at(-1)).sort()).toEqual(['actions.csv', 'channels.csv', 'friction.csv', 'kpis.csv', 'moments.csv', 'satisfaction.csv', 'segments.csv', 'stages.csv', 'touchpoints.csv']);
    const stages = readFileSync(join(tmp, 'csv', 'stages.csv'), 'utf8').split('\r\n');
    expect(stages[0]?.startsWith('journey,stage,label,customers,entered_in_period,moved_on,conversion_to_next')).toBe(true);
    expect(stages[2]).toBe('default,consideration,Consideration,1,3,2,0.6667,history,2,22.5,22.5,15,30,30,0,0,0');
    expect(stages.at(-1)).toBe(''); // CRLF after the last record
    const kpis = renderCsvTables(map)['kpis.csv'] as string;
    expect(kpis).toContain('default,satisfaction_per_stage,Satisfaction per stage,csat_by_stage,stage:consideration,100,percent,gte,85,,1,'); // 1 answer: not judged
    // Definitions contain commas and quotes: they are quoted.
    expect(kpis).toMatch(/,"Deals carrying the ""abandoned_checkout"" flag/);
  });

  it('HTML escapes CRM text and stays self-contained', () => {
    const hostile = structuredClone(map);
    const jj = hostile.journeys[0] as JourneyMap['journeys'][number];
    (jj.friction[0] as { sampleReasons: string[] }).sampleReasons = ['<script>alert(1)</script>'];
    (jj.stages[0] as { label: string }).label = '<img src=x onerror=alert(1)>';
    const html = renderHtml(hostile);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // No external resource: the only absolute URLs are record links.
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(urls.every((u) => u?.startsWith('https://app.hubspot.com/contacts/123/record/'))).toBe(true);
    expect(html).not.toMatch(/<link|@import|url\(/);
  });

  it('HTML falls back to plain ids without a link builder, and takes one in options', async () => {
    const plain = await collectJourneyMap({ crm: 'hubspot', engine, source, now: NOW });
    expect(renderHtml(plain)).not.toContain('<a href');
    const sf = renderHtml(plain, { recordUrl: salesforceRecordUrl('https://acme.my.salesforce.com/') });
    expect(sf).toContain('href="https://acme.my.salesforce.com/lightning/r/contacts/c3/view"');
  });
});
