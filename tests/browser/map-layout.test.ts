/**
 * The journey map with touchpoints, in Debian's Chromium at 1280 px wide and printed on A4: the new
 * sections (satisfaction per stage, emotion line, stage × channel, moments of truth) show the JSON's
 * figures, channels read as labels, and no text box overlaps another or overflows its container.
 * Screenshots and the PDF are kept in tests/artifacts/layout/ (gitignored); the path is printed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectJourneyMap, renderHtml, storeSource, type JourneyMap } from '../../src/report/index.ts';
import { engine, INST, NOW, seedStoreWithTouchpoints } from '../report/seed.ts';
import { openChromium, type Browser } from './chromium.ts';
import { layoutProblems } from './layout.ts';

const DIR = resolve('tests/artifacts/layout');
const HTML = join(DIR, 'journey-map-touchpoints.html');
/** A4 at 96 px per inch: 210 mm × 297 mm. */
const A4 = { width: 794, height: 1123 };

let map: JourneyMap;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const store = await seedStoreWithTouchpoints();
  try {
    map = await collectJourneyMap({ crm: 'hubspot', engine, source: storeSource(store, INST), now: NOW });
  } finally {
    await store.close();
  }
  mkdirSync(DIR, { recursive: true });
  writeFileSync(HTML, renderHtml(map));
  browser = await openChromium({ width: 1280, height: 900 });
  page = browser.page;
  await page.goto(pathToFileURL(HTML).href);
  console.log(`journey map layout artifacts: ${DIR}`);
}, 30_000);

afterAll(async () => {
  await browser?.close();
});

const j = (): JourneyMap['journeys'][number] => map.journeys[0] as JourneyMap['journeys'][number];
const attr = (testId: string, name: string) => page.getByTestId(testId).getAttribute(name);

describe('the journey map with touchpoints, in Chromium', () => {
  it('shows satisfaction per stage from the answers, with n, source and "not enough answers"', async () => {
    const stages = j().satisfaction.stages;
    // c4 and c2 answered CSAT in consideration (now purchase / consideration): 5 answers placed there.
    expect(stages.find((s) => s.stage === 'consideration')?.csat).toMatchObject({ n: 5, source: 'answers', enough: true });
    for (const s of stages) {
      const id = `satisfaction-default-${s.stage}`;
      expect(await attr(id, 'data-n')).toBe(String(s.csat.n));
      expect(await attr(id, 'data-source')).toBe(s.csat.source);
      const row = (await page.getByTestId(id).textContent()) ?? '';
      if (s.csat.n > 0 && !s.csat.enough) expect(row).toContain('not enough answers');
      if (s.csat.enough) expect(row).toContain(`${s.csat.value?.toFixed(1)}%`);
    }
  });

  it('draws the emotion line through the stages that have a figure, with friction markers', async () => {
    const drawn = j().satisfaction.stages.filter((s) => s.csat.value !== null);
    expect(drawn.length).toBeGreaterThanOrEqual(3);
    expect(await page.getByTestId('emotion-default').locator('circle').count()).toBe(drawn.length);
    for (const s of j().satisfaction.stages) expect(await attr(`emotion-default-${s.stage}`, 'data-value')).toBe(s.csat.value === null ? '' : String(s.csat.value));
    const flagged = j().friction.reduce((n, f) => n + (f.byStage.decision ?? 0), 0);
    expect(flagged).toBeGreaterThan(0);
    expect(await attr('emotion-friction-default-decision', 'data-flagged')).toBe(String(flagged));
    // A higher satisfaction is drawn higher up.
    const ys = await Promise.all(drawn.map(async (s) => (await page.getByTestId(`emotion-default-${s.stage}`).locator('circle').boundingBox())?.y ?? 0));
    const best = drawn.reduce((b, s, i) => ((s.csat.value ?? 0) > (drawn[b]?.csat.value ?? 0) ? i : b), 0);
    expect(Math.min(...ys)).toBe(ys[best]);
  });

  it('tables touchpoints by stage × channel with labels, and the moments of truth with their caveat', async () => {
    expect(j().stageChannels.length).toBeGreaterThan(5);
    for (const r of j().stageChannels) {
      const id = `stage-channel-default-${r.stage}-${r.channel}`;
      expect(await attr(id, 'data-touchpoints')).toBe(String(r.touchpoints));
      expect(await attr(id, 'data-customers')).toBe(String(r.customers));
    }
    expect(await page.getByTestId('stage-channel-default-purchase-whatsapp').locator('td').nth(1).textContent()).toBe('WhatsApp');
    expect(await page.getByTestId('moments-caveat-default').textContent()).toContain('Association, not cause');
    for (const m of j().momentsOfTruth) expect(await attr(`moment-default-${m.stage}-${m.kind}-${m.metric}`, 'data-difference')).toBe(String(m.difference));
  });

  it('shows channels by their labels, never the raw enum', async () => {
    // What a person reads (rendered text; raw values stay in data attributes and tooltips).
    const shown = await page.locator('body').innerText();
    expect(shown).toContain('Direct traffic');
    expect(shown).toContain('Organic search');
    expect(shown).toContain('Email marketing');
    for (const raw of ['DIRECT_TRAFFIC', 'ORGANIC_SEARCH', 'EMAIL_MARKETING', 'in_person', 'CHAT']) expect(shown).not.toContain(raw);
    expect((await page.getByTestId('heat-head-default-ORGANIC_SEARCH').locator('tspan').allTextContents()).join(' ')).toBe('Organic search');
  });

  it('at 1280 px: no text overlaps another or overflows its container (screenshot kept)', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ media: 'screen' });
    const { problems, runs } = await layoutProblems(page);
    expect(runs).toBeGreaterThan(300);
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(DIR, 'journey-map-1280.png'), fullPage: true });
  });

  it('printed on A4: no text overlaps another or overflows its container (screenshot and PDF kept)', async () => {
    await page.setViewportSize(A4);
    await page.emulateMedia({ media: 'print' });
    const { problems, runs } = await layoutProblems(page);
    expect(runs).toBeGreaterThan(300);
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(DIR, 'journey-map-a4.png'), fullPage: true });
    const pdf = await page.pdf({ format: 'A4', path: join(DIR, 'journey-map-a4.pdf') });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('the check itself catches overprinted and clipped text', async () => {
    const bad = `<!doctype html><body style="width:400px"><svg width="200" height="40"><text x="10" y="20">Overlapping header one</text><text x="60" y="20">Overlapping header two</text>`
      + `<text x="150" y="35">Clipped at the right edge</text></svg></body>`;
    const other = await browser.context.newPage();
    try {
      await other.setContent(bad);
      const { problems } = await layoutProblems(other);
      expect(problems.filter((p) => p.kind === 'overlap').map((p) => [p.text, p.other])).toContainEqual(['Overlapping header one', 'Overlapping header two']);
      expect(problems.filter((p) => p.kind === 'overflow').map((p) => p.text)).toContain('Clipped at the right edge');
    } finally {
      await other.close();
    }
  });
});
