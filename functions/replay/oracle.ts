/**
 * The oracle run of a replay (issue 16 §1): the unguarded book, closed in full at the first engine
 * step where its equity is at or below the per-step trailing peak × (1 − threshold) — the same
 * engine, fills and fees as the guard's orders, but no latency and no sampling: the physical limit
 * of a drawdown exit at that step size. A guard is measured against it (`overshootVsOracle`).
 */
import type { PaperAccount, PaperEngine } from '../../paper/index.ts';
import type { EquityTrack, ReplayClock } from './track.ts';

/** An order the oracle placed (market time of its fill, ms). */
export interface OracleOrder {
  at: number;
  symbol: string;
  side: 'buy' | 'sell';
  amount: number;
  filled: number;
  averagePrice: number | null;
  status: string;
}

export interface OracleOutcome {
  /** The step at which the per-step drawdown touched the threshold (ms); null when it never did. */
  decidedAt: number | null;
  /** Per-step peak and equity at that step, USDT. */
  peak: number | null;
  equityAtDecision: number | null;
  /** When every position was gone (ms) and the equity then, fills and fees included. */
  flatAt: number | null;
  flatEquity: number | null;
  orders: OracleOrder[];
}

/**
 * Reduce-only market closes of every position of `account`, split by the market's largest market
 * quantity, placed at the engine's current time (no round trip).
 */
export function closeEverything(engine: PaperEngine, account: PaperAccount, onOrder: (o: OracleOrder) => void): void {
  for (const p of [...account.positions.values()]) {
    const m = engine.market(p.symbol);
    let left = Math.abs(p.amt);
    while (left > 1e-12) {
      const qty = Number(Math.min(left, m.marketMaxQty).toFixed(m.quantityPrecision));
      if (!(qty > 0)) break;
      const side = p.amt > 0 ? 'SELL' : 'BUY';
      const o = engine.placeOrder(account, {
        symbol: p.symbol,
        side,
        type: 'MARKET',
        quantity: qty,
        ...(account.dualSide ? { positionSide: p.positionSide } : { reduceOnly: true }),
      });
      onOrder({
        at: o.updateTime,
        symbol: p.symbol,
        side: side === 'BUY' ? 'buy' : 'sell',
        amount: qty,
        filled: o.executedQty,
        averagePrice: o.avgPrice > 0 ? o.avgPrice : null,
        status: o.status.toLowerCase(),
      });
      if (o.executedQty <= 0) break;
      left = Number((left - o.executedQty).toFixed(m.quantityPrecision));
    }
  }
}

/**
 * Watches `account` (recorded by `track` on `clock`) and closes it all at the first step its
 * drawdown from the per-step peak reaches `threshold` (a fraction, 0.15 = 15 %). The outcome
 * object fills in as the clock moves; `threshold` null: never acts.
 */
export function attachOracle(clock: ReplayClock, account: PaperAccount, track: EquityTrack, threshold: number | null): OracleOutcome {
  const out: OracleOutcome = { decidedAt: null, peak: null, equityAtDecision: null, flatAt: null, flatEquity: null, orders: [] };
  if (threshold === null) return out;
  const engine = clock.engine;
  clock.afterStep(() => {
    if (out.flatAt !== null) return;
    if (out.decidedAt === null) {
      if (account.positions.size === 0) return;
      const { equity, peak } = track.last;
      if (!(peak > 0 && equity <= peak * (1 - threshold))) return;
      out.decidedAt = engine.now();
      out.peak = peak;
      out.equityAtDecision = equity;
    }
    // Decided: close now, and again at later steps if a market order left something behind.
    closeEverything(engine, account, (o) => out.orders.push(o));
    if (account.positions.size === 0) {
      out.flatAt = engine.now();
      out.flatEquity = track.equityNow();
    }
  });
  return out;
}
