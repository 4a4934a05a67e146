import type { RequestBudget } from '../venue.ts';

/**
 * OKX v5 request budget, in requests. OKX limits each endpoint on its own, per User ID for
 * private endpoints and per IP for public ones, over 2 s windows (https://www.okx.com/docs-v5/en/#overview-rate-limits):
 * account/balance and account/positions 10 / 2 s per user, public/mark-price 10 / 2 s per IP,
 * account/bills 5 / s, trade/batch-orders and cancel-batch-orders 300 orders / 2 s.
 * The tightest per-IP limit the guard shares across its accounts is public/mark-price: 300 a minute.
 * A snapshot is balance + positions + mark-price (3), the position mode / account level read
 * (account/config) every 10 minutes, instruments, tiers and the taker rate (account/trade-fee,
 * 5 / 2 s per user) hourly; history is bills pages.
 */
export const OKX_WEIGHTS = Object.freeze({
  /** public/mark-price: 10 requests per 2 s per IP. */
  limitPerMinute: 300,
  snapshot: 3,
  marks: 1,
  historyPerMinute: 2,
  settingsPerMinute: 1,
  /** Per symbol and round of a close: pending plain + algo (2), their batch cancels (2), one order (1). */
  closePerSymbol: 5,
});

const MINUTE_SECONDS = 60;

/** @example weightPerMinute(60) === 6 */
export function weightPerMinute(cadenceSeconds: number): number {
  if (!(cadenceSeconds > 0 && Number.isFinite(cadenceSeconds))) throw new RangeError(`cadenceSeconds must be > 0, got ${cadenceSeconds}`);
  const ticks = Math.ceil(MINUTE_SECONDS / Math.min(cadenceSeconds, MINUTE_SECONDS));
  return ticks * OKX_WEIGHTS.snapshot + OKX_WEIGHTS.historyPerMinute + OKX_WEIGHTS.settingsPerMinute;
}

/** @example closeAllWeight(2) === 3 + 5 × (2 × 5 + 3) === 68 */
export function closeAllWeight(symbols: number, rounds = 5): number {
  return OKX_WEIGHTS.snapshot + rounds * (symbols * OKX_WEIGHTS.closePerSymbol + OKX_WEIGHTS.snapshot);
}

export const OKX_BUDGET: RequestBudget = Object.freeze({
  perMinute: OKX_WEIGHTS.limitPerMinute,
  tickCost: OKX_WEIGHTS.snapshot + 1,
  marksCost: OKX_WEIGHTS.marks,
  weightPerMinute,
  closeAllWeight,
});
