import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../functions/domain/policy.ts';
import type { Portfolio } from '../../functions/domain/snapshot.ts';
import { ConfigError } from '../../functions/errors.ts';
import { crashBenchmarks } from '../../functions/replay/datasets.ts';
import { runReplay } from '../../functions/replay/replay.ts';
import { comparePeaks, focusWindow, lastAtOrBefore, oracleExit, reportData, type ReportData } from '../../functions/replay/report-data.ts';
import { renderReport } from '../../functions/replay/report.ts';
import { DATA_DIR, DATASETS, datasetReplay } from '../../paper/index.ts';
import { defaultMarkets } from '../../paper/markets.ts';
import { loadCandlesFile } from '../../paper/replay.ts';

const BTC_2020 = join(DATA_DIR, 'binance-futures-BTCUSDT-1m-2020-03-11_13.csv');
const H = 3_600_000;
const bench = (name: string) => crashBenchmarks().find((b) => b.dataset === name)!;

describe('runReplay on a real crash', () => {
  it('trips on Black Thursday (2020-03-12), exits near 15 %, and ends above the liquidated unguarded book', async () => {
    const b = bench('2020-03-12');
    const r = await runReplay({ ...b, policy: DEFAULT_POLICY, cadence: 'adaptive' });

    expect(r.tripped).toBe(true);
    expect(r.thresholdPct).toBe(15);
    expect(r.drawdownAtTripPct!).toBeGreaterThanOrEqual(15);
    expect(r.drawdownAtExitPct!).toBeGreaterThanOrEqual(r.drawdownAtTripPct!);
    expect(r.overshootPct!).toBeCloseTo(r.drawdownAtExitPct! - r.thresholdPct!, 10);
    expect(r.overshootPct!).toBeLessThan(2);
    // Unguarded, the same 4x book is liquidated by the paper exchange.
    expect(r.noGuardLiquidations.length).toBeGreaterThan(0);
    expect(r.noGuardFinalEquity).toBeLessThan(100);
    expect(r.finalEquity).toBeGreaterThan(r.noGuardFinalEquity + 8_000);
    expect(r.liquidations).toEqual([]);
    // Only reduce-only sells of the long: a 20 % cut at DANGER, then the close-all.
    expect(r.orders.length).toBeGreaterThanOrEqual(1);
    expect(r.orders.every((o) => o.side === 'sell' && o.symbol === 'BTCUSDT')).toBe(true);
    // Flat from the exit on: its equity is the final equity.
    expect(r.runs.guard.exitEquity).toBeCloseTo(r.finalEquity, 6);
    // Measured from the per-second peak it could not see, the overshoot can only be larger.
    expect(r.runs.guard.truePeak!.overshootPct!).toBeGreaterThanOrEqual(r.overshootPct! - 1e-9);
    // The 60-s guard ran on the same prices and also tripped, later and deeper.
    expect(r.runs.guard60s.tripped).toBe(true);
    expect(r.runs.guard60s.tripAt!).toBeGreaterThanOrEqual(r.tripAt!);
    expect(r.guard60sFinalEquity).toBe(r.runs.guard60s.finalEquity);
    expect(r.runs.guard60s.overshootPct!).toBeGreaterThan(r.overshootPct!);
    // Per-step measure: the guard's deepest drawdown is at least its exit's from the per-step peak.
    expect(r.maxDrawdownPct).toBe(r.runs.guard.maxDrawdownPct);
    expect(r.maxDrawdownPct).toBeGreaterThanOrEqual(r.runs.guard.truePeak!.drawdownAtExitPct! - 1e-9);
    expect(r.noGuardMaxDrawdownPct).toBeGreaterThan(90);
  });

  it('runs an oracle: flat at the first step at the threshold, same fills and fees, no latency', async () => {
    const b = bench('2020-03-12');
    const r = await runReplay({ ...b, policy: DEFAULT_POLICY, cadence: 'adaptive', chart: true });
    const o = r.runs.oracle;
    const s = r.chart!.oracle;
    const i = s.t.indexOf(o.tripAt!);
    // Decided at the first record at or below the per-step peak × 0.85, and not one record earlier.
    expect(i).toBeGreaterThan(0);
    expect(s.equity[i]!).toBeLessThanOrEqual(s.peak[i]! * 0.85);
    expect(s.t.slice(0, i).every((_, k) => s.equity[k]! > s.peak[k]! * 0.85)).toBe(true);
    expect(o.drawdownAtTripPct!).toBeCloseTo(((s.peak[i]! - s.equity[i]!) / s.peak[i]!) * 100, 9);
    // Closed at that same step, every position, reduce-only sells of the long, and flat to the end.
    expect(o.exitAt).toBe(o.tripAt);
    expect(o.orders.length).toBeGreaterThan(0);
    expect(o.orders.every((x) => x.side === 'sell' && x.at === o.tripAt && x.filled > 0)).toBe(true);
    expect(o.finalEquity).toBeCloseTo(o.exitEquity!, 6);
    expect(r.oracleFinalEquity).toBe(o.finalEquity);
    // The close's slippage and fees put the flat equity below the equity at the step.
    expect(o.drawdownAtExitPct!).toBeGreaterThan(o.drawdownAtTripPct!);
    expect(r.oracleDrawdownAtExitPct).toBe(o.drawdownAtExitPct);
    expect(o.maxDrawdownPct).toBeCloseTo(o.drawdownAtExitPct!, 6);
    expect(o.liquidations).toEqual([]);
    // The guard's figure against it.
    expect(r.overshootVsOracle!).toBeCloseTo(r.maxDrawdownPct - o.maxDrawdownPct, 9);
    expect(r.runs.guard60s.overshootVsOracle!).toBeCloseTo(r.guard60sMaxDrawdownPct - o.maxDrawdownPct, 9);
    expect(r.runs.guard60s.overshootVsOracle!).toBeGreaterThan(r.overshootVsOracle!);
  });

  it('has an oracle that never acts when the threshold is never reached', async () => {
    const b = bench('2022-06-18');
    const r = await runReplay({ ...b, policy: DEFAULT_POLICY, cadence: '60s', end: b.start! + H });
    expect(r.runs.oracle).toMatchObject({ tripped: false, tripAt: null, exitEquity: null, orders: [] });
    expect(r.oracleDrawdownAtExitPct).toBeNull();
    expect(r.oracleFinalEquity).toBeCloseTo(r.noGuardFinalEquity, 6);
  });

  it('reports null trip fields when nothing trips', async () => {
    const b = bench('2022-06-18');
    const r = await runReplay({ ...b, policy: DEFAULT_POLICY, cadence: '60s', end: b.start! + H });
    expect(r).toMatchObject({ tripped: false, tripAt: null, drawdownAtTripPct: null, drawdownAtExitPct: null, overshootPct: null });
    expect(r.runs.guard60s).toBe(r.runs.guard);
    expect(r.orders).toEqual([]);
  });

  it('opens positions at the first price unless an entry is given', async () => {
    const portfolio: Portfolio = {
      crossWalletBalance: 10_000,
      positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 1, entryPrice: 8_000, marginMode: 'cross', leverage: 5 }],
    };
    const start = Date.UTC(2020, 2, 12, 0, 0);
    const r = await runReplay({ portfolio, prices: [{ symbol: 'BTCUSDT', file: BTC_2020 }], policy: DEFAULT_POLICY, cadence: '60s', start, end: start + H });
    const open = loadCandlesFile(BTC_2020).find((c) => c.t === start)!.o;
    expect(r.initialEquity).toBeCloseTo(10_000 + (open - 8_000), 6);
    expect(r.portfolio[0]).toMatch(/@ 8000 \(given entry\)/);
  });

  it.each([
    ['a position without a price file', { symbol: 'ETHUSDT', contracts: 1 }, /positions\[0\]\.symbol: no price file for ETHUSDT/],
    ['contracts off the lot step', { contracts: 0.0005 }, /positions\[0\]\.contracts: 0\.0005 is not a whole number of BTCUSDT's lot step 0\.001/],
    ['a leverage the venue does not offer', { leverage: 200 }, /positions\[0\]\.leverage: must be a whole number from 1 to 150/],
  ])('refuses %s, naming the field', async (_name, change, message) => {
    const portfolio = { crossWalletBalance: 1_000, positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 0.1, marginMode: 'cross', ...change }] } as Portfolio;
    const run = runReplay({ portfolio, prices: [{ symbol: 'BTCUSDT', file: BTC_2020 }], policy: DEFAULT_POLICY, cadence: '60s', portfolioLabel: 'portfolio file p.json' });
    await expect(run).rejects.toThrow(ConfigError);
    await expect(run).rejects.toThrow(message);
    await expect(run).rejects.toThrow(/^portfolio file p\.json: /);
  });

  it('refuses a window outside the data and a missing price file', async () => {
    const portfolio: Portfolio = { crossWalletBalance: 1_000, positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 0.1, marginMode: 'cross' }] };
    const prices = [{ symbol: 'BTCUSDT', file: BTC_2020 }];
    await expect(runReplay({ portfolio, prices, policy: DEFAULT_POLICY, cadence: '60s', start: Date.UTC(2021, 0, 1) })).rejects.toThrow(/outside the data/);
    await expect(runReplay({ portfolio, prices: [{ symbol: 'BTCUSDT', file: '/nonexistent/btc.csv' }], policy: DEFAULT_POLICY, cadence: '60s' })).rejects.toThrow(
      /cannot read price file \/nonexistent\/btc\.csv \(BTCUSDT\): no such file/,
    );
  });
});

