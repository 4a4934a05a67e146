/**
 * The replay report as a person sees it: rendered by a real headless Chromium (Debian's
 * `chromium`, driven by puppeteer-core), screenshotted, its charts and controls checked.
 * `.ci/run` installs chromium; where there is none (a fresh clone without it) the suite skips
 * itself and says so.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../functions/domain/policy.ts';
import { crashBenchmarks } from '../../functions/replay/datasets.ts';
import { runReplay, type ReplayResult } from '../../functions/replay/replay.ts';
import { renderReport } from '../../functions/replay/report.ts';

/** $CHROMIUM_PATH when set (only it), else the usual places of Debian's and others' packages. */
const CANDIDATES = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const CHROMIUM = CANDIDATES.find((p) => existsSync(p));
if (CHROMIUM === undefined) {
  console.warn(
    `test/replay/report-browser.test.ts: SKIPPED, no Chromium at ${CANDIDATES.join(', ')}. ` +
      "Install Debian's chromium (apt-get install chromium; .ci/run does where it can) or set CHROMIUM_PATH to render the replay report in a browser.",
  );
}

/** What the page exposes for inspection: the two uPlot instances (see report-page.js). */
interface PageChart {
  scales: { x: { min: number; max: number } };
  axes: { label?: string }[];
  series: { label: string }[];
  bbox: { left: number; top: number; width: number; height: number };
  labels: { label: string; kind: string; hits: string[]; overlap: boolean }[];
}
interface Box {
  l: number;
  r: number;
  t: number;
  b: number;
}
type PageWindow = { riskguardCharts: { equity: PageChart & { valToPos(v: number, scale: string, canvas?: boolean): number; data: (number | null)[][] }; prices: PageChart | null; linesThrough(box: Box): string[] } };

// Page-side globals, typed just enough for the functions evaluated in the browser (the project compiles without the DOM lib).
interface PageElement {
  textContent: string | null;
  width?: number;
  height?: number;
}
declare const window: PageWindow;
declare const document: { querySelectorAll(selector: string): Iterable<PageElement>; getElementById(id: string): PageElement | null };

const equity = (page: Page) =>
  page.evaluate(() => {
    const u = window.riskguardCharts.equity;
    return { x: [u.scales.x.min, u.scales.x.max], axes: u.axes.map((a) => a.label ?? ''), series: u.series.map((s) => s.label), labels: u.labels, bbox: u.bbox };
  });

