import type { PaperAccount, PaperEngine } from '../../paper/index.ts';
import { nextKnot } from '../../paper/replay.ts';

/**
 * Moves one engine's market clock and records the account's equity at every step: the trailing
 * peak and drawdowns a replay reports are measured on this per-step path, not on the guard's
 * (sparser) ticks.
 */
export class EquityTrack {
  readonly t: number[] = [];
  readonly equity: number[] = [];
  readonly peak: number[] = [];
  private top: number;

  constructor(
    readonly engine: PaperEngine,
    readonly account: PaperAccount,
    readonly stepMs: number,
  ) {
    const e = this.equityNow();
    this.top = e;
    this.record(e);
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

  private record(e: number): void {
    if (e > this.top) this.top = e;
    this.t.push(this.engine.now());
    this.equity.push(e);
    this.peak.push(this.top);
  }

  /** Steps the engine to `target` (prices, orders, liquidations at every step and candle knot). */
  advanceTo(target: number): void {
    const engine = this.engine;
    while (engine.now() < target) {
      const now = engine.now();
      engine.advanceTo(Math.min(target, now + this.stepMs, nextKnot(now)), { stepMs: this.stepMs });
      this.record(this.equityNow());
    }
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.engine.now() + ms);
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
