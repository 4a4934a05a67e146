import type { RequestBudget } from '../venue.ts';

/**
 * Binance USDⓈ-M request weights the guard spends (documented IP weights; the limit is per IP:
 * https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info "IP Limits").
 * A snapshot is account v3 (5) + positionRisk v3 (5) + premiumIndex for all symbols (10); the
 * history read is income (30) + forceOrders without symbol (50), at most once a minute
 * (runGuardTick's `historyEveryMs`); the adapter re-reads position mode and multi-assets mode
 * (30 + 30) every 10 minutes.
 */
export const BINANCE_WEIGHTS = Object.freeze({
  limitPerMinute: 2_400,
  snapshot: 20,
  /** premiumIndex for every symbol: the mark watch's read (shared with the snapshots in flight). */
  marks: 10,
  historyPerMinute: 80,
  settingsPerMinute: 6,
  /** Per symbol and round of a close: open orders, plain and conditional (1 + 1), their cancels (1 + 1), one order (1). */
  closePerSymbol: 5,
});

const MINUTE_SECONDS = 60;

/**
 * Request weight per minute of one account ticking every `cadenceSeconds`, no orders: one
 * snapshot per tick, the history once a minute, the adapter's settings reads amortized.
 * @example weightPerMinute(60) === 106; weightPerMinute(1) === 1_286
 */
export function weightPerMinute(cadenceSeconds: number): number {
  if (!(cadenceSeconds > 0 && Number.isFinite(cadenceSeconds))) throw new RangeError(`cadenceSeconds must be > 0, got ${cadenceSeconds}`);
  const ticks = Math.ceil(MINUTE_SECONDS / Math.min(cadenceSeconds, MINUTE_SECONDS));
  return ticks * BINANCE_WEIGHTS.snapshot + BINANCE_WEIGHTS.historyPerMinute + BINANCE_WEIGHTS.settingsPerMinute;
}

/**
 * Worst-case extra weight of one close-all over `symbols` symbols: the confirming read, then per
 * round the cancels and orders of every symbol and a re-read (execute.ts runs up to 5 rounds).
 * @example closeAllWeight(2) === 20 + 5 × (2 × 5 + 20) === 170
 */
export function closeAllWeight(symbols: number, rounds = 5): number {
  return BINANCE_WEIGHTS.snapshot + rounds * (symbols * BINANCE_WEIGHTS.closePerSymbol + BINANCE_WEIGHTS.snapshot);
}

/** The per-IP budget of the local loop: 2,400 a minute; a routine tick is a snapshot plus its share of the history read. */
export const BINANCE_BUDGET: RequestBudget = Object.freeze({
  perMinute: BINANCE_WEIGHTS.limitPerMinute,
  tickCost: BINANCE_WEIGHTS.snapshot + 2,
  marksCost: BINANCE_WEIGHTS.marks,
  weightPerMinute,
  closeAllWeight,
});
