import type { RequestBudget } from '../venue.ts';

/**
 * Hyperliquid's REST budget as the guard spends it. Source: "Rate limits and user limits",
 * https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits (read Dec 2026):
 * - per IP, REST requests share an aggregated weight of 1,200 per minute;
 * - /exchange actions weigh 1 + floor(batch_length / 40) (a batch of 79 orders weighs 2);
 * - /info `l2Book`, `allMids`, `clearinghouseState`, `orderStatus`, `spotClearinghouseState`,
 *   `exchangeStatus` weigh 2; `userRole` weighs 60; every other documented info request 20;
 * - some history reads (`userFills`, `userFillsByTime`, `userFunding`, …) add 1 per 20 items
 *   returned (as SDKs that track the page quote it; e.g. guilder-client-hyperliquid's README).
 *
 * A routine snapshot (adapter.ts) is `clearinghouseState` (2 per perp dex) + `spotClearinghouseState`
 * (2, for a unified account) + `metaAndAssetCtxs` (20 per dex holding positions; marks, oracle prices
 * and margin tables): 22–24 for a main-dex account. The budget below counts 44 (room for
 * `frontendOpenOrders`, 20, and a second dex): conservative. `userAbstraction` and `perpDexs` (20
 * each) are read at start and every 10 minutes; `userRole` (60, twice) and `extraAgents` (20) at
 * start and hourly. The history read, at most once a minute, is `userNonFundingLedgerUpdates`
 * + `userFunding` + `userFillsByTime` (20 each, plus the per-item surcharge of big pages).
 */
export const HYPERLIQUID_WEIGHTS = Object.freeze({
  limitPerMinute: 1_200,
  clearinghouseState: 2,
  spotClearinghouseState: 2,
  metaAndAssetCtxs: 20,
  frontendOpenOrders: 20,
  userAbstraction: 20,
  /** One snapshot of the main dex: 2 + 2 + 20 + 20. Each further dex with positions adds 2 + 20. */
  snapshot: 44,
  /** Per further perp dex (HIP-3) holding positions: its clearinghouseState and metaAndAssetCtxs. */
  snapshotPerExtraDex: 22,
  /** userNonFundingLedgerUpdates + userFunding + userFillsByTime, quiet pages. */
  historyPerMinute: 60,
  /** The per-item surcharge of userFunding and userFillsByTime: 1 per this many rows. */
  itemsPerExtraWeight: 20,
  /** userAbstraction every 10 minutes. */
  settingsPerMinute: 2,
});

/** The weight of one /exchange action carrying `batchLength` orders or cancels (docs: 1 + floor(n / 40)). */
export const actionWeight = (batchLength: number): number => 1 + Math.floor(Math.max(0, batchLength) / 40);

const MINUTE_SECONDS = 60;

/**
 * Request weight per minute of one account ticking every `cadenceSeconds`, no orders: one snapshot
 * per tick, the history once a minute, the abstraction re-read amortized.
 * @example weightPerMinute(60) === 44 + 60 + 2; weightPerMinute(5) === 12 × 44 + 62 === 590
 */
export function weightPerMinute(cadenceSeconds: number): number {
  if (!(cadenceSeconds > 0 && Number.isFinite(cadenceSeconds))) throw new RangeError(`cadenceSeconds must be > 0, got ${cadenceSeconds}`);
  const ticks = Math.ceil(MINUTE_SECONDS / Math.min(cadenceSeconds, MINUTE_SECONDS));
  return ticks * HYPERLIQUID_WEIGHTS.snapshot + HYPERLIQUID_WEIGHTS.historyPerMinute + HYPERLIQUID_WEIGHTS.settingsPerMinute;
}

/**
 * Worst-case extra weight of one close-all over `symbols` symbols: the confirming snapshot, then per
 * round the open orders (20), one cancel batch and one order batch for every symbol at once
 * (1 + floor(n / 40) each), and a re-read.
 * @example closeAllWeight(2) === 44 + 5 × (20 + 1 + 1 + 44) === 374
 */
export function closeAllWeight(symbols: number, rounds = 5): number {
  const perRound = HYPERLIQUID_WEIGHTS.frontendOpenOrders + 2 * actionWeight(symbols) + HYPERLIQUID_WEIGHTS.snapshot;
  return HYPERLIQUID_WEIGHTS.snapshot + rounds * perRound;
}

/** The per-IP budget of the local loop: 1,200 a minute; a routine tick is a snapshot plus its share of the history read. */
export const HYPERLIQUID_BUDGET: RequestBudget = Object.freeze({
  perMinute: HYPERLIQUID_WEIGHTS.limitPerMinute,
  tickCost: HYPERLIQUID_WEIGHTS.snapshot + 2,
  weightPerMinute,
  closeAllWeight,
});

/**
 * Hyperliquid's address-based action limits, apart from the IP budget (same docs page, "Address-based
 * limits"): they count /exchange actions only, per address (a sub-account is its own address), and a
 * batch of n orders or cancels counts n. An address may send 1 request per 1 USDC it has traded since
 * inception, after an initial buffer of 10,000; once past it, ONE request every 10 s. Cancels have the
 * larger cap min(limit + 100,000, 2 × limit), so open orders can still be cancelled. A guard key that
 * never trades has the buffer only: each close counts, and a throttled close waits 10 s per action.
 * unifiedAccount and portfolioMargin accounts are also capped at 50,000 actions a day (LI.FI's
 * provider notes on account abstraction: https://public-perps-docs.mintlify.app/providers/hyperliquid/account-abstraction).
 */
export const HYPERLIQUID_ADDRESS_LIMITS = Object.freeze({
  initialRequests: 10_000,
  requestsPerUsdcTraded: 1,
  /** Once over the cap: one action per this many ms. */
  throttledEveryMs: 10_000,
  /** Extra cancel allowance over the action cap: min(cap + 100,000, 2 × cap). */
  cancelExtra: 100_000,
  unifiedDailyActions: 50_000,
});