describe('replay speed', () => {
  // The figure (under 2 s) is measured by `npm run bench` (replaySeconds), not asserted here.
  it('replays one day of 10 positions at 1-s steps with adaptive cadence', async () => {
    const start = DATASETS['2025-10-10']!.startTime;
    const steps = new Map(defaultMarkets().map((m) => [m.symbol, m.stepSize]));
    const prices = datasetReplay('2025-10-10').filter((s) => s.symbol !== 'TRXUSDT' && s.symbol !== 'WIFUSDT' && s.symbol !== 'WLDUSDT');
    const positions = prices.map(({ symbol, file }) => {
      const step = steps.get(symbol)!;
      const first = loadCandlesFile(file).find((c) => c.t >= start)!;
      return { symbol, side: 'long' as const, contracts: Number((Math.max(1, Math.round(4_000 / first.o / step)) * step).toFixed(8)), marginMode: 'cross' as const, leverage: 10 };
    });
    expect(positions).toHaveLength(10);
    const input = { portfolio: { crossWalletBalance: 10_000, positions }, prices, policy: DEFAULT_POLICY, cadence: 'adaptive' as const, stepMs: 1_000, start, end: start + 24 * H };
    const r = await runReplay(input);
    expect(r.runs.guard.ticks).toBeGreaterThan(1_440);
    expect(r.tripped).toBe(true);
  });
});

