import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { candlePath, DATA_DIR, datasetReplay, DATASETS, PaperEngine, parseCandlesCsv, PriceSeries } from '../../paper/index.ts';

const T0 = Date.UTC(2025, 9, 10, 21, 0);
const MIN = 60_000;

describe('parseCandlesCsv', () => {
  it('reads rows with or without a header, sorted, extra columns ignored', () => {
    const withHeader = parseCandlesCsv(`timestamp_ms,open,high,low,close,volume\n${T0 + MIN},2,3,1,2.5,9\n${T0},1,2,0.5,1.5,9\n`);
    const bare = parseCandlesCsv(`${T0},1,2,0.5,1.5,9,extra\n${T0 + MIN},2,3,1,2.5,9\n`);
    expect(withHeader).toEqual(bare);
    expect(withHeader.map((c) => c.t)).toEqual([T0, T0 + MIN]);
  });

  it('rejects a row whose high/low do not bound open/close', () => {
    expect(() => parseCandlesCsv(`${T0},1,1.2,0.9,1.5,0`)).toThrow(/low\/high/);
  });

  it('reads every shipped data file', () => {
    const files = readdirSync(DATA_DIR).filter((f) => f.endsWith('.csv'));
    expect(files.length).toBe(23);
    for (const d of Object.keys(DATASETS)) expect(datasetReplay(d).length).toBeGreaterThan(0);
  });
});

describe('candle path', () => {
  it.each([
    ['up candle visits open → low → high → close', { t: T0, o: 10, h: 12, l: 9, c: 11 }, [10, 9, 12, 11]],
    ['down candle visits open → high → low → close', { t: T0, o: 10, h: 12, l: 7, c: 8 }, [10, 12, 7, 8]],
    ['flat candle (close = open) counts as up', { t: T0, o: 10, h: 11, l: 9, c: 10 }, [10, 9, 11, 10]],
  ])('%s', (_name, candle, path) => {
    expect(candlePath(candle)).toEqual(path);
  });

  it('walks the path at +0/+20/+40/+60 s with straight lines in between', () => {
    const s = new PriceSeries([{ t: T0, o: 10, h: 12, l: 7, c: 8 }]);
    expect(s.priceAt(T0)).toBe(10);
    expect(s.priceAt(T0 + 10_000)).toBeCloseTo(11, 12);
    expect(s.priceAt(T0 + 20_000)).toBe(12);
    expect(s.priceAt(T0 + 30_000)).toBeCloseTo(9.5, 12);
    expect(s.priceAt(T0 + 40_000)).toBe(7);
    expect(s.priceAt(T0 + 60_000)).toBe(8);
    expect(s.priceAt(T0 - 1)).toBe(10);
    expect(s.priceAt(T0 + 3_600_000)).toBe(8);
  });

  it('carries the last close flat through minutes without a row', () => {
    const s = new PriceSeries([
      { t: T0, o: 10, h: 11, l: 9, c: 10.5 },
      { t: T0 + 3 * MIN, o: 12, h: 13, l: 11, c: 12.5 },
    ]);
    for (const dt of [MIN, MIN + 20_000, 2 * MIN + 45_000, 3 * MIN - 1]) expect(s.priceAt(T0 + dt)).toBe(10.5);
    expect(s.priceAt(T0 + 3 * MIN)).toBe(12);
  });
});

describe('PaperEngine replay stepping', () => {
  it('visits every wick even with a step that does not divide 20 s', () => {
    const e = new PaperEngine({ startTime: T0 });
    e.loadReplay('BTCUSDT', [
      { t: T0, o: 100, h: 101, l: 80, c: 99 },
      { t: T0 + MIN, o: 99, h: 99, l: 98, c: 98.5 },
    ]);
    // Down candle: the low (80) sits on the +40 s knot. Liquidation price ≈ 81: the nearest 7 s
    // steps (+35 s → 85.25, +42 s → 81.9) stay above it, only the knot goes below.
    const acc = e.createAccount({ walletBalance: 19.32, positions: [{ symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 100 }] });
    expect(e.liquidationPrice(acc, [...acc.positions.values()][0]!)).toBeCloseTo(81, 1);
    const events = e.advanceBy(2 * MIN, { stepMs: 7_000 });
    expect(events).toHaveLength(1);
    expect(events[0]!.price).toBe(80);
    expect(events[0]!.time).toBe(T0 + 40_000);
  });

  it('liquidates on a one-minute wick that a per-minute close would hide', () => {
    const e = new PaperEngine({ startTime: T0 });
    e.loadReplay('BTCUSDT', [
      { t: T0, o: 100_000, h: 100_100, l: 90_000, c: 100_000 },
      { t: T0 + MIN, o: 100_000, h: 100_100, l: 99_900, c: 100_000 },
    ]);
    const acc = e.createAccount({ walletBalance: 5_000, positions: [{ symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 100_000 }] });
    const events = e.advanceBy(2 * MIN);
    expect(events.map((x) => x.kind)).toEqual(['cross']);
    expect(acc.positions.size).toBe(0);
    expect(e.markPrice('BTCUSDT')).toBe(100_000);
  });

  // Its speed is measured by `npm run bench` (replaySeconds), not asserted in a test.
  it('steps a day of 10 symbols at 1 s resolution and liquidates on the way', () => {
    const e = new PaperEngine();
    for (const r of datasetReplay('2025-10-10').slice(0, 10)) e.loadReplay(r.symbol, r.file);
    e.setTime(DATASETS['2025-10-10']!.startTime);
    e.createAccount({ walletBalance: 10_000, positions: [{ symbol: 'AVAXUSDT', side: 'long', size: 1_000, entryPrice: 28, marginMode: 'isolated', isolatedMargin: 3_000, leverage: 10 }] });
    const events = e.advanceBy(86_400_000);
    expect(events.some((x) => x.symbol === 'AVAXUSDT' && x.kind === 'isolated')).toBe(true);
  });
});
