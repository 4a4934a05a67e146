import type { RequestBudget } from '../venue.ts';

/**
 * Bybit request budget. Bybit limits requests per IP (600 in any 5-second window:
 * https://bybit-exchange.github.io/docs/v5/rate-limit "HTTP IP limit") and per UID and endpoint per
 * second; every request costs 1. A snapshot is wallet-balance + position/list (one page per 200
 * positions) + tickers for all linear symbols; risk limits are read hourly (one public call) and
 * account info + the key's info every 10 minutes; the history read (transaction-log, a page per 50
 * rows) at most once a minute.
 */
export const BYBIT_WEIGHTS = Object.freeze({
  /** 600 per 5 s = 7,200 per minute per IP. */
  limitPerMinute: 7_200,
  snapshot: 3,
  marks: 1,
  historyPerMinute: 2,
  settingsPerMinute: 1,
  /** Per symbol and round of a close: one order (+ one read of it); open orders and cancel-all are per settle coin. */
  closePerSymbol: 2,
  /** Per round: one open-orders read and one cancel-all for the settle coin. */
  closePerRound: 2,
});

const MINUTE_SECONDS = 60;

/**
 * Requests per minute of one account ticking every `cadenceSeconds`, no orders.
 * @example weightPerMinute(60) === 6; weightPerMinute(1) === 183
 */
export function weightPerMinute(cadenceSeconds: number): number {
  if (!(cadenceSeconds > 0 && Number.isFinite(cadenceSeconds))) throw new RangeError(`cadenceSeconds must be > 0, got ${cadenceSeconds}`);
  const ticks = Math.ceil(MINUTE_SECONDS / Math.min(cadenceSeconds, MINUTE_SECONDS));
  return ticks * BYBIT_WEIGHTS.snapshot + BYBIT_WEIGHTS.historyPerMinute + BYBIT_WEIGHTS.settingsPerMinute;
}

/**
 * Worst-case extra requests of one close-all over `symbols` symbols (execute.ts runs up to 5 rounds).
 * @example closeAllWeight(2) === 3 + 5 × (2 × 2 + 2 + 3) === 48
 */
export function closeAllWeight(symbols: number, rounds = 5): number {
  return BYBIT_WEIGHTS.snapshot + rounds * (symbols * BYBIT_WEIGHTS.closePerSymbol + BYBIT_WEIGHTS.closePerRound + BYBIT_WEIGHTS.snapshot);
}

/** The per-IP budget of the local loop (per minute, in requests). */
export const BYBIT_BUDGET: RequestBudget = Object.freeze({
  perMinute: BYBIT_WEIGHTS.limitPerMinute,
  tickCost: BYBIT_WEIGHTS.snapshot + 1,
  marksCost: BYBIT_WEIGHTS.marks,
  weightPerMinute,
  closeAllWeight,
});