describe('renderReport', () => {
  it('writes one self-contained page: uPlot and the chart data inlined, the trip and the liquidation marked, nothing fetched', async () => {
    const b = bench('2020-03-12');
    const r = await runReplay({ ...b, policy: DEFAULT_POLICY, cadence: 'adaptive', chart: true });
    const html = renderReport(r);
    const dir = mkdtempSync(join(tmpdir(), 'replay-report-'));
    writeFileSync(join(dir, 'r.html'), html);
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toBe(html);
    expect(html).toMatch(/^<!doctype html>/);
    // The charting library travels inside the page, with its licence.
    expect(html).toContain('var uPlot=function()');
    expect(html).toContain('The MIT License');
    expect(html).toContain('id="chart-equity"');
    expect(html).toContain('id="range-toggle"');
    const data = JSON.parse(html.match(/<script type="application\/json" id="replay-data">(.*?)<\/script>/s)![1]!) as ReportData;
    expect(data.markers.map((m) => m.kind)).toEqual(expect.arrayContaining(['oracle', 'trip', 'exit', 'trip60', 'liq']));
    expect(data.markers.every((m) => m.label.length < 40)).toBe(true);
    // Units on every card and in the caption.
    for (const card of html.match(/<div class="big">[^<]*<\/div>/g)!) expect(card).toMatch(/USDT<\/div>$/);
    expect(html).toMatch(/<figcaption id="peak-caption">The guard keeps its own peak[^<]*USDT[^<]*oracle exit[^<]*<\/figcaption>/);
    // One file: no external scripts, styles, images or fonts; nothing closes a script early.
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(() => renderReport({ ...r, chart: undefined })).toThrow(/chart/);
    // Amounts in the replay's currency: USDT here; the same result labelled USDC says USDC throughout.
    expect(html).toContain('<h2>Equity (USDT)</h2>');
    const usdc = renderReport({ ...r, currency: 'USDC' });
    expect(usdc).toContain('<h2>Equity (USDC)</h2>');
    expect(usdc.replace(/USDT\.csv|[A-Z]+USDT\b/g, '')).not.toMatch(/USDT/);
  });
});

