import type { RequestBudget } from '../venue.ts';

/**
 * Orderly limits requests per endpoint and second ("10 requests per 1 second per user" on private
 * account endpoints: https://orderly.network/docs/build-on-omnichain/restful-api/private/get-margin-modes),
 * not by a per-minute IP weight. The budget below counts REQUESTS per minute for the local loop;
 * the per-second, per-endpoint limit is what a close-all must respect (it sends one order per leg).
 * A snapshot is holding + positions (cross) + positions (isolated) + futures (marks) = 4 requests;
 * the history read is asset history + liquidations + funding fees + trades = 4, at most once a minute.
 */
export const ORDERLY_REQUESTS = Object.freeze({
  /** 10/s on each endpoint; the loop's one number: what one host may spend on the positions endpoint in a minute. */
  limitPerMinute: 600,
  snapshot: 4,
  marks: 1,
  historyPerMinute: 4,
  /** Per symbol and round of a close: open orders + algo orders (2), their cancels (2), one order per leg (2). */
  closePerSymbol: 6,
});

export function weightPerMinute(cadenceSeconds: number): number {
  if (!(cadenceSeconds > 0 && Number.isFinite(cadenceSeconds))) throw new RangeError(`cadenceSeconds must be > 0, got ${cadenceSeconds}`);
  const ticks = Math.ceil(60 / Math.min(cadenceSeconds, 60));
  return ticks * ORDERLY_REQUESTS.snapshot + ORDERLY_REQUESTS.historyPerMinute;
}

export function closeAllWeight(symbols: number, rounds = 5): number {
  return ORDERLY_REQUESTS.snapshot + rounds * (symbols * ORDERLY_REQUESTS.closePerSymbol + ORDERLY_REQUESTS.snapshot);
}

export const ORDERLY_BUDGET: RequestBudget = Object.freeze({
  perMinute: ORDERLY_REQUESTS.limitPerMinute,
  tickCost: ORDERLY_REQUESTS.snapshot + 1,
  marksCost: ORDERLY_REQUESTS.marks,
  weightPerMinute,
  closeAllWeight,
});
