import type { VenueErrors } from '../ccxt-errors.ts';

/**
 * Hyperliquid answers errors as text, not codes: `{"status":"err","response":"…"}` for a whole action,
 * or `{"error":"… asset=N"}` per order inside an ok answer. ccxt 4.5.84 (hyperliquid.js
 * `exceptions.broad` and handleErrors) raises the FIRST per-order error of a batch and loses the other
 * orders' statuses; its mapping, with what the guard makes of it:
 *
 * | message (prefix)                                              | ccxt              | guard                          |
 * |---------------------------------------------------------------|-------------------|--------------------------------|
 * | `User or API Wallet 0x… does not exist.`                      | InvalidOrder      | auth: credentials alert        |
 * | `Too many cumulative requests sent (…) for cumulative volume` | RateLimitExceeded | rate limit (address budget)    |
 * | `Reduce only order would increase position.`                  | InvalidOrder      | stale size: re-read and clamp  |
 * | `Order could not immediately match against any resting orders.` | InvalidOrder    | IOC found no liquidity: escalate slippage |
 * | `Order must have minimum value of $10`                        | InvalidOrder      | residual: reported, not retried |
 * | `Insufficient margin to place order.`                         | InsufficientFunds | (not a reduce-only close)      |
 * | `Order was never placed, already canceled, or filled.`        | OrderNotFound     | cancel race: re-read           |
 * | HTTP 429 (IP weight over 1,200/min)                           | RateLimitExceeded | rate limit: wait               |
 *
 * The order statuses `iocCancelRejected`, `reduceOnlyRejected` and `minTradeNtlRejected` are the same
 * three fates as `orderStatus` reports them (docs; nktkas OrderProcessingStatusSchema).
 */
export const HYPERLIQUID_ERRORS: VenueErrors = Object.freeze({
  venue: 'hyperliquid',
  auth: [],
  unavailable: [],
  /** ccxt's testnet and mainnet API origins, replaced by the account's base URL in messages. */
  origins: /https:\/\/api\.hyperliquid(-testnet)?\.xyz/g,
  /**
   * The signer is not the account or one of its approved API wallets (wrong key, revoked or expired
   * API wallet, wrong walletAddress). ccxt raises it as InvalidOrder (STYLE.md §8): a guard must alert
   * at once, never retry an order with it.
   */
  authMessages: [/User or API Wallet 0x[0-9a-fA-F]* ?does not exist/i],
  unavailableMessages: [],
});

/** A reduce-only close found the position smaller than asked (or gone): re-read the size and clamp. */
export const isReduceOnlyIncrease = (message: string): boolean =>
  /Reduce only order would increase position/i.test(message) || /\breduceOnlyRejected\b/.test(message);

/** An IOC order found nothing to match within its limit price: escalate the slippage. */
export const isIocNoMatch = (message: string): boolean =>
  /could not immediately match/i.test(message) || /\biocCancelRejected\b/.test(message) || /No liquidity available for market order/i.test(message);

/** Below the venue's minimum order value ($10 notional): a residual to report, not to retry. */
export const isBelowMinimumValue = (message: string): boolean =>
  /Order must have minimum value of \$\d+/i.test(message) || /\bminTradeNtlRejected\b/.test(message);

/** The address-based action budget is spent (1 request per USDC traded after 10,000): one action per 10 s from now on. */
export const isAddressRateLimited = (message: string): boolean => /Too many cumulative requests sent/i.test(message);

/** The signer is not known to the venue for this account (see HYPERLIQUID_ERRORS.authMessages). */
export const isUnknownSigner = (message: string): boolean => HYPERLIQUID_ERRORS.authMessages!.some((r) => r.test(message));

/** What a closing order's error means for the close loop. */
export type OrderErrorKind = 'auth' | 'stale-size' | 'no-match' | 'below-minimum' | 'rate-limited' | 'other';

/** One per-order error string (`statuses[i].error`) classified for the close loop. */
export function orderErrorKind(message: string): OrderErrorKind {
  if (isUnknownSigner(message)) return 'auth';
  if (isReduceOnlyIncrease(message)) return 'stale-size';
  if (isIocNoMatch(message)) return 'no-match';
  if (isBelowMinimumValue(message)) return 'below-minimum';
  if (isAddressRateLimited(message)) return 'rate-limited';
  return 'other';
}

/**
 * The venue's answer body quoted in a ccxt error message (`hyperliquid {"status":"ok",…}`), parsed:
 * ccxt throws on the first failed order of a batch, and the other orders' statuses (some may have
 * filled) are only in this body. null when the message carries no JSON body.
 */
export function bodyOfCcxtMessage(message: string): unknown {
  const start = message.indexOf('{');
  if (start < 0) return null;
  try {
    return JSON.parse(message.slice(start)) as unknown;
  } catch {
    return null;
  }
}