describe('reportData', () => {
  it('finds the oracle exit, compares the peaks and centres the default view on the trip (Black Thursday)', async () => {
    const b = bench('2020-03-12');
    const r = await runReplay({ ...b, policy: DEFAULT_POLICY, cadence: 'adaptive', chart: true });
    const chart = r.chart!;
    const d = reportData(r, chart);
    const g = r.runs.guard;

    // Oracle: the oracle run's exit, 15 % below the per-step peak plus the close's costs, no later than the trip.
    const o = d.oracle!;
    expect(o).toMatchObject({ at: r.runs.oracle.exitAt, equity: r.runs.oracle.exitEquity, afterCosts: true });
    expect(o.drawdownPct).toBeGreaterThanOrEqual(15);
    expect(o.drawdownPct).toBeLessThan(16);
    expect(o.at).toBeLessThanOrEqual(g.tripAt!);
    expect(oracleExit(chart.oracle, null)).toBeNull();
    expect(oracleExit(chart.oracle, 0.15)!.at).toBe(o.at);

    // The guard's own peak (its ticks) is the one that decided the trip, and never above the per-step peak.
    expect(d.peaks.atTrip).toBe(true);
    expect(d.peaks.guardPeak).toBeCloseTo(g.tripPeakEquity!, 6);
    expect(d.peaks.gap!).toBeGreaterThanOrEqual(-1e-6);
    expect(d.peaks.stepPeak).toBeGreaterThanOrEqual(d.peaks.guardPeak!);
    expect(d.peaks.ticks).toBeGreaterThan(0);
    expect(d.peaks.steps).toBeGreaterThan(d.peaks.ticks);
    expect(chart.guardTicks.t.length).toBe(g.ticks);
    expect(chart.guardTicks.peak.every((p, i) => p === null || p <= chart.guard.peak[lastAtOrBefore(chart.guard.t, chart.guardTicks.t[i]!)]! + 1e-6)).toBe(true);

    // The default view holds the oracle exit, the trip and the exit, 10 minutes clear of either edge.
    const [z0, z1] = d.focus;
    expect(d.focusOn).toBe('the trip');
    for (const t of [o.at, g.tripAt!, g.exitAt!]) {
      expect(t - z0).toBeGreaterThanOrEqual(10 * 60_000);
      expect(z1 - t).toBeGreaterThanOrEqual(10 * 60_000);
    }
    expect(z1 - z0).toBeLessThan((r.window.end - r.window.start) / 10);

    // One shared, sorted grid; every series on it; the wicks kept (the unguarded low is its liquidation).
    const grid = d.equity.t;
    expect(grid.every((t, i) => i === 0 || t > grid[i - 1]!)).toBe(true);
    expect(grid[0]).toBe(r.window.start);
    expect(grid.at(-1)).toBe(r.window.end);
    expect(grid.length).toBeLessThan(10_000);
    expect(d.equity.series.map((s) => s.key)).toEqual(['guard', 'guard60s', 'noGuard', 'stepPeak', 'guardPeak']);
    for (const s of d.equity.series) expect(s.values).toHaveLength(grid.length);
    const noGuard = d.equity.series.find((s) => s.key === 'noGuard')!.values as number[];
    expect(Math.min(...noGuard)).toBeCloseTo(Math.min(...chart.noGuard.equity), 1);
    expect(d.prices.values[0]).toHaveLength(d.prices.t.length);
  });

  it('keeps the trip off the edges of the default view, and falls back to the whole replay', () => {
    const full: [number, number] = [0, 24 * H];
    expect(focusWindow([], full)).toEqual(full);
    expect(focusWindow([12 * H], full)).toEqual([12 * H - 10 * 60_000, 12 * H + 10 * 60_000]);
    // Near the start: the window keeps its width, moved inside the data.
    expect(focusWindow([60_000], full)).toEqual([0, 20 * 60_000]);
    expect(focusWindow([24 * H - 60_000], full)).toEqual([24 * H - 20 * 60_000, 24 * H]);
    // A long action gets 60 % of its span on each side.
    expect(focusWindow([H, 2 * H], full)).toEqual([H - 0.6 * H, 2 * H + 0.6 * H]);
    expect(focusWindow([H, 20 * H], full)).toEqual(full);
  });

  it('compares the peaks at the end when the guard never trips', () => {
    const s = { t: [0, 1_000, 2_000, 3_000], equity: [100, 110, 105, 108], peak: [100, 110, 110, 110] };
    const ticks = { t: [0, 2_000], equity: [100, 105], peak: [100, 105] };
    const p = comparePeaks(s, ticks, null, 3_000);
    expect(p).toMatchObject({ at: 3_000, atTrip: false, guardPeak: 105, stepPeak: 110, gap: 5, ticks: 2, steps: 4 });
    expect(p.maxGap).toEqual({ at: 2_000, gap: 5 });
    expect(oracleExit(s, 0.15)).toBeNull();
    expect(oracleExit(s, 0.04)).toEqual({ at: 2_000, equity: 105, peak: 110, drawdownPct: (5 / 110) * 100, afterCosts: false });
  });
});
