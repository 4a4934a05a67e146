import type { PaperAccount, PaperEngine } from '../../paper/index.ts';
import { nextKnot } from '../../paper/replay.ts';

/**
 * Moves one engine's market clock in steps of at most `stepMs` that also stop on every candle
 * knot (the engine checks prices, orders and liquidations at each), and has every tracked account
 * record its equity after each step.
 */
export class ReplayClock {
  private readonly tracks: EquityTrack[] = [];
  private readonly listeners: (() => void)[] = [];

  constructor(
    readonly engine: PaperEngine,
    readonly stepMs: number,
  ) {}

  /** Starts recording an account of this engine. */
  track(account: PaperAccount): EquityTrack {
    const t = new EquityTrack(this.engine, account);
    this.tracks.push(t);
    return t;
  }

  /** Calls `fn` after every step, once the tracked accounts have recorded it (the oracle acts here). */
  afterStep(fn: () => void): void {
    this.listeners.push(fn);
  }

  advanceTo(target: number): void {
    const engine = this.engine;
    while (engine.now() < target) {
      const now = engine.now();
      engine.advanceTo(Math.min(target, now + this.stepMs, nextKnot(now)), { stepMs: this.stepMs });
      for (const t of this.tracks) t.record();
      for (const fn of this.listeners) fn();
    }
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.engine.now() + ms);
  }
}

/**
 * One account's equity at every clock step: the trailing peak and drawdowns a replay reports
 * are measured on this per-step path, not on the guard's (sparser) ticks.
 */
export class EquityTrack {
  readonly t: number[] = [];
  readonly equity: number[] = [];
  readonly peak: number[] = [];
  private top = Number.NEGATIVE_INFINITY;

  constructor(
    readonly engine: PaperEngine,
    readonly account: PaperAccount,
  ) {
    this.record();
  }

  /** Wallets + unrealized PnL at the current marks (Binance "margin balance"), USDT. */
  equityNow(): number {
    let eq = this.account.crossWallet;
    for (const p of this.account.positions.values()) {
      const m = this.engine.mark(p.symbol);
      eq += p.isolatedWallet + p.amt * ((m?.price ?? p.entryPrice) - p.entryPrice);
    }
    return eq;
  }

  /** Records the equity now. */
  record(): void {
    const e = this.equityNow();
    if (e > this.top) this.top = e;
    this.t.push(this.engine.now());
    this.equity.push(e);
    this.peak.push(this.top);
  }

  /** Index of the last record at or before `time` (0 when none). */
  private indexAt(time: number): number {
    let lo = 0;
    let hi = this.t.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.t[mid]! <= time) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The trailing peak of equity at `time`. */
  peakAt(time: number): number {
    return this.peak[this.indexAt(time)]!;
  }

  equityAt(time: number): number {
    return this.equity[this.indexAt(time)]!;
  }

  /** The last recorded equity and trailing peak. */
  get last(): { equity: number; peak: number } {
    const i = this.t.length - 1;
    return { equity: this.equity[i]!, peak: this.peak[i]! };
  }

  /** Highest equity seen so far. */
  get peakEquity(): number {
    return this.top;
  }

  /** Largest drawdown from the trailing peak so far, as a fraction. */
  maxDrawdown(): number {
    let worst = 0;
    for (let i = 0; i < this.equity.length; i++) {
      const pk = this.peak[i]!;
      if (pk > 0) worst = Math.max(worst, (pk - this.equity[i]!) / pk);
    }
    return worst;
  }
}