// Generous time per test: the browser shares 2 cores with the rest of the suite.
describe.skipIf(CHROMIUM === undefined)('the replay report in headless Chromium', { timeout: 90_000 }, () => {
  let r: ReplayResult;
  let dir: string;
  let browser: Browser | undefined;
  let page: Page;
  const errors: string[] = [];
  const fetched: string[] = [];

  beforeAll(async () => {
    const b = crashBenchmarks().find((x) => x.dataset === '2020-03-12')!;
    r = await runReplay({ ...b, policy: DEFAULT_POLICY, cadence: 'adaptive', chart: true });
    dir = mkdtempSync(join(tmpdir(), 'replay-report-browser-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, renderReport(r));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM!,
      headless: true,
      args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-dev-shm-usage'],
      timeout: 90_000,
      protocolTimeout: 90_000,
    });
    page = await browser.newPage();
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    // The page is one offline file: anything it asks of the network is recorded and refused.
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      const url = req.url();
      if (/^(file|data|about):/.test(url)) void req.continue();
      else {
        fetched.push(url);
        void req.abort();
      }
    });
    await page.setViewport({ width: 1200, height: 900 });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 60_000 });
    await page.waitForFunction(() => (window as Partial<PageWindow>).riskguardCharts?.equity !== undefined, { timeout: 30_000 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  }, 60_000);

  it('renders without a script error and fetches nothing', () => {
    expect(errors).toEqual([]);
    expect(fetched).toEqual([]);
  });

  it('takes a screenshot of the page (a real, non-empty PNG)', async () => {
    const path = join(dir, 'report.png');
    await page.screenshot({ path, fullPage: true });
    const png = readFileSync(path);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(1200); // IHDR width
    expect(png.readUInt32BE(20)).toBeGreaterThan(900); // full page, taller than the viewport
    expect(png.length).toBeGreaterThan(50_000);
  });

  it('draws both charts on canvases, with a legend entry for every series and units on every axis', async () => {
    const dom = await page.evaluate(() => ({
      canvases: [...document.querySelectorAll('#chart-equity canvas, #chart-prices canvas')].map((c) => ({ w: c.width ?? 0, h: c.height ?? 0 })),
      legend: [...document.querySelectorAll('#chart-equity .u-legend .u-series th')].map((e) => e.textContent ?? ''),
      priceLegend: [...document.querySelectorAll('#chart-prices .u-legend .u-series th')].map((e) => e.textContent ?? ''),
      cards: [...document.querySelectorAll('.card .big')].map((e) => e.textContent ?? ''),
      caption: document.getElementById('peak-caption')?.textContent ?? '',
      priceAxes: window.riskguardCharts.prices?.axes.map((a) => a.label ?? '') ?? [],
    }));
    expect(dom.canvases).toHaveLength(2);
    for (const c of dom.canvases) expect(c.w * c.h).toBeGreaterThan(100_000);
    expect(dom.legend).toEqual([
      'time (UTC)',
      'equity: guard (adaptive)',
      'equity: guard (60 s)',
      'equity: no guard',
      'peak per step (every 1 s)',
      "guard's own peak (its ticks)",
      "15 % below the guard's peak (its trip line)",
      '15 % below the peak per step',
    ]);
    expect(dom.priceLegend).toEqual(['time (UTC)', 'BTCUSDT mark, % from the start']);
    const e = await equity(page);
    expect(e.axes).toEqual(['time (UTC)', 'equity (USDT)']);
    expect(dom.priceAxes).toEqual(['time (UTC)', 'change from the start (%)']);
    expect(dom.cards).toHaveLength(3);
    for (const c of dom.cards) expect(c).toMatch(/^[\d,.]+ USDT$/);
    expect(dom.caption).toMatch(/guard's peak was [\d,.]+ USDT, [\d,.]+ USDT \([\d.]+ %\) below the per-step peak of [\d,.]+ USDT/);
    expect(dom.caption).toMatch(/The oracle exit\b.* at [\d,.]+ USDT \(after the same fills and fees, no latency\)\. The guard decided [\d.]+ (s|min) later .* than the oracle exit\.$/);
  });

  it('reads out values in USDT under the cursor', async () => {
    const e = await equity(page);
    const over = (await page.$('#chart-equity .u-over'))!;
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    // uPlot may update its legend on the next frame.
    await page.waitForFunction(() => [...document.querySelectorAll('#chart-equity .u-legend .u-series .u-value')].every((x) => x.textContent !== '—'));
    const values = await page.$$eval('#chart-equity .u-legend .u-series .u-value', (els) => els.map((x) => x.textContent ?? ''));
    expect(values[0]).toMatch(/^2020-03-12 \d\d:\d\d:\d\d UTC$/);
    for (const v of values.slice(1)) expect(v).toMatch(/^[\d,]+\.\d\d USDT$/);
    expect(e.bbox.width).toBeGreaterThan(0);
    await page.mouse.move(0, 0);
  });

  it('opens around the trip, marks the oracle exit, the trip and the exit, and keeps every label off the lines', async () => {
    const e = await equity(page);
    const [x0, x1] = e.x as [number, number];
    const trip = r.runs.guard.tripAt! / 1000;
    const span = x1 - x0;
    expect(span).toBeLessThan((r.window.end - r.window.start) / 1000 / 10);
    // The trip sits well inside the view, not against an edge.
    expect(trip - x0).toBeGreaterThan(span * 0.25);
    expect(x1 - trip).toBeGreaterThan(span * 0.25);
    expect(e.labels.map((l) => l.kind)).toEqual(expect.arrayContaining(['oracle', 'trip', 'exit']));
    for (const l of e.labels) expect({ label: l.label, hits: l.hits, overlap: l.overlap }).toEqual({ label: l.label, hits: [], overlap: false });
    // The check that placed them does see a line: a box on the guard's equity at the trip is crossed by it.
    const crossing = await page.evaluate((t: number) => {
      const c = window.riskguardCharts;
      const u = c.equity;
      const i = u.data[0]!.findIndex((x) => x !== null && x >= t);
      const cx = u.valToPos(u.data[0]![i]!, 'x', true);
      const cy = u.valToPos(u.data[1]![i]!, 'y', true);
      return c.linesThrough({ l: cx - 20, r: cx + 20, t: cy - 3, b: cy + 3 });
    }, trip - 60);
    expect(crossing).toContain('equity: guard (adaptive)');
  });

  it('shows the full window on demand, and goes back', async () => {
    const before = await equity(page);
    await page.click('#range-toggle');
    await page.waitForFunction((x0: number) => window.riskguardCharts.equity.scales.x.min < x0, {}, before.x[0]!);
    const full = await equity(page);
    expect(full.x[0]).toBeCloseTo(r.window.start / 1000, 3);
    expect(full.x[1]).toBeCloseTo(r.window.end / 1000, 3);
    expect(full.x[1]! - full.x[0]!).toBeGreaterThan((before.x[1]! - before.x[0]!) * 10);
    // The price chart follows.
    const prices = await page.evaluate(() => window.riskguardCharts.prices!.scales.x);
    expect(prices.min).toBeCloseTo(full.x[0]!, 3);
    expect(prices.max).toBeCloseTo(full.x[1]!, 3);
    // The whole replay: the unguarded liquidation is in view and labelled too.
    expect(full.labels.map((l) => l.kind)).toContain('liq');
    expect(await page.$eval('#range-toggle', (b) => b.textContent)).toBe('Show around the trip');
    await page.screenshot({ path: join(dir, 'report-full.png') });

    await page.click('#range-toggle');
    const back = await equity(page);
    expect(back.x[0]).toBeCloseTo(before.x[0]!, 3);
    expect(back.x[1]).toBeCloseTo(before.x[1]!, 3);
    expect(await page.$eval('#range-toggle', (b) => b.textContent)).toBe('Show the full window');
  });
});
