/**
 * Opens the HTML journey map in Debian's Chromium (playwright-core, no bundled browser) and checks
 * that every stage, KPI and chart is drawn with the figures of the JSON built from the same data.
 * Fails, never skips, when Chromium is missing: CI installs it.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectJourneyMap, hubspotRecordUrl, renderHtml, storeSource, type JourneyMap } from '../../src/report/index.ts';
import { engine, INST, NOW, seedStore } from '../report/seed.ts';
import { openChromium, type Browser } from './chromium.ts';

const ARTIFACTS = resolve('tests/artifacts');
const HTML = join(ARTIFACTS, 'journey-map.html');
const PNG = join(ARTIFACTS, 'journey-map.png');

let map: JourneyMap;
let browser: Browser;
let page: Page;
const requests: string[] = [];

beforeAll(async () => {
  const store = await seedStore();
  try {
    map = await collectJourneyMap({ crm: 'hubspot', engine, source: storeSource(store, INST), now: NOW, recordUrl: hubspotRecordUrl(123) });
  } finally {
    await store.close();
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(HTML, renderHtml(map));
  browser = await openChromium({ width: 1100, height: 900 });
  page = browser.page;
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(HTML).href);
}, 30_000);

afterAll(async () => {
  await browser?.close();
});

const journey = (): JourneyMap['journeys'][number] => map.journeys[0] as JourneyMap['journeys'][number];
const attr = (testId: string, name: string) => page.getByTestId(testId).getAttribute(name);
const text = (testId: string) => page.getByTestId(testId).textContent();

describe('the HTML journey map in Chromium', () => {
  it('loads offline from file:// with no other request', async () => {
    expect(await page.title()).toBe('HubSpot journey map');
    expect(requests).toEqual([pathToFileURL(HTML).href]);
    expect(await text('customers-default')).toBe(String(journey().customers));
  });

  it('draws every stage in the funnel with its customers and conversion', async () => {
    const j = journey();
    expect(await page.getByTestId('funnel-default').locator('rect').count()).toBe(j.stages.length);
    for (const [i, s] of j.stages.entries()) {
      await expect.poll(() => attr(`funnel-bar-default-${s.id}`, 'data-customers')).toBe(String(s.customers));
      const box = await page.getByTestId(`funnel-bar-default-${s.id}`).boundingBox();
      expect(box?.width).toBeGreaterThan(0);
      expect(await page.getByTestId(`funnel-default`).textContent()).toContain(s.label);
      if (i < j.stages.length - 1) {
        const conv = s.conversionToNext === null ? '–' : `${(s.conversionToNext * 100).toFixed(1)}%`;
        expect(await text(`conversion-default-${s.id}`)).toContain(`${conv} moved on (${s.movedOn} of ${s.enteredInPeriod} entered`);
      }
      const row = page.getByTestId(`stage-row-default-${s.id}`);
      expect(await row.locator('td').nth(1).textContent()).toBe(String(s.customers));
      expect(await row.locator('td').nth(2).textContent()).toBe(String(s.enteredInPeriod));
    }
    // Bars are proportional: the stage with the most customers has the widest bar.
    const widths = await Promise.all(j.stages.map(async (s) => (await page.getByTestId(`funnel-bar-default-${s.id}`).boundingBox())?.width ?? 0));
    const most = j.stages.reduce((best, s, i) => (s.customers > (j.stages[best]?.customers ?? -1) ? i : best), 0);
    expect(Math.max(...widths)).toBe(widths[most]);
  });

  it('draws the duration chart with each stage’s figures', async () => {
    for (const s of journey().stages) {
      const id = `duration-default-${s.id}`;
      expect(await attr(id, 'data-n')).toBe(String(s.durationDays.n));
      expect(await attr(id, 'data-median')).toBe(s.durationDays.median === null ? '' : String(s.durationDays.median));
      expect(await attr(id, 'data-p90')).toBe(s.durationDays.p90 === null ? '' : String(s.durationDays.p90));
      expect(await attr(id, 'data-source')).toBe(s.durationSource);
      if (s.durationDays.n > 0) {
        expect(await text(id)).toContain(`median ${s.durationDays.median?.toFixed(1)} d · p90 ${s.durationDays.p90?.toFixed(1)} d · n ${s.durationDays.n}`);
        expect(await page.getByTestId(id).locator('rect.box').count()).toBe(1);
      }
    }
  });

  it('shows every KPI as a green or red tile with figure, target and definition', async () => {
    const j = journey();
    expect(await page.getByTestId('kpis-default').locator('.tile').count()).toBe(j.kpis.length);
    for (const k of j.kpis) {
      const tile = page.getByTestId(`kpi-default-${k.id}`);
      const figure = k.value === null ? 'no data' : k.unit === 'percent' ? `${k.value.toFixed(1)}%` : k.value.toFixed(1);
      expect(await text(`kpi-value-default-${k.id}`)).toBe(figure);
      expect(await tile.getAttribute('class')).toContain(k.met === null ? 'nodata' : k.met ? 'met' : 'missed');
      expect(await tile.textContent()).toContain(k.definition);
      // Colour is real, not only a class: the left border is green when met, red when missed.
      // tsconfig has no DOM lib: reach the page's getComputedStyle through globalThis.
      const border = await tile.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { borderLeftColor: string } }).getComputedStyle(el).borderLeftColor);
      if (k.met === false) expect(border).toBe('rgb(180, 35, 24)');
      if (k.met === true) expect(border).toBe('rgb(26, 127, 55)');
    }
    expect(await text('kpi-target-default-checkout_abandonment')).toBe('< 10.0%');
  });

  it('draws the friction heat map stage × channel with the summed flags', async () => {
    const j = journey();
    const sums = new Map<string, number>();
    for (const f of j.friction) for (const c of f.cells) sums.set(`${c.stage}|${c.channel}`, (sums.get(`${c.stage}|${c.channel}`) ?? 0) + c.customers);
    expect(sums.size).toBeGreaterThan(0);
    for (const [key, v] of sums) {
      const [s, c] = key.split('|');
      expect(await attr(`heat-default-${s}-${c}`, 'data-value')).toBe(String(v));
      expect(await page.getByTestId(`heat-default-${s}-${c}`).locator('text').textContent()).toBe(String(v));
    }
    expect(await attr('heat-default-decision-CHAT', 'data-value')).toBe('2'); // slow first response + unresolved ticket
    expect(await attr('heat-default-awareness-CHAT', 'data-value')).toBe('0');
  });

  it('links the most affected records to the CRM and shows segment movement and touchpoints', async () => {
    const first = journey().mostAffected[0];
    expect(await page.getByTestId(`affected-default-${first?.kind}-${first?.id}`).locator('a').getAttribute('href')).toBe(first?.url);
    for (const s of journey().segments) {
      expect(await attr(`segment-default-${s.id}`, 'data-entered')).toBe(String(s.entered));
      expect(await attr(`segment-default-${s.id}`, 'data-exited')).toBe(String(s.exited));
      expect(await text(`segment-default-${s.id}`)).toContain(`+${s.entered}`);
    }
    for (const t of journey().touchpoints) {
      expect(await attr(`touchpoint-default-${t.stage}-${t.kind}-${t.channel}`, 'data-customers')).toBe(String(t.customers));
    }
  });

  it('prints, and saves a screenshot', async () => {
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.screenshot({ path: PNG, fullPage: true });
    expect(existsSync(PNG)).toBe(true);
  });
});
