import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../functions/domain/policy.ts';
import type { Portfolio } from '../../functions/domain/snapshot.ts';
import { ConfigError } from '../../functions/errors.ts';
import { crashBenchmarks } from '../../functions/replay/datasets.ts';
import { runReplay } from '../../functions/replay/replay.ts';
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
  it('writes one self-contained page with the equity chart, the trip and the liquidation', async () => {
    const b = bench('2020-03-12');
    const r = await runReplay({ ...b, policy: DEFAULT_POLICY, cadence: 'adaptive', chart: true });
    const html = renderReport(r);
    const dir = mkdtempSync(join(tmpdir(), 'replay-report-'));
    writeFileSync(join(dir, 'r.html'), html);
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toBe(html);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(3);
    expect(html).toContain('class="trip"');
    expect(html).toContain('class="liq"');
    expect(html).toContain('class="l-thr"');
    // Nothing fetched from anywhere: no external scripts, styles, images or fonts.
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(() => renderReport({ ...r, chart: undefined })).toThrow(/chart/);
  });
});
