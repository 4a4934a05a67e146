import { readFileSync } from 'node:fs';

/**
 * Replay of real 1-minute candles as a MARK price.
 *
 * Price model (documented in paper/README.md): every candle becomes a 4-point path inside its
 * minute — up candle (close ≥ open): open → low → high → close, down candle: open → high → low →
 * close — with the points at +0 s, +20 s, +40 s and +60 s and straight lines between them. The
 * +60 s point is the close; at that same instant the next candle starts at its open (usually the
 * same price). A minute without a row carries the last close flat. Before the first row the
 * price is the first open, after the last row the last close.
 *
 * Extremes sit on the 20-second "knots", so a stepper that visits every knot (PaperEngine does)
 * never misses a wick, whatever its step size.
 */

export interface Candle {
  /** Candle open time, Unix epoch ms. */
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
}

export const MINUTE_MS = 60_000;
/** Distance between the 4 points of a candle's path. */
export const KNOT_MS = 20_000;

/**
 * Parses `timestamp_ms,open,high,low,close[,volume,…]` lines, with or without a header line.
 * Timestamps in seconds or microseconds are converted to ms. Rows are sorted; duplicates keep
 * the last row.
 */
export function parseCandlesCsv(text: string, source = 'csv'): Candle[] {
  const byTime = new Map<number, Candle>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const f = line.split(',');
    if (f.length < 5) throw new Error(`${source}:${i + 1}: expected at least 5 columns, got ${f.length}`);
    let t = Number(f[0]);
    if (!Number.isFinite(t)) {
      if (i === 0 || byTime.size === 0) continue; // header line
      throw new Error(`${source}:${i + 1}: bad timestamp "${f[0]}"`);
    }
    if (t < 1e11) t *= 1000; // seconds
    else if (t > 1e14) t = Math.floor(t / 1000); // microseconds
    const [o, h, l, c] = [Number(f[1]), Number(f[2]), Number(f[3]), Number(f[4])];
    if (![o, h, l, c].every((x) => Number.isFinite(x) && x > 0)) {
      throw new Error(`${source}:${i + 1}: open/high/low/close must be positive numbers`);
    }
    if (l > Math.min(o, c) + 1e-12 || h < Math.max(o, c) - 1e-12) {
      throw new Error(`${source}:${i + 1}: low/high do not bound open/close`);
    }
    byTime.set(t - (t % MINUTE_MS), { t: t - (t % MINUTE_MS), o, h, l, c });
  }
  const candles = [...byTime.values()].sort((a, b) => a.t - b.t);
  if (candles.length === 0) throw new Error(`${source}: no candles`);
  return candles;
}

/** Reads and parses a candle CSV file. */
export function loadCandlesFile(path: string): Candle[] {
  return parseCandlesCsv(readFileSync(path, 'utf8'), path);
}

/** The 4 points of a candle's path, in the order the price visits them. */
export function candlePath(c: Candle): [number, number, number, number] {
  return c.c >= c.o ? [c.o, c.l, c.h, c.c] : [c.o, c.h, c.l, c.c];
}

/**
 * A price series with O(1) lookup: a dense per-minute table of 4 path points (gap minutes are
 * filled flat with the previous close), precomputed once.
 */
export class PriceSeries {
  readonly start: number;
  /** Open time of the last candle + 1 minute: the instant the last close is reached. */
  readonly end: number;
  private readonly points: Float64Array;
  private readonly minutes: number;

  constructor(candles: readonly Candle[]) {
    if (candles.length === 0) throw new Error('PriceSeries needs at least one candle');
    this.start = candles[0]!.t;
    this.minutes = (candles[candles.length - 1]!.t - this.start) / MINUTE_MS + 1;
    this.end = this.start + this.minutes * MINUTE_MS;
    this.points = new Float64Array(this.minutes * 4);
    let k = 0;
    let lastClose = candles[0]!.o;
    for (let m = 0; m < this.minutes; m++) {
      const t = this.start + m * MINUTE_MS;
      const candle = candles[k];
      let path: [number, number, number, number];
      if (candle !== undefined && candle.t === t) {
        path = candlePath(candle);
        lastClose = candle.c;
        k++;
      } else {
        path = [lastClose, lastClose, lastClose, lastClose];
      }
      this.points.set(path, m * 4);
    }
  }

  /** Mark price at time t (ms). */
  priceAt(t: number): number {
    if (t <= this.start) return this.points[0]!;
    if (t >= this.end) return this.points[this.points.length - 1]!;
    const offset = t - this.start;
    const m = Math.floor(offset / MINUTE_MS);
    const inMinute = offset - m * MINUTE_MS;
    const seg = Math.floor(inMinute / KNOT_MS); // 0, 1 or 2
    const frac = (inMinute - seg * KNOT_MS) / KNOT_MS;
    const base = m * 4 + seg;
    const a = this.points[base]!;
    const b = this.points[base + 1]!;
    return a + (b - a) * frac;
  }
}

/** Next knot strictly after t: the stepper must stop there so no candle extreme is skipped. */
export function nextKnot(t: number): number {
  return (Math.floor(t / KNOT_MS) + 1) * KNOT_MS;
}
