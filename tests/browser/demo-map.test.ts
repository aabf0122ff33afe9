/**
 * The demo's own journey map (what `npm start` writes), opened in Debian's Chromium: every stage,
 * KPI and chart is there with the figures of the JSON written from the same data.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/commands/demo.ts';
import { JourneyMapSchema, type JourneyMap } from '../../src/report/index.ts';
import { openChromium, type Browser } from './chromium.ts';
import { layoutProblems } from './layout.ts';

let browser: Browser;
let page: Page;
let map: JourneyMap;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parcours-demo-map-'));
  const silent = { out: () => {}, err: () => {} };
  const demo = await runDemo({ contacts: 400, seed: 7, db: join(dir, 'demo.db'), quiet: true }, silent);
  map = JourneyMapSchema.parse(JSON.parse(readFileSync(demo.maps.hubspot.json, 'utf8')));
  browser = await openChromium({ width: 1200, height: 1000 });
  page = browser.page;
  await page.goto(pathToFileURL(demo.maps.hubspot.html).href);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe("the demo's HubSpot journey map", () => {
  it('shows every stage of the journey with its customer count', async () => {
    const journey = map.journeys[0] as JourneyMap['journeys'][number];
    expect(journey.stages.map((s) => s.id)).toEqual(['awareness', 'consideration', 'decision', 'purchase', 'post_purchase']);
    const total = journey.stages.reduce((n, s) => n + s.customers, 0);
    expect(total).toBe(400);
    const body = (await page.textContent('body')) ?? '';
    for (const stage of journey.stages) {
      expect(body).toContain(stage.label);
      expect(body).toContain(String(stage.customers));
    }
  });

  it('shows every KPI of the mapping, green or red against its target', async () => {
    const journey = map.journeys[0] as JourneyMap['journeys'][number];
    expect(journey.kpis.map((k) => k.id).sort()).toEqual(['checkout_abandonment', 'first_contact_resolution', 'nps', 'satisfaction_per_stage']);
    const body = (await page.textContent('body')) ?? '';
    for (const k of journey.kpis) expect(body).toContain(String(k.target));
  });

  it('draws real charts (inline SVG) and saves a screenshot', async () => {
    expect(await page.locator('svg').count()).toBeGreaterThanOrEqual(4);
    mkdirSync(resolve('tests/artifacts'), { recursive: true });
    await page.screenshot({ path: resolve('tests/artifacts/demo-journey-map.png'), fullPage: true });
    expect(existsSync(resolve('tests/artifacts/demo-journey-map.png'))).toBe(true);
  });

  it('reads cleanly at 1280 px and on A4: no text overlaps or overflows (screenshots in tests/artifacts/layout)', async () => {
    const dir = resolve('tests/artifacts/layout');
    mkdirSync(dir, { recursive: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    expect((await layoutProblems(page)).problems).toEqual([]);
    await page.screenshot({ path: resolve(dir, 'demo-map-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 794, height: 1123 });
    await page.emulateMedia({ media: 'print' });
    expect((await layoutProblems(page)).problems).toEqual([]);
    await page.screenshot({ path: resolve(dir, 'demo-map-a4.png'), fullPage: true });
    await page.emulateMedia({ media: 'screen' });
    console.log(`demo map layout screenshots: ${dir}`);
  });
});
